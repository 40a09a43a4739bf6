// Unit tests of web/src/flows/open_body.js, opening a body in the page (no workers in Node):
// the download (a stand-in for fetch) is decrypted and checked into a Blob byte for byte, and
// a download that breaks off part way is said as such, with nothing saved.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { generateIdentity } from '../src/core/keys.js';
import * as seal from '../src/core/seal.js';
import { openBodyHere } from '../src/flows/open_body.js';

const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251);

async function sealedBody() {
  const key = await generateIdentity();
  const { ciphertext, done } = await seal.sealBody(new Blob([data]).stream(), key.recipient);
  const body = new Uint8Array(await new Response(ciphertext).arrayBuffer());
  return { key, body, result: await done };
}

// Answers every fetch with `body` in 64 KiB reads, the read after `upTo` bytes failing as a
// broken connection does when given (before the first byte when `upTo` is 0).
function serving(body, upTo = null) {
  globalThis.fetch = async () => {
    let at = 0;
    return new Response(new ReadableStream({
      pull(controller) {
        const end = Math.min(at + 65_536, upTo ?? body.length);
        if (at >= end) {
          if (upTo === null) controller.close();
          else controller.error(new TypeError('network error'));
          return;
        }
        controller.enqueue(body.slice(at, end));
        at = end;
      },
    }, { highWaterMark: 0 }), { status: 200 });
  };
}

function requestFor(key, result) {
  return {
    path: '/v1/documents/d/body',
    csrf: 'token',
    identity: key.identity,
    expected: {
      ciphertextSha256: result.ciphertextSha256,
      plaintextSha256: result.plaintextSha256,
      size: BigInt(data.length),
    },
    handle: null,
    mediaType: 'text/plain',
  };
}

test('a whole download opens into a Blob byte for byte, with progress to the end', async () => {
  const { key, body, result } = await sealedBody();
  serving(body);
  const seen = [];
  const blob = await openBodyHere(requestFor(key, result), (n) => seen.push(n));
  assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), data);
  assert.equal(blob.type, 'text/plain');
  assert.equal(seen.at(-1), data.length);
});

test('a download that breaks off is said as such and nothing is saved', async () => {
  const { key, body, result } = await sealedBody();
  // Part way through the body, and before its header was whole.
  for (const upTo of [100_000, 0]) {
    serving(body, upTo);
    await assert.rejects(openBodyHere(requestFor(key, result), () => {}), {
      code: 'io',
      message: 'The download broke off before the document was whole (the connection or the '
        + 'server went away): nothing of it was saved. Open it again once the server can be '
        + 'reached.',
    }, `cut after ${upTo} bytes`);
  }
});
