/**
 * @file The case page: once keys are unlocked, document names are opened here and written
 * into the rows (`tr[data-document-id]`); each row's Open button (`data-vault-action="open"`)
 * checks, decrypts and then offers the file for saving; the seal form (`data-vault="seal"`)
 * seals and uploads files with progress; the share form (`data-vault="share"`) and the
 * transfer form (`data-vault="transfer"`, managers) wrap keys to another organisation; the
 * shares list's Revoke buttons (`data-vault-action="revoke"`) withdraw a share. After a change
 * the changed list is fetched again and swapped in, so the keys stay unlocked.
 */
import {
  documentNames, openDocument, prepareCase, revoke, sealFile, share,
} from '../flows/documents.js';
import { offerTransfer } from '../flows/cases.js';
import { whenUnlocked } from '../flows/state.js';
import { onAction, onOpen } from './action.js';
import { shown } from './display.js';
import { all, one, messageOf, setProgress, statusOf } from './dom.js';
import { noteSightings, sightingNote, typedRootNote, withTypedRoot } from './sightings.js';

const CASE_PAGE = /^\/cases\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/;

/** The case this page shows (`/cases/<id>`), or null on any other page. */
function caseId() {
  const found = window.location.pathname.match(CASE_PAGE);
  return found ? found[1] : null;
}

/** The section holding the documents table. */
function documentsSection() {
  const row = one('tr[data-document-id]');
  return (row && row.closest('section')) || one('section[data-case-id]')
    || one('section[aria-labelledby="docs-h"]');
}

/** Names a document in the share form's document choice, once its name is opened. */
function nameOption(documentId, name) {
  for (const option of all('[data-vault-document-select] option')) {
    if (option.value === documentId) option.textContent = shown(name);
  }
}

/** Names the shares list's rows (`tr[data-share-document]`) once names are opened. */
function nameShares(names) {
  for (const row of all('tr[data-share-document]')) {
    const found = names.get(row.dataset.shareDocument);
    const cell = one('.sealed', row);
    if (found && found.name !== undefined && cell) {
      cell.classList.remove('sealed');
      cell.textContent = shown(found.name);
      cell.classList.add('opened-name');
    }
  }
}

/** Writes opened names into the rows, or why a document is not genuine. */
async function showNames(id) {
  const rows = all('tr[data-document-id]');
  if (!rows.length) return;
  const names = await documentNames(id);
  nameShares(names);
  for (const row of rows) {
    const found = names.get(row.dataset.documentId);
    const cell = one('.sealed', row) || row.cells[0];
    if (!found || !cell) continue;
    cell.classList.remove('sealed');
    if (found.name !== undefined) {
      cell.textContent = shown(found.name);
      cell.classList.add('opened-name');
      nameOption(row.dataset.documentId, found.name);
    } else {
      cell.textContent = found.error ? messageOf(found.error) : found.problem;
      cell.classList.add('error');
    }
  }
}

/** Wires the Open button of one row. */
function wireOpen(button) {
  const row = button.closest('tr[data-document-id]');
  if (!row || button.dataset.vaultWired) return;
  button.dataset.vaultWired = '1';
  onOpen(button, row.dataset.documentId, openDocument);
}

/**
 * The listing of a section: its table (or the history's trail), or the sentence saying there
 * is none.
 */
function listingOf(section) {
  return section && (one(':scope > .table-wrap', section) || one(':scope > ol.trail', section)
    || one(':scope > h2 + p', section));
}

/**
 * Fetches this page again and swaps in the listings of the sections headed `headings` (the
 * forms beside them stay, wired, with their messages), then opens the new names.
 */
async function refreshListings(id, headings) {
  const response = await fetch(window.location.href, { credentials: 'same-origin' });
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
  for (const heading of headings) {
    const selector = `section[aria-labelledby="${heading}"]`;
    const old = listingOf(one(selector));
    const replacement = listingOf(one(selector, fresh));
    if (old && replacement) old.replaceWith(document.importNode(replacement, true));
  }
  // The share form's document choice follows the documents listing (named by afterUnlock).
  const [choice, freshChoice] = [one('[data-vault-document-select]'),
    one('[data-vault-document-select]', fresh)];
  if (choice && freshChoice) {
    choice.replaceChildren(...[...freshChoice.options].map((o) => document.importNode(o, true)));
  }
  await afterUnlock(id);
}

/**
 * Swaps in the documents listing after sealing; answers '' or, when the page could not be
 * fetched again (the server went away after the files were sealed), a sentence saying so,
 * which the outcome of the seal ends with rather than being replaced by.
 */
