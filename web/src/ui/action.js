/**
 * @file One way every vault button and form of a page runs its work: the server's hidden
 * control is shown, a click or submit stays in the page, keys must be unlocked first, the
 * button is disabled while the work runs (so a second click does not start it twice), and a
 * failure lands in the control's alert line in words a practitioner understands.
 */
import { hasPicker, pickFile } from '../flows/save.js';
import { isUnlocked } from '../flows/state.js';
import { shown } from './display.js';
import { all, reveal, saveBlob, statusOf, whileBusy } from './dom.js';
import { sightingNote } from './sightings.js';

const LOCKED = 'Unlock your vault keys first (the panel at the top of the page).';

/**
 * Wires `control` (a button, or a form and its buttons) to run `work(status)`.
 * @param {HTMLElement} control
 * @param {ReturnType<import('./dom.js').statusOf>} status
 * @param {(status: ReturnType<import('./dom.js').statusOf>) => Promise<void>} work
 */
export function onAction(control, status, work) {
  const isForm = control instanceof HTMLFormElement;
  const button = isForm ? control.querySelector('button') : control;
  reveal(control);
  if (isForm) all('button', control).forEach(reveal);
  control.addEventListener(isForm ? 'submit' : 'click', (event) => {
    event.preventDefault();
    if (!isUnlocked()) {
      status.fail(new Error(LOCKED));
      return;
    }
    whileBusy(button, async () => {
      try {
        await work(status);
      } catch (error) {
        status.fail(error);
      }
    });
  });
}

/**
 * From this size on, a browser with a save-file picker asks where to save an opened file and
 * writes it there as it is decrypted, instead of gathering it into a Blob (which the browser
 * process holds whole until the download ends). Smaller files download as usual.
 */
export const PICKER_FROM = 64 * 1024 * 1024;

/** Where an opened document goes: a chosen file for a large one where the browser can. */
async function placeFor(metadata, status) {
  if (Number(metadata.size) < PICKER_FROM || !hasPicker()) return null;
  status.say(`Choose where to save ${shown(metadata.fileName)}…`);
  return pickFile(metadata.fileName);
}

/**
 * Wires a document's Open button: `open(documentId, onProgress, choose)` makes every check
 * and decrypts into the file `choose` answers (a large document, where the browser has the
 * save-file picker) or a Blob, which is then offered for saving. Progress and the outcome go
 * to the status lines beside the button.
 * @param {HTMLElement} button
 * @param {string} documentId
 * @param {(id: string, onProgress: (done: number, total: number) => void,
 *   choose: Function) => Promise<{blob: Blob|null, name: string}>} open
 */
export function onOpen(button, documentId, open) {
  onAction(button, statusOf(button.parentElement), async (status) => {
    status.say('Checking and opening…');
    const progress = (done, total) => {
      status.say(`Opening… ${Math.floor((100 * done) / Math.max(total, 1))}%`);
    };
    const opened = await open(documentId, progress, (metadata) => placeFor(metadata, status));
    // The download keeps the sealed name (Chromium makes a file name of it safely); the page
    // shows it with any bidi or control character made visible.
    // A sealer's organisation met for the first time by this open is named to compare.
    if (opened.blob) {
      saveBlob(opened.blob, opened.name);
      status.say(`Opened: ${shown(opened.name)}${sightingNote()}`, true);
    } else {
      status.say(`Opened and saved: ${shown(opened.name)}${sightingNote()}`, true);
    }
  });
}
