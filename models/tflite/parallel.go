package tflite

import (
	"runtime"
	"sync/atomic"
	"time"
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

// chunkCount returns how many chunks to cut units into for nw workers.
func chunkCount(units, nw int) int {
	return min(units, chunksPerWorker*nw, maxChunks)
}

// poolJob is one split operator: immutable once the pool runs.
type poolJob struct {
	k      splitter
	chunks int
}

// spinWait is how long an idle worker, and the caller waiting for the
// last chunks, polls before parking. Between the split operators of one
// Invoke the workers stay awake, so a chunk is claimed within nanoseconds
// instead of after a thread wake-up (tens of microseconds, more in a VM);
// after the last one a worker burns at most this much CPU, then sleeps.
const spinWait = 50 * time.Microsecond

// workerPool runs the chunks of one job at a time on nw−1 goroutines plus
// the caller. Only the goroutine that owns the Interpreter calls run and
// close.
//
// The claim word is gen<<32 | job<<16 | next chunk: a CAS on it claims a
// chunk of the job the word names, and the generation, bumped by every
// run, keeps a worker that read the word during an earlier run from
// claiming anything of a later one. left counts unfinished chunks plus one
// for the caller; whoever brings it to zero ends the run.
//
// Sleeping uses flags so that no wake-up token is ever left over: a
// worker sets its parked flag, looks for work once more, and blocks on its
// start channel; run sends a token only to a worker whose flag it clears.
// Likewise the caller sets waiting before blocking on done, and the worker
// that finishes the run sends on done only if it clears that flag.
type workerPool struct {
	nw      int
	jobs    []poolJob
	gen     uint64 // caller-owned copy of the claim word's generation
	claim   atomic.Uint64
	left    atomic.Int64
	waiting atomic.Bool // the caller is (about to be) blocked on done
	workers []poolWorker
	done    chan struct{} // capacity 1
}

// poolWorker is one worker goroutine's parking place.
type poolWorker struct {
	parked atomic.Bool
	start  chan struct{} // capacity 1; closed by close
	_      [48]byte      // one cache line per worker
}

func newWorkerPool(nw int, jobs []poolJob) *workerPool {
	p := &workerPool{nw: nw, jobs: jobs, done: make(chan struct{}, 1), workers: make([]poolWorker, nw-1)}
	p.claim.Store(0xffff) // no chunk to claim until the first run
	for i := range p.workers {
		p.workers[i].start = make(chan struct{}, 1)
		go p.work(i+1, &p.workers[i])
	}
	return p
}

// work is worker w's loop until close: compute chunks, poll for more for
// spinWait, park. It holds no reference to the Interpreter, so a dropped,
// unclosed Interpreter can still be collected (and its cleanup closes the
// pool).
func (p *workerPool) work(w int, pw *poolWorker) {
	for {
		if p.drain(w) && p.waiting.CompareAndSwap(true, false) {
			p.done <- struct{}{}
		}
		if p.poll(func() bool { return p.available() }) {
			continue
		}
		pw.parked.Store(true)
		if p.available() && pw.parked.CompareAndSwap(true, false) {
			continue
		}
		if _, ok := <-pw.start; !ok {
			return
		}
	}
}

// poll calls ready until it returns true or spinWait has passed, and
// reports whether it did. It yields the processor now and then, so that
// with fewer Ps than threads (GOMAXPROCS 1) the goroutine it waits for
// gets to run.
func (p *workerPool) poll(ready func() bool) bool {
	deadline := time.Now().Add(spinWait)
	for i := 1; ; i++ {
		if ready() {
			return true
		}
		if i%64 == 0 {
			if time.Now().After(deadline) {
				return false
			}
			runtime.Gosched()
		}
	}
}

// available reports whether the claim word names an unclaimed chunk.
func (p *workerPool) available() bool {
	c := p.claim.Load()
	return int(c&0xffff) < p.jobs[c>>16&0xffff].chunks
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
	for i := range p.workers {
		if pw := &p.workers[i]; pw.parked.CompareAndSwap(true, false) {
			pw.start <- struct{}{}
		}
	}
	p.drain(0)
	if p.left.Add(-1) == 0 || p.poll(func() bool { return p.left.Load() == 0 }) {
		return
	}
	p.waiting.Store(true)
	if p.left.Load() == 0 && p.waiting.CompareAndSwap(true, false) {
		return
	}
	<-p.done
}

// close stops the worker goroutines; the pool must not be used afterwards.
func (p *workerPool) close() {
	for i := range p.workers {
		close(p.workers[i].start)
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
		sp, ok := s.k.(splitter)
		if !ok {
			sp = splitElementwise(s.k, threads)
		}
		if sp != nil && len(jobs) <= 0xffff {
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

// splitMinElems is the least output of an element-wise operator worth
// splitting: these run at memory speed, a few elements per nanosecond.
const splitMinElems = 1 << 16

// flatAlign is the granularity of element-wise chunks, in elements: a
// multiple of every vector width and unroll of the kernels, so that each
// element takes the same path (vector body or scalar tail) as in run.
const flatAlign = 64

// flatSplit runs an element-wise kernel as chunks, parts[i] being the same
// kernel on chunk i's elements (built once, by splitElementwise).
type flatSplit struct {
	kernel
	parts []kernel
}

func (f *flatSplit) split(int) int        { return len(f.parts) }
func (f *flatSplit) runChunk(_, i, _ int) { f.parts[i].run() }

// splitElementwise returns a flatSplit for the element-wise kernels it
// knows (fused PReLU, ADD/SUB/MUL of equal shapes, RELU, RELU6, ABS,
// LOGISTIC, TANH) with enough output for nw workers, else nil.
func splitElementwise(k kernel, nw int) splitter {
	var n, unit int // elements, and the granularity of chunk bounds
	switch k := k.(type) {
	case *preluFused:
		n, unit = len(k.out), len(k.alpha)
	case *binaryOp:
		if len(k.a) != len(k.out) || len(k.b) != len(k.out) {
			return nil
		}
		n, unit = len(k.out), flatAlign
	case *unary:
		if k.op == unCopy {
			return nil
		}
		n, unit = len(k.out), flatAlign
	default:
		return nil
	}
	if n < splitMinElems || unit <= 0 {
		return nil
	}
	units := (n + unit - 1) / unit
	chunks := chunkCount(units, nw)
	f := &flatSplit{kernel: k}
	for i := range chunks {
		u0, u1 := chunkRange(units, i, chunks)
		lo, hi := u0*unit, min(u1*unit, n)
		switch k := k.(type) {
		case *preluFused:
			f.parts = append(f.parts, &preluFused{x: k.x[lo:hi], alpha: k.alpha, out: k.out[lo:hi], simd: k.simd})
		case *binaryOp:
			part := *k
			part.a, part.b, part.out = k.a[lo:hi], k.b[lo:hi], k.out[lo:hi]
			f.parts = append(f.parts, &part)
		case *unary:
			f.parts = append(f.parts, &unary{op: k.op, in: k.in[lo:hi], out: k.out[lo:hi]})
		}
	}
	return f
}

var (
	_ splitter = (*flatSplit)(nil)
	_ splitter = (*gemmConv)(nil)
	_ splitter = (*depthwiseConv2D)(nil)
	_ splitter = (*fullyConnected)(nil)
)
