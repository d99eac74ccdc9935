package alipaysandbox_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
)

func TestMain(m *testing.M) {
	// Before any HTTP request: net/http reads HTTPS_PROXY once (TestHostProxy).
	if _, err := alipaysandbox.InstallHostProxy(); err != nil {
		log.Fatal(err)
	}
	os.Exit(m.Run())
}

func TestStartWritesTheCredentials(t *testing.T) {
	sb := alipaysandbox.Start(t)
	if !strings.HasPrefix(sb.GatewayURL, "http://127.0.0.1:") || !strings.HasSuffix(sb.GatewayURL, "/gateway.do") {
		t.Fatalf("GatewayURL %q", sb.GatewayURL)
	}
	if sb.BaseURL+"/gateway.do" != sb.GatewayURL || sb.AppID == "" || sb.MerchantPID == "" || sb.BuyerUserID == "" {
		t.Fatalf("%+v", sb)
	}
	if sb.SignType != "RSA2" || sb.Charset != "utf-8" {
		t.Fatalf("sign type %q, charset %q", sb.SignType, sb.Charset)
	}
	pkcs8 := privateKey(t, sb.AppPrivateKey)
	block, _ := pem.Decode([]byte(sb.AppPrivateKeyPKCS1))
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		t.Fatalf("AppPrivateKeyPKCS1 is not PKCS#1 PEM: %.40q", sb.AppPrivateKeyPKCS1)
	}
	pkcs1, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil || !pkcs1.Equal(pkcs8) {
		t.Fatalf("the PKCS#1 and PKCS#8 keys differ (%v)", err)
	}
	if !publicKey(t, sb.AppPublicKey).Equal(&pkcs8.PublicKey) {
		t.Fatal("AppPublicKey is not the private key's")
	}
	_ = publicKey(t, sb.AlipayPublicKey)
	if _, err := os.Stat(filepath.Join(sb.DataDir, "app.json")); err != nil {
		t.Fatal(err)
	}
}

func TestKeyBase64(t *testing.T) {
	sb := alipaysandbox.Start(t)
	raw := alipaysandbox.KeyBase64(sb.AppPrivateKeyPKCS1)
	if strings.ContainsAny(raw, "\n -") {
		t.Fatalf("not bare base64: %.60q", raw)
	}
	// What gopay does with it (xrsa.FormatAlipayPrivateKey): wrap it again.
	again := "-----BEGIN RSA PRIVATE KEY-----\n" + raw + "\n-----END RSA PRIVATE KEY-----\n"
	block, _ := pem.Decode([]byte(again))
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil || !key.Equal(privateKey(t, sb.AppPrivateKey)) {
		t.Fatalf("KeyBase64 lost the key: %v", err)
	}
	if alipaysandbox.KeyBase64(" AB\nCD ") != "ABCD" {
		t.Fatal("non-PEM text is not answered without its whitespace")
	}
}

func TestTimeLocalIsBeijing(t *testing.T) {
	if os.Getenv(alipaysandbox.KeepTZ) != "" {
		if time.Local == alipaysandbox.Beijing && os.Getenv("TZ") == "UTC" {
			t.Fatalf("%s is set and TZ=UTC, yet time.Local is Beijing", alipaysandbox.KeepTZ)
		}
		return // the child of TestKeepTZ
	}
	if time.Local != alipaysandbox.Beijing {
		t.Fatalf("time.Local is %v", time.Local)
	}
	if _, offset := time.Now().Zone(); offset != 8*3600 {
		t.Fatalf("time.Now() is at offset %d", offset)
	}
	sb := alipaysandbox.Start(t)
	sb.Close()
	if sb.Running() || time.Local != alipaysandbox.Beijing {
		t.Fatalf("after Close: running %v, time.Local %v", sb.Running(), time.Local)
	}
}

