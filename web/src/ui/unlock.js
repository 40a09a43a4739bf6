/**
 * @file The lock panel (`#vault-lock`, `data-vault="unlock"`) every page of a vault member
 * has: the script shows it, the person types their vault passphrase, and the keys are
 * unlocked in this page's memory. `#vault-status` says whether keys are unlocked, and
 * `#vault-fingerprint` (where a page has it) shows the person's own member fingerprint.
 */
import { unlock, ownFingerprint } from '../flows/unlock.js';
import { isUnlocked } from '../flows/state.js';
import { one, messageOf, reveal, whileBusy, conceal } from './dom.js';

/**
 * Writes the panel's status line, or its alert line for a failure (`#vault-lock-error`, or
 * the status line made an alert when the page has no separate one).
 */
function tell(text, failed = false) {
  const status = one('#vault-status');
  const alert = one('#vault-lock-error') || status;
  if (alert && alert !== status) {
    alert.textContent = failed ? text : '';
    // The alert ships hidden and empty; only a real failure is shown and announced.
    if (failed) reveal(alert);
    else conceal(alert);
  }
  if (!status) return;
  if (alert === status) status.setAttribute('role', failed ? 'alert' : 'status');
  if (!failed || alert === status) {
    status.textContent = text;
    reveal(status);
  } else {
    status.textContent = '';
    conceal(status);
  }
}

/** Shows the person's own fingerprint where the page asks for it. */
async function showFingerprint() {
  const place = one('#vault-fingerprint');
  if (!place) return;
  place.textContent = await ownFingerprint();
  reveal(place);
}

/** Wires the lock panel, when the page has one. */
export function start() {
  const panel = one('#vault-lock');
  if (!panel) return;
  reveal(panel);
  const input = one('input[type="password"]', panel);
  const button = one('button', panel);
  const form = input ? input.closest('form') : null;
  tell('Your vault keys are locked. Type your vault passphrase to unlock them in this page.');
  const attempt = async (event) => {
    if (event) event.preventDefault();
    if (!input || !input.value) {
      tell('Type your vault passphrase first.', true);
      return;
    }
    await whileBusy(button, async () => {
      tell('Unlocking (this takes a few seconds)…');
      try {
        await unlock(input.value);
        input.value = '';
        for (const part of panel.querySelectorAll('form, .hint')) conceal(part);
        const heading = one('h2, h3', panel);
        if (heading) heading.textContent = 'Your vault keys are unlocked';
        tell('Your vault keys are unlocked in this page. Leaving or reloading the page locks '
          + 'them again.');
        await showFingerprint();
      } catch (error) {
        tell(messageOf(error), true);
      }
    });
  };
  if (form) form.addEventListener('submit', attempt);
  else if (button) button.addEventListener('click', attempt);
  if (input && !form) {
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') attempt(event);
    });
  }
  if (isUnlocked()) showFingerprint();
}
