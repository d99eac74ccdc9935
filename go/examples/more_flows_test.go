package examples

// More of Alipay's flows through both SDKs: mobile-web pay through the cashier, close, the bill download,
// AES content encryption (smartwalle) and a third-party app acting with app_auth_token.

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
	"github.com/go-pay/gopay"
	gopayalipay "github.com/go-pay/gopay/alipay"
	"github.com/smartwalle/alipay/v3"
)

func TestWapPayThroughTheCashier(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sw := newSmartwalle(t, sb)
	gp := newGopay(t, sb)

	var wap alipay.TradeWapPay // wap_type.go; product code QUICK_WAP_WAY, quit_url in biz_content
	wap.OutTradeNo, wap.TotalAmount, wap.Subject, wap.ProductCode = "WAP1", "9.90", "手机网站", "QUICK_WAP_WAY"
	wap.ReturnURL, wap.QuitURL = "https://shop.example/return", "https://shop.example/quit"
	swURL, err := sw.TradeWapPay(wap)
	if err != nil {
		t.Fatal(err)
	}
	gp.SetReturnUrl("https://shop.example/return")
	gpURL, err := gp.TradeWapPay(context.Background(), gopay.BodyMap{"out_trade_no": "WAP2", "total_amount": "9.90",
		"subject": "手机网站", "quit_url": "https://shop.example/quit"}) // payment_api.go: product_code set
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url, out string
		verify   func(map[string][]string) error
	}{
		{swURL.String(), "WAP1", func(v map[string][]string) error { return sw.VerifySign(v) }},
		{gpURL, "WAP2", func(v map[string][]string) error { return gopayVerifies(sb, v) }},
	} {
		visit := sb.PayInCashier(tc.url, "")
		// The cashier's phone layout (crates/alipay-sandbox/src/cashier/pages.rs: viewport meta).
		if !strings.Contains(visit.Order, "width=device-width") || !strings.Contains(visit.Order, "9.90") {
			t.Fatalf("%s: not the phone cashier:\n%s", tc.out, visit.Order)
		}
		params := visit.ReturnParams()
		if params.Get("method") != "alipay.trade.wap.pay.return" || params.Get("out_trade_no") != tc.out {
			t.Fatalf("%s: return %v", tc.out, params)
		}
		if err := tc.verify(params); err != nil {
			t.Fatalf("%s: the return does not verify: %v", tc.out, err)
		}
		if got := sb.Trade(alipaysandbox.ByOutTradeNo(tc.out)); got.Kind != "wap" || got.TradeStatus != "TRADE_SUCCESS" {
			t.Fatalf("%s: %+v", tc.out, got)
		}
	}
}

func TestCloseAWaitingTrade(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sw := newSmartwalle(t, sb)
	gp := newGopay(t, sb)
	ctx := context.Background()

	for _, out := range []string{"CL1", "CL2"} {
		var order alipay.TradePreCreate
		order.OutTradeNo, order.TotalAmount, order.Subject = out, "5.00", "close"
		pre, err := sw.TradePreCreate(ctx, order)
		if err != nil || pre.Code != alipay.CodeSuccess {
			t.Fatal(err, pre)
		}
		sb.Scan(pre.QRCode, false) // WAIT_BUYER_PAY: the buyer has not paid
	}
	// trade.go TradeClose (统一收单交易关闭接口) and gopay payment_api.go TradeClose: an unpaid trade is closed.
	closed, err := sw.TradeClose(ctx, alipay.TradeClose{OutTradeNo: "CL1"})
	if err != nil || closed.Code != alipay.CodeSuccess || closed.OutTradeNo != "CL1" {
		t.Fatalf("smartwalle close: %v %+v", err, closed)
	}
	gpClosed, err := gp.TradeClose(ctx, gopay.BodyMap{"out_trade_no": "CL2"})
	if err != nil || gpClosed.Response.Code != "10000" {
		t.Fatalf("gopay close: %v %+v", err, gpClosed)
	}
	for _, out := range []string{"CL1", "CL2"} {
		q, err := sw.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: out})
		if err != nil || q.TradeStatus != alipay.TradeStatusClosed {
			t.Fatalf("%s after close: %v %+v", out, err, q)
		}
	}
	// A closed trade cannot be paid any more.
	if _, err := sb.AdminRequest(http.MethodPost, "trades/confirm", nil, alipaysandbox.ByOutTradeNo("CL1")); err == nil {
		t.Fatal("a closed trade was paid")
	}
}

