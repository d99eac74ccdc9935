package alipaysandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sandbox is one running local Alipay (`alipay sandbox`), started by [Start] and stopped when its test ends.
//
// The exported fields are the default app's credentials as the sandbox wrote them to DIR/app.json; the
// methods are the simulation controls of its admin API (crates/alipay-sandbox-admin/docs/common.md in the
// alipay-rs repository). A control that fails (the admin API answered an error, or could not be reached)
// fails the test given to Start with t.Fatalf, so call the controls from that test's goroutine, or bind the
// sandbox to another test with [Sandbox.For]. [Sandbox.Admin] and [Sandbox.AdminRequest] return errors
// instead, for asserting the admin API's refusals.
type Sandbox struct {
	// GatewayURL is http://127.0.0.1:PORT/gateway.do: the URL an SDK posts its requests to.
	GatewayURL string
	// BaseURL is http://127.0.0.1:PORT (the admin API is under /admin/, the cashier under /cashier/).
	BaseURL string
	// AppID is the default app's id.
	AppID string
	// AppPrivateKey is the default app's RSA private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"). smartwalle/alipay's
	// New reads this form or AppPrivateKeyPKCS1; go-pay/gopay's NewClient wants the bare base64 of either
	// ([KeyBase64]).
	AppPrivateKey string
	// AppPrivateKeyPKCS1 is the same key as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY").
	AppPrivateKeyPKCS1 string
	// AppPublicKey is the default app's public key (SPKI PEM), as registered with the sandbox.
	AppPublicKey string
	// AlipayPublicKey is the sandbox's Alipay public key (SPKI PEM, "BEGIN PUBLIC KEY"): it verifies the
	// gateway's answers, notifications and the cashier's return parameters.
	AlipayPublicKey string
	// SignType is RSA2.
	SignType string
	// Charset is utf-8.
	Charset string
	// MerchantPID is the default app's merchant (the seller_id of its trades).
	MerchantPID string
	// BuyerUserID is the default buyer (10000.00 to spend, password-free limit 2000.00). [Sandbox.Reset]
	// creates a new one and updates this field of the Sandbox it is called on.
	BuyerUserID string
	// DataDir is the data directory: app.json, the store, and sandbox.log (the process's log). A temporary
	// one is deleted by Close.
	DataDir string
	// AppJSON is DIR/app.json as the sandbox wrote it at start.
	AppJSON map[string]any

	t     testing.TB
	state *state
}

// state is what every view of one sandbox ([Sandbox.For]) shares.
type state struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	tmpDir  string // deleted by Close
	waitErr error
	client  *http.Client

	mu           sync.Mutex
	stopped      bool
	defaultBuyer string
	appIDs       map[string]bool // the default app and those made by CreateApp: routing in HostProxy
	unroute      []func()        // RouteAlipayHosts
}

// Option configures [Start].
type Option func(*config)

type config struct {
	binary          string
	dataDir         string
	host            string
	notifyTimeScale float64
	timestampSkew   *int
	startupTimeout  time.Duration
	env             []string
}

// WithBinary runs this `alipay` binary instead of the one [FindBinary] finds.
func WithBinary(path string) Option { return func(c *config) { c.binary = path } }

// WithDataDir keeps the sandbox's state in dir (created if missing, never deleted), so trades, keys and the
// app id survive restarts. The default is a new t.TempDir().
func WithDataDir(dir string) Option { return func(c *config) { c.dataDir = dir } }

// WithHost listens on another loopback address than 127.0.0.1. The port is always chosen by the OS.
func WithHost(host string) Option { return func(c *config) { c.host = host } }

// WithNotifyTimeScale multiplies Alipay's notification retry schedule (4m, 10m, 10m, 1h, ...). The default,
// 0.001, makes the first retry come after 0.24 s; 1 is Alipay's real schedule.
func WithNotifyTimeScale(scale float64) Option { return func(c *config) { c.notifyTimeScale = scale } }

// WithTimestampSkew sets how far, in seconds, a request's timestamp may be from the sandbox clock (the
// sandbox's default, like Alipay's, is 1800).
func WithTimestampSkew(seconds int) Option { return func(c *config) { c.timestampSkew = &seconds } }

// WithStartupTimeout bounds the wait for the sandbox to answer (default 30 s).
func WithStartupTimeout(d time.Duration) Option { return func(c *config) { c.startupTimeout = d } }

