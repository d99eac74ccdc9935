// Package alipaysandbox starts the local Alipay gateway of alipay-rs (`alipay sandbox`) for Go tests, in the
// style of net/http/httptest: [Start] runs a fresh gateway on a free loopback port with a temporary data
// directory and stops it when the test ends; the returned [Sandbox] holds the credentials an SDK needs
// ([Sandbox.GatewayURL], [Sandbox.AppID], [Sandbox.AppPrivateKey], [Sandbox.AlipayPublicKey]) and the
// simulation controls (the buyer scans and pays, the clock moves, faults are injected, notifications are
// listed). [NewNotificationReceiver] is a merchant's notify_url on loopback that records what Alipay sends.
//
//	func TestCheckout(t *testing.T) {
//		sb := alipaysandbox.Start(t)
//		client, _ := alipay.New(sb.AppID, sb.AppPrivateKey, false, alipay.WithSandboxGateway(sb.GatewayURL))
//		_ = client.LoadAliPayPublicKey(sb.AlipayPublicKey)
//		// ... precreate, then sb.Scan(qrCode, true) pays it
//	}
//
// The package uses the standard library only. The SDK configurations it is tested with (smartwalle/alipay
// and go-pay/gopay) are in the module github.com/alipay-rs/alipay-rs/go/examples.
//
// # Finding the binary
//
// [FindBinary] looks, in this order, at ALIPAY_BIN; `alipay` on PATH (an activated venv where
// `pip install ./python` put it); the binary the Python package alipay_sandbox finds for ALIPAY_PYTHON
// (default python3, then python); a checkout's target/release or target/debug build next to this module.
//
// # Beijing time
//
// Alipay reads a request's timestamp as Beijing time (UTC+8) and the sandbox, like Alipay, refuses one more
// than 30 minutes away from its clock (40002 isv.invalid-timestamp). Both common Go SDKs stamp requests with
// time.Now() in the host's local zone unless told otherwise (smartwalle/alipay: WithTimeLocation, default
// time.Local; go-pay/gopay: SetLocation, default the host zone), so on a UTC machine (most CI) every request
// is 8 hours off. The Node helper sets TZ for the process; Go reads TZ once, when time.Local is first used,
// so time.Local itself is the knob. Importing this package sets time.Local to [Beijing] for the whole test
// binary, in the package's init: before any test code runs, because a later write would race with every
// goroutine that calls time.Now (the race detector reports it, net/http's own goroutines included), and it
// is never restored. Set ALIPAY_SANDBOX_KEEP_TZ=1 ([KeepTZ]) to keep the host's zone; [Start] then logs a
// reminder. Setting the zone on the SDK client (alipay.WithTimeLocation(alipaysandbox.Beijing),
// client.SetLocation("Asia/Shanghai")) does not depend on time.Local at all and is what a production server
// outside China needs too; the examples module shows both.
package alipaysandbox
