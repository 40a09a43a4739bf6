/**
 * @file Where an opened document's plaintext goes while it is decrypted and checked. Nothing
 * of it counts as saved until every digest has matched: a saver takes the bytes as they come,
 * then either commits them (the checks passed) or discards them (any failure).
 *
 * - `blobSaver` gathers the bytes into a Blob, offered for download once committed. The Blob
 *   lives in the browser process, so it holds the whole file there; fine for most documents,
 *   and the only way in browsers without a save-file picker.
 * - `fileSaver` writes into a file the person chose with the browser's save-file picker.
 *   The browser puts the writes in a temporary file beside it and moves them into place only
 *   when the stream closes, so a failed check (which aborts the stream) leaves nothing of the
 *   document on disk, and memory stays bounded whatever the file's size.
 */
import { fail } from '../core/errors.js';
import { Batcher } from './batch.js';

/** Bytes gathered before they move into a Blob part or a file write. */
const BATCH = 4 * 1024 * 1024;
/**
 * Bytes per write into a chosen file. Each write leaves a little behind for the page's
 * garbage collector; 1 MiB writes (more of them) peaked higher than 4 MiB ones, and writing
 * Blobs instead of the buffer did not help.
 */
const FILE_BATCH = 4 * 1024 * 1024;

/**
 * Waits for the next task of the event loop. A stream read to its end in one chain of
 * promises never lets the page go idle, so the garbage collector's scheduled work waits while
 * every chunk read or decrypted leaves a new buffer behind, and the page's memory grows with
 * the file; yielding once per batch lets that work run (a 200 MiB open peaked about 40 MiB
 * lower in the memory proof).
 */
function nextTask() {
  return new Promise((resolve) => { setTimeout(resolve, 0); });
}

/**
 * Reads `stream` to its end into `saver`. The caller commits or discards.
 * @param {ReadableStream<Uint8Array>} stream
 * @param {{write: (chunk: Uint8Array) => Promise<void>}} saver
 */
export async function pipeInto(stream, saver) {
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    await saver.write(value);
  }
}

/** Gathers bytes into a Blob of `mediaType`; `commit()` answers it. */
export function blobSaver(mediaType) {
  const parts = [];
  let pending = [];
  let pendingSize = 0;
  const flush = () => {
    if (pending.length) parts.push(new Blob(pending));
    pending = [];
    pendingSize = 0;
  };
  return {
    async write(chunk) {
      pending.push(chunk);
      pendingSize += chunk.length;
      if (pendingSize >= BATCH) {
        flush();
        await nextTask();
      }
    },
    async commit() {
      flush();
      return new Blob(parts, { type: mediaType || 'application/octet-stream' });
    },
    async discard() {
      parts.length = 0;
      pending = [];
    },
  };
}

/**
 * Writes into the file behind `handle` (from the save-file picker) in batches; `commit()`
 * moves the written bytes into place and answers null, `discard()` aborts them and removes
 * the file the picker made for us.
 * @param {FileSystemFileHandle} handle
 */
export async function fileSaver(handle) {
  const writable = await handle.createWritable();
  // One buffer, written and filled again once the write has taken it: a fresh copy per write
  // would leave each behind until the garbage collector ran (90 MiB more for 200 MiB).
  const batch = new Batcher(FILE_BATCH, { reuse: true });
  return {
    async write(chunk) {
      await batch.add(chunk, async (bytes) => {
        await writable.write(bytes);
        await nextTask();
      });
    },
    async commit() {
      const rest = batch.rest();
      if (rest.length) await writable.write(rest);
      await writable.close();
      return null;
    },
    async discard() {
      try {
        await writable.abort();
      } catch {
        // Already closed by the failure itself; the temporary file went with it.
      }
      await removeChosen(handle);
    },
  };
}

/**
 * Removes the file the picker made where the person chose, so a refused document leaves
 * none. Not every browser lets a page remove a file it was given: then an empty one stays.
 * @param {FileSystemFileHandle} handle
 */
export async function removeChosen(handle) {
  if (typeof handle.remove !== 'function') return;
  try {
    await handle.remove();
  } catch {
    // Not removable from here: the empty file stays, as said above.
  }
}

/**
 * Asks the person where to save `name`, through the browser's save-file picker.
 * @param {string} name the document's sealed file name, suggested in the picker
 * @returns {Promise<FileSystemFileHandle>}
 */
export async function pickFile(name) {
  const ask = (options) => window.showSaveFilePicker(options);
  try {
    try {
      return await ask({ suggestedName: name });
    } catch (error) {
      // A name the picker will not suggest (characters this system refuses): ask without one.
      if (error && error.name === 'TypeError') return await ask({});
      throw error;
    }
  } catch (error) {
    if (error && error.name === 'AbortError') {
      throw fail('cancelled', 'Nothing was opened: no place to save it was chosen.');
    }
    if (error && (error.name === 'SecurityError' || error.name === 'NotAllowedError')) {
      throw fail('gesture', 'The browser did not show where to save the file, because the '
        + 'checks took a while after your click. Press Open again.');
    }
    throw error;
  }
}

/** Whether this browser has the save-file picker that `fileSaver` writes through. */
export function hasPicker() {
  return typeof window !== 'undefined' && typeof window.showSaveFilePicker === 'function';
}
