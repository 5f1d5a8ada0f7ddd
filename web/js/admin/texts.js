// texts: /admin/texts, what the public site says in admins' words: the network's "Så lånar du"
// in Swedish and English (PUT /api/texts/how-to-borrow, network-wide admins only; other staff
// read it), and each branch's own notice, shown on its page and under "Så lånar du" (PATCH
// /api/branches/{slug}, managers and admins; staff of one branch have only theirs to choose).
import { onLangChange, t } from '../i18n.js';
import { ApiError, errorMessage, fieldMessage, get, patch, put } from '../api.js';
import { startAdminPage } from './page.js';

const $ = (id) => document.getElementById(id);
let user;
let branches = [];
let said = {}; // status line id -> () => text, so that a language switch says it again

/**
 * Fetch the public answers a change touched past the browser's cache (they may be cached for 30
 * seconds), so that the admin's next look at the public site shows the change.
 */
function refreshPublic(...paths) {
  return Promise.all(paths.map((p) => fetch(p, { cache: 'reload' }).catch(() => null)));
}

function say(id, text) {
  said[id] = text;
  $(id).textContent = text ? text() : '';
}

/** Show the server's refusal by its fields (or as a whole), and return whether any field had one. */
function showErrors(err, fields) {
  let any = false;
  for (const [field, id] of Object.entries(fields)) {
    const e = err instanceof ApiError ? err.errors.find((x) => x.field === field) : null;
    $(id).hidden = !e;
    $(id).textContent = e ? fieldMessage(e) : '';
    $(id.replace(/-error$/, '')).setAttribute('aria-invalid', String(Boolean(e)));
    any ||= Boolean(e);
  }
  return any;
}

async function saveBorrow(event) {
  event.preventDefault();
  const fields = { sv: 'borrow-sv-error', en: 'borrow-en-error' };
  say('borrow-status', () => t('admin.texts.saving'));
  try {
    await put('/api/texts/how-to-borrow', { sv: $('borrow-sv').value, en: $('borrow-en').value });
    showErrors(null, fields);
    await refreshPublic('/api/public/texts/how-to-borrow');
    say('borrow-status', () => t('admin.texts.saved_borrow'));
  } catch (err) {
    const byField = showErrors(err, fields);
    say('borrow-status', () => (byField ? t('admin.texts.fix') : errorMessage(err)));
  }
}

function showNotice() {
  const b = branches.find((x) => x.slug === $('notice-branch').value);
  $('notice-text').value = b?.notice || '';
}

async function saveNotice(event) {
  event.preventDefault();
  const slug = $('notice-branch').value;
  const text = $('notice-text').value.trim();
  say('notice-status', () => t('admin.texts.saving'));
  try {
    const b = await patch(`/api/branches/${encodeURIComponent(slug)}`, { notice: text || null });
    branches = branches.map((x) => (x.slug === slug ? b : x));
    showErrors(null, { notice: 'notice-text-error' });
    await refreshPublic(`/api/public/branches/${encodeURIComponent(slug)}`, '/api/public/branches');
    say('notice-status', () => t('admin.texts.saved_notice', { branch: b.name }));
  } catch (err) {
    const byField = showErrors(err, { notice: 'notice-text-error' });
    say('notice-status', () => (byField ? t('admin.texts.fix') : errorMessage(err)));
  }
}

async function start() {
  user = await startAdminPage('manager');
  if (!user) return;
  onLangChange(() => {
    for (const [id, text] of Object.entries(said)) $(id).textContent = text ? text() : '';
  });
  try {
    const [text, list] = await Promise.all([get('/api/public/texts/how-to-borrow'), get('/api/branches')]);
    $('borrow-sv').value = text.sv;
    $('borrow-en').value = text.en;
    branches = list.branches.filter((b) => !user.branch || b.slug === user.branch);
  } catch (err) {
    say('borrow-status', () => errorMessage(err));
    return;
  }
  const networkWide = user.role === 'admin' && !user.branch;
  $('borrow-read-only').hidden = networkWide;
  for (const id of ['borrow-sv', 'borrow-en']) $(id).readOnly = !networkWide;
  $('borrow-save').hidden = !networkWide;
  $('notice-branch').replaceChildren(...branches.map((b) => Object.assign(document.createElement('option'), { value: b.slug, textContent: b.name })));
  showNotice();
  $('notice-branch').addEventListener('change', showNotice);
  $('borrow-form').addEventListener('submit', saveBorrow);
  $('notice-form').addEventListener('submit', saveNotice);
}

start();
