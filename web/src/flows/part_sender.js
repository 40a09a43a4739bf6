/**
 * @file Sends each part of an upload from a dedicated worker of its own, ended once the part
 * is sent. A request body is copied into memory the browser frees only when the request's
 * object is garbage collected, and the page's collector, which sees only a small object,
 * can leave every part of a large upload waiting: uploading 800 MiB from the page grew its
 * process by 800 MiB. Ending the worker frees at once all it sent, so what an upload holds
 * stays a part or two whatever the file's size (a worker kept for four parts still let a
 * 200 MiB upload's page grow past 500 MiB; one per part kept it near 250 MiB, and faster).
 *
 * Each part goes as a Blob: its bytes move to the browser once and the request reads them
 * there, where an array body is copied again for the request (and, with developer tools
 * attached, kept for them). The worker is this same bundle (the CSP's `script-src 'self'`
 * allows it); each part's bytes are moved to it, not copied. Where workers are not
 * available the page sends the parts itself.
 */
import * as api from '../api.js';
import { askWorkerOnce, canStartWorkers } from './bundle.js';

/**
 * The worker's side of one part: `{path, bytes, csrf}` in, `{status, text}` out. When the
 * request did not reach the server, status is 0 and the bytes come back, to be sent again.
 */
export async function putPart({ path, bytes, csrf }) {
  try {
    const response = await fetch(path, {
      method: 'PUT',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/octet-stream',
        'X-Vault-Csrf': csrf,
      },
      // As a Blob the bytes go to the browser once and the request reads them there; sent as
      // an array they were copied again for the request and held longer (see the file doc).
      body: new Blob([bytes]),
    });
    return { status: response.status, text: await response.text() };
  } catch {
    return { status: 0, text: '', bytes };
  }
}

/**
 * PUTs one part's `bytes` to `path`, through a worker of its own where the page can start
 * one; answers the parsed JSON answer or throws the API's error. The bytes are moved to the
 * worker: the caller must not use them again, except those a failed request hands back as
 * `error.bytes` (status 0), to be sent again.
 * @param {string} path
 * @param {Uint8Array} bytes
 */
export async function sendPart(path, bytes) {
  if (!canStartWorkers()) {
    try {
      return await api.putBytes(path, bytes, () => {});
    } catch (error) {
      if (error.status === 0) error.bytes = bytes;
      throw error;
    }
  }
  const answer = await askWorkerOnce({ job: 'put', path, bytes, csrf: api.csrfToken() },
    [bytes.buffer]) || { status: 0, text: '' };
  try {
    return await api.settle(answer.status, answer.text);
  } catch (error) {
    if (answer.bytes) error.bytes = answer.bytes;
    throw error;
  }
}
