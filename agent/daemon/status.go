package daemon

import (
	"context"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/vouchkiosk/vouch/agent/api"
	"github.com/vouchkiosk/vouch/agent/identity"
	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/store"
)

// status implements api.Status over the agent's live components.
type status struct {
	id      *identity.Identity
	db      *store.DB
	log     *result.Log
	started time.Time
	version string
}

var _ api.Status = (*status)(nil)

func newStatus(id *identity.Identity, db *store.DB, log *result.Log) *status {
	v := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
	}
	return &status{id: id, db: db, log: log, started: time.Now(), version: v}
}

// storeState reads the chain head and outbox state in one read transaction.
func (s *status) storeState() (head, outbox, acked uint64, err error) {
	err = s.db.View(func(tx *store.Tx) error {
		var n int
		var err error
		if head, _, err = tx.LastResult(); err != nil {
			return err
		}
		if n, err = tx.OutboxLen(); err != nil {
			return err
		}
		outbox = uint64(n)
		acked, err = tx.Acked()
		return err
	})
	return head, outbox, acked, err
}

// Health implements api.Status.
func (s *status) Health(context.Context) api.Health {
	h := api.Health{Device: s.id.DeviceID(), Dev: s.id.Dev(), Store: "ok"}
	head, _, _, err := s.storeState()
	if err != nil {
		h.Store = err.Error()
	}
	h.ChainHeadSeq = head
	return h
}

// Metrics implements api.Status.
func (s *status) Metrics(context.Context) []api.Metric {
	head, outbox, acked, err := s.storeState()
	healthy := 1.0
	if err != nil {
		healthy = 0
	}
	gauge := func(name, help string, v float64, labels ...api.Label) api.Metric {
		return api.Metric{Name: name, Help: help, Type: api.Gauge, Samples: []api.Sample{{Labels: labels, Value: v}}}
	}
	return []api.Metric{
		gauge("vouch_build_info", "Build of the running agent.", 1,
			api.Label{Name: "version", Value: s.version}, api.Label{Name: "go_version", Value: runtime.Version()}),
		gauge("vouch_device_info", "Identity of the device; dev=\"true\" marks a development identity.", 1,
			api.Label{Name: "device", Value: s.id.DeviceID()}, api.Label{Name: "dev", Value: strconv.FormatBool(s.id.Dev())}),
		gauge("vouch_store_healthy", "1 if the last store read succeeded.", healthy),
		gauge("vouch_result_chain_head_seq", "Sequence number of the newest signed result record.", float64(head)),
		gauge("vouch_result_acked_seq", "Highest result seq the platform acknowledged.", float64(acked)),
		gauge("vouch_outbox_records", "Result records waiting to be delivered to the platform.", float64(outbox)),
		gauge("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.", float64(s.started.UnixNano())/1e9),
	}
}
