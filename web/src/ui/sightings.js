/**
 * @file What the page says after sharing, offering or accepting when this browser met an
 * organisation's root key for the first time: each other organisation by its name with its
 * fingerprint, to compare once with that organisation by phone or in person, as vaultctl asks;
 * and, apart, our own organisation's root key when this browser had not seen it before, so that
 * it is never presented as the other organisation's.
 */
import { firstSights } from '../flows/trust.js';
import { shown } from './display.js';

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
