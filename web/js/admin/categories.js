// categories: the impact factors and age rules of the categories, /admin/categories. Everyone with
// at least the manager role sees each category's kg CO2e and SEK per loan and their source (or the
// factor it inherits from a parent category), and the age under which borrowing needs a guardian's
// consent; admins change them in a dialog (PATCH /api/categories/{id}), with every field checked
// before it is sent and the server's refusals shown by the field.
import { lang, locale, onLangChange, t, translate } from '../i18n.js';
import { ApiError, errorMessage, fieldMessage, get, patch } from '../api.js';
import { atLeast } from '../roles.js';
import { startAdminPage } from './page.js';

const $ = (id) => document.getElementById(id);
const statusLine = $('factors-status');
const dialog = $('factor-dialog');
const form = $('factor-form');
const fields = {
  co2e_kg: $('factor-co2e'), sek: $('factor-sek'), factor_source: $('factor-source'),
  factor_source_en: $('factor-source-en'), consent_age: $('factor-consent-age'),
};
const ERROR_IDS = {
  co2e_kg: 'factor-co2e-error', sek: 'factor-sek-error', factor_source: 'factor-source-error',
  factor_source_en: 'factor-source-en-error', consent_age: 'factor-consent-age-error',
};
const HINT_IDS = { co2e_kg: 'factor-co2e-hint', sek: 'factor-sek-hint', consent_age: 'factor-consent-age-hint' };
const MAX_FACTOR = 99999999;
const MAX_SOURCE = 300;
const MAX_CONSENT_AGE = 25;

let user;
let list = []; // the categories in tree order, as /api/categories answers them
let editing = null; // the category in the dialog
let saved = null; // { id } of the category last saved, for the status line
let shownErrors = {}; // field -> { key } or { problem }, so a language switch can say them again
let formProblem = null;
let loadError = null;

const byId = () => new Map(list.map((c) => [c.id, c]));
const nameOf = (c) => (lang() === 'en' ? c.name_en : c.name_sv);

/** A factor as the current language writes it: "29", "12,5" (sv), "12.5" (en). */
function numberText(v) {
  return v === null || v === undefined ? ''
    : new Intl.NumberFormat(locale(), { maximumFractionDigits: 2, useGrouping: false }).format(v);
}

/** The factor a category without its own would use: its nearest ancestor's, or null. */
function inherited(c, field) {
  const map = byId();
  for (let p = map.get(c.parent_id), depth = 0; p && depth < 32; p = map.get(p.parent_id), depth++)
    if (p[field] !== null) return { value: p[field], from: p };
  return null;
}

function factorCell(c, field) {
  const td = document.createElement('td');
  td.className = 'num';
  if (c[field] !== null) {
    td.textContent = numberText(c[field]);
  } else {
    const up = inherited(c, field);
    const note = document.createElement('span');
    note.className = 'note';
    note.textContent = up ? t('admin.factors.inherits', { value: `${numberText(up.value)} (${nameOf(up.from)})` }) : '–';
    td.append(note);
  }
  return td;
}

/** A category's source in the page's language, where it has one. */
const sourceOf = (c) => (lang() === 'en' ? c.factor_source_en || c.factor_source : c.factor_source || c.factor_source_en) ?? '';

