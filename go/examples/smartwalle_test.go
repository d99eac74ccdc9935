package examples

// github.com/smartwalle/alipay/v3 v3.2.25 against the sandbox. Paths in comments are files of that module
// ($(go env GOMODCACHE)/github.com/smartwalle/alipay/v3@v3.2.25/...).

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
	"github.com/smartwalle/alipay/v3"
)

// verifyingReceiver answers "success" only to notifications the SDK verifies (notify.go DecodeNotification
// -> alipay.go VerifySign), as a merchant's endpoint must; the sandbox marks them delivered only then.
func verifyingReceiver(t *testing.T, client *alipay.Client) *alipaysandbox.NotificationReceiver {
	return alipaysandbox.NewNotificationReceiver(t, func(n *alipaysandbox.ReceivedNotification) string {
		if _, err := client.DecodeNotification(n.Form); err != nil {
			t.Errorf("smartwalle does not verify the notification: %v (%s)", err, n.Body)
			return "fail"
		}
		return "success"
	})
}

func TestSmartwallePrecreateScanQueryNotify(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newSmartwalle(t, sb)
	receiver := verifyingReceiver(t, client)
	ctx := context.Background()

	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject = "SW1", "88.88", "demo"
	order.NotifyURL = receiver.URL
	pre, err := client.TradePreCreate(ctx, order)
	if err != nil || pre.Code != alipay.CodeSuccess {
		t.Fatalf("precreate: %v %+v", err, pre)
	}
	// A precreated trade does not exist for query until a buyer scans it (trade_type.go has no status for
	// it; Alipay answers ACQ.TRADE_NOT_EXIST, shared/spec/trade.md).
	q, err := client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "SW1"})
	if err != nil || q.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("query before the scan: %v %+v", err, q)
	}
	sb.Scan(pre.QRCode, true)
	q, err = client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "SW1"})
	if err != nil || q.Code != alipay.CodeSuccess || q.TradeStatus != alipay.TradeStatusSuccess || q.TotalAmount != "88.88" {
		t.Fatalf("query: %v %+v", err, q)
	}
	if q.BuyerUserId != sb.BuyerUserID {
		t.Fatalf("buyer %q, want the default buyer %q", q.BuyerUserId, sb.BuyerUserID)
	}
	n := receiver.Wait(alipaysandbox.OutTradeNo("SW1"))
	notification, err := client.DecodeNotification(n.Form)
	if err != nil {
		t.Fatal(err)
	}
	// notify.go: the fields of a trade_status_sync notification.
	if notification.TradeStatus != alipay.TradeStatusSuccess || notification.TradeNo != q.TradeNo ||
		notification.NotifyType != "trade_status_sync" || notification.AppId != sb.AppID {
		t.Fatalf("notification %+v", notification)
	}
	sb.WaitForNotifications(alipaysandbox.Wait{OutTradeNo: "SW1"})
}

func TestSmartwalleBarcodePayRefundCancel(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newSmartwalle(t, sb)
	ctx := context.Background()

	var pay alipay.TradePay
	pay.OutTradeNo, pay.TotalAmount, pay.Subject = "SW2", "100.00", "barcode"
	pay.Scene, pay.AuthCode = "bar_code", sb.PaymentCode("") // trade_type.go TradePay: scene bar_code + auth_code
	paid, err := client.TradePay(ctx, pay)
	if err != nil || paid.Code != alipay.CodeSuccess || paid.TradeNo == "" || paid.BuyerUserId != sb.BuyerUserID {
		t.Fatalf("pay: %v %+v", err, paid)
	}
	if got := sb.Buyer("").Balance; got != "9900.00" {
		t.Fatalf("the buyer has %s after paying 100.00 of 10000.00", got)
	}

	refund := alipay.TradeRefund{OutTradeNo: "SW2", RefundAmount: "30.00", OutRequestNo: "R1"}
	refunded, err := client.TradeRefund(ctx, refund)
	if err != nil || refunded.Code != alipay.CodeSuccess || refunded.FundChange != "Y" || refunded.RefundFee != "30.00" {
		t.Fatalf("refund: %v %+v", err, refunded)
	}
	// The same out_request_no again: the earlier result, no money moves (fund_change N). trade_type.go
	// TradeRefund.OutRequestNo: 标识一次退款请求 (one refund request); TradeRefundRsp.FundChange: 本次退款是否发生了资金变化.
	again, err := client.TradeRefund(ctx, refund)
	if err != nil || again.Code != alipay.CodeSuccess || again.FundChange != "N" || again.RefundFee != "30.00" {
		t.Fatalf("refund replay: %v %+v", err, again)
	}
	rq, err := client.TradeFastPayRefundQuery(ctx, alipay.TradeFastPayRefundQuery{OutTradeNo: "SW2", OutRequestNo: "R1"})
	if err != nil || rq.Code != alipay.CodeSuccess || rq.RefundAmount != "30.00" {
		t.Fatalf("refund query: %v %+v", err, rq)
	}

	// Cancel of a paid trade refunds the rest (trade_type.go TradeCancelRsp.Action: close or refund).
	cancelled, err := client.TradeCancel(ctx, alipay.TradeCancel{OutTradeNo: "SW2"})
	if err != nil || cancelled.Code != alipay.CodeSuccess || cancelled.Action != "refund" {
		t.Fatalf("cancel: %v %+v", err, cancelled)
	}
	if got := sb.Buyer("").Balance; got != "10000.00" {
		t.Fatalf("the buyer has %s after the cancel", got)
	}
	// A payment code is single use (the sandbox's rule for admin-issued codes).
	pay.OutTradeNo = "SW3"
	reused, err := client.TradePay(ctx, pay)
	if err != nil || reused.Code == alipay.CodeSuccess {
		t.Fatalf("a used payment code paid again: %v %+v", err, reused)
	}
}

