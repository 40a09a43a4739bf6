/**
 * @file What the page says after sharing, offering or accepting when this browser met an
 * organisation's root key for the first time: each other organisation by its name with its
 * fingerprint, to compare once with that organisation by phone or in person, as vaultctl asks;
 * and, apart, our own organisation's root key when this browser had not seen it before, so that
 * it is never presented as the other organisation's. And, before anything is sent, a root
 * fingerprint the person typed (given them by that organisation) checked as `vaultctl …
 * --expect-fingerprint` checks it, with what a mismatch means said in words. Root keys met
 * while a page opens names by itself (the organisation that shared a document, a case's
 * earlier owner) are named under the lock panel, so none is trusted without being shown.
 */
import { parseFingerprint } from '../core/keys.js';
import { firstSights } from '../flows/trust.js';
import { shown } from './display.js';
import { one, reveal } from './dom.js';

/**
 * The sentences (each starting with a space) for the root keys met since the last call;
 * empty when there were none.
 */
export function sightingNote() {
  const { others, own } = firstSights();
  const lines = others.map(({ name, root }) => ` This browser met ${shown(name) || 'an '
    + 'organisation'} for the first time: compare its key fingerprint ${root} once with that `
    + 'organisation, by phone or in person.');
  if (own) {
    lines.push(` Your organisation’s root key, first seen in this browser: ${own}; compare it `
      + 'once with your manager or the fingerprint your organisation gives out.');
  }
  return lines.join('');
}

/**
 * After a page opened names by itself: the root keys met meanwhile, added to the lock panel's
 * line for them (`#vault-sightings`), which keeps what it said earlier on the page.
 */
export function noteSightings() {
  const note = sightingNote();
  const line = one('#vault-sightings');
  if (!note || !line) return;
  line.textContent = `${line.textContent}${note}`.trim();
  reveal(line);
}

/**
 * Runs `work(expect)` with the root fingerprint typed for organisation `name` ('' for none):
 * one that is not a fingerprint is refused before anything is fetched, and the verifier's
 * mismatch (`org-root-mismatch`, nothing sent or remembered) is said with the name.
 * @template T
 * @param {string} typed
 * @param {string} name
 * @param {(expect: string) => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function withTypedRoot(typed, name, work) {
  const expect = typed.trim();
  if (expect) {
    try {
      parseFingerprint(expect);
    } catch {
      throw new Error('The fingerprint you typed is not one: it has 32 letters and digits '
        + '(0–9, a–f), in groups of four such as 1a2b-3c4d-….');
    }
  }
  try {
    return await work(expect);
  } catch (error) {
    if (error && error.code === 'org-root-mismatch') {
      throw new Error(`${shown(name)}’s root key does not match the fingerprint you typed: `
        + 'nothing was sent, and this device remembered nothing of it. Check the '
        + `fingerprint with ${shown(name)} again, by phone or in person.`);
    }
    throw error;
  }
}

/** What the page adds to a success when a typed root fingerprint was checked. */
export const typedRootNote = (expect) => (expect
  ? ' Its root key matched the fingerprint you typed.' : '');
