// runner.js serves the official TFLite runtime (npm @tensorflow/tfjs-tflite,
// compiled to WebAssembly) to a Go parent process over stdin/stdout.
//
// Usage: node runner.js <dir holding tflite_web_api_cc[_simd].{js,wasm}> [simd|scalar]
//
// Protocol: one JSON object per line in each direction. Byte payloads are
// base64. Every request gets exactly one reply; a reply with "error" set means
// the request failed and the runner is still usable.
//
//   {"op":"load","model":B64,"threads":1,"profile":false}
//        -> {"inputs":[T...],"outputs":[T...]}     T = {"name","type","shape":[...]}
//   {"op":"set","index":i,"data":B64}             -> {}  (raw little-endian bytes)
//   {"op":"infer","runs":n}                       -> {"ns":[...]} one duration per Infer()
//   {"op":"get","index":i}                        -> {"data":B64}
//   {"op":"profile"}                              -> {"ops":[{"type","name","ms"}...]}
//
// Timing is taken inside this process around Infer() alone, so the pipe and
// the JSON framing are not part of any reported duration.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');

const dir = process.argv[2] && path.resolve(process.argv[2]);
const flavour = process.argv[3] || 'simd';
if (!dir || (flavour !== 'simd' && flavour !== 'scalar')) {
  process.stderr.write('usage: node runner.js <wasm dir> [simd|scalar]\n');
  process.exit(2);
}
const base = path.join(dir, flavour === 'simd' ? 'tflite_web_api_cc_simd' : 'tflite_web_api_cc');

let runner = null;
let modelPtr = 0;

function tensorInfo(t) {
  return {name: t.name, type: t.dataType, shape: t.shape === '' ? [] : t.shape.split(',').map(Number)};
}

function bytesOf(view) {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

function pick(list, i) {
  if (!Number.isInteger(i) || i < 0 || i >= list.size()) {
    throw new Error(`tensor index ${i} out of range [0,${list.size()})`);
  }
  return list.get(i);
}

function handle(mod, req) {
  switch (req.op) {
    case 'load': {
      if (runner !== null) {
        runner.delete();
        runner = null;
      }
      if (modelPtr !== 0) {
        mod._free(modelPtr);
        modelPtr = 0;
      }
      const bytes = Buffer.from(req.model, 'base64');
      modelPtr = mod._malloc(bytes.length);
      mod.HEAPU8.set(bytes, modelPtr);
      const st = mod.TFLiteWebModelRunner.CreateFromBufferAndOptions(modelPtr, bytes.length, {
        numThreads: req.threads || 1,
        enableProfiling: !!req.profile,
        maxProfilingBufferEntries: 4096,
      });
      if (!st.ok()) {
        throw new Error('CreateFromBufferAndOptions: ' + st.errorMessage());
      }
      runner = st.value();
      const ins = runner.GetInputs();
      const outs = runner.GetOutputs();
      const r = {inputs: [], outputs: []};
      for (let i = 0; i < ins.size(); i++) r.inputs.push(tensorInfo(ins.get(i)));
      for (let i = 0; i < outs.size(); i++) r.outputs.push(tensorInfo(outs.get(i)));
      return r;
    }
    case 'set': {
      const dst = bytesOf(pick(need().GetInputs(), req.index).data());
      const src = Buffer.from(req.data, 'base64');
      if (src.length !== dst.length) {
        throw new Error(`input ${req.index}: got ${src.length} bytes, tensor holds ${dst.length}`);
      }
      src.copy(dst);
      return {};
    }
    case 'infer': {
      const r = need();
      const n = req.runs || 1;
      const ns = [];
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        const ok = r.Infer();
        const t1 = process.hrtime.bigint();
        if (!ok) throw new Error('Infer failed');
        ns.push(Number(t1 - t0));
      }
      return {ns};
    }
    case 'get':
      return {data: bytesOf(pick(need().GetOutputs(), req.index).data()).toString('base64')};
    case 'profile': {
      const res = need().GetProfilingResults();
      const ops = [];
      for (let i = 0; i < res.size(); i++) {
        const p = res.get(i);
        ops.push({type: p.nodeType, name: p.nodeName, ms: p.nodeExecMs});
      }
      return {ops};
    }
  }
  throw new Error(`unknown op ${JSON.stringify(req.op)}`);
}

function need() {
  if (runner === null) throw new Error('no model loaded');
  return runner;
}

const factory = require(base + '.js');
factory({wasmBinary: fs.readFileSync(base + '.wasm'), print: () => {}, printErr: (s) => process.stderr.write(s + '\n')})
  .then((mod) => {
    const rl = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
    rl.on('line', (line) => {
      let reply;
      try {
        reply = handle(mod, JSON.parse(line));
      } catch (e) {
        reply = {error: String(e && e.message ? e.message : e)};
      }
      process.stdout.write(JSON.stringify(reply) + '\n');
    });
    rl.on('close', () => process.exit(0));
    process.stdout.write(JSON.stringify({ready: flavour}) + '\n');
  })
  .catch((e) => {
    process.stderr.write('runner: ' + e + '\n');
    process.exit(1);
  });
