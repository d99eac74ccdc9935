package alipaysandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AdminError is a refusal of the admin API: a 4xx/5xx answer, usually {"error": "..."}.
type AdminError struct {
	// Method and Path are the request's (Path below /admin/).
	Method, Path string
	// Status is the HTTP status.
	Status int
	// Message is the answer's "error" field, or the whole body when it has none.
	Message string
	// Body is the raw answer.
	Body []byte
}

// Error says which route refused, with what status and message.
func (e *AdminError) Error() string {
	return fmt.Sprintf("alipaysandbox: admin %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
}

// Admin calls /admin/PATH and answers its JSON: a POST of body encoded as JSON when body is not nil, else a
// GET. A 4xx/5xx answer is an [*AdminError]. Unlike the typed controls it does not fail the test.
//
//	raw, err := sb.Admin("buyers", map[string]any{"balance": "5.00"}) // {"user_id": ..., "balance": "5.00", ...}
func (s *Sandbox) Admin(path string, body any) (json.RawMessage, error) {
	method := http.MethodGet
	if body != nil {
		method = http.MethodPost
	}
	return s.AdminRequest(method, path, nil, body)
}

// AdminRequest is [Sandbox.Admin] with the HTTP method and a query given: e.g. ("DELETE", "faults", nil,
// nil), or ("POST", "reset", nil, nil) for a POST without a body (sent as {}).
func (s *Sandbox) AdminRequest(method, path string, query url.Values, body any) (json.RawMessage, error) {
	if !s.Running() {
		return nil, errStopped
	}
	path = strings.TrimPrefix(path, "/")
	target := s.BaseURL + "/admin/" + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var reader io.Reader
	method = strings.ToUpper(method)
	if method == http.MethodPost {
		if body == nil {
			body = struct{}{}
		}
		encoded, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("alipaysandbox: admin %s: %w", path, err)
		}
		reader = bytes.NewReader(encoded)
	}
	req, err := http.NewRequest(method, target, reader)
	if err != nil {
		return nil, err
	}
	if reader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token, _ := s.AppJSON["admin_token"].(string); token != "" {
		req.Header.Set("Authorization", "Bearer "+token) // needed only off loopback; harmless on it
	}
	resp, err := s.state.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("alipaysandbox: admin %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("alipaysandbox: admin %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 400 {
		e := &AdminError{Method: method, Path: path, Status: resp.StatusCode, Body: raw, Message: string(raw)}
		var answer struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &answer) == nil && answer.Error != "" {
			e.Message = answer.Error
		}
		return nil, e
	}
	return json.RawMessage(raw), nil
}

// call runs a control and decodes its answer into out, failing the bound test on any error.
func (s *Sandbox) call(method, path string, query url.Values, body, out any) {
	s.t.Helper()
	raw, err := s.AdminRequest(method, path, query, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("alipaysandbox: admin %s: cannot read %s: %v", path, raw, err)
		}
	}
}

// Buyer is a sandbox buyer (amounts are yuan strings, "10000.00").
type Buyer struct {
	UserID            string `json:"user_id"`             // the buyer id (2088...), buyer_id in answers and notifications
	LogonID           string `json:"logon_id"`            // the logon id (a phone number; masked in answers)
	Balance           string `json:"balance"`             // what the buyer owns
	PasswordFreeLimit string `json:"password_free_limit"` // payments up to this need no password
	// AvailableBalance is Balance minus what pending direct deductions hold (answered by GET buyers/{id}).
	AvailableBalance string `json:"available_balance,omitempty"`
	Reserved         string `json:"reserved,omitempty"` // what pending direct deductions hold
}

// NewBuyer is what [Sandbox.CreateBuyer] creates; empty fields take the sandbox's defaults (balance
// 10000.00 here, password-free limit 2000.00, a generated logon id).
type NewBuyer struct {
	Balance           string `json:"balance,omitempty"`             // default 10000.00
	PasswordFreeLimit string `json:"password_free_limit,omitempty"` // default 2000.00
	LogonID           string `json:"logon_id,omitempty"`            // default: generated
}

