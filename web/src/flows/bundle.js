/**
 * @file Where this copy of the bundle runs: in a page, or as one of the page's workers
 * (unlocking, sending parts), which are started from the bundle's own address so the CSP's
 * `script-src 'self'` allows them.
 */

/** Whether this copy of the bundle runs as a worker rather than in a page. */
export function inWorker() {
  return typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope;
}

/** The bundle's own address, taken while it is first run (later there is no current script). */
export const bundle = typeof document !== 'undefined' && document.currentScript
  ? document.currentScript.src : null;