func TestSmartwallePagePayThroughTheCashier(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newSmartwalle(t, sb)
	receiver := verifyingReceiver(t, client)

	var page alipay.TradePagePay
	page.OutTradeNo, page.TotalAmount, page.Subject = "SW4", "66.60", "网站支付"
	page.ProductCode = "FAST_INSTANT_TRADE_PAY"
	page.ReturnURL, page.NotifyURL = "https://shop.example/return", receiver.URL
	payURL, err := client.TradePagePay(page) // trade.go: BuildURL, the gateway host + the signed query
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(payURL.String(), sb.GatewayURL+"?") {
		t.Fatalf("the page-pay URL is not on the sandbox: %s", payURL)
	}
	visit := sb.PayInCashier(payURL.String(), "")
	if !strings.Contains(visit.Order, "网站支付") || !strings.Contains(visit.Order, "66.60") {
		t.Fatalf("the cashier does not show the order:\n%s", visit.Order)
	}
	if visit.Return == nil || visit.Return.Host != "shop.example" {
		t.Fatalf("not sent back to return_url: %+v", visit.Return)
	}
	// The synchronous return is signed like a notification: VerifySign leaves out sign and sign_type.
	if err := client.VerifySign(visit.ReturnParams()); err != nil {
		t.Fatalf("smartwalle does not verify the return parameters: %v (%s)", err, visit.Return)
	}
	n := receiver.Wait(alipaysandbox.OutTradeNo("SW4"))
	if n.Form.Get("trade_status") != "TRADE_SUCCESS" || n.Answer != "success" {
		t.Fatalf("notification %v answered %q", n.Form, n.Answer)
	}
	q, err := client.TradeQuery(context.Background(), alipay.TradeQuery{OutTradeNo: "SW4"})
	if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
		t.Fatalf("query: %v %+v", err, q)
	}
}

func TestSmartwalleCertMode(t *testing.T) {
	sb := alipaysandbox.Start(t)
	app := sb.CreateApp(alipaysandbox.NewApp{CertMode: true})
	client, err := alipay.New(app.AppID, app.AppPrivateKey, false,
		alipay.WithSandboxGateway(sb.GatewayURL), alipay.WithTimeLocation(alipaysandbox.Beijing))
	if err != nil {
		t.Fatal(err)
	}
	// alipay.go: app_cert_sn and alipay_root_cert_sn from the certificates (getCertSN: MD5 of the issuer and
	// the decimal serial; the root SN joins the RSA-signed roots), the Alipay certificate as verifier.
	for name, load := range map[string]func(string) error{
		"app cert": client.LoadAppCertPublicKey, "root cert": client.LoadAliPayRootCert,
		"alipay cert": client.LoadAlipayCertPublicKey,
	} {
		text := map[string]string{"app cert": app.AppCert, "root cert": app.AlipayRootCert, "alipay cert": app.AlipayCert}[name]
		if err := load(text); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	receiver := verifyingReceiver(t, client)
	ctx := context.Background()
	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject, order.NotifyURL = "SWC1", "10.00", "cert", receiver.URL
	pre, err := client.TradePreCreate(ctx, order)
	if err != nil || pre.Code != alipay.CodeSuccess {
		t.Fatalf("cert-mode precreate: %v %+v", err, pre)
	}
	sb.Scan(pre.QRCode, true)
	q, err := client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "SWC1"})
	if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
		t.Fatalf("cert-mode query: %v %+v", err, q)
	}
	receiver.Wait(alipaysandbox.OutTradeNo("SWC1")) // verified by the SDK in the receiver

	// After a rotation the answers carry a new alipay_cert_sn. In sandbox mode smartwalle does not download
	// it (alipay.go getVerifier: `if !c.isProduction { return nil, ErrAliPublicKeyNotFound }`).
	rotated := sb.RotateAlipayCert()
	if _, err := client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "SWC1"}); !errors.Is(err, alipay.ErrAliPublicKeyNotFound) {
		t.Fatalf("after a rotation, isProduction=false: %v", err)
	}
	// isProduction=true pointed at the sandbox (WithProductionGateway) downloads the new certificate with
	// alipay.open.app.alipaycert.download (alipay.go downloadAliPayCert) and verifies with it.
	prod, err := alipay.New(app.AppID, app.AppPrivateKey, true,
		alipay.WithProductionGateway(sb.GatewayURL), alipay.WithTimeLocation(alipaysandbox.Beijing))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{prod.LoadAppCertPublicKey(app.AppCert), prod.LoadAliPayRootCert(app.AlipayRootCert),
		prod.LoadAlipayCertPublicKey(app.AlipayCert)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	q, err = prod.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "SWC1"})
	if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
		t.Fatalf("after a rotation, isProduction=true (downloads %s): %v %+v", rotated.AlipayCertSN, err, q)
	}
}

