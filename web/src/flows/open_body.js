/**
 * @file Downloading, decrypting and checking a document's body, in a dedicated worker of its
 * own where the page can start one. Every chunk read, decrypted or written leaves a buffer
 * for the garbage collector of whichever thread made it; on the page that collector waits
 * for idle time the open never gives it, and a 200 MiB open grew the page by up to 250 MiB.
 * In a worker, ended as soon as the body is saved or refused, what it left goes with it, and
 * the page stays responsive while a large file is decrypted.
 *
 * The page makes every check on the key and the metadata first (documents.js); the worker is
 * handed the document key's identity, the digests and size to check, and where the plaintext
 * goes: a file chosen through the save-file picker (its handle), or a Blob it hands back.
 * Nothing counts as saved until every check has passed (save.js). Where workers are not
 * available the page does the same itself.
 */
import * as api from '../api.js';
import { fail } from '../core/errors.js';
import { openBody } from '../core/seal.js';
import { askWorkerOnce, canStartWorkers } from './bundle.js';
import { blobSaver, fileSaver, pipeInto, removeChosen } from './save.js';

/** What a download that broke off part way means for the person opening the document. */
const BROKE_OFF = 'The download broke off before the document was whole (the connection or the '
  + 'server went away): nothing of it was saved. Open it again once the server can be reached.';

/** Bytes opened between two progress notes from a worker. */
const NOTE_EVERY = 1024 * 1024;
/**
 * @typedef {object} BodyRequest
 * @property {string} path the body's API path
 * @property {string} csrf the session's CSRF token (a worker cannot read it from the page)
 * @property {string} identity the document key, as an age identity
 * @property {{ciphertextSha256: Uint8Array, plaintextSha256: Uint8Array, size: bigint}} expected
 * @property {FileSystemFileHandle|null} handle the chosen file, or null for a Blob
 * @property {string} mediaType the Blob's type
 */

/**
 * Opens the body here: the plaintext into the chosen file or a Blob, committed only once every
 * check has passed and discarded on any failure. Answers the Blob, or null for a file.
 * @param {BodyRequest} request
 * @param {(done: number) => void} onProgress
 * @returns {Promise<Blob|null>}
 */
export async function openBodyHere(request, onProgress) {
  const saver = request.handle ? await fileSaver(request.handle)
    : blobSaver(request.mediaType);
  try {
    const { stream } = await api.download(request.path, request.csrf);
    const { plaintext, done } = await openBody(stream, request.identity, request.expected,
      (n) => onProgress(Number(n)));
    await Promise.all([pipeInto(plaintext, saver), done]);
  } catch (error) {
    await saver.discard();
    // The core says a read failed; here what it read was the download, which broke off.
    if (error && error.code === 'io') throw fail('io', BROKE_OFF);
    throw error;
  }
  return saver.commit();
}

/** The worker's side: one `{job: 'open', ...}` request, progress notes, then one answer. */
export async function serveOpen(request, post) {
  let noted = 0;
  const progress = (done) => {
    if (done - noted < NOTE_EVERY) return;
    noted = done;
    post({ note: done });
  };
  try {
    post({ blob: await openBodyHere(request, progress) });
  } catch (error) {
    post({ error: { status: error.status, code: error.code || 'error', message: error.message } });
  }
}

/** The error a worker reported, as the page's own kind: the API's, or the vault's. */
function rethrown({ status, code, message }) {
  if (typeof status === 'number') return new api.ApiError(status, code, message);
  return fail(code, message);
}

/**
 * Opens the body in a worker of its own where the page can start one, else here; see
 * `openBodyHere`. Errors are the same either way.
 * @param {BodyRequest} request
 * @param {(done: number) => void} onProgress
 * @returns {Promise<Blob|null>}
 */
export async function openBodyAside(request, onProgress) {
  if (!canStartWorkers()) return openBodyHere(request, onProgress);
  const answer = await askWorkerOnce({ job: 'open', ...request }, [], onProgress);
  if (!answer) {
    // The worker stopped before it could discard: the picker's empty file is removed here.
    if (request.handle) await removeChosen(request.handle);
    throw fail('worker', 'The document could not be opened in this browser. Reload the page '
      + 'and try again.');
  }
  if (answer.error) throw rethrown(answer.error);
  // The final figure: notes come only every NOTE_EVERY bytes.
  onProgress(Number(request.expected.size));
  return answer.blob;
}
