package local_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// A client that sends its request slowly or leaves its connection open
// does not hold a connection for ever; the desk's state stream, which
// outlives both timeouts, goes on.
func TestServerTimeoutsSpareTheStateStream(t *testing.T) {
	local.ShortTimeouts(t, 300*time.Millisecond, 300*time.Millisecond)
	s := harness.Start(t, harness.Options{Config: fast})
	c := s.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/a-1", harness.Sample(t, "admin/agent.json", nil), false)
	u, _ := url.Parse(s.URL)

	// closed: the server ends the connection (answering or not) within 3 s.
	closed := func(t *testing.T, conn net.Conn, r *bufio.Reader) {
		t.Helper()
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err := io.Copy(io.Discard, r)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal("the connection is still open after 3 s")
		}
	}
	t.Run("a body that never comes", func(t *testing.T) {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, "PUT /v1/agents/a-2 HTTP/1.1\r\nHost: "+u.Host+"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		closed(t, conn, bufio.NewReader(conn))
	})
	t.Run("an idle connection", func(t *testing.T) {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, "GET /v1/agents/a-1 HTTP/1.1\r\nHost: "+u.Host+"\r\n\r\n")
		r := bufio.NewReader(conn)
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET: %d", res.StatusCode)
		}
		closed(t, conn, r)
	})
	t.Run("the state stream", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/console/agents/a-1/state/stream", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		states := make(chan string, 16)
		go func() {
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					states <- v
				}
			}
			close(states)
		}()
		if first := <-states; !strings.Contains(first, `"presence":"Busy"`) {
			t.Fatalf("first state %s", first)
		}
		time.Sleep(time.Second) // past both timeouts
		c.OK("PUT", "/v1/agents/a-1/presence", map[string]string{"presence": "Available"}, false)
		for st := range states {
			if strings.Contains(st, `"presence":"Available"`) {
				return
			}
		}
		t.Fatal("the stream ended before the change")
	})
}
