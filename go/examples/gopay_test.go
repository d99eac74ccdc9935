package examples

// github.com/go-pay/gopay v1.5.101 (package alipay) against the sandbox. Paths in comments are files of that
// module ($(go env GOMODCACHE)/github.com/go-pay/gopay@v1.5.101/...). gopay cannot be given a gateway URL
// or an http.Client: it reaches the sandbox through the host proxy (main_test.go, alipaysandbox.HostProxy).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
	"github.com/go-pay/gopay"
	"github.com/go-pay/gopay/alipay"
)

// gopayVerifies checks a notification or return with gopay's own verifier (sign.go VerifySign: every
// parameter but sign and sign_type, sorted, empty values left out; the key as bare base64).
func gopayVerifies(sb *alipaysandbox.Sandbox, form map[string][]string) error {
	bm, err := alipay.ParseNotifyByURLValues(form) // notify.go
	if err != nil {
		return err
	}
	ok, err := alipay.VerifySign(alipaysandbox.KeyBase64(sb.AlipayPublicKey), bm)
	if err == nil && !ok {
		err = errors.New("not verified")
	}
	return err
}

func gopayReceiver(t *testing.T, verify func(map[string][]string) error) *alipaysandbox.NotificationReceiver {
	return alipaysandbox.NewNotificationReceiver(t, func(n *alipaysandbox.ReceivedNotification) string {
		if err := verify(n.Form); err != nil {
			t.Errorf("gopay does not verify the notification: %v (%s)", err, n.Body)
			return "fail"
		}
		return "success"
	})
}

func TestGopayPrecreateScanQueryNotify(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newGopay(t, sb)
	receiver := gopayReceiver(t, func(f map[string][]string) error { return gopayVerifies(sb, f) })
	ctx := context.Background()

	bm := make(gopay.BodyMap)
	bm.Set("out_trade_no", "GP1").Set("total_amount", "88.88").Set("subject", "demo").Set("notify_url", receiver.URL)
	pre, err := client.TradePrecreate(ctx, bm)
	if err != nil || pre.Response.Code != "10000" || !strings.HasPrefix(pre.Response.QrCode, "https://qr.alipay.com/") {
		t.Fatalf("precreate: %v %+v", err, pre)
	}
	// AutoVerifySign checked it; the standalone verifier agrees (sign.go VerifySyncSign over SignData).
	if ok, err := alipay.VerifySyncSign(alipaysandbox.KeyBase64(sb.AlipayPublicKey), pre.SignData, pre.Sign); !ok {
		t.Fatalf("VerifySyncSign: %v (%s)", err, pre.SignData)
	}
	sb.Scan(pre.Response.QrCode, true)
	q, err := client.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": "GP1"})
	if err != nil || q.Response.TradeStatus != "TRADE_SUCCESS" || q.Response.BuyerUserId != sb.BuyerUserID {
		t.Fatalf("query: %v %+v", err, q.Response)
	}
	n := receiver.Wait(alipaysandbox.OutTradeNo("GP1"))
	if n.Answer != "success" || n.Form.Get("notify_type") != "trade_status_sync" {
		t.Fatalf("notification %v answered %q", n.Form, n.Answer)
	}
	sb.WaitForNotifications(alipaysandbox.Wait{OutTradeNo: "GP1"})
}

