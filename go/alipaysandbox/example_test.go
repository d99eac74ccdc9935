package alipaysandbox_test

import (
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
)

// New starts a sandbox outside a test; in a test, Start(t) does the same and stops it by itself.
func ExampleNew() {
	sb, err := alipaysandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	fmt.Println(strings.HasPrefix(sb.GatewayURL, "http://127.0.0.1:"), sb.SignType, sb.Charset)
	fmt.Println(time.Local == alipaysandbox.Beijing) // set when the package was imported
	fmt.Println(sb.Buyer("").Balance)
	// Output:
	// true RSA2 utf-8
	// true
	// 10000.00
}

// The controls: a buyer with little money, a payment code, the clock moved forward.
func ExampleSandbox_controls() {
	sb, err := alipaysandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	poor := sb.CreateBuyer(alipaysandbox.NewBuyer{Balance: "1.00"})
	code := sb.PaymentCode(poor.UserID) // auth_code of alipay.trade.pay
	fmt.Println(poor.Balance, code != "")
	fmt.Println(sb.AdvanceClock(3 * time.Hour).OffsetSecs)
	// Output:
	// 1.00 true
	// 10800
}

// A notify_url that records what it is sent and answers "success".
func ExampleNewNotificationReceiver() {
	receiver := alipaysandbox.NewNotificationReceiver(nil, nil) // in a test: (t, answer)
	defer receiver.Close()
	form := url.Values{"out_trade_no": {"T1"}, "trade_status": {"TRADE_SUCCESS"}}
	resp, err := http.PostForm(receiver.URL, form) // what the sandbox does
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	n := receiver.Wait(alipaysandbox.OutTradeNo("T1"))
	fmt.Println(n.Form.Get("trade_status"), n.Answer)
	// Output: TRADE_SUCCESS success
}

func ExampleKeyBase64() {
	pemText := "-----BEGIN PUBLIC KEY-----\nTUlJQklq\nQU5C\n-----END PUBLIC KEY-----\n"
	fmt.Println(alipaysandbox.KeyBase64(pemText))
	// Output: TUlJQklqQU5C
}
