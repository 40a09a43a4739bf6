// The names the vault script shows: bidi and control characters become a visible marker, and
// ordinary names (accents, dashes, brackets) stay exactly as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MARKER, shown } from '../src/ui/display.js';

test('a right-to-left override cannot disguise an executable as a text file', () => {
  assert.equal(shown('invoice\u202etxt.exe'), `invoice${MARKER}txt.exe`);
});

test('every bidi control and mark is replaced', () => {
  const controls = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067',
    '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
  for (const c of controls) {
    assert.equal(shown(`a${c}b`), `a${MARKER}b`, `U+${c.codePointAt(0).toString(16)}`);
  }
});

test('C0 and C1 controls are replaced, DEL too', () => {
  assert.equal(shown('a\u0000b\nc\td\u001be\u007ff\u0085g\u009fh'),
    `a${MARKER}b${MARKER}c${MARKER}d${MARKER}e${MARKER}f${MARKER}g${MARKER}h`);
});

test('ordinary names are shown unchanged', () => {
  for (const name of ['Médical report – Zoë (2).pdf', 'life-story-notes-SAMPLE.txt',
    'تقرير.pdf', '报告 2026.docx', 'Westbury Adoption Agency']) {
    assert.equal(shown(name), name);
  }
});

test('a missing name is shown as empty text', () => {
  assert.equal(shown(undefined), '');
  assert.equal(shown(null), '');
});