// CreateBuyer makes a new buyer.
//
//	poor := sb.CreateBuyer(alipaysandbox.NewBuyer{Balance: "1.00"})
func (s *Sandbox) CreateBuyer(b NewBuyer) Buyer {
	s.t.Helper()
	if b.Balance == "" {
		b.Balance = "10000.00"
	}
	var out Buyer
	s.call(http.MethodPost, "buyers", nil, b, &out)
	return out
}

func (s *Sandbox) buyerOrDefault(userID string) string {
	if userID != "" {
		return userID
	}
	if s.BuyerUserID != "" {
		return s.BuyerUserID
	}
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	return s.state.defaultBuyer
}

// Buyer answers a buyer as stored, with its balance ("" for the default buyer).
func (s *Sandbox) Buyer(userID string) Buyer {
	s.t.Helper()
	var out Buyer
	s.call(http.MethodGet, "buyers/"+url.PathEscape(s.buyerOrDefault(userID)), nil, nil, &out)
	return out
}

// PaymentCode is a single-use payment code of a buyer.
type PaymentCode struct {
	// AuthCode is what alipay.trade.pay takes as auth_code (scene bar_code).
	AuthCode  string `json:"auth_code"`
	UserID    string `json:"user_id"`    // the buyer it pays for
	ExpiresAt string `json:"expires_at"` // Beijing time
}

// PaymentCode answers a fresh single-use payment code (the auth_code of alipay.trade.pay) of the buyer
// ("" for the default buyer), valid for the sandbox's default 10 minutes.
func (s *Sandbox) PaymentCode(userID string) string {
	s.t.Helper()
	return s.IssuePaymentCode(userID, 0).AuthCode
}

// IssuePaymentCode is [Sandbox.PaymentCode] with a lifetime (0: the default) and the whole answer.
func (s *Sandbox) IssuePaymentCode(userID string, ttl time.Duration) PaymentCode {
	s.t.Helper()
	body := map[string]any{}
	if ttl > 0 {
		body["ttl_secs"] = int64(ttl / time.Second)
	}
	var out PaymentCode
	s.call(http.MethodPost, "buyers/"+url.PathEscape(s.buyerOrDefault(userID))+"/payment-codes", nil, body, &out)
	return out
}

// TradeLocator names a trade: TradeNo or OutTradeNo of AppID (default: the default app), or QRCode.
type TradeLocator struct {
	AppID      string `json:"app_id,omitempty"`       // default: the default app
	TradeNo    string `json:"trade_no,omitempty"`     // Alipay's trade number
	OutTradeNo string `json:"out_trade_no,omitempty"` // the merchant's order number
	QRCode     string `json:"qr_code,omitempty"`      // a precreated trade's qr_code
}

// ByOutTradeNo names the default app's trade with this out_trade_no.
func ByOutTradeNo(outTradeNo string) TradeLocator { return TradeLocator{OutTradeNo: outTradeNo} }

// ByTradeNo names the default app's trade with this trade_no.
func ByTradeNo(tradeNo string) TradeLocator { return TradeLocator{TradeNo: tradeNo} }

// ByQRCode names the precreated trade of this qr_code.
func ByQRCode(qrCode string) TradeLocator { return TradeLocator{QRCode: qrCode} }

