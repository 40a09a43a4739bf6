// Throughput of the browser core's streaming seal and open under Node.js, for the notes on how
// large a document the web app handles well: `node bench/seal.mjs [MiB]` (default 64) seals that
// many MiB fed in 1 MiB chunks, then opens the result with every check, and prints MiB/s and the
// process's peak resident memory. The ciphertext is kept in memory between the two steps.

import { generateIdentity } from '../src/core/keys.js';
import { openBody, sealBody } from '../src/core/seal.js';

const mib = Number(process.argv[2] ?? 64);
const CHUNK = 1024 * 1024;
const block = Uint8Array.from({ length: CHUNK }, (_, i) => (i * 31) % 251);

function source() {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent === mib) return c.close();
      sent++;
      c.enqueue(block.slice());
    },
  }, { highWaterMark: 0 });
}

async function drain(stream, keep) {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    keep?.push(value);
  }
}

const rate = (ms) => `${(mib / (ms / 1000)).toFixed(1)} MiB/s`;
const { identity, recipient } = await generateIdentity();

let t = performance.now();
const sealing = await sealBody(source(), recipient);
const chunks = [];
await drain(sealing.ciphertext, chunks);
const sealed = await sealing.done;
const sealMs = performance.now() - t;

t = performance.now();
const opening = await openBody(new Blob(chunks).stream(), identity, {
  ciphertextSha256: sealed.ciphertextSha256, plaintextSha256: sealed.plaintextSha256,
  size: sealed.plaintextSize,
});
await drain(opening.plaintext);
await opening.done;
const openMs = performance.now() - t;

console.log(`${mib} MiB on Node.js ${process.version}: seal ${rate(sealMs)}, ` +
  `open ${rate(openMs)} (both with SHA-256 of plaintext and ciphertext); ` +
  `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
