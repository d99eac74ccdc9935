module github.com/alipay-rs/alipay-rs/go

// Standard library only: this module is what Go teams add to their tests. The SDKs it is tested with live in
// the separate module ./examples (its own go.mod), so they never become requirements of this one.
go 1.22