func (l TradeLocator) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"app_id": l.AppID, "trade_no": l.TradeNo, "out_trade_no": l.OutTradeNo, "qr_code": l.QRCode} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// Trade is a trade as the sandbox stores it (also an unscanned precreate, which alipay.trade.query does not
// see yet). Times are Beijing time, "2006-01-02 15:04:05".
type Trade struct {
	TradeNo     string `json:"trade_no"`     // Alipay's trade number
	OutTradeNo  string `json:"out_trade_no"` // the merchant's order number
	AppID       string `json:"app_id"`       // the app that made it
	SellerID    string `json:"seller_id"`    // the merchant's PID
	Kind        string `json:"kind"`         // pay, precreate, page, wap or app
	TradeStatus string `json:"trade_status"` // WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED, TRADE_FINISHED; CREATED before a scan
	TotalAmount string `json:"total_amount"` // yuan
	RefundFee   string `json:"refund_fee"`   // refunded so far, yuan
	Subject     string `json:"subject"`      // the order title
	BuyerID     string `json:"buyer_id"`     // empty until a buyer scans or pays
	QRCode      string `json:"qr_code"`      // precreated trades
	GmtCreate   string `json:"gmt_create"`   // Beijing time
	GmtPayment  string `json:"gmt_payment"`  // Beijing time, once paid
	GmtClose    string `json:"gmt_close"`    // Beijing time, once closed
	ExpireAt    string `json:"expire_at"`    // when an unpaid trade closes, Beijing time
}

// Trade answers the trade as stored.
func (s *Sandbox) Trade(loc TradeLocator) Trade {
	s.t.Helper()
	var out Trade
	s.call(http.MethodGet, "trades", loc.query(), nil, &out)
	return out
}

// Scan is the default buyer scanning a precreated QR code: the trade becomes WAIT_BUYER_PAY; with confirm
// the buyer also pays (TRADE_SUCCESS, the notification is queued).
//
//	paid := sb.Scan(qrCode, true) // paid.TradeStatus == "TRADE_SUCCESS"
func (s *Sandbox) Scan(qrCode string, confirm bool) Trade {
	s.t.Helper()
	return s.ScanTrade(ScanRequest{TradeLocator: ByQRCode(qrCode), Confirm: confirm})
}

// ScanRequest is what [Sandbox.ScanTrade] sends: a trade, the buyer who scans it (default: the default
// buyer), and whether the buyer pays at once.
type ScanRequest struct {
	TradeLocator
	BuyerID string `json:"buyer_id,omitempty"` // default: the default buyer
	Confirm bool   `json:"confirm,omitempty"`  // pay at once
}

// ScanTrade is [Sandbox.Scan] with every choice.
func (s *Sandbox) ScanTrade(r ScanRequest) Trade {
	s.t.Helper()
	var out Trade
	s.call(http.MethodPost, "trades/scan", nil, r, &out)
	return out
}

// Confirm is the buyer paying a scanned (WAIT_BUYER_PAY) trade: TRADE_SUCCESS, the notification is queued.
// A buyer whose balance is short makes the admin API answer 409: the test fails (use [Sandbox.Admin] to
// assert that).
func (s *Sandbox) Confirm(loc TradeLocator) Trade {
	s.t.Helper()
	var out Trade
	s.call(http.MethodPost, "trades/confirm", nil, loc, &out)
	return out
}

// Refuse is the buyer refusing a waiting payment: TRADE_CLOSED.
func (s *Sandbox) Refuse(loc TradeLocator) Trade {
	s.t.Helper()
	var out Trade
	s.call(http.MethodPost, "trades/refuse", nil, loc, &out)
	return out
}

// Clock is the sandbox clock: Now in Beijing time ("2006-01-02 15:04:05"), the offset from real time that
// AdvanceClock added, and (after an advance) how many timeouts were applied.
type Clock struct {
	Now        string `json:"now"`         // Beijing time
	OffsetSecs int64  `json:"offset_secs"` // seconds added by AdvanceClock
	Swept      int    `json:"swept"`       // timeouts applied by this advance
}

// Time parses Now (Beijing time).
func (c Clock) Time() (time.Time, error) {
	return time.ParseInLocation("2006-01-02 15:04:05", c.Now, Beijing)
}

// Clock answers the sandbox clock.
func (s *Sandbox) Clock() Clock {
	s.t.Helper()
	var out Clock
	s.call(http.MethodGet, "clock", nil, nil, &out)
	return out
}

