// verify_cose.mjs DIR — checks a `vouchctl verify --export DIR` export with
// an implementation independent of the Go code: its own CBOR decoder, the
// RFC 9052 Sig_structure built from the raw file bytes, and Ed25519 from
// node:crypto. Prints "ok N" and exits 0, or prints the failure and exits 1.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// decode returns [value, nextOffset]. Byte strings stay Buffers; tags are
// {tag, value}; maps are Map with their keys as decoded.
function decode(b, i) {
  const ib = b[i++];
  if (ib === undefined) throw new Error('truncated CBOR');
  const major = ib >> 5, ai = ib & 31;
  let n;
  if (ai < 24) n = ai;
  else if (ai === 24) { n = b.readUInt8(i); i += 1; }
  else if (ai === 25) { n = b.readUInt16BE(i); i += 2; }
  else if (ai === 26) { n = b.readUInt32BE(i); i += 4; }
  else if (ai === 27) { n = Number(b.readBigUInt64BE(i)); i += 8; }
  else throw new Error(`unsupported additional info ${ai}`);
  switch (major) {
    case 0: return [n, i];
    case 1: return [-1 - n, i];
    case 2: if (i + n > b.length) throw new Error('truncated bstr'); return [b.subarray(i, i + n), i + n];
    case 3: if (i + n > b.length) throw new Error('truncated tstr'); return [b.subarray(i, i + n).toString('utf8'), i + n];
    case 4: { const a = []; for (let k = 0; k < n; k++) { let v; [v, i] = decode(b, i); a.push(v); } return [a, i]; }
    case 5: { const m = new Map(); for (let k = 0; k < n; k++) { let key, v; [key, i] = decode(b, i); [v, i] = decode(b, i); m.set(key, v); } return [m, i]; }
    case 6: { let v; [v, i] = decode(b, i); return [{ tag: n, value: v }, i]; }
    case 7: if (n === 20) return [false, i]; if (n === 21) return [true, i]; if (n === 22) return [null, i];
      throw new Error(`unsupported simple value ${n}`);
  }
}

function head(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) { const h = Buffer.alloc(3); h[0] = (major << 5) | 25; h.writeUInt16BE(n, 1); return h; }
  const h = Buffer.alloc(5); h[0] = (major << 5) | 26; h.writeUInt32BE(n, 1); return h;
}
const bstr = (x) => Buffer.concat([head(2, x.length), x]);
const tstr = (s) => { const x = Buffer.from(s, 'utf8'); return Buffer.concat([head(3, x.length), x]); };

const dir = process.argv[2];
const raw = readFileSync(join(dir, 'device.pub'));
if (raw.length !== 32) throw new Error('device.pub is not a raw Ed25519 key');
const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });

let prev = Buffer.alloc(32), expect = 1, count = 0;
try {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cose')).sort()) {
    const file = readFileSync(join(dir, name));
    const [msg, end] = decode(file, 0);
    if (end !== file.length) throw new Error(`${name}: trailing bytes`);
    if (msg.tag !== 18 || !Array.isArray(msg.value) || msg.value.length !== 4) throw new Error(`${name}: not a tagged COSE_Sign1`);
    const [protectedBytes, , payload, signature] = msg.value;
    const [prot] = decode(protectedBytes, 0);
    if (prot.get(1) !== -8) throw new Error(`${name}: alg is not EdDSA`);
    const toBeSigned = Buffer.concat([Buffer.from([0x84]), tstr('Signature1'), bstr(protectedBytes), bstr(Buffer.alloc(0)), bstr(payload)]);
    if (!verify(null, toBeSigned, key, signature)) throw new Error(`${name}: Ed25519 signature does not verify`);
    const [rec] = decode(payload, 0);
    if (rec.get(2) !== expect) throw new Error(`${name}: seq ${rec.get(2)}, want ${expect}`);
    if (!Buffer.from(rec.get(14)).equals(prev)) throw new Error(`${name}: prev-hash does not match the previous record`);
    prev = createHash('sha256').update(file).digest();
    expect++; count++;
  }
} catch (e) {
  console.log('FAIL', e.message);
  process.exit(1);
}
console.log('ok', count);
