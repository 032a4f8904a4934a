package database_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// TestSlowQueryLogHasNoBindParameters runs a real PostgreSQL with the
// component's parameter group (issue 20.5: the slow-query log must not
// write parameters, which may be passwords, tokens or a row's personal
// data). Over the extended query protocol it sends a slow statement and a
// failing one, each with a bind parameter, and reads the server log: the
// statements are logged, their parameter values are not. It also pins the
// limit the parameter group's doc comment states: a value a driver
// interpolates into the SQL text on the client is part of the statement,
// and is logged.
func TestSlowQueryLogHasNoBindParameters(t *testing.T) {
	bin := postgresBin(t)
	params := map[string]string{}
	pg := testutil.One(t, run(t, components.DatabaseArgs{}), paramType)
	for _, p := range pg.Input("parameters").([]any) {
		m := p.(map[string]any)
		if name := m["name"].(string); !strings.HasPrefix(name, "rds.") { // RDS-only settings
			params[name] = m["value"].(string)
		}
	}
	logPath, addr := startPostgres(t, bin, params)

	conn := pgConnect(t, addr)
	slow := fmt.Sprintf("SELECT pg_sleep(%g), $1::text", float64(components.SlowQueryMillis)/1000+0.1)
	if err := conn.extended(slow, "bind-value-slow-7f3a"); err != nil {
		t.Fatalf("slow statement: %v", err)
	}
	if err := conn.extended("SELECT $1::int / 0", "424242"); err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("failing statement: got %v, want division by zero", err)
	}
	if err := conn.simple(fmt.Sprintf("SELECT pg_sleep(%g), 'inlined-value-9c2e'", float64(components.SlowQueryMillis)/1000+0.1)); err != nil {
		t.Fatalf("inlined statement: %v", err)
	}
	conn.close()

	var log string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(logPath)
		if log = string(b); strings.Contains(log, "inlined-value-9c2e") {
			break
		}
	}
	for _, want := range []string{"pg_sleep", "division by zero", "inlined-value-9c2e"} {
		if !strings.Contains(log, want) {
			t.Errorf("server log lacks %q; the statements were not logged as the test expects:\n%s", want, log)
		}
	}
	for _, value := range []string{"bind-value-slow-7f3a", "424242"} {
		if strings.Contains(log, value) {
			t.Errorf("server log holds bind parameter %q; want parameters left out (log_parameter_max_length, log_parameter_max_length_on_error 0):\n%s", value, log)
		}
	}
}

// postgresBin returns the directory of the installed PostgreSQL server.
func postgresBin(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(matches) == 0 {
		t.Skip("no PostgreSQL server under /usr/lib/postgresql (DESIGN.md: PostgreSQL 15 is installed here)")
	}
	return filepath.Dir(matches[len(matches)-1])
}

// startPostgres initialises a throwaway cluster (trust authentication on
// 127.0.0.1 only), starts it with params, and stops it when the test ends.
// It returns the server log's path and the address it listens on.
func startPostgres(t *testing.T, bin string, params map[string]string) (string, string) {
	t.Helper()
	// Not t.TempDir: its parent is private to this user, and the server
	// runs as postgres.
	dir, err := os.MkdirTemp("", "slowlog-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data := filepath.Join(dir, "data")
	asPostgres := func(name string, args ...string) *exec.Cmd {
		if os.Geteuid() == 0 { // initdb and postgres refuse to run as root
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
		return exec.Command(filepath.Join(bin, name), args...)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v: %s", err, out)
		}
	}
	if out, err := asPostgres("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v: %s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := []string{"-c listen_addresses=127.0.0.1", fmt.Sprintf("-c port=%d", port),
		"-c unix_socket_directories=" + dir, "-c fsync=off", "-c logging_collector=off"}
	for name, value := range params {
		opts = append(opts, "-c "+name+"="+value)
	}
	logPath := filepath.Join(dir, "server.log")
	if out, err := asPostgres("pg_ctl", "-D", data, "-l", logPath, "-o", strings.Join(opts, " "), "-w", "start").CombinedOutput(); err != nil {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("pg_ctl start: %v: %s\n%s", err, out, b)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("server log:\n%s", b)
		}
		if out, err := asPostgres("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
			t.Errorf("pg_ctl stop: %v: %s", err, out)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("postgres did not listen on %s: %s", addr, b)
		}
	}
	return logPath, addr
}

// pgConn speaks just enough of the PostgreSQL frontend/backend protocol
// (version 3) for the test: startup with trust authentication, a simple
// query, and Parse/Bind/Execute/Sync with one text parameter, the way a
// driver with server-side binding sends values apart from the SQL.
type pgConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func pgConnect(t *testing.T, addr string) *pgConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	p := &pgConn{t: t, c: c, r: bufio.NewReader(c)}
	body := binary.BigEndian.AppendUint32(nil, 196608) // protocol 3.0
	body = append(body, "user\x00postgres\x00database\x00postgres\x00\x00"...)
	p.write(0, body)
	if err := p.untilReady(); err != nil {
		t.Fatalf("startup: %v", err)
	}
	return p
}

// write sends one message; typ 0 is the untyped startup message.
func (p *pgConn) write(typ byte, body []byte) {
	var msg []byte
	if typ != 0 {
		msg = append(msg, typ)
	}
	msg = binary.BigEndian.AppendUint32(msg, uint32(len(body)+4))
	if _, err := p.c.Write(append(msg, body...)); err != nil {
		p.t.Fatal(err)
	}
}

// untilReady reads messages until ReadyForQuery and returns the first
// ErrorResponse's message, if any.
func (p *pgConn) untilReady() error {
	var failure error
	for {
		var head [5]byte
		if _, err := io.ReadFull(p.r, head[:]); err != nil {
			p.t.Fatalf("reading the server's reply: %v", err)
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(p.r, body); err != nil {
			p.t.Fatal(err)
		}
		switch head[0] {
		case 'Z':
			return failure
		case 'R':
			if code := binary.BigEndian.Uint32(body); code != 0 {
				p.t.Fatalf("server asks for authentication method %d; the test cluster trusts 127.0.0.1", code)
			}
		case 'E':
			if failure == nil {
				for _, f := range strings.Split(string(body), "\x00") {
					if strings.HasPrefix(f, "M") {
						failure = fmt.Errorf("%s", f[1:])
					}
				}
			}
		}
	}
}

func (p *pgConn) simple(query string) error {
	p.write('Q', append([]byte(query), 0))
	return p.untilReady()
}

func (p *pgConn) extended(query, param string) error {
	parse := append(append([]byte{0}, query...), 0, 0, 0) // unnamed statement, no parameter types
	p.write('P', parse)
	bind := []byte{0, 0, 0, 0, 0, 1} // unnamed portal and statement, text formats, 1 parameter
	bind = binary.BigEndian.AppendUint32(bind, uint32(len(param)))
	bind = append(append(bind, param...), 0, 0) // text results
	p.write('B', bind)
	p.write('E', []byte{0, 0, 0, 0, 0}) // unnamed portal, no row limit
	p.write('S', nil)
	return p.untilReady()
}

func (p *pgConn) close() {
	p.write('X', nil)
	p.c.Close()
}