async function refreshDocuments(id) {
  const section = documentsSection();
  try {
    await refreshListings(id, [section && section.getAttribute('aria-labelledby')]);
    return '';
  } catch {
    return ' Reload the page to see the case’s documents as they are now.';
  }
}

/**
 * A server's refusal while a file was sealed and sent, said with the file's name and what
 * became of it (the server's own sentence alone, "payload too large" say, named neither);
 * other failures keep their own sentence.
 */
function notStored(file, error) {
  if (error instanceof TypeError && /fetch/i.test(error.message)) {
    // The request got no answer: the server may have finished the file just before it went.
    return new Error(`${shown(file.name)} may not have been stored: the server could not be `
      + 'reached. Reload the page once it is back to see whether it is listed.');
  }
  if (typeof error.status !== 'number') return error;
  if (error.status === 0) {
    // A part's request got no answer: the server stopped or the connection dropped. The
    // upload it had begun is never listed, and is cleared when the server next starts.
    return new Error(`${shown(file.name)} was not stored: its upload did not reach the `
      + 'server, which may have stopped, or the connection dropped. The case does not list '
      + 'it: seal it again once the server can be reached.');
  }
  let why = messageOf(error);
  if (error.status === 413) {
    // The server names its upload limit; the sealed file is what it measured.
    const limit = /^the sealed document is larger than the limit of (.+?)\.?$/.exec(why);
    why = limit ? `sealed, it is larger than this server’s limit of ${limit[1]}`
      : 'it is larger than this server accepts';
  }
  // Once started, an upload is unknown to the server only when it ended it: restarted, or
  // left waiting too long (docs/api.md, "Uploading in parts").
  if (error.status === 404) {
    why = 'the server no longer had its upload (the server was restarted, or the upload '
      + 'waited too long)';
  }
  // A refusal of the file itself ended its upload at once; after any other, the upload may
  // wait on the server unused until it expires (its cancel needs the session).
  const kept = refusedAlone(error) ? 'Nothing of it was kept on the server.'
    : 'The case does not list it, and the server removes anything it received of it.';
  return new Error(`${shown(file.name)} was not stored: ${why.replace(/\.$/, '')}. ${kept}`);
}

/** Whether a file's refusal is its own, so the files after it are still sealed. */
const refusedAlone = (error) => error.status === 413 || error.status === 404;

/** The names of `files`, as a sentence's list. */
const namesOf = (files) => files.map((file) => shown(file.name)).join(', ');

/**
 * Seals `files` in turn. A file the server refuses on its own account (too large; its
 * upload ended by the server) is said and the others still sealed; any other failure (the
 * session, the case, the log, the connection) stops the rest, which are named as not sealed.
 * Answers the files sealed and the sentences of those refused.
 */
async function sealAll(files, id, status, bars) {
  const prepared = await prepareCase(id);
  const sealed = [];
  const refused = [];
  for (const [i, file] of files.entries()) {
    const which = files.length > 1 ? ` (${i + 1} of ${files.length})` : '';
    status.say(`Sealing ${shown(file.name)}${which}…`);
    try {
      await sealFile(prepared, file, {
        sealed: (done, total) => setProgress(bars.seal, done, total),
        sent: (done, total) => {
          status.say(`Uploading ${shown(file.name)}${which}…`);
          setProgress(bars.send, done, total);
        },
      });
      sealed.push(file);
    } catch (error) {
      const said = notStored(file, error);
      if (!refusedAlone(error)) {
        const rest = files.slice(i + 1);
        said.stopped = { sealed, refused, rest };
        throw said;
      }
      refused.push(said.message);
    }
  }
  return { sealed, refused };
}

/** What became of a seal of several files that did not all go in, as one sentence. */
function outcomeOf(sealed, refused, rest = []) {
  const parts = [...refused];
  if (rest.length) parts.push(`Not sealed: ${namesOf(rest)}.`);
  if (sealed.length) parts.push(`Sealed: ${namesOf(sealed)}.`);
  return parts.join(' ');
}