// bill fetches a bill URL and answers the names and the contents of the zip's entries.
func bill(t *testing.T, billURL string) map[string][]byte {
	t.Helper()
	resp, err := http.Get(billURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("bill download: HTTP %d: %s", resp.StatusCode, raw)
	}
	archive, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range archive.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	return files
}

func TestBillDownload(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sw := newSmartwalle(t, sb)
	gp := newGopay(t, sb)
	ctx := context.Background()

	var pay alipay.TradePay
	pay.OutTradeNo, pay.TotalAmount, pay.Subject = "BILL1", "23.45", "bill"
	pay.Scene, pay.AuthCode = "bar_code", sb.PaymentCode("")
	if paid, err := sw.TradePay(ctx, pay); err != nil || paid.Code != alipay.CodeSuccess {
		t.Fatal(err, paid)
	}
	now, err := sb.Clock().Time()
	if err != nil {
		t.Fatal(err)
	}
	day := now.Format("2006-01-02")
	// A day's bill exists once the day is over on the sandbox clock (docs/fidelity.md: bills).
	early, err := sw.BillDownloadURLQuery(ctx, alipay.BillDownloadURLQuery{BillType: "trade", BillDate: day})
	if err != nil || early.SubCode != "isp.bill_date_error" {
		t.Fatalf("today's bill: %v %+v", err, early)
	}
	sb.AdvanceClock(24 * time.Hour)

	swBill, err := sw.BillDownloadURLQuery(ctx, alipay.BillDownloadURLQuery{BillType: "trade", BillDate: day})
	if err != nil || swBill.Code != alipay.CodeSuccess || swBill.BillDownloadURL == "" {
		t.Fatalf("smartwalle bill URL: %v %+v", err, swBill)
	}
	gpBill, err := gp.DataBillDownloadUrlQuery(ctx, gopay.BodyMap{"bill_type": "trade", "bill_date": day}) // data_api.go
	if err != nil || gpBill.Response.BillDownloadUrl == "" {
		t.Fatalf("gopay bill URL: %v %+v", err, gpBill)
	}
	for _, u := range []string{swBill.BillDownloadURL, gpBill.Response.BillDownloadUrl} {
		files := bill(t, u)
		found := false
		for name, content := range files {
			if !strings.HasPrefix(name, sb.MerchantPID+"0156_"+now.Format("20060102")) {
				t.Fatalf("entry %q is not <PID>0156_<yyyyMMdd>...", name)
			}
			found = found || bytes.Contains(content, []byte("BILL1"))
		}
		if len(files) != 2 || !found {
			t.Fatalf("bill %s: %d entries, BILL1 found %v", u, len(files), found)
		}
	}
	// The URL is single use.
	if resp, err := http.Get(swBill.BillDownloadURL); err != nil || resp.StatusCode == http.StatusOK {
		t.Fatalf("a bill URL downloaded twice: %v %v", err, resp.Status)
	}
}

// smartwalle encrypts biz_content with SetEncryptKey (alipay.go URLValues: AES-CBC, zero IV, PKCS#7,
// encrypt_type=AES) and decrypts the answer before verifying it over the quoted ciphertext (alipay.go
// decode/decrypt). gopay's SetAESKey says "目前不可用，设置后会报错" (client.go): not tried.
func TestSmartwalleAES(t *testing.T) {
	sb := alipaysandbox.Start(t)
	app := sb.CreateApp(alipaysandbox.NewApp{AES: true, EncryptRequired: true})
	client, err := alipay.New(app.AppID, app.AppPrivateKey, false,
		alipay.WithSandboxGateway(sb.GatewayURL), alipay.WithTimeLocation(alipaysandbox.Beijing))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.LoadAliPayPublicKey(app.AlipayPublicKey); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject = "AES1", "3.00", "加密"
	// In clear: refused, as encrypt_required asks, with the code of Alipay's public error table
	// (opendocs.alipay.com/common/02km9f): 40001 isv.decryption-error-missing-encrypt-type.
	clear, err := client.TradePreCreate(ctx, order)
	if err != nil || clear.Code != "40001" || clear.SubCode != "isv.decryption-error-missing-encrypt-type" {
		t.Fatalf("in clear: %v %+v", err, clear)
	}
	if err := client.SetEncryptKey(app.AESKey); err != nil {
		t.Fatal(err)
	}
	pre, err := client.TradePreCreate(ctx, order)
	if err != nil || pre.Code != alipay.CodeSuccess {
		t.Fatalf("encrypted precreate: %v %+v", err, pre)
	}
	sb.ScanTrade(alipaysandbox.ScanRequest{TradeLocator: alipaysandbox.TradeLocator{QRCode: pre.QRCode}, Confirm: true})
	q, err := client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "AES1"})
	if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
		t.Fatalf("encrypted query: %v %+v", err, q)
	}
}

