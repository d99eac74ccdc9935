// The README's ten-line test ("Go"), run as it is printed there.
package examples

import (
	"context"
	"strings"
	"testing"

	"github.com/alipay-rs/alipay-rs/go/alipaysandbox"
	"github.com/smartwalle/alipay/v3"
)

func TestPrecreateAgainstTheLocalAlipay(t *testing.T) {
	sb := alipaysandbox.Start(t) // a fresh local Alipay on a free port, stopped when the test ends
	client, err := alipay.New(sb.AppID, sb.AppPrivateKey, false, alipay.WithSandboxGateway(sb.GatewayURL))
	if err != nil || client.LoadAliPayPublicKey(sb.AlipayPublicKey) != nil { // answers are verified
		t.Fatal("client:", err)
	}
	var order alipay.TradePreCreate
	order.OutTradeNo, order.TotalAmount, order.Subject = "T1", "88.88", "demo"
	rsp, err := client.TradePreCreate(context.Background(), order)
	if err != nil || rsp.Code != alipay.CodeSuccess || !strings.HasPrefix(rsp.QRCode, "https://qr.alipay.com/") {
		t.Fatalf("precreate: %v %+v", err, rsp)
	}
}