func TestGopayBarcodePayRefundCancel(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newGopay(t, sb)
	ctx := context.Background()

	bm := gopay.BodyMap{"out_trade_no": "GP2", "total_amount": "100.00", "subject": "barcode",
		"scene": "bar_code", "auth_code": sb.PaymentCode("")}
	paid, err := client.TradePay(ctx, bm)
	if err != nil || paid.Response.Code != "10000" || paid.Response.BuyerUserId != sb.BuyerUserID {
		t.Fatalf("pay: %v %+v", err, paid)
	}
	refund := gopay.BodyMap{"out_trade_no": "GP2", "refund_amount": "30.00", "out_request_no": "R1"}
	refunded, err := client.TradeRefund(ctx, refund)
	if err != nil || refunded.Response.FundChange != "Y" || refunded.Response.RefundFee != "30.00" {
		t.Fatalf("refund: %v %+v", err, refunded)
	}
	again, err := client.TradeRefund(ctx, gopay.BodyMap{"out_trade_no": "GP2", "refund_amount": "30.00", "out_request_no": "R1"})
	if err != nil || again.Response.FundChange != "N" {
		t.Fatalf("refund replay: %v %+v", err, again)
	}
	cancelled, err := client.TradeCancel(ctx, gopay.BodyMap{"out_trade_no": "GP2"})
	if err != nil || cancelled.Response.Action != "refund" {
		t.Fatalf("cancel: %v %+v", err, cancelled)
	}
	if got := sb.Buyer("").Balance; got != "10000.00" {
		t.Fatalf("the buyer has %s after the cancel", got)
	}
	// Business failures come back as *alipay.BizErr (error.go bizErrCheckTradePay); gopay checks the code
	// before it verifies, so this answer's signature is not checked by gopay.
	bm.Set("out_trade_no", "GP3")
	_, err = client.TradePay(ctx, bm)
	var biz *alipay.BizErr
	if !errors.As(err, &biz) || biz.Code != "40004" {
		t.Fatalf("a used payment code: %v", err)
	}
}

func TestGopayPagePayThroughTheCashier(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newGopay(t, sb)
	receiver := gopayReceiver(t, func(f map[string][]string) error { return gopayVerifies(sb, f) })
	client.SetReturnUrl("https://shop.example/return").SetNotifyUrl(receiver.URL)

	bm := gopay.BodyMap{"out_trade_no": "GP4", "total_amount": "66.60", "subject": "网站支付"}
	payURL, err := client.TradePagePay(context.Background(), bm) // payment_api.go: product_code set, no request
	if err != nil {
		t.Fatal(err)
	}
	// client_request.go doAliPay: the URL is on Alipay's sandbox host; PayInCashier sends its query here.
	if !strings.HasPrefix(payURL, "https://openapi-sandbox.dl.alipaydev.com/gateway.do?") {
		t.Fatalf("page-pay URL %s", payURL)
	}
	visit := sb.PayInCashier(payURL, "")
	if !strings.Contains(visit.Order, "网站支付") || visit.Return == nil {
		t.Fatalf("cashier: %+v", visit)
	}
	if err := gopayVerifies(sb, visit.ReturnParams()); err != nil {
		t.Fatalf("gopay does not verify the return parameters: %v (%s)", err, visit.Return)
	}
	receiver.Wait(alipaysandbox.OutTradeNo("GP4"))
}

func TestGopayCertMode(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sb.RouteAlipayHosts()
	app := sb.CreateApp(alipaysandbox.NewApp{CertMode: true})
	client, err := alipay.NewClient(app.AppID, alipaysandbox.KeyBase64(app.AppPrivateKeyPKCS1), false)
	if err != nil {
		t.Fatal(err)
	}
	client.SetLocation("Asia/Shanghai")
	// param.go SetCertSnByContent: app_cert_sn, alipay_root_cert_sn (RSA-signed roots joined with _) and the
	// Alipay certificate's SN, which getSignData compares with each answer's alipay_cert_sn (sign.go).
	if err := client.SetCertSnByContent([]byte(app.AppCert), []byte(app.AlipayRootCert), []byte(app.AlipayCert)); err != nil {
		t.Fatal(err)
	}
	if client.AppCertSN != app.AppCertSN || client.AliPayRootCertSN != app.AlipayRootCertSN || client.AliPayPublicCertSN != app.AlipayCertSN {
		t.Fatalf("gopay computes other SNs than the sandbox: app %s/%s root %s/%s alipay %s/%s",
			client.AppCertSN, app.AppCertSN, client.AliPayRootCertSN, app.AlipayRootCertSN, client.AliPayPublicCertSN, app.AlipayCertSN)
	}
	client.AutoVerifySign([]byte(app.AlipayCert))
	receiver := gopayReceiver(t, func(f map[string][]string) error {
		bm, _ := alipay.ParseNotifyByURLValues(f)
		ok, err := alipay.VerifySignWithCert([]byte(app.AlipayCert), bm) // sign.go
		if err == nil && !ok {
			err = errors.New("not verified")
		}
		return err
	})
	ctx := context.Background()
	pre, err := client.TradePrecreate(ctx, gopay.BodyMap{"out_trade_no": "GPC1", "total_amount": "10.00",
		"subject": "cert", "notify_url": receiver.URL})
	if err != nil || pre.AlipayCertSn != app.AlipayCertSN {
		t.Fatalf("cert-mode precreate: %v %+v", err, pre)
	}
	sb.Scan(pre.Response.QrCode, true)
	q, err := client.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": "GPC1"})
	if err != nil || q.Response.TradeStatus != "TRADE_SUCCESS" {
		t.Fatalf("cert-mode query: %v %+v", err, q)
	}
	receiver.Wait(alipaysandbox.OutTradeNo("GPC1"))
	// gopay does not download a rotated certificate: an answer with another alipay_cert_sn is an error
	// (sign.go getSignData: gopay.CertNotMatchErr).
	sb.RotateAlipayCert()
	if _, err := client.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": "GPC1"}); !errors.Is(err, gopay.CertNotMatchErr) {
		t.Fatalf("after a rotation: %v", err)
	}
}