// A third-party app (ISV) acts for the default merchant with app_auth_token (smartwalle: the AppAuthToken
// field of each request, trade_type.go Params; gopay: SetAppAuthToken, client.go pubParamsHandle).
func TestThirdPartyAppAuthToken(t *testing.T) {
	sb := alipaysandbox.Start(t)
	isv := sb.CreateApp(alipaysandbox.NewApp{})
	token := sb.IssueAuthToken(isv.AppID, sb.MerchantPID)
	if token.AuthAppID != sb.AppID {
		t.Fatalf("token %+v", token)
	}
	client, err := alipay.New(isv.AppID, isv.AppPrivateKey, false,
		alipay.WithSandboxGateway(sb.GatewayURL), alipay.WithTimeLocation(alipaysandbox.Beijing))
	if err != nil || client.LoadAliPayPublicKey(isv.AlipayPublicKey) != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject = "ISV1", "7.00", "for a merchant"
	order.AppAuthToken = token.AppAuthToken
	pre, err := client.TradePreCreate(ctx, order)
	if err != nil || pre.Code != alipay.CodeSuccess {
		t.Fatalf("precreate for the merchant: %v %+v", err, pre)
	}
	paid := sb.Scan(pre.QRCode, true)
	if paid.SellerID != sb.MerchantPID {
		t.Fatalf("the trade's seller is %s, want the merchant %s", paid.SellerID, sb.MerchantPID)
	}
	q, err := client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "ISV1", AppAuthToken: token.AppAuthToken})
	if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
		t.Fatalf("query for the merchant: %v %+v", err, q)
	}
	// Without the token the ISV asks about its own merchant, which has no such trade.
	own, err := client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: "ISV1"})
	if err != nil || own.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("query without the token: %v %+v", err, own)
	}

	sb.RouteAlipayHosts() // the route learnt the ISV's app id from CreateApp
	gp, err := gopayalipay.NewClient(isv.AppID, alipaysandbox.KeyBase64(isv.AppPrivateKeyPKCS1), false)
	if err != nil {
		t.Fatal(err)
	}
	gp.SetLocation("Asia/Shanghai").SetAppAuthToken(token.AppAuthToken)
	gp.AutoVerifySign([]byte(isv.AlipayPublicKey))
	gq, err := gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": "ISV1"})
	if err != nil || gq.Response.TradeStatus != "TRADE_SUCCESS" {
		t.Fatalf("gopay query for the merchant: %v %+v", err, gq)
	}
}

// A payment answered 10003 (in process) is what both SDKs accept as not failed (smartwalle alipay_type.go
// Code.IsSuccess: 10000 or 10003; gopay error.go bizErrCheckTradePay); the merchant then queries.
func TestPayInProcessThenQuery(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sw := newSmartwalle(t, sb)
	gp := newGopay(t, sb)
	ctx := context.Background()

	sb.InjectFault(alipaysandbox.Fault{Method: "alipay.trade.pay", Kind: "in_process", Execute: true, Count: 2})
	var pay alipay.TradePay
	pay.OutTradeNo, pay.TotalAmount, pay.Subject = "IP1", "8.00", "in process"
	pay.Scene, pay.AuthCode = "bar_code", sb.PaymentCode("")
	paid, err := sw.TradePay(ctx, pay)
	if err != nil || paid.Code != alipay.CodeOrderSuccessPayInProcess || !paid.Code.IsSuccess() {
		t.Fatalf("smartwalle: %v %+v", err, paid)
	}
	gpPaid, err := gp.TradePay(ctx, gopay.BodyMap{"out_trade_no": "IP2", "total_amount": "8.00", "subject": "in process",
		"scene": "bar_code", "auth_code": sb.PaymentCode("")})
	if err != nil || gpPaid.Response.Code != "10003" {
		t.Fatalf("gopay: %v %+v", err, gpPaid)
	}
	for _, out := range []string{"IP1", "IP2"} {
		q, err := sw.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: out})
		if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
			t.Fatalf("%s: the executed payment is not there: %v %+v", out, err, q)
		}
	}
}

