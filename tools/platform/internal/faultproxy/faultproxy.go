package faultproxy

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Faults are per-connection probabilities (their sum must be at most 1)
// and the longest delay.
type Faults struct {
	CutRequest    float64       // close after part of the request reached the server
	CutResponse   float64       // close after part of the response reached the client
	DropResponse  float64       // let the whole request through, discard the answer, close
	DelayResponse float64       // hold the answer for up to MaxDelay
	MaxDelay      time.Duration // default 2 s
}

// Stats counts what the proxy did.
type Stats struct {
	Conns, CutRequests, CutResponses, Dropped, Delayed, Reset int
}

// Proxy is safe for concurrent use.
type Proxy struct {
	ln       net.Listener
	upstream string

	mu     sync.Mutex
	faults Faults
	rng    *rand.Rand
	conns  map[net.Conn]struct{}
	stats  Stats
	wg     sync.WaitGroup
}

// Start listens on 127.0.0.1 (a free port) and forwards to upstream.
func Start(upstream string, f Faults, seed uint64) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, upstream: upstream, faults: f, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the proxy's listen address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetFaults replaces the fault probabilities for new connections.
func (p *Proxy) SetFaults(f Faults) {
	p.mu.Lock()
	p.faults = f
	p.mu.Unlock()
}

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// ResetAll closes every open connection at once, wherever its exchange is.
func (p *Proxy) ResetAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		p.stats.Reset++
	}
}

// Close stops accepting, closes every connection and waits for the
// forwarding goroutines.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.ResetAll()
	p.wg.Wait()
	return err
}

type mode int

const (
	pass mode = iota
	cutRequest
	cutResponse
	dropResponse
	delayResponse
)

func (p *Proxy) draw() (mode, time.Duration, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.faults
	p.stats.Conns++
	maxDelay := f.MaxDelay
	if maxDelay <= 0 {
		maxDelay = 2 * time.Second
	}
	x := p.rng.Float64()
	cut := 1 + p.rng.Int64N(2048)
	delay := time.Duration(p.rng.Int64N(int64(maxDelay)))
	for _, c := range []struct {
		prob float64
		m    mode
		n    *int
	}{{f.CutRequest, cutRequest, &p.stats.CutRequests}, {f.CutResponse, cutResponse, &p.stats.CutResponses}, {f.DropResponse, dropResponse, &p.stats.Dropped}, {f.DelayResponse, delayResponse, &p.stats.Delayed}} {
		if x < c.prob {
			*c.n++
			return c.m, delay, cut
		}
		x -= c.prob
	}
	return pass, 0, 0
}

func (p *Proxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		c.Close()
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		client.Close() // the server is down: the client sees a reset
		return
	}
	p.track(client, up)
	defer p.untrack(client, up)
	m, delay, cut := p.draw()
	done := make(chan struct{}, 2)
	// client → server
	go func() {
		defer func() { done <- struct{}{} }()
		if m == cutRequest {
			io.CopyN(up, client, cut)
			return
		}
		io.Copy(up, client)
		if tc, ok := up.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
	}()
	// server → client
	go func() {
		defer func() { done <- struct{}{} }()
		switch m {
		case cutResponse:
			io.CopyN(client, up, cut)
			return
		case dropResponse:
			// Wait for the first byte of the answer (the server has done
			// its work), then throw the answer away.
			var b [1]byte
			up.Read(b[:])
			return
		case delayResponse:
			var b [1]byte
			if n, err := up.Read(b[:]); n == 0 || err != nil {
				return
			}
			time.Sleep(delay)
			if _, err := client.Write(b[:]); err != nil {
				return
			}
		}
		if _, err := io.Copy(client, up); err != nil && !errors.Is(err, net.ErrClosed) {
			return
		}
	}()
	<-done // either direction ending (or a fault) ends the connection
}
