package tflite

import (
	"runtime"
	"sync/atomic"
)

// Intra-operator parallelism. With Options.Threads = N > 1 an Interpreter
// owns N−1 worker goroutines, started by NewInterpreter and stopped by
// Close. An operator whose work is large enough (a splitter whose split
// returned chunks) runs as that many disjoint chunks, claimed one at a time
// by the calling goroutine and the workers, and Invoke goes on to the next
// operator once every chunk is done. Each output element is computed by
// exactly the same arithmetic whoever computes its chunk, so results are
// bit-identical whatever the thread count. Small operators run on the
// caller alone.
//
// Chunks are claimed, not assigned: on a busy machine a worker whose thread
// is not running costs nothing but its wake-up, because the caller takes
// the chunks it has not claimed, and the caller waits only for chunks that
// a worker is computing.

// splitMinMACs is the least work (multiply-accumulates, or element-taps
// for depthwise) of an operator worth splitting: waking a worker and
// waiting for it costs a few microseconds, about 10⁵ MACs of GEMM.
const splitMinMACs = 1 << 17

// chunksPerWorker is how many chunks a split operator is cut into per
// worker: enough for the fast ones to make up for a slow one.
const chunksPerWorker = 8

// maxChunks bounds the chunks of one operator (the claim word holds the
// chunk index in 16 bits).
const maxChunks = 1 << 12

// splitter is a kernel whose work divides into disjoint chunks.
type splitter interface {
	kernel
	// split prepares the kernel for nw workers (per-worker scratch memory)
	// and returns the number of chunks, at most maxChunks, or 0 when the
	// work is too small to split (the kernel is then unchanged).
	split(nw int) int
	// runChunk computes chunk i of n with worker w's scratch. Chunks write
	// disjoint outputs and together do what run does; they may run
	// concurrently, on different workers.
	runChunk(w, i, n int)
}

// chunkRange returns the half-open range of units that chunk i of n
// covers: contiguous, in order, sizes differing by at most one.
func chunkRange(units, i, n int) (lo, hi int) {
	return units * i / n, units * (i + 1) / n
}

// shareImbalance is the largest of n chunks of units relative to the mean
// units/n (1 is perfect).
func shareImbalance(units, n int) float64 {
	if units <= 0 || n <= 0 {
		return float64(max(n, 1))
	}
	return float64((units+n-1)/n) * float64(n) / float64(units)
}

// chunkCount returns how many chunks to cut units into for nw workers.
func chunkCount(units, nw int) int {
	return min(units, chunksPerWorker*nw, maxChunks)
}

// poolJob is one split operator: immutable once the pool runs.
type poolJob struct {
	k      splitter
	chunks int
}

// workerPool runs the chunks of one job at a time on nw−1 goroutines plus
// the caller. Only the goroutine that owns the Interpreter calls run and
// close.
//
// The claim word is gen<<32 | job<<16 | next chunk: a CAS on it claims a
// chunk of the job the word names, and the generation, bumped by every
// run, keeps a worker that read the word during an earlier run from
// claiming anything of a later one. left counts unfinished chunks plus one
// for the caller; whoever brings it to zero ends the run, and a worker
// that does so tells the waiting caller on done.
type workerPool struct {
	nw    int
	jobs  []poolJob
	gen   uint64 // caller-owned copy of the claim word's generation
	claim atomic.Uint64
	left  atomic.Int64
	start []chan struct{} // one per worker goroutine, capacity 1; closed by close
	done  chan struct{}   // capacity 1
}

func newWorkerPool(nw int, jobs []poolJob) *workerPool {
	p := &workerPool{nw: nw, jobs: jobs, done: make(chan struct{}, 1)}
	for w := 1; w < nw; w++ {
		ch := make(chan struct{}, 1)
		p.start = append(p.start, ch)
		go p.work(w, ch)
	}
	return p
}

// work is worker w's loop: it claims chunks on every wake-up, until start
// is closed. It holds no reference to the Interpreter, so a dropped,
// unclosed Interpreter can still be collected (and its cleanup closes the
// pool).
func (p *workerPool) work(w int, start <-chan struct{}) {
	for range start {
		if p.drain(w) {
			p.done <- struct{}{}
		}
	}
}

// drain claims and computes chunks with worker w's scratch until none is
// left, and reports whether it finished the run (brought left to zero).
func (p *workerPool) drain(w int) (last bool) {
	for {
		c := p.claim.Load()
		job := &p.jobs[c>>16&0xffff]
		i := int(c & 0xffff)
		if i >= job.chunks {
			return false
		}
		if !p.claim.CompareAndSwap(c, c+1) {
			continue
		}
		job.k.runChunk(w, i, job.chunks)
		if p.left.Add(-1) == 0 {
			return true
		}
	}
}

// run computes every chunk of job j and returns when they are all done.
// It does not allocate.
func (p *workerPool) run(j int) {
	p.left.Store(int64(p.jobs[j].chunks) + 1)
	p.gen++
	p.claim.Store(p.gen<<32 | uint64(j)<<16)
	for _, ch := range p.start {
		select {
		case ch <- struct{}{}:
		default: // the worker has a wake-up pending already
		}
	}
	p.drain(0)
	if p.left.Add(-1) != 0 {
		<-p.done
	}
}

// close stops the worker goroutines; the pool must not be used afterwards.
func (p *workerPool) close() {
	for _, ch := range p.start {
		close(ch)
	}
}

// startWorkers sets up threads-way splitting of every splitter step that
// is large enough and starts the pool, if any step splits. A runtime
// cleanup stops the workers of an Interpreter dropped without Close.
func (ip *Interpreter) startWorkers(threads int) {
	if threads <= 1 {
		return
	}
	var jobs []poolJob
	for i := range ip.steps {
		s := &ip.steps[i]
		s.job = -1
		if sp, ok := s.k.(splitter); ok && len(jobs) <= 0xffff {
			if n := sp.split(threads); n > 0 {
				s.job = len(jobs)
				jobs = append(jobs, poolJob{k: sp, chunks: n})
			}
		}
	}
	if len(jobs) == 0 {
		return
	}
	ip.pool = newWorkerPool(threads, jobs)
	ip.cleanup = runtime.AddCleanup(ip, (*workerPool).close, ip.pool)
}

// runStep runs step i, split over the workers when it was prepared so.
func (ip *Interpreter) runStep(i int) {
	s := &ip.steps[i]
	if s.job >= 0 && ip.pool != nil {
		ip.pool.run(s.job)
		return
	}
	s.k.run()
}

// Close stops the worker goroutines of an Interpreter created with
// Options.Threads > 1. It is idempotent, and a no-op for single-threaded
// interpreters. The Interpreter stays usable: later Invokes run
// single-threaded (with the same results). An Interpreter dropped without
// Close has its workers stopped when it is garbage collected, but Close
// releases them at once.
func (ip *Interpreter) Close() error {
	if ip.pool == nil {
		return nil
	}
	ip.cleanup.Stop()
	ip.pool.close()
	ip.pool = nil
	return nil
}

var (
	_ splitter = (*gemmConv)(nil)
	_ splitter = (*depthwiseConv2D)(nil)
	_ splitter = (*fullyConnected)(nil)
)
