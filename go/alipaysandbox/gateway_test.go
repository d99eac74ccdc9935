package alipaysandbox_test

// A minimal Alipay client on the standard library, so this module tests its own helpers (the notification
// receiver, the cashier walk, the host proxy) without an SDK. The rules are Alipay's (opendocs "自行实现签名"):
// the request sign content is every non-empty parameter but sign, sorted by key, joined as k=v with &; RSA2 is
// SHA256withRSA over it; the answer's signature covers the exact bytes of the <method>_response object; a
// notification's or return's sign content leaves out sign and sign_type.

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
)

func signContent(v url.Values, exclude ...string) string {
	var keys []string
	for k := range v {
		skip := false
		for _, e := range exclude {
			skip = skip || k == e
		}
		if !skip && strings.TrimSpace(v.Get(k)) != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + v.Get(k)
	}
	return strings.Join(parts, "&")
}

func privateKey(t testing.TB, pemText string) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatal("no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*rsa.PrivateKey)
}

func publicKey(t testing.TB, pemText string) *rsa.PublicKey {
	t.Helper()
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatal("no PEM block")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*rsa.PublicKey)
}

func verify(t testing.TB, pub *rsa.PublicKey, content, sign string) error {
	t.Helper()
	sig, err := base64.StdEncoding.DecodeString(sign)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(content))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// signed builds the signed parameters of one call of the default app.
