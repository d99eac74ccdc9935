module github.com/alipay-rs/alipay-rs/go/examples

go 1.22

require (
	github.com/alipay-rs/alipay-rs/go v0.0.0
	github.com/go-pay/gopay v1.5.101
	github.com/smartwalle/alipay/v3 v3.2.25
)

require (
	github.com/go-pay/crypto v0.0.1 // indirect
	github.com/go-pay/xlog v0.0.2 // indirect
	github.com/go-pay/xtime v0.0.2 // indirect
	github.com/smartwalle/ncrypto v1.0.4 // indirect
	github.com/smartwalle/ngx v1.0.9 // indirect
	github.com/smartwalle/nsign v1.0.9 // indirect
)

// The helper of this checkout, not a published version.
replace github.com/alipay-rs/alipay-rs/go => ../
