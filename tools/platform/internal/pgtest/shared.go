package pgtest

import (
	"context"
	"sync"
)

// Shared starts one server on first use and hands out fresh databases from
// it, so a test binary pays for initdb once. The zero Shared is ready to
// use; call Stop from TestMain after m.Run.
type Shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Database returns the DSN of a new, empty database, starting the server if
// needed. The error wraps ErrUnavailable when PostgreSQL cannot run here.
func (s *Shared) Database(ctx context.Context) (string, error) {
	s.once.Do(func() { s.srv, s.err = Start(context.WithoutCancel(ctx)) })
	if s.err != nil {
		return "", s.err
	}
	return s.srv.NewDatabase(ctx)
}

// Stop stops the server if it was started.
func (s *Shared) Stop() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Stop()
}
