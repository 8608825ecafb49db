package delivery

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests deliver to a real SMTP server: mailpit, built from the Go module
// proxy at a pinned version into <repo>/.cache/bin (gitignored), started on
// free loopback ports and read back through its HTTP API.

const mailpitModule = "github.com/axllent/mailpit"

// mailpitVersion is the pinned mailpit; the Makefile's test-deps builds the
// same one.
const mailpitVersion = "v1.33.1"

var (
	mailpitOnce sync.Once
	mailpitExe  string
	mailpitErr  error
)

// repoRoot is the folder holding go.mod, above this package.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test folder")
		}
		dir = parent
	}
}

// isPinnedMailpit checks the binary's embedded module version (`go version
// -m`), so a stale build is replaced.
func isPinnedMailpit(exe string) bool {
	out, err := exec.Command("go", "version", "-m", exe).Output()
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "mod" && f[1] == mailpitModule {
			return f[2] == mailpitVersion
		}
	}
	return false
}

// findMailpit returns the mailpit binary: ACCORD_MAILPIT, else
// <repo>/.cache/bin/mailpit at the pinned version, built there with
// `go install` when missing (about a minute and a half on two cores).
func findMailpit() (string, error) {
	mailpitOnce.Do(func() {
		if p := os.Getenv("ACCORD_MAILPIT"); p != "" {
			mailpitExe = p
			return
		}
		root, err := repoRoot()
		if err != nil {
			mailpitErr = err
			return
		}
		bin := filepath.Join(root, ".cache", "bin")
		exe := filepath.Join(bin, "mailpit")
		if _, err := os.Stat(exe); err == nil && isPinnedMailpit(exe) {
			mailpitExe = exe
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "install", mailpitModule+"@"+mailpitVersion)
		cmd.Env = append(os.Environ(), "GOBIN="+bin, "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			mailpitErr = fmt.Errorf("go install %s@%s: %v\n%s", mailpitModule, mailpitVersion, err, out)
			return
		}
		mailpitExe = exe
	})
	return mailpitExe, mailpitErr
}

// mailpit is a running server.
type Mailpit struct {
	t        *testing.T
	SmtpAddr string // 127.0.0.1:port
	api      string // http://127.0.0.1:port

	exe    string
	args   []string
	mu     sync.Mutex
	proc   *exec.Cmd // nil while stopped
	exited chan error
	logs   bytes.Buffer
}

// launch starts the server with its arguments and waits until it is ready.
func (m *Mailpit) Launch() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := exec.Command(m.exe, m.args...)
	m.logs.Reset()
	cmd.Stdout, cmd.Stderr = &m.logs, &m.logs
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := m.waitReady(exited); err != nil {
		cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%v; output: %s", err, m.logs.String())
	}
	m.proc, m.exited = cmd, exited
	return nil
}

// stop kills the server; its ports close and its messages stay in its
// database for a restart (launch) to serve again.
func (m *Mailpit) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proc == nil {
		return
	}
	m.proc.Process.Kill()
	<-m.exited
	m.proc = nil
}

// needMailpit skips the test when mailpit cannot run, except on CI
// (CI=true), where that must fail: a delivery suite that silently skipped
// would prove nothing.
func needMailpit(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and mailpit is not available: %v", err)
	}
	t.Skipf("mailpit is not available (run `make test-deps`): %v", err)
}

func FreePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startMailpit starts a mailpit of its own for the test, on free loopback
// ports, with no network use of its own (no version check, no reverse DNS).
func StartMailpit(t *testing.T, extra ...string) *Mailpit {
	t.Helper()
	exe, err := findMailpit()
	if err != nil {
		needMailpit(t, err)
	}
	var lastErr error
	dbFile := filepath.Join(t.TempDir(), "mailpit.db")
	for try := 0; try < 3; try++ { // a free port can be taken between close and bind
		m := &Mailpit{t: t, SmtpAddr: FreePort(t), exe: exe}
		httpAddr := FreePort(t)
		m.api = "http://" + httpAddr
		m.args = append([]string{
			"--smtp", m.SmtpAddr, "--listen", httpAddr,
			"--database", dbFile,
			"--disable-version-check", "--smtp-disable-rdns", "--quiet",
		}, extra...)
		if err := m.Launch(); err != nil {
			lastErr = err
			continue
		}
		t.Cleanup(m.Stop)
		return m
	}
	needMailpit(t, lastErr)
	return nil
}

func (m *Mailpit) waitReady(exited chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("mailpit exited: %v", err)
		default:
		}
		resp, err := http.Get(m.api + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.DialTimeout("tcp", m.SmtpAddr, time.Second); err == nil {
					c.Close()
					return nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("mailpit did not become ready in 30 s")
}

func (m *Mailpit) Get(path string) []byte {
	m.t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
	}
	return b
}

type mpAddress struct {
	Name    string
	Address string
}

type MpSummary struct {
	ID          string
	MessageID   string
	To          []mpAddress
	Subject     string
	Size        int64
	Attachments int
}

type mpPart struct {
	PartID      string
	FileName    string
	ContentType string
	ContentID   string
	Size        int64
}

type MpMessage struct {
	ID          string
	MessageID   string
	From        mpAddress
	To          []mpAddress
	Subject     string
	Text        string
	HTML        string
	Size        int64
	Inline      []mpPart
	Attachments []mpPart
}

// messages lists every message mailpit holds, newest first.
func (m *Mailpit) Messages() []MpSummary {
	m.t.Helper()
	var r struct {
		Total    int
		Messages []MpSummary `json:"messages"`
	}
	if err := json.Unmarshal(m.Get("/api/v1/messages?limit=500"), &r); err != nil {
		m.t.Fatal(err)
	}
	return r.Messages
}