func signed(t testing.TB, sb *alipaysandbox.Sandbox, method string, biz map[string]any, extra map[string]string) url.Values {
	t.Helper()
	bizJSON, err := json.Marshal(biz)
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	v.Set("app_id", sb.AppID)
	v.Set("method", method)
	v.Set("format", "JSON")
	v.Set("charset", "utf-8")
	v.Set("sign_type", "RSA2")
	v.Set("timestamp", time.Now().In(alipaysandbox.Beijing).Format("2006-01-02 15:04:05"))
	v.Set("version", "1.0")
	v.Set("biz_content", string(bizJSON))
	for k, x := range extra {
		v.Set(k, x)
	}
	sum := sha256.Sum256([]byte(signContent(v, "sign")))
	sig, err := rsa.SignPKCS1v15(nil, privateKey(t, sb.AppPrivateKey), crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	v.Set("sign", base64.StdEncoding.EncodeToString(sig))
	return v
}

// call posts a signed call to gatewayURL with client and answers its verified response object.
func call(t testing.TB, sb *alipaysandbox.Sandbox, client *http.Client, gatewayURL, method string, biz map[string]any, extra map[string]string) map[string]any {
	t.Helper()
	form := signed(t, sb, method, biz, extra)
	resp, err := client.Post(gatewayURL, "application/x-www-form-urlencoded;charset=utf-8", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var envelope map[string]json.RawMessage
	if err := json.Unmarshal(raw, &envelope); err != nil {
		t.Fatalf("%s: %v: %s", method, err, raw)
	}
	body := envelope[strings.ReplaceAll(method, ".", "_")+"_response"]
	var sign string
	_ = json.Unmarshal(envelope["sign"], &sign)
	if err := verify(t, publicKey(t, sb.AlipayPublicKey), string(body), sign); err != nil {
		t.Fatalf("%s: the answer does not verify: %v: %s", method, err, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGatewayNotificationReceived(t *testing.T) {
	sb := alipaysandbox.Start(t)
	pub := publicKey(t, sb.AlipayPublicKey)
	receiver := alipaysandbox.NewNotificationReceiver(t, func(n *alipaysandbox.ReceivedNotification) string {
		if verify(t, pub, signContent(n.Form, "sign", "sign_type"), n.Form.Get("sign")) != nil {
			return "fail"
		}
		return "success"
	})
	answer := call(t, sb, http.DefaultClient, sb.GatewayURL, "alipay.trade.precreate",
		map[string]any{"out_trade_no": "N1", "total_amount": "12.34", "subject": "notified"},
		map[string]string{"notify_url": receiver.URL})
	if answer["code"] != "10000" {
		t.Fatalf("precreate: %v", answer)
	}
	paid := sb.Scan(answer["qr_code"].(string), true)
	if paid.TradeStatus != "TRADE_SUCCESS" || paid.TotalAmount != "12.34" {
		t.Fatalf("scan: %+v", paid)
	}
	n := receiver.Wait(alipaysandbox.OutTradeNo("N1"))
	if n.Answer != "success" || n.Form.Get("trade_status") != "TRADE_SUCCESS" || n.Charset() != "utf-8" {
		t.Fatalf("notification: answered %q, %v (%s)", n.Answer, n.Form, n.ContentType)
	}
	delivered := sb.WaitForNotifications(alipaysandbox.Wait{OutTradeNo: "N1"})
	if len(delivered) != 1 || delivered[0].Deliveries[0].ResponseBody != "success" || delivered[0].URL != receiver.URL {
		t.Fatalf("outbox: %+v", delivered)
	}
}

func TestPayInCashier(t *testing.T) {
	sb := alipaysandbox.Start(t)
	form := signed(t, sb, "alipay.trade.page.pay", map[string]any{"out_trade_no": "P1", "total_amount": "66.00",
		"subject": "页面支付", "product_code": "FAST_INSTANT_TRADE_PAY"},
		map[string]string{"return_url": "https://merchant.example/return"})
	// The host does not matter: only the query reaches this sandbox.
	visit := sb.PayInCashier("https://openapi.alipay.com/gateway.do?"+form.Encode(), "")
	if !strings.Contains(visit.Order, "页面支付") || !strings.Contains(visit.Order, "66.00") {
		t.Fatalf("the cashier does not show the order:\n%s", visit.Order)
	}
	if visit.Return == nil || visit.Return.Host != "merchant.example" {
		t.Fatalf("no return to return_url: %+v", visit)
	}
	params := visit.ReturnParams()
	if params.Get("method") != "alipay.trade.page.pay.return" || params.Get("out_trade_no") != "P1" {
		t.Fatalf("return parameters: %v", params)
	}
	if err := verify(t, publicKey(t, sb.AlipayPublicKey), signContent(params, "sign", "sign_type"), params.Get("sign")); err != nil {
		t.Fatalf("the return parameters do not verify: %v", err)
	}
	if got := sb.Trade(alipaysandbox.ByOutTradeNo("P1")); got.TradeStatus != "TRADE_SUCCESS" || got.Kind != "page" {
		t.Fatalf("trade: %+v", got)
	}
}

func TestPayInCashierShowsTheGatewayError(t *testing.T) {
	sb := alipaysandbox.Start(t)
	form := signed(t, sb, "alipay.trade.page.pay", map[string]any{"out_trade_no": "P2", "total_amount": "1.00",
		"subject": "x", "product_code": "FAST_INSTANT_TRADE_PAY"}, nil)
	form.Set("total_amount", "2.00") // not signed
	inner := &recordingTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		sb.For(inner).PayInCashier(sb.GatewayURL+"?"+form.Encode(), "")
	}()
	if !strings.Contains(inner.fatal, "isv.invalid-signature") {
		t.Fatalf("PayInCashier failed with %q, want the page's isv.invalid-signature", inner.fatal)
	}
}

// recordingTB records Fatal instead of failing, for asserting how a control fails.
type recordingTB struct {
	testing.TB
	fatal string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	panic("fatal")
}
func (r *recordingTB) Fatalf(format string, args ...any) { r.Fatal(fmt.Sprintf(format, args...)) }

// A receiver that answers "fail" first gets the notification again on the (scaled) retry schedule.
func TestNotificationRetriedUntilSuccess(t *testing.T) {
	sb := alipaysandbox.Start(t)
	var calls atomic.Int32
	receiver := alipaysandbox.NewNotificationReceiver(t, func(n *alipaysandbox.ReceivedNotification) string {
		if calls.Add(1) == 1 {
			return "fail"
		}
		return "success"
	})
	answer := call(t, sb, http.DefaultClient, sb.GatewayURL, "alipay.trade.precreate",
		map[string]any{"out_trade_no": "N2", "total_amount": "1.00", "subject": "retry"},
		map[string]string{"notify_url": receiver.URL})
	sb.Scan(answer["qr_code"].(string), true)
	delivered := sb.WaitForNotifications(alipaysandbox.Wait{OutTradeNo: "N2"})
	d := delivered[0].Deliveries
	if delivered[0].Attempts != 2 || len(d) != 2 || d[0].ResponseBody != "fail" || d[1].ResponseBody != "success" {
		t.Fatalf("deliveries %+v", delivered[0])
	}
	if got := receiver.Received(); len(got) != 2 || got[0].Answer != "fail" || got[1].Form.Get("notify_id") != got[0].Form.Get("notify_id") {
		t.Fatalf("received %d", len(got))
	}
}

// WithTimestampSkew narrows the accepted distance between a request's timestamp and the clock.
func TestTimestampSkew(t *testing.T) {
	sb := alipaysandbox.Start(t, alipaysandbox.WithTimestampSkew(60))
	stale := time.Now().Add(-5 * time.Minute).In(alipaysandbox.Beijing).Format("2006-01-02 15:04:05")
	answer := call(t, sb, http.DefaultClient, sb.GatewayURL, "alipay.trade.precreate",
		map[string]any{"out_trade_no": "S1", "total_amount": "1.00", "subject": "skew"}, map[string]string{"timestamp": stale})
	if answer["sub_code"] != "isv.invalid-timestamp" {
		t.Fatalf("a 5-minute-old timestamp with a 60 s skew: %v", answer)
	}
}
