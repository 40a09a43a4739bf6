/**
 * @file Where this copy of the bundle runs: in a page, or as one of the page's workers
 * (unlocking, sending parts, opening a document's body; flows/worker.js), which are started
 * from the bundle's own address so the CSP's `script-src 'self'` allows them.
 */

/** Whether this copy of the bundle runs as a worker rather than in a page. */
export function inWorker() {
  return typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope;
}

/** The bundle's own address, taken while it is first run (later there is no current script). */
export const bundle = typeof document !== 'undefined' && document.currentScript
  ? document.currentScript.src : null;

/** Whether the page can start workers from the bundle. */
export function canStartWorkers() {
  return typeof Worker !== 'undefined' && Boolean(bundle);
}

/**
 * Starts a worker from the bundle, posts it one request (moving `transfer`), and ends it once
 * it answers, so whatever it allocated is freed at once. Messages of the shape `{note}` on
 * the way (progress) go to `onNote`; the first other message is the answer. Answers it, or
 * null when the worker failed to run.
 * @param {unknown} request
 * @param {Transferable[]} [transfer]
 * @param {(note: unknown) => void} [onNote]
 */
export function askWorkerOnce(request, transfer = [], onNote = () => {}) {
  return new Promise((resolve) => {
    const worker = new Worker(bundle);
    worker.addEventListener('message', ({ data }) => {
      if (data && 'note' in data) {
        onNote(data.note);
        return;
      }
      worker.terminate();
      resolve(data);
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      worker.terminate();
      resolve(null);
    });
    worker.postMessage(request, transfer);
  });
}