// ALIPAY_SANDBOX_KEEP_TZ keeps the host's zone: this test binary again, in a child process.
func TestKeepTZ(t *testing.T) {
	if os.Getenv(alipaysandbox.KeepTZ) != "" {
		t.Skip("the child")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTimeLocalIsBeijing$", "-test.count=1")
	cmd.Env = append(os.Environ(), alipaysandbox.KeepTZ+"=1", "TZ=UTC")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
}

func TestControls(t *testing.T) {
	sb := alipaysandbox.Start(t)
	buyer := sb.CreateBuyer(alipaysandbox.NewBuyer{Balance: "5.00"})
	if buyer.UserID == "" || buyer.Balance != "5.00" || sb.Buyer(buyer.UserID).Balance != "5.00" {
		t.Fatalf("buyer %+v", buyer)
	}
	if sb.Buyer("").UserID != sb.BuyerUserID {
		t.Fatal(`Buyer("") is not the default buyer`)
	}
	code := sb.IssuePaymentCode(buyer.UserID, time.Minute)
	if code.AuthCode == "" || code.UserID != buyer.UserID || sb.PaymentCode("") == code.AuthCode {
		t.Fatalf("payment code %+v", code)
	}
	clock := sb.Clock()
	if _, err := clock.Time(); err != nil || clock.OffsetSecs != 0 {
		t.Fatalf("clock %+v: %v", clock, err)
	}
	if moved := sb.AdvanceClock(time.Hour); moved.OffsetSecs != 3600 {
		t.Fatalf("advanced clock %+v", moved)
	}
	pending := sb.InjectFault(alipaysandbox.Fault{Method: "alipay.trade.query", Kind: "unknown_error", Count: 2})
	if len(pending) != 1 || pending[0].Count != 2 {
		t.Fatalf("faults %+v", pending)
	}
	sb.ClearFaults()
	_, err := sb.AdminRequest(http.MethodGet, "trades", url.Values{"out_trade_no": {"nope"}}, nil)
	var adminErr *alipaysandbox.AdminError
	if !errors.As(err, &adminErr) {
		t.Fatalf("unknown trade: %v", err)
	}
	if adminErr.Status != http.StatusNotFound || adminErr.Message == "" {
		t.Fatalf("unknown trade: %+v", adminErr)
	}
	old := sb.BuyerUserID
	if answer := sb.Reset(); answer.AppID != sb.AppID || answer.BuyerUserID == old || sb.BuyerUserID != answer.BuyerUserID {
		t.Fatalf("reset %+v (default buyer was %s)", answer, old)
	}
	if sb.Clock().OffsetSecs != 0 {
		t.Fatal("reset kept the clock offset")
	}
}

func TestCreateCertModeApp(t *testing.T) {
	sb := alipaysandbox.Start(t)
	app := sb.CreateApp(alipaysandbox.NewApp{CertMode: true})
	if app.AppID == "" || app.AppID == sb.AppID || app.AppCertSN == "" || app.AlipayCertSN == "" || app.AlipayRootCertSN == "" {
		t.Fatalf("%+v", app)
	}
	for name, text := range map[string]string{"app_cert": app.AppCert, "alipay_cert": app.AlipayCert, "alipay_root_cert": app.AlipayRootCert} {
		if block, _ := pem.Decode([]byte(text)); block == nil || block.Type != "CERTIFICATE" {
			t.Fatalf("%s is not a PEM certificate", name)
		}
	}
	if privateKey(t, app.AppPrivateKey) == nil {
		t.Fatal("no private key")
	}
}

func TestFindBinaryHonoursALIPAY_BIN(t *testing.T) {
	t.Setenv("ALIPAY_BIN", filepath.Join(t.TempDir(), "missing"))
	if _, err := alipaysandbox.FindBinary(); err == nil || !strings.Contains(err.Error(), "is not a file") {
		t.Fatalf("FindBinary: %v", err)
	}
}

func TestHostProxyServesAlipaysHosts(t *testing.T) {
	sb := alipaysandbox.Start(t)
	sb.RouteAlipayHosts()
	// A client like gopay's: the environment's proxy, no TLS verification (pkg/xhttp/client.go).
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}}
	for i, host := range alipaysandbox.AlipayHosts[:2] {
		answer := call(t, sb, client, "https://"+host+"/gateway.do?charset=utf-8", "alipay.trade.precreate",
			map[string]any{"out_trade_no": fmt.Sprint("H", i), "total_amount": "1.00", "subject": "proxied"}, nil)
		if answer["code"] != "10000" {
			t.Fatalf("%s: %v", host, answer)
		}
	}
	// Two sandboxes routed at once: the app_id picks.
	other := alipaysandbox.Start(t)
	other.RouteAlipayHosts()
	for _, s := range []*alipaysandbox.Sandbox{sb, other} {
		answer := call(t, s, client, "https://openapi.alipay.com/gateway.do", "alipay.trade.precreate",
			map[string]any{"out_trade_no": "TWO", "total_amount": "1.00", "subject": "routed"}, nil)
		if answer["code"] != "10000" || s.Trade(alipaysandbox.ByOutTradeNo("TWO")).AppID != s.AppID {
			t.Fatalf("routing by app_id: %v", answer)
		}
	}
	// A verifying client refuses the proxy's certificate: it is not Alipay's.
	strict := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment}}
	var certErr *tls.CertificateVerificationError
	if _, err := strict.Get("https://openapi.alipay.com/gateway.do"); !errors.As(err, &certErr) {
		t.Fatalf("a verifying client got %v", err)
	}
}

func fakeExecutable(t *testing.T, path, script string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// FindBinary's order after ALIPAY_BIN: PATH, the Python package, a checkout's target/ above the current
// directory.
func TestFindBinaryOrder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for the binaries")
	}
	dir := t.TempDir()
	t.Setenv("ALIPAY_BIN", "")
	onPath := fakeExecutable(t, filepath.Join(dir, "bin", "alipay"), "exit 0")
	fromPython := fakeExecutable(t, filepath.Join(dir, "venv", "alipay"), "exit 0")
	python := fakeExecutable(t, filepath.Join(dir, "py", "fakepython"), "echo "+fromPython)
	built := fakeExecutable(t, filepath.Join(dir, "checkout", "target", "release", "alipay"), "exit 0")

	t.Setenv("PATH", filepath.Join(dir, "bin")+string(os.PathListSeparator)+"/usr/bin:/bin")
	if got, err := alipaysandbox.FindBinary(); err != nil || got != onPath {
		t.Fatalf("PATH: %q %v", got, err)
	}
	t.Setenv("PATH", "/usr/bin:/bin")
	t.Setenv("ALIPAY_PYTHON", python)
	if got, err := alipaysandbox.FindBinary(); err != nil || got != fromPython {
		t.Fatalf("ALIPAY_PYTHON: %q %v", got, err)
	}
	t.Setenv("ALIPAY_PYTHON", filepath.Join(dir, "py", "missing"))
	wd, _ := os.Getwd()
	sub := filepath.Join(dir, "checkout", "go", "x")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(sub); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	got, err := alipaysandbox.FindBinary()
	// This package's own checkout comes first when it has a build (a developer's machine); else the
	// directory walk finds the fake one.
	if err != nil || (got != built && !strings.HasSuffix(got, filepath.Join("target", "release", "alipay")) &&
		!strings.HasSuffix(got, filepath.Join("target", "debug", "alipay"))) {
		t.Fatalf("checkout: %q %v", got, err)
	}
}
