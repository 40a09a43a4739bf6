/**
 * @file Sends a ciphertext stream to the server in parts, as it is sealed (docs/api.md,
 * "Uploading in parts"). Chromium cannot stream a request body over HTTP/1.1, and gathering
 * the whole ciphertext first would hold it all in the browser process (a Blob lives there);
 * here one part (8 MiB) is filled while the one before is on its way, whatever the file's
 * size; part_sender.js sends them so that the browser frees each once sent. The server checks
 * the ciphertext as it arrives and keeps nothing unless the finishing call's signed manifest
 * promises exactly the bytes it received.
 *
 * A part whose request fails on the way (a dropped connection) is sent again with the same
 * number: the server reads a whole part before it takes it, so a broken part changed nothing.
 */
import * as api from '../api.js';
import { fail } from '../core/errors.js';
import { Batcher } from './batch.js';
import { sendPart } from './part_sender.js';

/** The largest part we send, whatever the server allows. */
const MAX_PART = 8 * 1024 * 1024;
/** How often one part is tried before the upload gives up. */
const TRIES = 3;

/** An upload in parts of one document into `caseId`, started on the server. */
export class PartUpload {
  /**
   * @param {string} caseId
   * @param {string} gone what to say when the case is no longer reachable (404)
   */
  static async start(caseId, gone) {
    let answer;
    try {
      answer = await api.post(`/v1/cases/${caseId}/uploads`);
    } catch (error) {
      if (error && error.status === 404) throw fail('gone', gone);
      throw error;
    }
    const limit = Number(answer.part_bytes_max);
    const partBytes = Number.isSafeInteger(limit) && limit > 0 ? Math.min(limit, MAX_PART)
      : MAX_PART;
    return new PartUpload(`/v1/uploads/${answer.upload_id}`, partBytes);
  }

  constructor(path, partBytes) {
    this.path = path;
    this.partBytes = partBytes;
    this.next = 0;
    this.sent = 0;
  }

  /**
   * Reads `stream` to its end, sending a part each time `partBytes` have gathered; answers
   * the byte count sent. `onSent(sent)` follows the bytes the server has taken.
   * @param {ReadableStream<Uint8Array>} stream
   * @param {(sent: number) => void} onSent
   */
  async sendAll(stream, onSent) {
    // Each full buffer is moved to its part's worker, so a fresh one is filled after it.
    const parts = new Batcher(this.partBytes, { reuse: false });
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      await parts.add(value, (part) => this.sendPart(part, onSent));
    }
    // A copy of the right size: moving a view would move the whole buffer behind it.
    const last = parts.rest();
    if (last.length > 0) await this.sendPart(last.slice(), onSent);
    return this.sent;
  }

  /** Sends one part, again with the same number when the connection failed on the way. */
  async sendPart(part, onSent) {
    const path = `${this.path}/parts/${this.next}`;
    let bytes = part;
    const length = part.length;
    for (let tried = 1; ; tried += 1) {
      try {
        await sendPart(path, bytes);
        break;
      } catch (error) {
        if (error.status !== 0 || !error.bytes || tried >= TRIES) throw error;
        bytes = error.bytes;
      }
    }
    this.next += 1;
    this.sent += length;
    onSent(this.sent);
  }

  /** Hands the signed manifest over; answers the stored document's summary. */
  finish(manifest) {
    return api.post(`${this.path}/finish`, manifest);
  }

  /**
   * Tells the server to drop what it received. Best effort: an upload the server already
   * ended (a refused part, a failed finish, one left idle) answers 404, which is fine.
   */
  async cancel() {
    try {
      await api.del(this.path);
    } catch {
      // Nothing of it is kept either way; the server also drops idle uploads.
    }
  }
}
