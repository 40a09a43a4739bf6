// JSON read as serde_json reads it into the Rust types, for the log's leaves.
//
// `JSON.parse` quietly keeps the last of two equal keys and reads `1.0` as an integer; the
// Rust client refuses both (serde rejects a duplicate field, and a float where an integer is
// due). A leaf that the command-line client refuses must not be accepted here, so leaf text
// is first scanned by `scanStrict`, which relies on `JSON.parse` having checked the syntax and
// only looks for repeated keys within one object and for numbers that are not plain integers
// among the top-level object's values.

import { VerifyError } from './errors.js';

const NUMBER = /-?[0-9]+([.eE][-+0-9.eE]*)?/y;

/**
 * Parses JSON text, refusing repeated keys in any object and non-integer numbers among the
 * top-level object's values.
 * @param {string} text
 * @param {string} what names the document in errors
 * @returns {unknown}
 */
export function parseStrict(text, what) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw refused(what, 'it is not JSON');
  }
  const why = scanStrict(text);
  if (why) {
    throw refused(what, why);
  }
  return value;
}

/**
 * @param {string} what
 * @param {string} why
 */
function refused(what, why) {
  return new VerifyError('malformed', `${what} is not well-formed: ${why}.`, { what, why });
}

/**
 * Why syntactically valid JSON would not be read by the Rust types, or null.
 * @param {string} text
 * @returns {string | null}
 */
export function scanStrict(text) {
  /** @type {(Set<string> | null)[]} one entry per open container; null for arrays */
  const open = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = open[open.length - 1];
      if (top && expectKey) {
        const key = JSON.parse(text.slice(i, end));
        if (top.has(key)) {
          return `the key ${JSON.stringify(key)} appears twice in one object`;
        }
        top.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      open.push(c === '{' ? new Set() : null);
      expectKey = c === '{';
      i += 1;
    } else if (c === '}' || c === ']') {
      open.pop();
      i += 1;
    } else if (c === ',') {
      expectKey = open[open.length - 1] instanceof Set;
      i += 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      // Only the leaf's own fields (depth 1) are integers in Rust; deeper unknown fields are
      // skipped by serde whatever they hold.
      if (match?.[1] && open.length === 1) {
        return 'a number is not a whole number';
      }
      i += match ? match[0].length : 1;
    } else {
      i += 1;
    }
  }
  return null;
}

/**
 * The index just past the string token starting at `start` (a '"').
 * @param {string} text
 * @param {number} start
 */
function stringEnd(text, start) {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') {
    i += text[i] === '\\' ? 2 : 1;
  }
  return i + 1;
}
