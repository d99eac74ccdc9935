package examples

// The ready-made configurations, as runnable examples (go test runs them and compares the output). They use
// alipaysandbox.New (no *testing.T in an example); in a test, alipaysandbox.Start(t) does the same and stops
// the sandbox by itself.

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
	"github.com/go-pay/gopay"
	gopayalipay "github.com/go-pay/gopay/alipay"
	"github.com/smartwalle/alipay/v3"
)

// smartwalle/alipay: point the sandbox gateway option at the local Alipay, stamp Beijing time, verify with
// the sandbox's Alipay public key. Then the buyer scans the QR code and pays.
func Example_smartwalle() {
	sb, err := alipaysandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()

	client, err := alipay.New(sb.AppID, sb.AppPrivateKey, false, // false: the "sandbox" gateway, replaced:
		alipay.WithSandboxGateway(sb.GatewayURL),
		alipay.WithTimeLocation(alipaysandbox.Beijing))
	if err != nil {
		log.Fatal(err)
	}
	if err := client.LoadAliPayPublicKey(sb.AlipayPublicKey); err != nil {
		log.Fatal(err)
	}

	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject = "T1", "88.88", "demo"
	pre, err := client.TradePreCreate(context.Background(), order)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pre.Code, strings.HasPrefix(pre.QRCode, "https://qr.alipay.com/"))

	sb.Scan(pre.QRCode, true) // the default buyer scans and pays
	q, err := client.TradeQuery(context.Background(), alipay.TradeQuery{OutTradeNo: "T1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(q.TradeStatus, q.TotalAmount)
	// Output:
	// 10000 true
	// TRADE_SUCCESS 88.88
}

// smartwalle/alipay: a notify_url on loopback that verifies each notification with the SDK
// (DecodeNotification) before answering "success".
func Example_smartwalleNotification() {
	sb, err := alipaysandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	client, _ := alipay.New(sb.AppID, sb.AppPrivateKey, false,
		alipay.WithSandboxGateway(sb.GatewayURL), alipay.WithTimeLocation(alipaysandbox.Beijing))
	_ = client.LoadAliPayPublicKey(sb.AlipayPublicKey)

	receiver := alipaysandbox.NewNotificationReceiver(nil, func(n *alipaysandbox.ReceivedNotification) string {
		if _, err := client.DecodeNotification(n.Form); err != nil {
			return "fail"
		}
		return "success"
	})
	defer receiver.Close()

	var pay alipay.TradePay
	pay.OutTradeNo, pay.TotalAmount, pay.Subject = "T2", "12.00", "barcode"
	pay.Scene, pay.AuthCode = "bar_code", sb.PaymentCode("")
	pay.NotifyURL = receiver.URL
	paid, err := client.TradePay(context.Background(), pay)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(paid.Code)

	n := receiver.Wait(alipaysandbox.OutTradeNo("T2"))
	fmt.Println(n.Form.Get("trade_status"), n.Answer)
	// Output:
	// 10000
	// TRADE_SUCCESS success
}

// go-pay/gopay: its gateway URL is fixed, so the process's host proxy (alipaysandbox.InstallHostProxy, in
// TestMain) hands Alipay's hosts to the routed sandbox; keys as bare base64; Beijing time; verification of
// every answer with AutoVerifySign.
func Example_gopay() {
	// In TestMain, before any HTTP request: alipaysandbox.InstallHostProxy() (main_test.go).
	sb, err := alipaysandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	sb.RouteAlipayHosts()

	client, err := gopayalipay.NewClient(sb.AppID, alipaysandbox.KeyBase64(sb.AppPrivateKeyPKCS1), false)
	if err != nil {
		log.Fatal(err)
	}
	client.SetLocation("Asia/Shanghai")
	client.AutoVerifySign([]byte(sb.AlipayPublicKey))

	bm := make(gopay.BodyMap)
	bm.Set("out_trade_no", "T1").Set("total_amount", "88.88").Set("subject", "demo")
	pre, err := client.TradePrecreate(context.Background(), bm)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pre.Response.Code, strings.HasPrefix(pre.Response.QrCode, "https://qr.alipay.com/"))

	sb.Scan(pre.Response.QrCode, true)
	q, err := client.TradeQuery(context.Background(), gopay.BodyMap{"out_trade_no": "T1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(q.Response.TradeStatus)
	// Output:
	// 10000 true
	// TRADE_SUCCESS
}

// go-pay/gopay: verify a notification with the SDK's own verifier (VerifySign over the parsed form).
func Example_gopayNotification() {
	sb, err := alipaysandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	sb.RouteAlipayHosts()
	client, _ := gopayalipay.NewClient(sb.AppID, alipaysandbox.KeyBase64(sb.AppPrivateKeyPKCS1), false)
	client.SetLocation("Asia/Shanghai")

	receiver := alipaysandbox.NewNotificationReceiver(nil, func(n *alipaysandbox.ReceivedNotification) string {
		bm, err := gopayalipay.ParseNotifyByURLValues(n.Form)
		if err != nil {
			return "fail"
		}
		if ok, _ := gopayalipay.VerifySign(alipaysandbox.KeyBase64(sb.AlipayPublicKey), bm); !ok {
			return "fail"
		}
		return "success"
	})
	defer receiver.Close()

	bm := gopay.BodyMap{"out_trade_no": "T2", "total_amount": "12.00", "subject": "barcode",
		"scene": "bar_code", "auth_code": sb.PaymentCode(""), "notify_url": receiver.URL}
	if _, err := client.TradePay(context.Background(), bm); err != nil {
		log.Fatal(err)
	}
	n := receiver.Wait(alipaysandbox.OutTradeNo("T2"))
	fmt.Println(n.Form.Get("trade_status"), n.Answer)
	// Output:
	// TRADE_SUCCESS success
}
