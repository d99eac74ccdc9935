package alipaysandbox

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// AlipayHosts are the gateway host names that Go SDKs write into their code: Alipay's production gateway,
// its two sandbox gateways, and the legacy mapi gateway. The [HostProxy] answers for these.
var AlipayHosts = []string{
	"openapi.alipay.com",
	"openapi-sandbox.dl.alipaydev.com",
	"openapi.alipaydev.com",
	"mapi.alipay.com",
}

// HostProxy is an HTTPS proxy on 127.0.0.1 for SDKs whose gateway URL cannot be changed, such as
// go-pay/gopay v1.5.101: its client posts to the constant https://openapi-sandbox.dl.alipaydev.com/gateway.do
// (or openapi.alipay.com in production) with its own unexported http.Client, whose transport takes its proxy
// from the environment (http.ProxyFromEnvironment) and skips TLS verification (InsecureSkipVerify: true;
// github.com/go-pay/gopay pkg/xhttp/client.go). Through the proxy, requests to [AlipayHosts] end at a
// sandbox: the proxy accepts the CONNECT, answers TLS with a throwaway self-signed certificate, and forwards
// each request to the sandbox routed with [Sandbox.RouteAlipayHosts]. CONNECTs to loopback addresses are
// tunnelled unchanged and any other host is refused (403): nothing leaves the machine.
//
// An SDK that verifies the server certificate (as it should) refuses the proxy's certificate: point such
// an SDK at [Sandbox.GatewayURL] instead, as smartwalle/alipay allows (WithSandboxGateway).
//
// net/http reads HTTPS_PROXY once per process, at its first use of the proxy environment, so
// [InstallHostProxy] must run before any HTTP request of the test binary: in TestMain.
type HostProxy struct {
	// URL is http://127.0.0.1:PORT, the value of HTTPS_PROXY.
	URL string

	listener net.Listener
	tls      *tls.Config

	mu     sync.Mutex
	routes []*Sandbox
}

var (
	proxyOnce sync.Once
	proxy     *HostProxy
	proxyErr  error
)

// InstallHostProxy starts the process's [HostProxy] (once; later calls answer the same one) and sets
// HTTPS_PROXY to it. Call it from TestMain before anything makes an HTTP request, then route a test's
// sandbox with [Sandbox.RouteAlipayHosts]:
//
//	func TestMain(m *testing.M) {
//		if _, err := alipaysandbox.InstallHostProxy(); err != nil {
//			log.Fatal(err)
//		}
//		os.Exit(m.Run())
//	}
//
// Loopback addresses are never proxied by net/http, so the sandbox and other local servers are reached
// directly.
func InstallHostProxy() (*HostProxy, error) {
	proxyOnce.Do(func() { proxy, proxyErr = newHostProxy() })
	return proxy, proxyErr
}

func newHostProxy() (*HostProxy, error) {
	cert, err := selfSigned(AlipayHosts)
	if err != nil {
		return nil, fmt.Errorf("alipaysandbox: host proxy certificate: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("alipaysandbox: host proxy: %w", err)
	}
	p := &HostProxy{URL: "http://" + ln.Addr().String(), listener: ln,
		tls: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}}
	go p.accept()
	if err := os.Setenv("HTTPS_PROXY", p.URL); err != nil {
		return nil, err
	}
	return p, p.check()
}

// check: net/http takes the proxy from the environment as it was at its first use.
func (p *HostProxy) check() error {
	req := &http.Request{URL: &url.URL{Scheme: "https", Host: AlipayHosts[1], Path: "/gateway.do"}}
	got, err := http.ProxyFromEnvironment(req)
	if err != nil || got == nil || got.String() != p.URL {
		return fmt.Errorf("alipaysandbox: HTTPS_PROXY=%s is not in force for this process (net/http answers %v, %v): "+
			"net/http read the proxy environment before InstallHostProxy, or NO_PROXY names Alipay's hosts; "+
			"call InstallHostProxy first thing in TestMain", p.URL, got, err)
	}
	return nil
}

// RouteAlipayHosts sends this process's requests for [AlipayHosts] to this sandbox until its test ends (or
// it is closed). It
// needs [InstallHostProxy] (in TestMain); the test fails otherwise. With several sandboxes routed at once
// (parallel tests), each request goes to the sandbox that knows its app_id: the default app and the apps
// made with [Sandbox.CreateApp].
func (s *Sandbox) RouteAlipayHosts() *HostProxy {
	s.t.Helper()
	p, err := InstallHostProxy()
	if err == nil {
		err = p.check()
	}
	if err != nil {
		s.t.Fatal(err)
	}
	p.mu.Lock()
	p.routes = append(p.routes, s)
	p.mu.Unlock()
	unroute := func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, r := range p.routes {
			if r == s {
				p.routes = append(p.routes[:i], p.routes[i+1:]...)
				break
			}
		}
	}
	s.state.mu.Lock()
	s.state.unroute = append(s.state.unroute, unroute)
	s.state.mu.Unlock()
	s.t.Cleanup(unroute)
	return p
}

