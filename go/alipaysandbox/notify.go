package alipaysandbox

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// ReceivedNotification is one POST a [NotificationReceiver] received.
type ReceivedNotification struct {
	// Body is the raw form body.
	Body []byte
	// ContentType is the request's Content-Type (application/x-www-form-urlencoded;charset=utf-8).
	ContentType string
	// Path is the request's path and query.
	Path string
	// Form is Body decoded (percent-decoding only: a charset other than UTF-8 is not converted).
	Form url.Values
	// Answer is what the receiver answered ("success" unless the receiver's answer function said otherwise).
	Answer string
}

// Charset answers the charset parameter of ContentType ("utf-8" when there is none).
func (n *ReceivedNotification) Charset() string {
	if _, params, err := mime.ParseMediaType(n.ContentType); err == nil && params["charset"] != "" {
		return params["charset"]
	}
	return "utf-8"
}

// NotificationReceiver is a merchant's notify_url on 127.0.0.1 (an [httptest.Server]) that records every
// notification and answers "success", Alipay's acknowledgement (anything else makes the sandbox retry on
// its schedule), or what its answer function returns.
type NotificationReceiver struct {
	// Server is the underlying test server.
	Server *httptest.Server
	// URL is http://127.0.0.1:PORT/notify: the notify_url to give in requests.
	URL string

	t      testing.TB
	answer func(*ReceivedNotification) string

	mu       sync.Mutex
	cond     *sync.Cond
	received []*ReceivedNotification
}

// NewNotificationReceiver starts a receiver, closed by t.Cleanup. answer, when not nil, sees each
// notification and returns the body to answer: verify the signature with the SDK and answer "fail" when it
// does not hold, as a real endpoint must. t may be nil outside a test (an Example function): then the caller
// closes the receiver, and Wait panics where it would fail the test.
//
//	receiver := alipaysandbox.NewNotificationReceiver(t, func(n *alipaysandbox.ReceivedNotification) string {
//		if err := client.VerifySign(n.Form); err != nil {
//			return "fail"
//		}
//		return "success"
//	})
func NewNotificationReceiver(t testing.TB, answer func(*ReceivedNotification) string) *NotificationReceiver {
	if t == nil {
		t = panicTB{}
	}
	t.Helper()
	r := &NotificationReceiver{t: t, answer: answer}
	r.cond = sync.NewCond(&r.mu)
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.Server.URL + "/notify"
	t.Cleanup(r.Close)
	return r
}

func (r *NotificationReceiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, _ := url.ParseQuery(string(body))
	n := &ReceivedNotification{Body: body, ContentType: req.Header.Get("Content-Type"), Path: req.URL.RequestURI(), Form: form}
	reply, status := "success", http.StatusOK
	if r.answer != nil {
		func() {
			defer func() {
				if p := recover(); p != nil { // the endpoint's own failure: Alipay sees a 500 and retries
					reply, status = fmt.Sprintf("fail: %v", p), http.StatusInternalServerError
				}
			}()
			reply = r.answer(n)
		}()
	}
	n.Answer = reply
	r.mu.Lock()
	r.received = append(r.received, n)
	r.cond.Broadcast()
	r.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reply)
}

// Close stops the receiver (safe to call twice).
func (r *NotificationReceiver) Close() {
	r.mu.Lock()
	server := r.Server
	r.Server = nil
	r.cond.Broadcast()
	r.mu.Unlock()
	if server != nil {
		server.Close()
	}
}

// Received answers every notification received so far, oldest first.
func (r *NotificationReceiver) Received() []*ReceivedNotification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*ReceivedNotification(nil), r.received...)
}

// Clear forgets what was received.
func (r *NotificationReceiver) Clear() {
	r.mu.Lock()
	r.received = nil
	r.mu.Unlock()
}

// OutTradeNo matches notifications of one trade, for [NotificationReceiver.Wait].
func OutTradeNo(outTradeNo string) func(*ReceivedNotification) bool {
	return func(n *ReceivedNotification) bool { return n.Form.Get("out_trade_no") == outTradeNo }
}

// Wait answers the first notification received that match accepts (any, when match is nil), waiting up to
// 10 s for it; the test given to NewNotificationReceiver fails when none comes.
//
//	n := receiver.Wait(alipaysandbox.OutTradeNo("T1"))
//	// n.Form.Get("trade_status") == "TRADE_SUCCESS"
func (r *NotificationReceiver) Wait(match func(*ReceivedNotification) bool) *ReceivedNotification {
	r.t.Helper()
	n, err := r.WaitTimeout(match, 10*time.Second)
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// WaitTimeout is [NotificationReceiver.Wait] with a timeout, answering an error instead of failing the test.
func (r *NotificationReceiver) WaitTimeout(match func(*ReceivedNotification) bool, timeout time.Duration) (*ReceivedNotification, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer timer.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		for _, n := range r.received {
			if match == nil || match(n) {
				return n, nil
			}
		}
		if r.Server == nil {
			return nil, fmt.Errorf("alipaysandbox: the notification receiver is closed (%d received)", len(r.received))
		}
		if !time.Now().Before(deadline) {
			return nil, fmt.Errorf("alipaysandbox: no matching notification in %v (%d received)", timeout, len(r.received))
		}
		r.cond.Wait()
	}
}
