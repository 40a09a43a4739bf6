/**
 * @file The cases list: the "New case" form (`form[data-vault="new-case"]`), whose case key
 * is made and wrapped here, and Accept buttons (`data-vault-action="accept"`,
 * `data-transfer-id`) for transfer offers made to the manager's organisation. Both work once
 * keys are unlocked; until then they say so. A root fingerprint typed beside a button (optional)
 * is checked before anything is sent, as `vaultctl case accept --expect-fingerprint` does.
 * After an accept the page says which root keys
 * it met for the first time (each organisation by name), drops the offer and shows the case in
 * the list, or goes straight to the case when there is nothing to compare.
 */
import { acceptTransfer, createCase } from '../flows/cases.js';
import { onAction } from './action.js';
import { all, one, reveal, statusOf } from './dom.js';
import { sightingNote, typedRootNote, withTypedRoot } from './sightings.js';

/** Wires the new-case form. */
function newCase(form) {
  const input = one('#reference, input[name="reference"], input[type="text"], input', form);
  onAction(form, statusOf(form), async (status) => {
    const caseId = await createCase(input ? input.value : '', (text) => status.say(text));
    window.location.assign(`/cases/${caseId}`);
  });
}

/** What follows the offers section: the cases table, or the sentence saying there is none. */
function casesListing(root) {
  const offers = one('section[aria-labelledby="incoming-h"]', root);
  return offers && offers.nextElementSibling;
}

/** Fetches the cases list again and swaps in its listing, which now holds the accepted case. */
async function refreshCases() {
  const response = await fetch(window.location.href, { credentials: 'same-origin' });
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
  const [old, replacement] = [casesListing(document), casesListing(fresh)];
  if (old && replacement) old.replaceWith(document.importNode(replacement, true));
}

/** Wires one Accept button. */
function accept(button) {
  const item = button.parentElement;
  const status = statusOf(item);
  const expectInput = one('[data-vault-expect]', item);
  if (expectInput) reveal(expectInput.parentElement);
  onAction(button, status, async () => {
    const typed = expectInput ? expectInput.value : '';
    let checked = '';
    const caseId = await withTypedRoot(typed, item.dataset.from || 'the organisation',
      (expect) => {
        checked = expect;
        return acceptTransfer(button.dataset.transferId, (text) => status.say(text), expect);
      });
    const note = sightingNote();
    if (!note) {
      window.location.assign(`/cases/${caseId}`);
      return;
    }
    // Said here before going on, since the next page forgets it; the offer is gone, so its
    // line becomes the outcome, and the list below now holds the case.
    const said = document.createElement('span');
    said.setAttribute('role', 'status');
    said.dataset.vaultStatus = '';
    said.className = 'ok';
    said.textContent = 'Accepted: the case is now your organisation’s.'
      + `${typedRootNote(checked)}${note}`;
    const link = document.createElement('a');
    link.href = `/cases/${caseId}`;
    link.textContent = 'Go to the case';
    item.replaceChildren(said, ' ', link);
    await refreshCases();
  });
}

/** Wires the cases list's hooks, when the page has them. */
export function start() {
  const form = one('form[data-vault="new-case"]');
  if (form) newCase(form);
  all('[data-vault-action="accept"][data-transfer-id]').forEach(accept);
}
