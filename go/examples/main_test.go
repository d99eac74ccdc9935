package examples

import (
	"log"
	"os"
	"testing"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
	gopay "github.com/go-pay/gopay/alipay"
	"github.com/smartwalle/alipay/v3"
)

func TestMain(m *testing.M) {
	// gopay's gateway URL is a constant (go-pay/gopay alipay/model.go: sandboxBaseUrlUtf8); its HTTP client
	// takes the proxy from the environment, which net/http reads once: install the host proxy before any
	// request of this test binary.
	if _, err := alipaysandbox.InstallHostProxy(); err != nil {
		log.Fatal(err)
	}
	os.Exit(m.Run())
}

// newSmartwalle is the configuration of smartwalle/alipay for the sandbox (see Example_smartwalle).
func newSmartwalle(t testing.TB, sb *alipaysandbox.Sandbox) *alipay.Client {
	t.Helper()
	// isProduction=false: WithSandboxGateway replaces the sandbox host (alipay.go: WithSandboxGateway sets
	// c.host only when !c.isProduction); WithTimeLocation stamps timestamps in Beijing time (alipay.go
	// URLValues: time.Now().In(c.location), default time.Local).
	client, err := alipay.New(sb.AppID, sb.AppPrivateKey, false,
		alipay.WithSandboxGateway(sb.GatewayURL), alipay.WithTimeLocation(alipaysandbox.Beijing))
	if err != nil {
		t.Fatal(err)
	}
	// Answers and notifications are verified with this key (alipay.go decode -> verify, VerifySign).
	if err := client.LoadAliPayPublicKey(sb.AlipayPublicKey); err != nil {
		t.Fatal(err)
	}
	return client
}

// newGopay is the configuration of go-pay/gopay for the sandbox (see Example_gopay).
func newGopay(t testing.TB, sb *alipaysandbox.Sandbox) *gopay.Client {
	t.Helper()
	// isProd=false posts to https://openapi-sandbox.dl.alipaydev.com/gateway.do?charset=utf-8, which the host
	// proxy (TestMain) hands to this sandbox.
	sb.RouteAlipayHosts()
	// NewClient wraps the key in PEM lines itself (client.go: xrsa.FormatAlipayPrivateKey): bare base64.
	client, err := gopay.NewClient(sb.AppID, alipaysandbox.KeyBase64(sb.AppPrivateKeyPKCS1), false)
	if err != nil {
		t.Fatal(err)
	}
	// Timestamps in Beijing time (client.go pubParamsHandle: time.Now().In(a.location) when set).
	client.SetLocation("Asia/Shanghai")
	// Verify every successful answer (sign.go autoVerifySignByCert). The comment says "certificate mode
	// only", but xpem.DecodePublicKey reads a PUBLIC KEY block too, and getSignData handles plain answers.
	client.AutoVerifySign([]byte(sb.AlipayPublicKey))
	return client
}