func (p *HostProxy) accept() {
	for {
		conn, err := p.listener.Accept()
		if err != nil {
			return
		}
		go p.serve(conn)
	}
}

func isAlipayHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	for _, h := range AlipayHosts {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	return false
}

func (p *HostProxy) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		// A plain-HTTP proxy request: only Alipay's hosts are served (as over TLS).
		if isAlipayHost(req.Host) {
			p.forward(conn, req)
		} else {
			writeStatus(conn, http.StatusBadGateway, "alipaysandbox host proxy: plain HTTP is served for Alipay's hosts only\n")
		}
		return
	}
	if !isAlipayHost(req.Host) {
		tunnel(conn, br, req.Host)
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	tconn := tls.Server(&bufferedConn{Conn: conn, r: br}, p.tls)
	if err := tconn.Handshake(); err != nil {
		return
	}
	tbr := bufio.NewReader(tconn)
	for {
		inner, err := http.ReadRequest(tbr)
		if err != nil {
			return
		}
		if !p.forward(tconn, inner) {
			return
		}
	}
}

// forward sends one request to the routed sandbox and writes its answer; false when the connection must
// close.
func (p *HostProxy) forward(w io.Writer, req *http.Request) bool {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return false
	}
	target, why := p.route(req, body)
	if target == nil {
		writeStatus(w, http.StatusBadGateway, "alipaysandbox host proxy: "+why+"\n")
		return false
	}
	out, err := http.NewRequest(req.Method, target.BaseURL+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		writeStatus(w, http.StatusBadGateway, err.Error())
		return false
	}
	for k, vs := range req.Header {
		if k == "Connection" || k == "Proxy-Connection" || k == "Keep-Alive" {
			continue
		}
		out.Header[k] = vs
	}
	resp, err := target.state.client.Do(out)
	if err != nil {
		writeStatus(w, http.StatusBadGateway, "alipaysandbox host proxy: "+err.Error()+"\n")
		return false
	}
	defer resp.Body.Close()
	keep := !req.Close
	resp.Close = !keep
	if err := resp.Write(w); err != nil {
		return false
	}
	return keep
}

// route picks the sandbox for a request: the only one routed, else the one that knows its app_id.
func (p *HostProxy) route(req *http.Request, body []byte) (*Sandbox, string) {
	p.mu.Lock()
	routes := append([]*Sandbox(nil), p.routes...)
	p.mu.Unlock()
	switch len(routes) {
	case 0:
		return nil, "no sandbox is routed (call RouteAlipayHosts on one)"
	case 1:
		return routes[0], ""
	}
	appID := req.URL.Query().Get("app_id")
	if appID == "" {
		if form, err := url.ParseQuery(string(body)); err == nil {
			appID = form.Get("app_id")
		}
	}
	for _, s := range routes {
		if appID != "" && s.ownsApp(appID) {
			return s, ""
		}
	}
	return nil, fmt.Sprintf("%d sandboxes are routed and none knows app_id %q", len(routes), appID)
}

func writeStatus(w io.Writer, status int, msg string) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(msg), msg)
}

// tunnel is a plain CONNECT tunnel to a host that is not Alipay's: only to a loopback address, so that a test
// never reaches another machine through the proxy (anything else is refused with 403).
func tunnel(conn net.Conn, br *bufio.Reader, hostport string) {
	host, _, err := net.SplitHostPort(hostport)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		writeStatus(conn, http.StatusForbidden, "alipaysandbox host proxy: only Alipay's hosts and loopback are served\n")
		return
	}
	upstream, err := net.DialTimeout("tcp", hostport, 30*time.Second)
	if err != nil {
		writeStatus(conn, http.StatusBadGateway, err.Error())
		return
	}
	defer upstream.Close()
	_ = conn.SetDeadline(time.Time{})
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, upstream); done <- struct{}{} }()
	<-done
}

// bufferedConn is a connection whose first bytes were already read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// selfSigned makes a throwaway ECDSA certificate for hosts, valid for a day.
func selfSigned(hosts []string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hosts[0], Organization: []string{"alipaysandbox host proxy (not Alipay)"}},
		DNSNames:     hosts,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if len(der) == 0 {
		return tls.Certificate{}, errors.New("empty certificate")
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
