/**
 * @file The "Shared with us" page (`tr[data-vault-shared]` rows): once keys are unlocked, each
 * shared document's name is opened into its row, and its Open button checks, decrypts and then
 * offers the file for saving, exactly as on a case page. A share revoked since the page was
 * loaded says so in its row. An organisation whose root key this browser meets here for the
 * first time is named under the lock panel with its fingerprint, to compare once.
 */
import { openShared, sharedNames } from '../flows/shared.js';
import { whenUnlocked } from '../flows/state.js';
import { checkLog } from '../flows/trust.js';
import { onOpen } from './action.js';
import { shown } from './display.js';
import { all, one, messageOf, statusOf } from './dom.js';
import { noteSightings } from './sightings.js';

/** Writes opened names into the rows, or why a document cannot be opened. */
async function showNames(rows) {
  const names = await sharedNames(rows.map((row) => row.dataset.documentId));
  for (const row of rows) {
    const found = names.get(row.dataset.documentId);
    const cell = one('.sealed', row);
    if (!found || !cell) continue;
    cell.classList.remove('sealed');
    cell.textContent = found.name !== undefined ? shown(found.name)
      : (found.error ? messageOf(found.error) : found.problem);
    cell.classList.add(found.name !== undefined ? 'opened-name' : 'error');
  }
}

/** Wires one row's Open button. */
function wireOpen(row) {
  const button = one('[data-vault-action="open"]', row);
  if (button) onOpen(button, row.dataset.documentId, openShared);
}

/** Wires the page, when this is the one. */
export function start() {
  const page = one('[data-vault-shared-page]');
  const rows = all('tr[data-vault-shared]');
  if (page && !rows.length) {
    // An empty list from a rolled-back or forked server must not pass for "nothing shared".
    whenUnlocked(async () => {
      try {
        await checkLog();
      } catch (error) {
        statusOf(page).fail(new Error(messageOf(error)));
      }
    });
  }
  if (!rows.length) return;
  rows.forEach(wireOpen);
  whenUnlocked(async () => {
    try {
      await showNames(rows);
    } catch (error) {
      const table = rows[0].closest('table');
      statusOf(table.parentElement).fail(new Error(messageOf(error)));
    } finally {
      // The organisations that shared these documents, met here for the first time.
      noteSightings();
    }
  });
}
