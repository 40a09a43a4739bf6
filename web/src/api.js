/**
 * @file The /v1 API as the web page reaches it: same origin, the session cookie, and the
 * X-Vault-Csrf header read from `<meta name="vault-csrf">`. The server accepts a cookie on
 * /v1 only with that header, so a page from another site cannot act for the person.
 * Answers in the API's one error shape become `ApiError`s carrying the server's sentence.
 */

/** An answer other than 2xx, with the server's code and message. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} code the API's stable code (`not_found`, `conflict`, …)
   * @param {string} message a sentence for people
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The CSRF token of the signed-in person's session, or '' before sign-in. */
export function csrfToken() {
  // A worker has no page to read it from: the page hands it the token with the request.
  if (typeof document === 'undefined') return '';
  const meta = document.querySelector('meta[name="vault-csrf"]');
  return meta ? meta.getAttribute('content') || '' : '';
}

function headers(extra = {}, token = csrfToken()) {
  const out = { Accept: 'application/json', ...extra };
  if (token) out['X-Vault-Csrf'] = token;
  return out;
}

/** Turns a failed answer into an ApiError, with a plain sentence when the body is not JSON. */
async function failure(response) {
  let code = 'error';
  let message = `The server answered ${response.status}.`;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = String(body.error.code || code);
      message = String(body.error.message || message);
    }
  } catch {
    // Not the API's shape (a proxy's page, say): the status sentence stands.
  }
  if (response.status === 401) {
    // Signing out elsewhere, an idle or expired session and a closed account all end it; the
    // sign-in page then says which.
    message = 'Your session has ended (signed out, left idle too long, or the account was '
      + 'closed). Sign in again, then unlock your keys.';
  }
  return new ApiError(response.status, code, message);
}

/**
 * One JSON request.
 * @param {string} method
 * @param {string} path under the same origin, such as `/v1/cases`
 * @param {unknown} [body] sent as JSON when given
 * @returns {Promise<any>} the parsed answer, or null for an empty one
 */
export async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: headers(), cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path) => request('GET', path);
export const post = (path, body = {}) => request('POST', path, body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

/**
 * Starts a GET of a large body and hands back its stream without reading it into memory.
 * @param {string} path
 * @param {string} [token] the session's CSRF token, which a worker is handed by its page
 * @returns {Promise<{stream: ReadableStream<Uint8Array>, length: number|null}>}
 */
export async function download(path, token = csrfToken()) {
  const response = await fetch(path, {
    credentials: 'same-origin',
    headers: headers({ Accept: 'application/octet-stream' }, token),
    cache: 'no-store',
  });
  if (!response.ok) throw await failure(response);
  const length = Number(response.headers.get('Content-Length'));
  return { stream: response.body, length: Number.isFinite(length) && length > 0 ? length : null };
}

/**
 * An answer read elsewhere (a worker's request): its parsed JSON, or the ApiError a failed
 * one means. Status 0 is a request that did not reach the server.
 * @param {number} status
 * @param {string} text
 */
export async function settle(status, text) {
  if (status === 0) {
    throw new ApiError(0, 'network',
      'The upload did not reach the server. Check the connection and seal the file again.');
  }
  if (status >= 200 && status < 300) return text ? JSON.parse(text) : null;
  throw await failure(new Response(text || null, { status }));
}

/**
 * Sends a request body with XMLHttpRequest, which (unlike fetch) reports upload progress.
 * @param {string} method
 * @param {string} path
 * @param {Uint8Array} body
 * @param {(sent: number, total: number) => void} onProgress
 * @returns {Promise<any>} the parsed JSON answer
 */
function send(method, path, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.withCredentials = true;
    const octets = { 'Content-Type': 'application/octet-stream' };
    for (const [name, value] of Object.entries(headers(octets))) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      const response = new Response(xhr.responseText || null, { status: xhr.status });
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null);
      } else {
        failure(response).then(reject, reject);
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network',
      'The upload did not reach the server. Check the connection and seal the file again.')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', 'The upload stopped.')));
    xhr.send(body);
  });
}

/**
 * Puts raw bytes (one part of an upload in parts), reporting progress.
 * @param {string} path
 * @param {Uint8Array} bytes
 * @param {(sent: number, total: number) => void} onProgress
 */
export const putBytes = (path, bytes, onProgress) => send('PUT', path, bytes, onProgress);
