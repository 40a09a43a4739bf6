/**
 * @file How the script shows a name it did not choose (a sealed file's name, an
 * organisation's name from its directory): bidi controls and other control characters are
 * replaced by a visible U+FFFD. A name like "invoice" U+202E "txt.exe" would otherwise read
 * "invoiceexe.txt" on screen, hiding what the file really is; the replacement shows that
 * something invisible was there instead of letting it reorder the text.
 */

/**
 * C0 and C1 controls (DEL too), the bidi embeddings and overrides U+202A–U+202E, the
 * isolates U+2066–U+2069, the marks U+200E, U+200F and U+061C.
 */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** The visible marker put where a hidden character was. */
export const MARKER = '\ufffd';

/**
 * `name` as it may be shown: every control character replaced by the marker.
 * @param {unknown} name
 * @returns {string}
 */
export function shown(name) {
  return String(name ?? '').replace(HIDDEN, MARKER);
}