// to lists the messages sent to addr.
func (m *Mailpit) To(addr string) []MpSummary {
	var out []MpSummary
	for _, s := range m.Messages() {
		for _, a := range s.To {
			if strings.EqualFold(a.Address, addr) {
				out = append(out, s)
			}
		}
	}
	return out
}

func (m *Mailpit) Message(id string) MpMessage {
	m.t.Helper()
	var r MpMessage
	if err := json.Unmarshal(m.Get("/api/v1/message/"+id), &r); err != nil {
		m.t.Fatal(err)
	}
	return r
}

func (m *Mailpit) Part(id, partID string) []byte {
	return m.Get("/api/v1/message/" + id + "/part/" + partID)
}

func (m *Mailpit) Raw(id string) []byte {
	return m.Get("/api/v1/message/" + id + "/raw")
}

// mimePart is one node of a parsed message.
type MimePart struct {
	ContentType string // media type, lower case
	params      map[string]string
	header      map[string][]string
	Body        []byte // decoded, leaves only
	Children    []*MimePart
}

// parseMIME parses a raw message into its tree, decoding leaf bodies.
func ParseMIME(t *testing.T, raw []byte) *MimePart {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	return parseEntity(t, msg.Header, msg.Body)
}

func parseEntity(t *testing.T, h map[string][]string, body io.Reader) *MimePart {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	ct := get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("content type %q: %v", ct, err)
	}
	p := &MimePart{ContentType: strings.ToLower(mt), params: params, header: h}
	if strings.HasPrefix(p.ContentType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			p.Children = append(p.Children, parseEntity(t, part.Header, part))
		}
		return p
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "base64":
		dec, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' {
				return -1
			}
			return r
		}, string(raw)))
		if err != nil {
			t.Fatalf("base64 part: %v", err)
		}
		p.Body = dec
	case "quoted-printable":
		dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatalf("quoted-printable part: %v", err)
		}
		p.Body = dec
	default:
		p.Body = raw
	}
	return p
}

// shape describes the tree: multipart/mixed[multipart/related[…],…].
func (p *MimePart) Shape() string {
	if len(p.Children) == 0 {
		return p.ContentType
	}
	var kids []string
	for _, c := range p.Children {
		kids = append(kids, c.Shape())
	}
	return p.ContentType + "[" + strings.Join(kids, ",") + "]"
}

// leaves lists the leaf parts, depth first.
func (p *MimePart) Leaves() []*MimePart {
	if len(p.Children) == 0 {
		return []*MimePart{p}
	}
	var out []*MimePart
	for _, c := range p.Children {
		out = append(out, c.Leaves()...)
	}
	return out
}

func (p *MimePart) Get(k string) string {
	if v := p.header[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// fileName is the part's file name (Content-Disposition, then Content-Type).
func (p *MimePart) FileName() string {
	if _, params, err := mime.ParseMediaType(p.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		return params["filename"]
	}
	return p.params["name"]
}

// flakySMTP is a loopback SMTP front for mailpit that fails on purpose: for
// each connection, mode(n) (n counts from 1) says what to do:
//
//	""            forward the connection to mailpit untouched
//	"451"         answer MAIL FROM with 451 (temporary)
//	"421"         greet with 421 and close (temporary, before the transaction)
//	"drop-data"   accept the whole message, then close without a reply
type flakySMTP struct {
	t        *testing.T
	l        net.Listener
	upstream string
	mode     func(n int) string
	conns    atomic.Int32
	wg       sync.WaitGroup
}

func StartFlakySMTP(t *testing.T, upstream string, mode func(n int) string) *flakySMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &flakySMTP{t: t, l: l, upstream: upstream, mode: mode}
	f.wg.Add(1)
	go f.serve()
	t.Cleanup(func() {
		l.Close()
		f.wg.Wait()
	})
	return f
}

func (f *flakySMTP) Addr() string { return f.l.Addr().String() }

func (f *flakySMTP) serve() {
	defer f.wg.Done()
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		n := int(f.conns.Add(1))
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			switch mode := f.mode(n); mode {
			case "":
				f.forward(c)
			default:
				f.fake(c, mode)
			}
		}()
	}
}

func (f *flakySMTP) forward(c net.Conn) {
	up, err := net.DialTimeout("tcp", f.upstream, 5*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	up.SetDeadline(time.Now().Add(30 * time.Second))
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// fake speaks just enough SMTP to fail the way mode says.
func (f *flakySMTP) fake(c net.Conn, mode string) {
	w := bufio.NewWriter(c)
	say := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
	if mode == "421" {
		say("421 4.3.2 service not available, closing")
		return
	}
	if mode == "stall" { // a server too slow to greet within the client's timeout
		time.Sleep(3 * time.Second)
		return
	}
	say("220 flaky ESMTP")
	r := bufio.NewReader(c)
	for i := 0; i < 100; i++ {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-flaky")
			say("250-8BITMIME")
			say("250 SMTPUTF8")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			if mode == "451" {
				say("451 4.3.0 temporary failure, try again later")
			} else {
				say("250 2.1.0 ok")
			}
		case strings.HasPrefix(cmd, "RCPT TO"):
			say("250 2.1.5 ok")
		case cmd == "DATA":
			say("354 end with <CR><LF>.<CR><LF>")
			for j := 0; j < 1_000_000; j++ {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			if mode == "drop-data" {
				return // the message went out; the reply never comes
			}
			say("250 2.0.0 queued")
		case cmd == "QUIT":
			say("221 2.0.0 bye")
			return
		default: // NOOP, RSET
			say("250 2.0.0 ok")
		}
	}
}