// WithEnv adds environment variables ("KEY=value") to the sandbox process, e.g. "RUST_LOG=debug".
func WithEnv(env ...string) Option { return func(c *config) { c.env = append(c.env, env...) } }

// Start runs a fresh local Alipay for the test: `alipay sandbox --listen 127.0.0.1:0` (the OS picks a free
// port) on a new temporary data directory, waits until it has written app.json and answers its admin API,
// and registers t.Cleanup to stop it (Ctrl-C, so the store closes cleanly; a kill after 10 s) and delete the
// directory. Any failure is t.Fatal. When the test has failed, the cleanup logs the last lines of the
// sandbox's log. When time.Local is not Beijing time (ALIPAY_SANDBOX_KEEP_TZ: see the package
// documentation), it logs that SDKs stamping local time will be refused.
func Start(t testing.TB, opts ...Option) *Sandbox {
	t.Helper()
	s, err := start(t, opts)
	if _, offset := time.Now().Zone(); offset != 8*60*60 && err == nil {
		t.Logf("alipaysandbox: time.Local is %v (UTC%+d s): an SDK that stamps local time is refused "+
			"(isv.invalid-timestamp) unless given Beijing time itself", time.Local, offset)
	}
	if s != nil {
		t.Cleanup(func() {
			if t.Failed() {
				if tail := logTail(s.logPath(), 30); tail != "" {
					t.Logf("alipaysandbox: last lines of %s:\n%s", s.logPath(), tail)
				}
			}
			s.Close()
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// New is [Start] without a test, in the style of httptest.NewServer: for Example functions, TestMain (one
// sandbox for a package's tests) or a program. The caller stops it with [Sandbox.Close]. A control of a
// Sandbox from New panics where it would fail a test; [Sandbox.For] binds it to a test.
//
//	sb, err := alipaysandbox.New()
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer sb.Close()
func New(opts ...Option) (*Sandbox, error) {
	return start(nil, opts)
}

// start runs the sandbox; on an error after the process started it answers the Sandbox too, stopped.
func start(t testing.TB, opts []Option) (*Sandbox, error) {
	cfg := config{host: "127.0.0.1", notifyTimeScale: 0.001, startupTimeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&cfg)
	}
	binary := cfg.binary
	if binary == "" {
		found, err := FindBinary()
		if err != nil {
			return nil, err
		}
		binary = found
	}
	dataDir, tmp := cfg.dataDir, ""
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "alipay-sandbox-")
		if err != nil {
			return nil, fmt.Errorf("alipaysandbox: %w", err)
		}
		dataDir, tmp = dir, dir
	} else if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("alipaysandbox: %w", err)
	}
	appJSONPath := filepath.Join(dataDir, "app.json")
	_ = os.Remove(appJSONPath) // a previous run's names another port
	args := []string{"sandbox", "--data", dataDir, "--listen", cfg.host + ":0",
		"--notify-time-scale", strconv.FormatFloat(cfg.notifyTimeScale, 'g', -1, 64)}
	if cfg.timestampSkew != nil {
		args = append(args, "--timestamp-skew", strconv.Itoa(*cfg.timestampSkew))
	}
	logPath := filepath.Join(dataDir, "sandbox.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, fmt.Errorf("alipaysandbox: %w", err)
	}
	cmd := exec.Command(binary, args...)
	// stdout repeats the credentials (private key included): discarded. The log (stderr) goes to the file.
	cmd.Stdout = nil
	cmd.Stderr = logFile
	cmd.Env = append(append([]string{"NO_COLOR=1"}, os.Environ()...), cfg.env...)
	setDeathSignal(cmd)
	err = cmd.Start()
	logFile.Close()
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, fmt.Errorf("alipaysandbox: cannot run %s: %w", binary, err)
	}
	st := &state{
		cmd:    cmd,
		exited: make(chan struct{}),
		tmpDir: tmp,
		// Proxy: nil — never the environment's proxy (and never make net/http read it: see HostProxy).
		client: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 60 * time.Second},
		appIDs: map[string]bool{},
	}
	go func() {
		st.waitErr = cmd.Wait()
		close(st.exited)
	}()
	if t == nil {
		t = panicTB{}
	}
	s := &Sandbox{DataDir: dataDir, t: t, state: st}
	fail := func(err error) (*Sandbox, error) {
		s.Close()
		return s, err
	}

	deadline := time.Now().Add(cfg.startupTimeout)
	var info map[string]any
	for {
		select {
		case <-st.exited:
			return fail(fmt.Errorf("alipaysandbox: `alipay sandbox` exited (%v):\n%s", st.waitErr, logTail(logPath, 30)))
		default:
		}
		if raw, err := os.ReadFile(appJSONPath); err == nil && json.Unmarshal(raw, &info) == nil {
			break
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("alipaysandbox: `alipay sandbox` did not start in %v:\n%s", cfg.startupTimeout, logTail(logPath, 30)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var missing []string
	field := func(name string) string {
		v, _ := info[name].(string)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	s.AppJSON = info
	s.GatewayURL = field("gateway_url")
	s.BaseURL = strings.TrimSuffix(s.GatewayURL, "/gateway.do")
	s.AppID = field("app_id")
	s.AppPrivateKey = field("app_private_key")
	s.AppPrivateKeyPKCS1 = field("app_private_key_pkcs1")
	s.AppPublicKey = field("app_public_key")
	s.AlipayPublicKey = field("alipay_public_key")
	s.SignType = field("sign_type")
	s.Charset = field("charset")
	s.MerchantPID = field("merchant_pid")
	s.BuyerUserID = field("buyer_user_id")
	if len(missing) > 0 {
		return fail(fmt.Errorf("alipaysandbox: app.json has no %s: is the `alipay` binary (%s) older than this module?",
			strings.Join(missing, ", "), binary))
	}
	st.defaultBuyer = s.BuyerUserID
	st.appIDs[s.AppID] = true
	// app.json is written once the socket is bound; one admin round trip proves it serves.
	if _, err := s.Admin("clock", nil); err != nil {
		return fail(fmt.Errorf("alipaysandbox: the sandbox does not answer: %w\n%s", err, logTail(logPath, 30)))
	}
	return s, nil
}

func (s *Sandbox) logPath() string { return filepath.Join(s.DataDir, "sandbox.log") }

// panicTB is the "test" of a Sandbox made by New: failing panics. Its embedded nil testing.TB is never
// called (it only gives the type testing.TB's unexported method).
type panicTB struct{ testing.TB }

func (panicTB) Helper()                           {}
func (panicTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (panicTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (panicTB) Cleanup(func())                    {}
func (panicTB) Failed() bool                      { return false }
func (panicTB) Logf(string, ...any)               {}

// For answers a view of the same sandbox whose controls fail t instead of the test given to Start: for a
// subtest (t.Run) using its parent's sandbox. Reset on the view updates the view's BuyerUserID.
func (s *Sandbox) For(t testing.TB) *Sandbox {
	view := *s
	view.t = t
	return &view
}

// Close stops the sandbox (Ctrl-C, then a kill after 10 s) and deletes the temporary data directory. Safe to call twice; a Sandbox from Start is
// closed by t.Cleanup. Its controls fail afterwards.
func (s *Sandbox) Close() { s.stop() }

func (s *Sandbox) stop() {
	st := s.state
	st.mu.Lock()
	if st.stopped {
		st.mu.Unlock()
		return
	}
	st.stopped = true
	unroute := st.unroute
	st.unroute = nil
	st.mu.Unlock()
	for _, f := range unroute {
		f()
	}
	select {
	case <-st.exited:
	default:
		_ = interrupt(st.cmd.Process) // Ctrl-C: the store closes cleanly
		select {
		case <-st.exited:
		case <-time.After(10 * time.Second):
			_ = st.cmd.Process.Kill()
			<-st.exited
		}
	}
	if tr, ok := st.client.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
	if st.tmpDir != "" {
		_ = os.RemoveAll(st.tmpDir)
	}
}

// Running reports whether the sandbox process is alive.
func (s *Sandbox) Running() bool {
	select {
	case <-s.state.exited:
		return false
	default:
		return true
	}
}

func logTail(path string, lines int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// Beijing is Asia/Shanghai (UTC+8, no daylight saving since 1991): the zone Alipay reads timestamps in. It
// falls back to a fixed UTC+8 zone named CST where the time zone database is missing.
var Beijing = loadBeijing()

func loadBeijing() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}

// KeepTZ is the environment variable that, set to any non-empty value, keeps the host's time.Local: see
// the package documentation, "Beijing time".
const KeepTZ = "ALIPAY_SANDBOX_KEEP_TZ"

// init sets time.Local to Beijing time, once, before any test code runs: a later write would race with
// every goroutine calling time.Now (which reads time.Local), including net/http's.
func init() {
	if os.Getenv(KeepTZ) == "" {
		time.Local = Beijing
	}
}

var errStopped = errors.New("alipaysandbox: the sandbox is stopped")
