package alipaysandbox

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// CashierVisit is what a buyer saw on the sandbox's cashier (the page of alipay.trade.page.pay and
// alipay.trade.wap.pay), walked by [Sandbox.PayInCashier].
type CashierVisit struct {
	// Order is the cashier's first page (HTML): merchant, subject, amount and the sign-in form.
	Order string
	// SignedIn is the page after the buyer signed in: the pay button.
	SignedIn string
	// Return is where the cashier sent the buyer after paying (the 303 to return_url, with Alipay's signed
	// synchronous return parameters in its query); nil when the order had no return_url.
	Return *url.URL
	// Result is the cashier's result page when the order had no return_url.
	Result string
}

// ReturnParams answers the query of Return (nil when there was none): the parameters to verify with the SDK.
func (v *CashierVisit) ReturnParams() url.Values {
	if v.Return == nil {
		return nil
	}
	return v.Return.Query()
}

// PayInCashier walks the cashier as a browser would and pays: it opens pageURL (an alipay.trade.page.pay or
// wap.pay URL as an SDK builds it; only its query is used, sent to this sandbox's gateway.do, so a URL an
// SDK built for Alipay's own host works too: the signature covers the parameters, not the host), signs in
// as the buyer whose logon id is given ("" for the one the cashier proposes, the default buyer), and
// presses pay. Any other page than the expected one (an error page with its code, a refused payment) fails
// the test.
//
//	visit := sb.PayInCashier(payURL.String(), "")
//	// visit.Return: return_url?charset=utf-8&out_trade_no=...&method=alipay.trade.page.pay.return&...&sign=...
func (s *Sandbox) PayInCashier(pageURL, logonID string) *CashierVisit {
	s.t.Helper()
	visit, err := s.payInCashier(pageURL, logonID)
	if err != nil {
		s.t.Fatal(err)
	}
	return visit
}

var (
	formRE   = regexp.MustCompile(`(?s)<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	inputRE  = regexp.MustCompile(`<input[^>]*>`)
	attrRE   = regexp.MustCompile(`([a-zA-Z_:-]+)="([^"]*)"`)
	errorRE  = regexp.MustCompile(`(?s)data-testid="error"[^>]*>(.*?)</div>`)
	msgRE    = regexp.MustCompile(`(?s)data-testid="message"[^>]*>(.*?)</div>`)
	resultRE = regexp.MustCompile(`(?s)data-testid="result"[^>]*>(.*?)</div>`)
	tagRE    = regexp.MustCompile(`<[^>]*>`)
)

// htmlForm is one form of a page: its action and its inputs' values.
type htmlForm struct {
	action string
	fields url.Values
}

func forms(page string) map[string]htmlForm {
	out := map[string]htmlForm{}
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		f := htmlForm{action: html.UnescapeString(m[1]), fields: url.Values{}}
		for _, input := range inputRE.FindAllString(m[2], -1) {
			attrs := map[string]string{}
			for _, a := range attrRE.FindAllStringSubmatch(input, -1) {
				attrs[a[1]] = html.UnescapeString(a[2])
			}
			if attrs["name"] != "" {
				f.fields.Set(attrs["name"], attrs["value"])
			}
		}
		// the last path segment names the action: login, pay, cancel
		out[f.action[strings.LastIndex(f.action, "/")+1:]] = f
	}
	return out
}

func text(re *regexp.Regexp, page string) string {
	m := re.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(m[1], " "))), " ")
}

func (s *Sandbox) payInCashier(pageURL, logonID string) (*CashierVisit, error) {
	parsed, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("alipaysandbox: cashier: %w", err)
	}
	// Follow the cashier's own redirects (login answers 303 to the cashier page); stop at any other URL
	// (return_url), which is reported, not fetched.
	client := &http.Client{
		Transport: s.state.client.Transport,
		Timeout:   s.state.client.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != via[0].URL.Host || !strings.HasPrefix(req.URL.Path, "/cashier/") || len(via) > 5 {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	get := func(method, target string, form url.Values) (*http.Response, string, error) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, target, body)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("Accept", "text/html")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", fmt.Errorf("alipaysandbox: cashier: %w", err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		return resp, string(raw), err
	}
	problem := func(step, page string, status int) error {
		why := text(errorRE, page)
		if why == "" {
			why = text(msgRE, page)
		}
		if why == "" {
			why = fmt.Sprintf("HTTP %d, no %s form on the page", status, step)
		}
		return fmt.Errorf("alipaysandbox: cashier, %s: %s", step, why)
	}

	visit := &CashierVisit{}
	resp, page, err := get(http.MethodGet, s.GatewayURL+"?"+parsed.RawQuery, nil)
	if err != nil {
		return nil, err
	}
	visit.Order = page
	login, ok := forms(page)["login"]
	if !ok || resp.StatusCode != http.StatusOK {
		return visit, problem("open", page, resp.StatusCode)
	}
	if logonID != "" {
		login.fields.Set("logon_id", logonID)
	}
	resp, page, err = get(http.MethodPost, s.BaseURL+login.action, login.fields)
	if err != nil {
		return visit, err
	}
	visit.SignedIn = page
	pay, ok := forms(page)["pay"]
	if !ok || resp.StatusCode != http.StatusOK {
		return visit, problem("sign in", page, resp.StatusCode)
	}
	resp, page, err = get(http.MethodPost, s.BaseURL+pay.action, pay.fields)
	if err != nil {
		return visit, err
	}
	if resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusFound {
		loc, err := resp.Location()
		if err != nil {
			return visit, fmt.Errorf("alipaysandbox: cashier, pay: %w", err)
		}
		visit.Return = loc
		return visit, nil
	}
	visit.Result = page
	if resp.StatusCode != http.StatusOK || !strings.Contains(text(resultRE, page), "paid") {
		return visit, problem("pay", page, resp.StatusCode)
	}
	return visit, nil
}

// PayAppOrder is the buyer paying an in-app order in the sandbox's wallet: orderString is what the
// merchant's server hands its app (an alipay.trade.app.pay or alipay.fund.coupon.order.app.pay order
// string as an SDK builds it: the signed parameters, form-encoded), buyerID the payer ("" for the default
// buyer). It answers the wallet's message: "<out_trade_no> TRADE_SUCCESS" when the trade was paid, else why
// not (a bad signature, a short balance, ...). The test fails only when the wallet cannot be reached.
//
//	orderString, _ := client.TradeAppPay(order) // smartwalle/alipay
//	msg := sb.PayAppOrder(orderString, "")      // "T1 TRADE_SUCCESS"
func (s *Sandbox) PayAppOrder(orderString, buyerID string) string {
	s.t.Helper()
	form := url.Values{"buyer": {buyerID}, "order_string": {orderString}}
	client := &http.Client{
		Transport:     s.state.client.Transport,
		Timeout:       s.state.client.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequest(http.MethodPost, s.BaseURL+"/wallet/app-pay", strings.NewReader(form.Encode()))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token, _ := s.AppJSON["admin_token"].(string); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatalf("alipaysandbox: wallet: %v", err)
	}
	defer resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		body, _ := io.ReadAll(resp.Body)
		s.t.Fatalf("alipaysandbox: wallet app-pay: HTTP %d, no redirect: %s", resp.StatusCode, body)
	}
	return loc.Query().Get("msg")
}