function renderTable() {
  const admin = atLeast(user, 'admin');
  const table = document.createElement('table');
  table.className = 'data factor-table';
  table.setAttribute('aria-labelledby', 'factors-heading');
  const headRow = document.createElement('tr');
  const columns = ['admin.factors.category_col', 'admin.factors.co2e_col', 'admin.factors.sek_col', 'admin.factors.source_col',
    'admin.factors.consent_col'];
  if (admin) columns.push('admin.factors.actions_col');
  columns.forEach((key, i) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = t(key);
    if (i === 1 || i === 2 || i === 4) th.className = 'num';
    headRow.append(th);
  });
  const thead = document.createElement('thead');
  thead.append(headRow);
  const tbody = document.createElement('tbody');
  for (const c of list) {
    const tr = document.createElement('tr');
    tr.dataset.id = c.id;
    const name = document.createElement('th');
    name.scope = 'row';
    name.className = `depth-${Math.min(c.depth, 2)}`;
    name.textContent = nameOf(c);
    const source = document.createElement('td');
    source.textContent = sourceOf(c);
    tr.append(name, factorCell(c, 'co2e_kg'), factorCell(c, 'sek'), source, factorCell(c, 'consent_age'));
    if (admin) {
      const td = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button-quiet edit-button';
      button.dataset.edit = c.id;
      const more = document.createElement('span');
      more.className = 'visually-hidden';
      more.textContent = ` ${t('admin.factors.edit_what', { name: nameOf(c) })}`;
      button.append(t('admin.factors.edit'), more);
      td.append(button);
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(thead, tbody);
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-labelledby', 'factors-heading');
  wrap.append(table);
  $('factors-table').replaceChildren(wrap);
}

// ---- the dialog ---------------------------------------------------------------------------

function showErrors() {
  for (const [field, input] of Object.entries(fields)) {
    const e = shownErrors[field];
    const note = $(ERROR_IDS[field]);
    note.hidden = !e;
    note.textContent = e ? (e.key ? t(e.key) : fieldMessage(e.problem)) : '';
    if (e) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  const alert = $('factor-form-error');
  alert.hidden = !formProblem;
  alert.textContent = !formProblem ? '' : formProblem === 'fix' ? t('admin.factors.fix') : errorMessage(formProblem);
}

function dialogTexts() {
  if (!editing) return;
  $('factor-dialog-heading').textContent = t('admin.factors.dialog_heading', { name: nameOf(editing) });
  for (const field of ['co2e_kg', 'sek', 'consent_age']) {
    const up = inherited(editing, field);
    const empty = t(field === 'consent_age' ? 'admin.factors.consent_hint' : 'admin.factors.hint_empty');
    $(HINT_IDS[field]).textContent = up
      ? `${empty} ${t('admin.factors.inherits', { value: `${numberText(up.value)} (${nameOf(up.from)})` })}`
      : empty;
  }
}

function openEditor(c) {
  editing = c;
  shownErrors = {};
  formProblem = null;
  fields.co2e_kg.value = numberText(c.co2e_kg);
  fields.sek.value = numberText(c.sek);
  fields.factor_source.value = c.factor_source ?? '';
  fields.factor_source_en.value = c.factor_source_en ?? '';
  fields.consent_age.value = c.consent_age ?? '';
  dialogTexts();
  showErrors();
  dialog.showModal();
  fields.co2e_kg.focus();
}

function closeEditor() {
  const id = editing?.id;
  dialog.close();
  editing = null;
  document.querySelector(`[data-edit="${id}"]`)?.focus();
}

/** A factor typed by a person: null when empty, a number, or { key } saying what is wrong. */
function parseFactor(text) {
  const s = text.replace(/[\s\u00a0\u202f]/g, '');
  if (!s) return null;
  if (/^-\d/.test(s)) return { key: 'admin.factors.negative' };
  const m = /^(\d+)(?:[.,](\d+))?$/.exec(s);
  if (!m) return { key: 'admin.factors.not_number' };
  if ((m[2] || '').length > 2) return { key: 'admin.factors.decimals' };
  const value = Number(`${m[1]}.${m[2] || '0'}`);
  if (value > MAX_FACTOR) return { key: 'admin.factors.too_big' };
  return value;
}

async function save(event) {
  event.preventDefault();
  shownErrors = {};
  formProblem = null;
  const body = {};
  for (const field of ['co2e_kg', 'sek']) {
    const v = parseFactor(fields[field].value);
    if (v !== null && typeof v === 'object') shownErrors[field] = v;
    else body[field] = v;
  }
  const source = fields.factor_source.value.trim();
  if ([...source].length > MAX_SOURCE) shownErrors.factor_source = { key: 'admin.factors.source_too_long' };
  else if (!source && (body.co2e_kg !== null || body.sek !== null) && !shownErrors.co2e_kg && !shownErrors.sek)
    shownErrors.factor_source = { key: 'admin.factors.source_missing' };
  body.factor_source = source || null;
  const sourceEn = fields.factor_source_en.value.trim();
  if ([...sourceEn].length > MAX_SOURCE) shownErrors.factor_source_en = { key: 'admin.factors.source_too_long' };
  body.factor_source_en = sourceEn || null;
  const age = fields.consent_age.value.trim();
  if (age && !(/^\d{1,2}$/.test(age) && Number(age) >= 1 && Number(age) <= MAX_CONSENT_AGE))
    shownErrors.consent_age = { key: 'admin.factors.consent_invalid' };
  body.consent_age = age ? Number(age) : null;
  if (Object.keys(shownErrors).length) {
    formProblem = 'fix';
    showErrors();
    fields[Object.keys(fields).find((f) => shownErrors[f])].focus();
    return;
  }
  const button = $('factor-save');
  button.disabled = true;
  button.textContent = t('admin.factors.saving');
  try {
    const updated = await patch(`/api/categories/${editing.id}`, body);
    list = list.map((c) => (c.id === updated.id ? { ...c, ...updated, depth: c.depth } : c));
    saved = { id: updated.id };
    renderTable();
    sayStatus();
    closeEditor();
  } catch (err) {
    if (err instanceof ApiError && err.errors.length) {
      for (const e of err.errors) if (e.field in fields) shownErrors[e.field] = { problem: e };
    }
    formProblem = err;
    showErrors();
  } finally {
    button.disabled = false;
    button.textContent = t('admin.factors.save');
  }
}

function sayStatus() {
  if (loadError) {
    statusLine.className = 'alert alert-error';
    statusLine.textContent = errorMessage(loadError);
    return;
  }
  const c = saved && list.find((x) => x.id === saved.id);
  statusLine.className = c ? 'alert alert-ok' : 'visually-hidden';
  statusLine.textContent = c ? t('admin.factors.saved', { name: nameOf(c) }) : '';
}

form.addEventListener('submit', save);
$('factor-cancel').addEventListener('click', closeEditor);
dialog.addEventListener('cancel', (event) => {
  event.preventDefault();
  closeEditor();
});
$('factors-table').addEventListener('click', (event) => {
  const button = event.target.closest('[data-edit]');
  if (button) openEditor(list.find((c) => c.id === Number(button.dataset.edit)));
});
onLangChange(() => {
  sayStatus();
  if (!list.length) return;
  renderTable();
  dialogTexts();
  showErrors();
  sayStatus();
});

user = await startAdminPage();
if (!atLeast(user, 'manager')) {
  statusLine.hidden = true;
  $('factors-denied-text').dataset.i18n = 'admin.factors.forbidden';
  $('factors-denied').hidden = false;
  translate($('factors-denied'));
} else {
  try {
    list = (await get('/api/categories')).categories;
    $('factors-read-only').hidden = atLeast(user, 'admin');
    renderTable();
    sayStatus();
  } catch (err) {
    loadError = err;
    sayStatus();
  }
}
