// Unit tests of web/src/flows/batch.js: chunks of any size come out as batches of one size,
// in order and byte for byte, with the buffer reused or made fresh as asked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Batcher } from '../src/flows/batch.js';

const bytes = (n, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);

// Feeds `sizes` chunks of one counting stream into a Batcher; answers copies of the batches
// in the order they came, the buffers each was handed in, and the rest.
async function run(size, sizes, reuse) {
  const batcher = new Batcher(size, { reuse });
  const batches = [];
  const buffers = [];
  let from = 0;
  for (const n of sizes) {
    await batcher.add(bytes(n, from), async (batch) => {
      batches.push(Uint8Array.from(batch));
      buffers.push(batch);
    });
    from += n;
  }
  return { batches, buffers, rest: Uint8Array.from(batcher.rest()), total: from };
}

test('chunks of any size come out as whole batches in order, then the rest', async () => {
  const { batches, rest, total } = await run(10, [3, 0, 25, 1, 9, 4], true);
  assert.equal(total, 42);
  assert.deepEqual(batches, [bytes(10, 0), bytes(10, 10), bytes(10, 20), bytes(10, 30)]);
  assert.deepEqual(rest, bytes(2, 40));
});

test('a stream of exactly whole batches leaves no rest', async () => {
  const { batches, rest } = await run(8, [8, 4, 4], false);
  assert.deepEqual(batches, [bytes(8, 0), bytes(8, 8)]);
  assert.equal(rest.length, 0);
});

test('the buffer is filled again when reused, and fresh for each batch when not', async () => {
  const reused = await run(4, [12], true);
  assert.equal(reused.buffers.length, 3);
  assert.ok(reused.buffers.every((b) => b === reused.buffers[0]));
  const fresh = await run(4, [12], false);
  assert.equal(new Set(fresh.buffers).size, 3);
  // Fresh buffers keep what they were handed: nothing of a later batch is written into them.
  assert.deepEqual(fresh.buffers, [bytes(4, 0), bytes(4, 4), bytes(4, 8)]);
});

test('the rest empties the batcher', async () => {
  const batcher = new Batcher(16, { reuse: true });
  await batcher.add(bytes(5), async () => assert.fail('no batch is full'));
  assert.deepEqual(Uint8Array.from(batcher.rest()), bytes(5));
  assert.equal(batcher.rest().length, 0);
});