func TestSmartwalleRefusesAWrongAlipayKey(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newSmartwalle(t, sb)
	if err := client.LoadAliPayPublicKey(sb.AppPublicKey); err != nil { // not the Alipay key
		t.Fatal(err)
	}
	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject = "SW5", "1.00", "x"
	if rsp, err := client.TradePreCreate(context.Background(), order); err == nil {
		t.Fatalf("an answer verified with the wrong key: %+v", rsp)
	}
}

func TestSmartwalleInjectedFault(t *testing.T) {
	sb := alipaysandbox.Start(t)
	client := newSmartwalle(t, sb)
	sb.InjectFault(alipaysandbox.Fault{Method: "alipay.trade.query", Kind: "unknown_error"})
	// The fault's answer is signed like any other: smartwalle verifies it and reports the code
	// (alipay_type.go CodeUnknowError, "20000").
	q, err := client.TradeQuery(context.Background(), alipay.TradeQuery{OutTradeNo: "nothing"})
	if err != nil || q.Code != alipay.CodeUnknowError {
		t.Fatalf("injected fault: %v %+v", err, q)
	}
}

// smartwalle stamps time.Now().In(c.location), c.location = time.Local unless WithTimeLocation (alipay.go
// New and URLValues). A UTC stamp (a UTC host without the helper's time.Local) is 8 hours off for Alipay and
// refused; without a zone option the client works because alipaysandbox set time.Local to Beijing.
func TestSmartwalleHostLocalTime(t *testing.T) {
	sb := alipaysandbox.Start(t)
	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject = "SW6", "1.00", "x"
	for _, tc := range []struct {
		name string
		opts []alipay.OptionFunc
		want string
	}{
		{"UTC, as on a UTC host", []alipay.OptionFunc{alipay.WithTimeLocation(time.UTC)}, "isv.invalid-timestamp"},
		{"time.Local (Beijing, set by alipaysandbox)", nil, ""},
	} {
		client, err := alipay.New(sb.AppID, sb.AppPrivateKey, false, append(tc.opts, alipay.WithSandboxGateway(sb.GatewayURL))...)
		if err != nil {
			t.Fatal(err)
		}
		if err := client.LoadAliPayPublicKey(sb.AlipayPublicKey); err != nil {
			t.Fatal(err)
		}
		rsp, err := client.TradePreCreate(context.Background(), order)
		if err != nil || rsp.SubCode != tc.want || (tc.want == "" && rsp.Code != alipay.CodeSuccess) {
			t.Fatalf("%s: %v %+v", tc.name, err, rsp)
		}
	}
}

// alipay.go New reads a PKCS#1 key first, then PKCS#8: both forms the sandbox writes work.
func TestSmartwalleReadsBothKeyForms(t *testing.T) {
	sb := alipaysandbox.Start(t)
	for i, key := range []string{sb.AppPrivateKey, sb.AppPrivateKeyPKCS1} {
		client, err := alipay.New(sb.AppID, key, false, alipay.WithSandboxGateway(sb.GatewayURL))
		if err != nil {
			t.Fatal(err)
		}
		if err := client.LoadAliPayPublicKey(sb.AlipayPublicKey); err != nil {
			t.Fatal(err)
		}
		var order alipay.TradePreCreate
		order.OutTradeNo, order.TotalAmount, order.Subject = "SWK"+string(rune('0'+i)), "1.00", "key"
		if rsp, err := client.TradePreCreate(context.Background(), order); err != nil || rsp.Code != alipay.CodeSuccess {
			t.Fatalf("key form %d: %v %+v", i, err, rsp)
		}
	}
}
