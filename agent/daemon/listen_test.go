package daemon

import (
	"context"
	"errors"
	"net"
	"testing"
)

// fakeListener is a listener bound (supposedly) to addr.
type fakeListener struct {
	net.Listener
	addr   net.Addr
	closed bool
}

func (l *fakeListener) Addr() net.Addr { return l.addr }
func (l *fakeListener) Close() error   { l.closed = true; return nil }

// resolvesTo is a listener factory whose "localhost" binds ip, as with a
// hosts file mapping localhost to a non-loopback address.
type resolvesTo struct {
	ip net.IP
	ln *fakeListener
}

func (r *resolvesTo) Listen(_ context.Context, _, _ string) (net.Listener, error) {
	r.ln = &fakeListener{addr: &net.TCPAddr{IP: r.ip, Port: 8080}}
	return r.ln, nil
}

// TestListenChecksBoundAddress: --listen localhost:PORT passes the syntax
// check, so the address actually bound must be checked to be loopback.
func TestListenChecksBoundAddress(t *testing.T) {
	for _, tc := range []struct {
		ip   net.IP
		want error
	}{
		{net.IPv4(127, 0, 0, 1), nil},
		{net.IPv6loopback, nil},
		{net.IPv4(192, 0, 2, 7), ErrNotLoopback},
		{net.IPv4zero, ErrNotLoopback},
		{net.ParseIP("2001:db8::1"), ErrNotLoopback},
	} {
		lc := &resolvesTo{ip: tc.ip}
		ln, err := listenLoopback(context.Background(), lc, "localhost:8080")
		if !errors.Is(err, tc.want) {
			t.Errorf("localhost bound to %v: %v, want %v", tc.ip, err, tc.want)
		}
		if tc.want != nil && (ln != nil || !lc.ln.closed) {
			t.Errorf("localhost bound to %v: listener returned or left open", tc.ip)
		}
	}
	// And for real: localhost binds a loopback address here.
	ln, err := listenLoopback(context.Background(), new(net.ListenConfig), "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}
