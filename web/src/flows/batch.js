/**
 * @file Gathers a stream's chunks, of whatever sizes they come in, into batches of one size:
 * the parts of an upload (parts.js) and the writes into a chosen file (save.js). Copying into
 * one buffer, rather than keeping each chunk, bounds what is held to one batch.
 */

/** Chunks in, full batches out to `onFull`; what is left at the end from `rest()`. */
export class Batcher {
  /**
   * @param {number} size bytes per batch
   * @param {{reuse: boolean}} options whether the buffer is filled again once `onFull` has
   *   returned (the bytes were written out), or a fresh one is made (they were moved away)
   */
  constructor(size, { reuse }) {
    this.size = size;
    this.reuse = reuse;
    this.buffer = new Uint8Array(size);
    this.filled = 0;
  }

  /**
   * Copies `chunk` in, calling `onFull(batch)` each time `size` bytes have gathered.
   * @param {Uint8Array} chunk
   * @param {(batch: Uint8Array) => Promise<void>} onFull
   */
  async add(chunk, onFull) {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(chunk.length - at, this.size - this.filled);
      this.buffer.set(chunk.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.size) {
        await onFull(this.buffer);
        if (!this.reuse) this.buffer = new Uint8Array(this.size);
        this.filled = 0;
      }
    }
  }

  /** The bytes gathered since the last full batch, as a view of the buffer; empties it. */
  rest() {
    const rest = this.buffer.subarray(0, this.filled);
    this.filled = 0;
    return rest;
  }
}