// Refunds notify too (trade_status_sync with out_biz_no, refund_fee, gmt_refund; the full refund closes the
// trade: TRADE_CLOSED): both SDKs' verifiers accept every notification (smartwalle notify.go reads these
// fields: OutBizNo, RefundFee, GmtRefund).
func TestRefundNotifications(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sw := newSmartwalle(t, sb)
	receiver := alipaysandbox.NewNotificationReceiver(t, func(n *alipaysandbox.ReceivedNotification) string {
		if _, err := sw.DecodeNotification(n.Form); err != nil {
			t.Errorf("smartwalle: %v", err)
			return "fail"
		}
		if err := gopayVerifies(sb, n.Form); err != nil {
			t.Errorf("gopay: %v", err)
			return "fail"
		}
		return "success"
	})
	ctx := context.Background()
	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject, order.NotifyURL = "RN1", "50.00", "refunds", receiver.URL
	pre, err := sw.TradePreCreate(ctx, order)
	if err != nil || pre.Code != alipay.CodeSuccess {
		t.Fatal(err, pre)
	}
	sb.Scan(pre.QRCode, true)
	for _, r := range []struct{ amount, request string }{{"10.00", "A"}, {"40.00", "B"}} {
		rsp, err := sw.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: "RN1", RefundAmount: r.amount, OutRequestNo: r.request})
		if err != nil || rsp.Code != alipay.CodeSuccess {
			t.Fatal(err, rsp)
		}
	}
	byBizNo := func(no string) func(*alipaysandbox.ReceivedNotification) bool {
		return func(n *alipaysandbox.ReceivedNotification) bool { return n.Form.Get("out_biz_no") == no }
	}
	partial, _ := sw.DecodeNotification(receiver.Wait(byBizNo("A")).Form)
	if partial.TradeStatus != alipay.TradeStatusSuccess || partial.RefundFee != "10.00" || partial.GmtRefund == "" {
		t.Fatalf("partial refund notification %+v", partial)
	}
	full, _ := sw.DecodeNotification(receiver.Wait(byBizNo("B")).Form)
	if full.TradeStatus != alipay.TradeStatusClosed || full.RefundFee != "50.00" || full.GmtClose == "" {
		t.Fatalf("full refund notification %+v", full)
	}
	// notify_time is Beijing time, like every time Alipay sends.
	at, err := time.ParseInLocation("2006-01-02 15:04:05", full.NotifyTime, alipaysandbox.Beijing)
	if err != nil || time.Since(at).Abs() > time.Minute {
		t.Fatalf("notify_time %q is not now in Beijing time (%v)", full.NotifyTime, err)
	}
}

// In-app pay: the SDK builds the order string (smartwalle trade.go TradeAppPay: EncodeParam; gopay
// payment_api.go TradeAppPay: the encoded public parameters, no request), the buyer pays it in the wallet.
func TestAppPayOrderString(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sw := newSmartwalle(t, sb)
	gp := newGopay(t, sb)
	receiver := alipaysandbox.NewNotificationReceiver(t, func(n *alipaysandbox.ReceivedNotification) string {
		if _, err := sw.DecodeNotification(n.Form); err != nil {
			t.Errorf("smartwalle: %v", err)
			return "fail"
		}
		return "success"
	})
	var app alipay.TradeAppPay
	app.OutTradeNo, app.TotalAmount, app.Subject, app.ProductCode = "APP1", "4.20", "in app", "QUICK_MSECURITY_PAY"
	app.NotifyURL = receiver.URL
	swOrder, err := sw.TradeAppPay(app)
	if err != nil {
		t.Fatal(err)
	}
	gpOrder, err := gp.TradeAppPay(context.Background(), gopay.BodyMap{"out_trade_no": "APP2", "total_amount": "4.20",
		"subject": "in app", "product_code": "QUICK_MSECURITY_PAY", "notify_url": receiver.URL})
	if err != nil {
		t.Fatal(err)
	}
	for out, order := range map[string]string{"APP1": swOrder, "APP2": gpOrder} {
		if msg := sb.PayAppOrder(order, ""); msg != out+" TRADE_SUCCESS" {
			t.Fatalf("%s: the wallet says %q", out, msg)
		}
		if got := sb.Trade(alipaysandbox.ByOutTradeNo(out)); got.Kind != "app" || got.TradeStatus != "TRADE_SUCCESS" {
			t.Fatalf("%s: %+v", out, got)
		}
		receiver.Wait(alipaysandbox.OutTradeNo(out))
	}
}
