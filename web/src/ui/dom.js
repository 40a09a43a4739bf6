/**
 * @file Small DOM helpers the controllers share: finding hooks, showing what the server left
 * hidden for the script, and one status line per form (role="status" for progress, switched
 * to role="alert" for a failure). Text only ever goes in through textContent; the CSP allows
 * no inline style, so looks come from classes in app.css.
 */
import { openProblem } from './messages.js';

/** The first element matching `selector` under `root` (the document by default). */
export const one = (selector, root = document) => root.querySelector(selector);

/** Every element matching `selector` under `root`, as an array. */
export const all = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Shows an element the server sent hidden because only the script can work it. */
export function reveal(element) {
  if (!element) return;
  element.hidden = false;
  element.classList.remove('hidden', 'js-only', 'vault-hidden');
}

/** Hides an element again. */
export function conceal(element) {
  if (!element) return;
  element.hidden = true;
  // A class of the page may set `display`, which would beat the attribute alone.
  element.classList.add('vault-hidden');
}

/** A new paragraph at the end of `container` with `role`. */
function madeLine(container, role) {
  const line = document.createElement('p');
  line.setAttribute('role', role);
  container.append(line);
  return line;
}

/**
 * The status and alert lines of `container`: the ones the server put there
 * (`[data-vault-status]` or `[role=status]`, `[data-vault-error]` or `[role=alert]`), or new
 * paragraphs at its end; the selectors may name others. Progress and success go to the status
 * line, failures to the alert.
 */
export function statusOf(container, {
  status: statusSelector = '[data-vault-status], [role="status"]',
  alert: alertSelector = '[data-vault-error], [role="alert"]',
} = {}) {
  const status = one(statusSelector, container) || madeLine(container, 'status');
  const alert = one(alertSelector, container) || madeLine(container, 'alert');
  for (const line of [status, alert]) if (!line.textContent.trim()) conceal(line);
  const write = (line, text, kind) => {
    line.textContent = text;
    line.classList.remove('ok', 'error');
    if (text && kind) line.classList.add(kind);
    // An empty alert line stays hidden, so assistive technology finds only real messages.
    if (text) reveal(line);
    else conceal(line);
  };
  return {
    /** Progress, or with `ok` a success, read out politely. */
    say(text, ok = false) {
      write(alert, '');
      write(status, text, ok ? 'ok' : '');
    },
    /** A failure, read out at once. */
    fail(error) {
      write(status, '');
      write(alert, messageOf(error), 'error');
    },
  };
}

/** A sentence for the person at the screen, whatever failed. */
export function messageOf(error) {
  const problem = openProblem(error);
  if (problem) return problem;
  if (error && typeof error.message === 'string' && error.message) {
    if (error.name === 'TypeError' && /fetch/i.test(error.message)) {
      return 'The server could not be reached. Check the connection and try again.';
    }
    return error.message;
  }
  return 'Something went wrong. Try again; if it keeps happening, tell your manager.';
}

/**
 * Runs `work` with `button` disabled, so a second click does not start it twice.
 * @template T
 * @param {HTMLButtonElement|null} button
 * @param {() => Promise<T>} work
 */
export async function whileBusy(button, work) {
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
  }
}

/** Sets a <progress> to `done` of `total` (shown from the first call). */
export function setProgress(bar, done, total) {
  if (!bar) return;
  reveal(bar);
  bar.max = total > 0 ? total : 1;
  bar.value = Math.min(done, bar.max);
}

/** Offers `blob` for saving as `name` through a download link, then lets the URL go. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  conceal(link);
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started; a minute is ample for the browser to begin.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
