// categories: the category tree, its impact factors and age rules, /admin/categories. Everyone
// with at least the manager role sees each category's kg CO2e and SEK per loan and their source
// (or the factor it inherits from a parent category), and the age under which borrowing needs a
// guardian's consent. Admins of the whole network change a category in a dialog (names, parent,
// size kind, hidden, factors, age rule: PATCH /api/categories/{id}), add new ones, merge one into
// another (its items and loans move, every statistic stays) and delete one nothing refers to;
// every field is checked before it is sent and the server's refusals are shown by the field, or
// with the counts of what still refers to a category.
import { lang, locale, onLangChange, t, translate } from '../i18n.js';
import { ApiError, del, errorMessage, fieldMessage, get, patch, post } from '../api.js';
import { atLeast } from '../roles.js';
import { startAdminPage } from './page.js';

const $ = (id) => document.getElementById(id);
const statusLine = $('factors-status');
const dialog = $('factor-dialog');
const form = $('factor-form');
const fields = { name_sv: $('cat-name-sv'), name_en: $('cat-name-en'), parent_id: $('cat-parent'),
  size_kind: $('cat-size-kind'), hidden: $('cat-hidden'), co2e_kg: $('factor-co2e'), sek: $('factor-sek'),
  factor_source: $('factor-source'), factor_source_en: $('factor-source-en'), consent_age: $('factor-consent-age'),
  into: $('cat-merge-into') };
const ERROR_IDS = Object.fromEntries(Object.entries(fields).map(([name, input]) => [name, `${input.id}-error`]));
const SIZE_KINDS = ['length_cm', 'shoe_eu', 'clothing', 'head_cm', 'wheel_in', 'other'];
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

/** Whether the user changes the tree: admins of the whole network (the API says so too). */
const canEdit = () => atLeast(user, 'admin') && !user.branch;

function renderTable() {
  const admin = canEdit();
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
    if (!c.shown) {
      const note = document.createElement('span');
      note.className = 'note';
      note.textContent = ` ${t(c.hidden ? 'admin.categories.is_hidden' : 'admin.categories.under_hidden')}`;
      name.append(note);
    }
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
  alert.textContent = !formProblem ? '' : formProblem === 'fix' ? t('admin.factors.fix')
    : formProblem.key ? t(formProblem.key, formProblem.params) : errorMessage(formProblem);
}

/** The categories below c, c among them (a category is merged or moved under none of them). */
function subtree(c) {
  const ids = new Set([c.id]);
  for (const x of list) if (ids.has(x.parent_id)) ids.add(x.id); // list is depth first
  return ids;
}

/** Fill the parent, size kind and merge choices of the dialog, keeping what is chosen. */
function fillChoices() {
  const below = editing?.id ? subtree(editing) : new Set();
  const option = (c) => new Option(`${'\u00a0\u00a0'.repeat(c.depth)}${nameOf(c)}`, String(c.id));
  const keep = [fields.parent_id.value, fields.size_kind.value, fields.into.value];
  fields.parent_id.replaceChildren(new Option(t('admin.categories.top'), ''),
    ...list.filter((c) => !below.has(c.id)).map(option));
  fields.size_kind.replaceChildren(new Option(t('admin.categories.no_size'), ''),
    ...SIZE_KINDS.map((k) => new Option(t(`admin.categories.size.${k}`), k)));
  fields.into.replaceChildren(new Option(t('admin.categories.choose'), ''), ...list.filter((c) => !below.has(c.id)).map(option));
  [fields.parent_id.value, fields.size_kind.value, fields.into.value] = keep;
}

function dialogTexts() {
  if (!editing) return;
  fillChoices();
  $('factor-dialog-heading').textContent = editing.id
    ? t('admin.factors.dialog_heading', { name: nameOf(editing) }) : t('admin.categories.new_heading');
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
  fields.name_sv.value = c.name_sv ?? '';
  fields.name_en.value = c.name_en ?? '';
  fields.hidden.checked = Boolean(c.hidden);
  fields.co2e_kg.value = numberText(c.co2e_kg);
  fields.sek.value = numberText(c.sek);
  fields.factor_source.value = c.factor_source ?? '';
  fields.factor_source_en.value = c.factor_source_en ?? '';
  fields.consent_age.value = c.consent_age ?? '';
  dialogTexts();
  fields.parent_id.value = c.parent_id ? String(c.parent_id) : '';
  fields.size_kind.value = c.size_kind ?? '';
  fields.into.value = '';
  $('cat-other').hidden = !c.id;
  showErrors();
  dialog.showModal();
  fields.name_sv.focus();
}

