// The problem codes and the words for them: every code of src/http/problems.def has a sentence
// ("problem.CODE") in Swedish and in English, every such sentence names a code the pages can
// meet, errorMessage says a code by its sentence (and one it does not know by its status), and
// each dictionary names every key once (a key written twice would silently lose one string).
// No server: the table and the dictionaries are read as files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';
import { ApiError, errorMessage } from '../../web/js/api.js';

const ROOT = new URL('../../', import.meta.url);
const DICTIONARIES = { sv, en };

/** The codes of problems.def with their HTTP status, in the table's order. */
function table() {
  const text = readFileSync(new URL('src/http/problems.def', ROOT), 'utf8');
  return [...text.matchAll(/^PROBLEM\(\s*([a-z_]+)\s*,\s*(\d{3})\s*,\s*"[^"]*"\s*\)/gm)]
    .map(([, code, status]) => ({ code, status: Number(status) }));
}

const CODES = table();
// Codes the pages meet that are not in the table: "network" (api.js, when no answer came) and
// "other" (errorMessage's sentence for a code it has none for); and the 409s that name the
// borrower who has a phone number or card already, which api/borrowers.c still sends itself.
const OUTSIDE_THE_TABLE = ['network', 'other'];

test('problems.def is read: one line per code, none twice', () => {
  assert.ok(CODES.length >= 40, `only ${CODES.length} codes read from problems.def`);
  const codes = CODES.map((p) => p.code);
  assert.deepEqual(codes.filter((c, i) => codes.indexOf(c) !== i), [], 'a code is in the table twice');
  for (const { code, status } of CODES) assert.ok(status >= 400 && status <= 599, `${code}: status ${status}`);
});

test('every problem code has a sentence in Swedish and in English', () => {
  for (const [lang, dict] of Object.entries(DICTIONARIES)) {
    const missing = CODES.map((p) => p.code).filter((code) => !(`problem.${code}` in dict));
    assert.deepEqual(missing, [], `${lang}.js has no problem.CODE for these codes`);
  }
});

test('every problem.* sentence names a code of problems.def or one of the pages\' own', () => {
  const known = new Set([...CODES.map((p) => p.code), ...OUTSIDE_THE_TABLE]);
  for (const [lang, dict] of Object.entries(DICTIONARIES)) {
    const stray = Object.keys(dict).filter((key) => key.startsWith('problem.') && !known.has(key.slice(8)));
    assert.deepEqual(stray, [], `${lang}.js has sentences for codes nobody sends`);
  }
});

test('errorMessage says each code by its sentence, and an unknown one by its status', () => {
  // The pages start in Swedish; without a document the language stays so.
  for (const { code, status } of CODES) {
    const said = errorMessage(new ApiError(status, { code }, 120));
    const want = typeof sv[`problem.${code}`] === 'object' ? sv[`problem.${code}`].other.replace('{n}', '2')
      : sv[`problem.${code}`];
    assert.equal(said, want, code);
  }
  assert.equal(errorMessage(new ApiError(0)), sv['problem.network']);
  assert.equal(errorMessage(new ApiError(418, { code: 'something_new' })), sv['problem.other'].replace('{status}', '418'));
  assert.equal(errorMessage(new Error('not from the API')), sv['problem.other'].replace('{status}', '?'));
});

test('each dictionary names every key once', () => {
  for (const [lang, dict] of Object.entries(DICTIONARIES)) {
    const text = readFileSync(new URL(`web/js/lang/${lang}.js`, ROOT), 'utf8');
    const written = [...text.matchAll(/^\s*'([^']+)':/gm)].map((m) => m[1]);
    assert.deepEqual(written.filter((k, i) => written.indexOf(k) !== i), [], `${lang}.js writes these keys twice`);
    assert.equal(written.length, Object.keys(dict).length, `${lang}.js has keys not written as 'key': on a line`);
  }
});
