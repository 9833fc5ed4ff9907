package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("burst token %d refused", i)
		}
	}
	ok, retry := l.Allow("a")
	if ok || retry != 500*time.Millisecond {
		t.Fatalf("4th = %v, %v; want refused, 500ms", ok, retry)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("other key shares the bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("token not refilled")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("refilled more than rate")
	}
}

func TestLimiterEviction(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(1, 1, func() time.Time { return now })
	l.max = 2
	l.Allow("a")
	l.Allow("b")
	now = now.Add(2 * time.Second)
	l.Allow("c")
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets after eviction, want 1", len(l.buckets))
	}
}

func TestDisabled(t *testing.T) {
	var l *Limiter
	if ok, _ := l.Allow("x"); !ok {
		t.Fatal("nil limiter refuses")
	}
	if ok, _ := New(0, 0, nil).Allow("x"); !ok {
		t.Fatal("rate 0 refuses")
	}
}
