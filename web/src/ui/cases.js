/**
 * @file The cases list: the "New case" form (`form[data-vault="new-case"]`), whose case key
 * is made and wrapped here, and Accept buttons (`data-vault-action="accept"`,
 * `data-transfer-id`) for transfer offers made to the manager's organisation. Both work once
 * keys are unlocked; until then they say so.
 */
import { acceptTransfer, createCase } from '../flows/cases.js';
import { onAction } from './action.js';
import { firstSights } from '../flows/trust.js';
import { all, conceal, one, statusOf } from './dom.js';

/** Wires the new-case form. */
function newCase(form) {
  const input = one('#reference, input[name="reference"], input[type="text"], input', form);
  onAction(form, statusOf(form), async (status) => {
    const caseId = await createCase(input ? input.value : '', (text) => status.say(text));
    window.location.assign(`/cases/${caseId}`);
  });
}

/** Wires one Accept button. */
function accept(button) {
  const status = statusOf(button.parentElement);
  onAction(button, status, async () => {
    const caseId = await acceptTransfer(button.dataset.transferId, (text) => status.say(text));
    const met = firstSights();
    if (!met.length) {
      window.location.assign(`/cases/${caseId}`);
      return;
    }
    // Said here before going on, since the next page forgets it.
    conceal(button);
    status.say(met.map(({ root }) => 'Accepted. This browser met the sending organisation for '
      + `the first time: compare its key fingerprint ${root} once with them, by phone or in `
      + 'person.').join(' '), true);
    const link = document.createElement('a');
    link.href = `/cases/${caseId}`;
    link.textContent = 'Go to the case';
    button.parentElement.append(' ', link);
  });
}

/** Wires the cases list's hooks, when the page has them. */
export function start() {
  const form = one('form[data-vault="new-case"]');
  if (form) newCase(form);
  all('[data-vault-action="accept"][data-transfer-id]').forEach(accept);
}