function closeEditor() {
  const id = editing?.id;
  dialog.close();
  editing = null;
  (document.querySelector(`[data-edit="${id}"]`) || $('category-new')).focus();
}

/** After a change of the tree: the list again, the table, the status line, the dialog closed. */
async function changedTree(message) {
  list = (await get('/api/categories')).categories;
  saved = message;
  renderTable();
  sayStatus();
  closeEditor();
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
  for (const field of ['name_sv', 'name_en']) {
    body[field] = fields[field].value.trim();
    if (!body[field]) shownErrors[field] = { key: 'field.required' };
  }
  body.parent_id = fields.parent_id.value ? Number(fields.parent_id.value) : null;
  body.size_kind = fields.size_kind.value || null;
  if (fields.hidden.checked !== Boolean(editing.hidden)) body.hidden = fields.hidden.checked;
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
    const done = editing.id ? await patch(`/api/categories/${editing.id}`, body) : await post('/api/categories', body);
    await changedTree({ id: done.id });
  } catch (err) {
    refused(err, 'admin.categories.in_use_hide');
  } finally {
    button.disabled = false;
    button.textContent = t('admin.factors.save');
  }
}

/** Show a refusal in the dialog: by field, or with the counts of what refers to the category. */
function refused(err, inUseKey) {
  if (err instanceof ApiError && err.errors.length) {
    for (const e of err.errors) if (e.field in fields) shownErrors[e.field] = { problem: e };
  }
  formProblem = err.code === 'category_in_use'
    ? { key: inUseKey, params: { items: err.problem.items, loans: err.problem.loans, children: err.problem.children } } : err;
  showErrors();
  $('factor-form-error').focus();
}

async function merge() {
  shownErrors = {};
  formProblem = null;
  if (!fields.into.value) {
    shownErrors.into = { key: 'admin.categories.choose_into' };
    showErrors();
    fields.into.focus();
    return;
  }
  const into = list.find((c) => c.id === Number(fields.into.value));
  try {
    const r = await post(`/api/categories/${editing.id}/merge`, { into: into.id });
    await changedTree({ id: into.id, key: 'admin.categories.merged', params: { name: nameOf(editing), into: nameOf(into),
      items: r.moved.items ?? 0, loans: r.moved.loans ?? 0 } });
  } catch (err) {
    refused(err, 'admin.categories.in_use_delete');
  }
}

async function remove() {
  shownErrors = {};
  formProblem = null;
  const name = nameOf(editing);
  try {
    await del(`/api/categories/${editing.id}`);
    await changedTree({ key: 'admin.categories.deleted', params: { name } });
  } catch (err) {
    refused(err, 'admin.categories.in_use_delete');
  }
}

function sayStatus() {
  if (loadError) {
    statusLine.className = 'alert alert-error';
    statusLine.textContent = errorMessage(loadError);
    return;
  }
  const c = saved?.id && list.find((x) => x.id === saved.id);
  const text = saved?.key ? t(saved.key, saved.params) : c ? t('admin.factors.saved', { name: nameOf(c) }) : '';
  statusLine.className = text ? 'alert alert-ok' : 'visually-hidden';
  statusLine.textContent = text;
}

form.addEventListener('submit', save);
$('cat-merge').addEventListener('click', merge);
$('cat-delete').addEventListener('click', remove);
$('category-new').addEventListener('click', () => openEditor({ id: null, depth: 0 }));
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
    $('factors-read-only').hidden = canEdit();
    $('category-new').parentElement.hidden = !canEdit();
    renderTable();
    sayStatus();
  } catch (err) {
    loadError = err;
    sayStatus();
  }
}
