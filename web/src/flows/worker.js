/**
 * @file What the bundle does when it is started as a worker (bundle.js): it serves the one
 * request its page posts, then the page ends it. Unlocking (unlock_worker.js), sending a part
 * of an upload (part_sender.js) and opening a document's body (open_body.js) each run in a
 * worker of their own, so the memory each one used is freed when it ends.
 */
import { serveOpen } from './open_body.js';
import { putPart } from './part_sender.js';
import { serveUnlock } from './unlock_worker.js';

/** Answers the page's requests: `{job: 'put' | 'open', ...}`, or an unlock. */
export function serve() {
  const post = (message, transfer = []) => globalThis.postMessage(message, transfer);
  globalThis.addEventListener('message', async ({ data }) => {
    if (data && data.job === 'put') {
      const answer = await putPart(data);
      post(answer, answer.bytes ? [answer.bytes.buffer] : []);
    } else if (data && data.job === 'open') {
      await serveOpen(data, post);
    } else {
      await serveUnlock(data, post);
    }
  });
}
