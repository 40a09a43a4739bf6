/**
 * @file The members page (manager): each pending vault member is a row
 * `[data-vault-member="<user id>"]` with a role choice and an Approve button
 * (`data-vault-action="approve"`). Once keys are unlocked the script shows, in each row, the
 * fingerprint it computes itself from the keys the server holds, and a field for the
 * fingerprint the member reads out from their own screen; approval goes ahead only when the
 * two agree, as `vaultctl org approve` requires.
 */
import { approve, pendingFingerprints } from '../flows/members.js';
import { whenUnlocked } from '../flows/state.js';
import { all, one, reveal, statusOf, whileBusy, conceal } from './dom.js';

/** The field for the fingerprint the member reads out: the server's, or one made here. */
function typedField(row, userId) {
  const given = one('[data-vault-fingerprint-input], input[name="fingerprint"]', row);
  if (given) {
    reveal(given.closest('.field') || given);
    return given;
  }
  const id = `vault-fpr-${userId}`;
  const field = document.createElement('div');
  field.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = 'Fingerprint the person reads out to you';
  const input = document.createElement('input');
  input.id = id;
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.dataset.vaultFingerprintInput = '';
  field.append(label, input);
  const button = one('[data-vault-action="approve"]', row);
  (button ? button.parentElement : row).insertBefore(field, button);
  return input;
}

/** Shows, where the row has room for it, the fingerprint computed here from the keys. */
function showComputed(row, computed) {
  const place = one('[data-vault-own-fingerprint]', row);
  if (!place) return;
  place.textContent = computed;
  reveal(one('[data-vault-own-fingerprint-row]', row));
}

/** Wires one pending member's row, once the directory gave us their published keys. */
function wire(row, computed) {
  const userId = row.dataset.vaultMember;
  const button = one('[data-vault-action="approve"]', row);
  if (!button) return;
  const status = statusOf(row.querySelector('td:last-child') || row);
  reveal(one('[data-vault-approve]', row));
  const input = typedField(row, userId);
  reveal(button);
  if (computed) showComputed(row, computed);
  button.addEventListener('click', (event) => {
    event.preventDefault();
    const select = one('[data-vault-role], select', row);
    const role = select ? select.value : '';
    whileBusy(button, async () => {
      try {
        await approve(userId, role, input.value, (text) => status.say(text));
        status.say('Approved: the member can now seal and open documents.', true);
        conceal(button);
        input.disabled = true;
        if (select) select.disabled = true;
      } catch (error) {
        status.fail(error);
      }
    });
  });
}

/** Wires the members page, when the page has pending vault members. */
export function start() {
  const rows = all('[data-vault-member]');
  if (!rows.length) return;
  whenUnlocked(async () => {
    let computed = new Map();
    try {
      computed = await pendingFingerprints();
    } catch (error) {
      statusOf(rows[0].closest('section') || document.body).fail(error);
    }
    for (const row of rows) wire(row, computed.get(row.dataset.vaultMember));
  });
}