// AdvanceClock moves the sandbox clock forward by d (whole seconds) and applies the timeouts that passed
// (an unpaid trade closes after 3 h, a QR code expires after 2 h, ...) before answering.
//
//	sb.AdvanceClock(3*time.Hour + time.Minute) // the unpaid trade is TRADE_CLOSED now
func (s *Sandbox) AdvanceClock(d time.Duration) Clock {
	s.t.Helper()
	var out Clock
	s.call(http.MethodPost, "clock/advance", nil, map[string]int64{"seconds": int64(d / time.Second)}, &out)
	return out
}

// Fault makes the next Count calls (default 1) of Method ("*": any) fail as Kind: "unknown_error" (20000
// isp.unknow-error), "in_process" (10003 for a payment), "system_error", "latency" (LatencyMS before the
// answer) "drop_after_commit" (the call runs, the connection drops) or "notify_first" (the call runs, its notification is delivered before the answer). Execute runs the call before
// answering the error.
type Fault struct {
	Method    string `json:"method"`               // an API method, or "*"
	Kind      string `json:"kind"`                 // unknown_error, in_process, system_error, latency, drop_after_commit or notify_first
	Count     int    `json:"count,omitempty"`      // calls it fires for (default 1)
	LatencyMS int    `json:"latency_ms,omitempty"` // for kind latency
	Execute   bool   `json:"execute,omitempty"`    // run the call before answering the fault
}

// InjectFault adds a fault and answers the faults still pending.
//
//	sb.InjectFault(alipaysandbox.Fault{Method: "alipay.trade.query", Kind: "unknown_error"})
func (s *Sandbox) InjectFault(f Fault) []Fault {
	s.t.Helper()
	if f.Count == 0 {
		f.Count = 1
	}
	var out struct {
		Pending []Fault `json:"pending"`
	}
	s.call(http.MethodPost, "faults", nil, f, &out)
	return out.Pending
}

// ClearFaults drops every pending fault.
func (s *Sandbox) ClearFaults() {
	s.t.Helper()
	s.call(http.MethodDelete, "faults", nil, nil, nil)
}

// Notification is one notification of the sandbox's outbox, with its delivery log.
type Notification struct {
	ID         int64             `json:"id"`           // the outbox row
	NotifyID   string            `json:"notify_id"`    // notify_id as sent
	TradeNo    string            `json:"trade_no"`     // Alipay's trade number
	OutTradeNo string            `json:"out_trade_no"` // the merchant's order number (red packets: out_order_no)
	AppID      string            `json:"app_id"`       // the app notified
	URL        string            `json:"url"`          // the notify_url
	Status     string            `json:"status"`       // pending, delivered or failed
	Attempts   int               `json:"attempts"`     // deliveries tried
	Params     map[string]string `json:"params"`       // the form as sent, sign included
	Deliveries []Delivery        `json:"deliveries"`   // one per attempt, oldest first
}

// Delivery is one attempt to deliver a notification.
type Delivery struct {
	NotificationID int64  `json:"notification_id"` // the outbox row
	Attempt        int    `json:"attempt"`         // 1 for the first
	AtMS           int64  `json:"at_ms"`           // when, Unix milliseconds
	HTTPStatus     int    `json:"http_status"`     // the merchant's answer status (0: none)
	ResponseBody   string `json:"response_body"`   // the merchant's answer ("success" acknowledges)
	Error          string `json:"error"`           // why no answer came (connection refused, timeout)
}

// NotificationQuery filters [Sandbox.Notifications]; zero fields do not filter (Limit: the sandbox's 100).
type NotificationQuery struct {
	AppID      string // only this app's
	OutTradeNo string // only this order's
	Limit      int    // at most this many (default 100, at most 1000)
}

// Notifications answers the notifications the sandbox made, with their delivery log.
func (s *Sandbox) Notifications(q NotificationQuery) []Notification {
	s.t.Helper()
	query := url.Values{}
	if q.AppID != "" {
		query.Set("app_id", q.AppID)
	}
	if q.OutTradeNo != "" {
		query.Set("out_trade_no", q.OutTradeNo)
	}
	if q.Limit > 0 {
		query.Set("limit", fmt.Sprint(q.Limit))
	}
	var out []Notification
	s.call(http.MethodGet, "notifications", query, nil, &out)
	return out
}