func TestGopayRefusesAWrongAlipayKey(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newGopay(t, sb)
	client.AutoVerifySign([]byte(sb.AppPublicKey)) // not the Alipay key
	_, err := client.TradePrecreate(context.Background(), gopay.BodyMap{"out_trade_no": "GP5", "total_amount": "1.00", "subject": "x"})
	if !errors.Is(err, gopay.VerifySignatureErr) {
		t.Fatalf("an answer verified with the wrong key: %v", err)
	}
}

// gopay stamps time.Now() in time.Local unless SetLocation is called (client.go pubParamsHandle). A UTC
// stamp is refused; without SetLocation the client works because alipaysandbox set time.Local to Beijing.
func TestGopayHostLocalTime(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sb.RouteAlipayHosts()
	for i, zone := range []string{"UTC", ""} {
		client, err := alipay.NewClient(sb.AppID, alipaysandbox.KeyBase64(sb.AppPrivateKeyPKCS1), false)
		if err != nil {
			t.Fatal(err)
		}
		if zone != "" {
			client.SetLocation(zone)
		}
		_, err = client.TradePrecreate(context.Background(), gopay.BodyMap{"out_trade_no": fmt.Sprint("GP6", i), "total_amount": "1.00", "subject": "x"})
		var biz *alipay.BizErr
		if zone == "UTC" && (!errors.As(err, &biz) || biz.SubCode != "isv.invalid-timestamp") {
			t.Fatalf("a UTC timestamp: %v", err)
		}
		if zone == "" && err != nil {
			t.Fatalf("time.Local (Beijing, set by alipaysandbox): %v", err)
		}
	}
}

// gopay wraps keys in PEM lines itself (github.com/go-pay/crypto xrsa.FormatAlipayPrivateKey and
// FormatAlipayPublicKey): it wants the bare base64 that Alipay's key tool prints. A PKCS#8 PEM private key
// happens to survive the double wrapping (pem.Decode skips the broken outer block and finds the inner one), a
// PKCS#1 PEM one does not, nor does a PEM public key given to VerifySign / VerifySyncSign: hence
// alipaysandbox.KeyBase64.
func TestGopayWantsBareBase64Keys(t *testing.T) {
	sb := alipaysandbox.Start(t)
	if _, err := alipay.NewClient(sb.AppID, sb.AppPrivateKeyPKCS1, false); err == nil {
		t.Fatal("gopay took a PKCS#1 PEM private key")
	}
	for _, key := range []string{sb.AppPrivateKey, sb.AppPrivateKeyPKCS1} {
		if _, err := alipay.NewClient(sb.AppID, alipaysandbox.KeyBase64(key), false); err != nil {
			t.Fatal(err)
		}
	}
	bm, _ := alipay.ParseNotifyByURLValues(map[string][]string{"a": {"b"}, "sign": {"AAAA"}})
	if _, err := alipay.VerifySign(sb.AlipayPublicKey, bm); err == nil || errors.Is(err, gopay.VerifySignatureErr) {
		t.Fatalf("a PEM public key was read: %v", err)
	}
	if _, err := alipay.VerifySign(alipaysandbox.KeyBase64(sb.AlipayPublicKey), bm); !errors.Is(err, gopay.VerifySignatureErr) {
		t.Fatalf("the bare key was not read: %v", err)
	}
}