/** The seal form: every chosen file sealed and uploaded in turn. */
function wireSeal(form, id) {
  const input = one('input[type="file"]', form);
  const found = all('progress', form);
  const bars = { seal: found[0], send: found[1] || found[0] };
  onAction(form, statusOf(form), async (status) => {
    const files = input ? [...input.files] : [];
    if (!files.length) throw new Error('Choose a file to seal.');
    status.say('Checking the case key…');
    let outcome;
    try {
      outcome = await sealAll(files, id, status, bars);
    } catch (error) {
      if (!error.stopped) throw error;
      const { sealed, refused, rest } = error.stopped;
      const reload = sealed.length ? await refreshDocuments(id) : '';
      throw new Error(`${outcomeOf(sealed, [...refused, messageOf(error)], rest)}${reload}`);
    }
    const { sealed, refused } = outcome;
    input.value = '';
    if (!refused.length) {
      status.say(files.length > 1 ? `Sealed ${files.length} files.`
        : `Sealed ${shown(files[0].name)}.`, true);
    }
    const reload = sealed.length ? await refreshDocuments(id) : '';
    if (refused.length) throw new Error(`${outcomeOf(sealed, refused)}${reload}`);
    if (reload) status.say(`${files.length > 1 ? `Sealed ${files.length} files.`
      : `Sealed ${shown(files[0].name)}.`}${reload}`, true);
  });
}

/**
 * A form whose select chooses another organisation, running `act(form, orgId, say, expect)`,
 * `expect` being the root fingerprint typed in the form's optional field ('' when empty).
 */
function wireOrgForm(form, act, done, after = async () => {}) {
  const orgSelect = one('[data-vault-org-select]', form);
  const expectInput = one('[data-vault-expect]', form);
  onAction(form, statusOf(form), async (status) => {
    const name = orgSelect && orgSelect.selectedOptions[0]
      ? orgSelect.selectedOptions[0].textContent.trim() : 'the organisation';
    const typed = expectInput ? expectInput.value : '';
    const expect = await withTypedRoot(typed, name, async (checked) => {
      await act(form, orgSelect ? orgSelect.value : '', (text) => status.say(text), checked);
      return checked;
    });
    const said = `${done}${typedRootNote(expect)}${sightingNote()}`;
    status.say(said, true);
    try {
      await after();
    } catch {
      // Done all the same: only showing the page's lists as they are now failed.
      status.say(`${said} Reload the page to see the case as it is now.`, true);
    }
  });
}

/** The shares section's own status lines, which outlive the rows swapped under them. */
function sharesStatus() {
  const section = one('section[aria-labelledby="shares-h"]');
  return section && statusOf(section,
    { status: '[data-vault-shares-status]', alert: '[data-vault-shares-error]' });
}

/** Wires one Revoke button of the shares list. */
function wireRevoke(button, id) {
  const status = sharesStatus();
  if (!status || button.dataset.vaultWired) return;
  button.dataset.vaultWired = '1';
  const row = button.closest('tr');
  const org = row ? shown(row.cells[1].textContent.trim()) : 'the organisation';
  onAction(button, status, async () => {
    const name = row ? row.cells[0].textContent.trim() : 'the document';
    await revoke(button.dataset.documentId, button.dataset.orgId, (text) => status.say(text));
    status.say(`Revoked: ${org} can no longer open ${name}.`, true);
    await refreshListings(id, ['shares-h', 'history-h']);
  });
}

/** Which document a share form is for: its own document select, or the only document. */
function chosenDocument(form) {
  const select = one('[data-vault-document-select]', form);
  if (select) return select.value;
  const rows = all('tr[data-document-id]');
  if (rows.length === 1) return rows[0].dataset.documentId;
  throw new Error('Choose the document to share.');
}

/** What runs once keys are unlocked (and again after the list is swapped). */
async function afterUnlock(id) {
  all('[data-vault-action="open"]').forEach(wireOpen);
  all('[data-vault-action="revoke"]').forEach((button) => wireRevoke(button, id));
  try {
    await showNames(id);
  } catch (error) {
    const section = documentsSection();
    if (section) statusOf(section).fail(new Error(messageOf(error)));
  } finally {
    // A root key met while names were opened (our own, a case's earlier owner) is named.
    noteSightings();
  }
}

/** Wires the case page, when this is one. */
export function start() {
  const id = caseId();
  if (!id) return;
  const seal = one('form[data-vault="seal"]');
  if (seal) wireSeal(seal, id);
  const shareForm = one('form[data-vault="share"]');
  if (shareForm) {
    wireOrgForm(shareForm,
      (form, org, say, expect) => share(chosenDocument(form), org, say, expect),
      'Shared: the other organisation can now open this document.',
      () => refreshListings(id, ['shares-h', 'history-h']));
  }
  const transfer = one('form[data-vault="transfer"]');
  if (transfer) {
    wireOrgForm(transfer, (_, org, say, expect) => offerTransfer(id, org, say, expect),
      'Offered: the receiving organisation’s manager can now accept the case.',
      () => refreshListings(id, ['transfers-h', 'history-h']));
  }
  whenUnlocked(() => afterUnlock(id));
}