// Wait is what [Sandbox.WaitForNotifications] waits for: Count (default 1) notifications of OutTradeNo (any,
// when empty) with Status (default "delivered"), for at most Timeout (default 10 s).
type Wait struct {
	OutTradeNo string        // empty: any order
	Status     string        // default delivered
	Count      int           // default 1
	Timeout    time.Duration // default 10 s
}

// WaitForNotifications polls the outbox until w is met and answers the matching notifications; the test
// fails with what was seen when the time is up.
//
//	delivered := sb.WaitForNotifications(alipaysandbox.Wait{OutTradeNo: "T1"}) // acknowledged with "success"
func (s *Sandbox) WaitForNotifications(w Wait) []Notification {
	s.t.Helper()
	if w.Status == "" {
		w.Status = "delivered"
	}
	if w.Count == 0 {
		w.Count = 1
	}
	if w.Timeout == 0 {
		w.Timeout = 10 * time.Second
	}
	deadline := time.Now().Add(w.Timeout)
	for {
		seen := s.Notifications(NotificationQuery{OutTradeNo: w.OutTradeNo})
		var matching []Notification
		for _, n := range seen {
			if n.Status == w.Status {
				matching = append(matching, n)
			}
		}
		if len(matching) >= w.Count {
			return matching
		}
		if time.Now().After(deadline) {
			summary, _ := json.Marshal(seen)
			s.t.Fatalf("alipaysandbox: waited %v for %d %s notification(s) of %q; seen: %s", w.Timeout, w.Count,
				w.Status, w.OutTradeNo, summary)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ResetAnswer is what [Sandbox.Reset] answers.
type ResetAnswer struct {
	AppID       string `json:"app_id"`        // the default app (unchanged)
	BuyerUserID string `json:"buyer_user_id"` // the new default buyer
}

// Reset wipes trades, buyers, apps, notifications, faults and the clock offset; the keys and the default
// app (same id and key) stay, and a new default buyer is made (BuyerUserID follows).
func (s *Sandbox) Reset() ResetAnswer {
	s.t.Helper()
	var out ResetAnswer
	s.call(http.MethodPost, "reset", nil, nil, &out)
	s.BuyerUserID = out.BuyerUserID
	s.state.mu.Lock()
	s.state.defaultBuyer = out.BuyerUserID
	s.state.appIDs = map[string]bool{s.AppID: true}
	s.state.mu.Unlock()
	return out
}

// NewApp is what [Sandbox.CreateApp] registers. Without PublicKey the sandbox generates the key pair and
// answers the private key, so the [App] is a complete client configuration.
type NewApp struct {
	// PublicKey is the app's public key (PEM or base64); empty: generated.
	PublicKey string `json:"public_key,omitempty"`
	// SignType is RSA2 (default) or RSA.
	SignType string `json:"sign_type,omitempty"`
	// AppID is a wished app id (default: a new one).
	AppID string `json:"app_id,omitempty"`
	// MerchantPID attaches the app to an existing merchant instead of a new one.
	MerchantPID string `json:"merchant_pid,omitempty"`
	// CertMode makes a certificate-mode (公钥证书) app: the sandbox's CA issues its app certificate;
	// requests must carry app_cert_sn and alipay_root_cert_sn, answers carry alipay_cert_sn.
	CertMode bool `json:"cert_mode,omitempty"`
	// AES gives the app an AES content key (encrypt_type=AES).
	AES bool `json:"aes,omitempty"`
	// EncryptRequired (with AES) refuses requests in clear.
	EncryptRequired bool `json:"encrypt_required,omitempty"`
	// CertRequiredMethods lists methods a plain-key call may not use.
	CertRequiredMethods []string `json:"cert_required_methods,omitempty"`
}

// App is a registered app: with a generated key, a complete client configuration.
type App struct {
	AppID              string `json:"app_id"`                // the new app id
	MerchantPID        string `json:"merchant_pid"`          // its merchant
	SignType           string `json:"sign_type"`             // RSA2 or RSA
	GatewayURL         string `json:"gateway_url"`           // this sandbox's gateway
	Charset            string `json:"charset"`               // utf-8
	AppPrivateKey      string `json:"app_private_key"`       // PKCS#8 PEM
	AppPrivateKeyPKCS1 string `json:"app_private_key_pkcs1"` // PKCS#1 PEM
	AlipayPublicKey    string `json:"alipay_public_key"`     // plain-key mode
	AppCert            string `json:"app_cert"`              // cert mode: the app certificate (appCertPublicKey_*.crt)
	AlipayCert         string `json:"alipay_cert"`           // cert mode: alipayCertPublicKey_RSA2.crt
	AlipayRootCert     string `json:"alipay_root_cert"`      // cert mode: alipayRootCert.crt (a non-RSA root first)
	AppCertSN          string `json:"app_cert_sn"`           // cert mode: app_cert_sn
	AlipayCertSN       string `json:"alipay_cert_sn"`        // cert mode: the alipay_cert_sn of its answers
	AlipayRootCertSN   string `json:"alipay_root_cert_sn"`   // cert mode: alipay_root_cert_sn
	AESKey             string `json:"aes_key"`               // base64
	EncryptType        string `json:"encrypt_type"`          // AES
}

// CreateApp registers an app, in certificate mode or with AES when asked.
//
//	app := sb.CreateApp(alipaysandbox.NewApp{CertMode: true})
//	// app.AppCert, app.AlipayCert, app.AlipayRootCert: what an SDK's cert-mode loaders read
func (s *Sandbox) CreateApp(a NewApp) App {
	s.t.Helper()
	var out App
	s.call(http.MethodPost, "apps", nil, a, &out)
	s.state.mu.Lock()
	s.state.appIDs[out.AppID] = true
	s.state.mu.Unlock()
	return out
}

// RotatedCert is what [Sandbox.RotateAlipayCert] answers.
type RotatedCert struct {
	AlipayCertSN string   `json:"alipay_cert_sn"` // the new certificate's SN
	AlipayCert   string   `json:"alipay_cert"`    // the new certificate, PEM
	KnownSNs     []string `json:"known_sns"`      // every Alipay certificate SN, oldest first
}

// RotateAlipayCert issues a new Alipay key and certificate: cert-mode answers are signed with it from now
// on; older certificates stay downloadable (alipay.open.app.alipaycert.download).
func (s *Sandbox) RotateAlipayCert() RotatedCert {
	s.t.Helper()
	var out RotatedCert
	s.call(http.MethodPost, "alipay-cert/rotate", nil, nil, &out)
	return out
}

func (s *Sandbox) ownsApp(appID string) bool {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	return s.state.appIDs[appID]
}

// AuthToken is a third-party authorisation: AppID may act for MerchantPID with app_auth_token.
type AuthToken struct {
	AppAuthToken string `json:"app_auth_token"` // the app_auth_token parameter
	AppID        string `json:"app_id"`         // the third-party app
	MerchantPID  string `json:"merchant_pid"`   // the merchant it acts for
	AuthAppID    string `json:"auth_app_id"`    // the merchant's own app (reported as auth_app_id)
	ExpiresAt    string `json:"expires_at"`     // Beijing time
}

// IssueAuthToken lets the (third-party) app appID act for the merchant merchantPID: the answer's
// AppAuthToken goes into the app_auth_token parameter of its calls. It expires after a year of sandbox clock.
//
//	isv := sb.CreateApp(alipaysandbox.NewApp{})
//	token := sb.IssueAuthToken(isv.AppID, sb.MerchantPID).AppAuthToken
func (s *Sandbox) IssueAuthToken(appID, merchantPID string) AuthToken {
	s.t.Helper()
	var out AuthToken
	s.call(http.MethodPost, "auth-tokens", nil, map[string]string{"app_id": appID, "merchant_pid": merchantPID}, &out)
	return out
}
