/**
 * @file The members page (manager): each pending vault member is a row
 * `[data-vault-member="<user id>"]` with a field for the fingerprint the member reads out from
 * their own screen, a role choice and an Approve button (`data-vault-action="approve"`). The
 * page shows no fingerprint to copy, neither the server's nor one computed here, as vaultctl
 * never shows the published one: the manager types what the member reads out, and the script
 * compares it with what it computes from the keys the directory publishes, approving only when
 * the two agree. After an approval both lists are fetched again, so the member leaves
 * "Waiting for approval" and appears among the members.
 */
import { approve } from '../flows/members.js';
import { whenUnlocked } from '../flows/state.js';
import { myOrgRoot } from '../flows/trust.js';
import { all, one, reveal, statusOf, whileBusy } from './dom.js';
import { shown } from './display.js';

/** The sections the page swaps in after an approval. */
const SECTIONS = ['pending-h', 'active-h'];

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

/** The status lines of the pending section, which outlive the rows swapped under them. */
function pendingStatus() {
  const section = one('section[aria-labelledby="pending-h"]');
  if (!section) return null;
  let lines = one(':scope > [data-vault-approved]', section);
  if (!lines) {
    lines = document.createElement('div');
    lines.dataset.vaultApproved = '';
    const said = document.createElement('p');
    said.setAttribute('role', 'status');
    said.dataset.vaultStatus = '';
    const failed = document.createElement('p');
    failed.setAttribute('role', 'alert');
    failed.dataset.vaultError = '';
    lines.append(said, failed);
    one('h2', section).after(lines);
  }
  return statusOf(lines);
}

/** Fetches this page again and swaps in the sections' contents below their headings. */
async function refreshSections() {
  const response = await fetch(window.location.href, { credentials: 'same-origin' });
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
  for (const heading of SECTIONS) {
    const selector = `section[aria-labelledby="${heading}"]`;
    const [old, replacement] = [one(selector), one(selector, fresh)];
    if (!old || !replacement) continue;
    const kept = one(':scope > [data-vault-approved]', old);
    old.replaceChildren(...[...replacement.childNodes].map((n) => document.importNode(n, true)));
    if (kept) one('h2', old).after(kept);
  }
  wireRows();
}

/** Wires one pending member's row. */
function wire(row) {
  const userId = row.dataset.vaultMember;
  const button = one('[data-vault-action="approve"]', row);
  if (!button || button.dataset.vaultWired) return;
  button.dataset.vaultWired = '1';
  const status = statusOf(row.querySelector('td:last-child') || row);
  reveal(one('[data-vault-approve]', row));
  const input = typedField(row, userId);
  reveal(button);
  button.addEventListener('click', (event) => {
    event.preventDefault();
    const select = one('[data-vault-role], select', row);
    const role = select ? select.value : '';
    const name = shown(row.cells[0] ? row.cells[0].textContent.trim() : 'The member');
    whileBusy(button, async () => {
      try {
        await approve(userId, role, input.value, (text) => status.say(text));
      } catch (error) {
        status.fail(error);
        return;
      }
      const done = pendingStatus();
      if (done) done.say(`Approved: ${name} can now seal and open documents.`, true);
      try {
        await refreshSections();
      } catch (error) {
        if (done) done.fail(error);
      }
    });
  });
}

/** Wires every pending vault member's row on the page. */
function wireRows() {
  all('[data-vault-member]').forEach(wire);
}

/** Wires the members page, when the page has pending vault members. */
export function start() {
  const root = one('#vault-org-root');
  if (root) whenUnlocked(() => showOwnRoot(root));
  if (!all('[data-vault-member]').length) return;
  whenUnlocked(() => wireRows());
}

/**
 * Shows the organisation's own root key fingerprint, from the directory checked here (chain,
 * pins, log), so a manager has what other organisations are told to compare with them.
 */
async function showOwnRoot(line) {
  try {
    one('[data-vault-org-root]', line).textContent = await myOrgRoot();
    reveal(line);
  } catch {
    // The approve buttons report the same check's failure in words; nothing to show here.
  }
}
