// branches: /admin/branches. Network-wide staff see every branch (admins also make new ones);
// staff of a branch go straight to theirs (?branch=SLUG), and the API holds them to it. A
// branch's facts, loan rules and printers, and its calendar: the week's hours, seasons, and
// closed periods picked on a month calendar. What the calendar means is never worked out here:
// every change asks the server (POST /api/branches/{slug}/calendar/preview, the same SQL
// calendar as due dates and the public site) for the month's days, for "Öppet nu, stänger 18"
// and the week as the public site says them (public/branch.js), and for the open loans due on
// days the calendar closes, which are moved to the next open day only when asked, after saving.
import { locale, onLangChange, t } from '../i18n.js';
import { ApiError, get, patch, post } from '../api.js';
import { atLeast } from '../roles.js';
import { h } from '../desk/util.js';
import { LABEL_FORMATS, RECEIPT_FORMATS } from '../desk/print.js';
import { addDays, spansText } from '../public/hours.js';
import { openNowText, weekTable } from '../public/branch.js';
import { startAdminPage } from './page.js';
import { busy, formErrors } from './form.js';

const $ = (id) => document.getElementById(id);
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]; // month-days a leap year has

const user = await startAdminPage('manager');
const params = new URLSearchParams(location.search);
const slug = params.get('branch') || (user?.branch ?? null);

let branch = null; // as the API last answered it
let branches = [];
let preview = null; // the preview of the calendar as typed: { today, days, next_open, closed_due_dates }
let monthDays = []; // the days of the month on show, resolved by the same preview
let monthStart = null; // YYYY-MM-01 of the month on show
let focusDay = null; // the day button that takes focus in the month (roving tabindex)
let pickFrom = null; // the first day of a closed period being picked on the calendar
let previewProblem = null; // a key: why there is no preview now
let previewSeq = 0;
let previewCalendar = null; // the calendar the preview was asked for
let dirty = false;
let status = null; // { key, params, kind }
let uid = 0;
const problems = new Map(); // input id -> { key, params } of the calendar's own checks

// ---- small helpers ----

/** "HH:MM" of a time typed as 15, 15:30 or 15.30; null when it is none. */
function clock(text) {
  const m = /^(\d{1,2})(?:[:.](\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const hh = Number(m[1]);
  const mm = Number(m[2] || 0);
  if (hh > 24 || mm > 59 || (hh === 24 && mm)) return null;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
}

/**
 * A day's hours as typed ("15–18", "10.30–12, 17–19"; empty: closed) as [[open, close], ...], or
 * { error } with the key that says what is wrong.
 */
export function parseSpans(text) {
  const parts = text.split(/[,;]/).map((p) => p.trim()).filter(Boolean);
  if (parts.length > 4) return { error: 'admin.branches.hours_too_many' };
  const spans = [];
  for (const part of parts) {
    const ends = part.split(/\s*[-–—]\s*/);
    const open = ends.length === 2 ? clock(ends[0]) : null;
    const close = ends.length === 2 ? clock(ends[1]) : null;
    if (!open || !close) return { error: 'admin.branches.hours_bad' };
    if (open >= close || (spans.length && open < spans[spans.length - 1][1])) return { error: 'admin.branches.hours_order' };
    spans.push([open, close]);
  }
  return { spans };
}

const weekdayName = (day) => new Intl.DateTimeFormat(locale(), { weekday: 'long', timeZone: 'UTC' })
  .format(Date.UTC(2024, 0, 1 + DAYS.indexOf(day)));
const monthName = (m) => new Intl.DateTimeFormat(locale(), { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, m - 1, 1));
const dateOf = (iso) => {
  const [y, m, d] = iso.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
};
const longDay = (iso) => new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dateOf(iso));
const shortDay = (iso) => new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(dateOf(iso)).replace('.', '');
const monthYear = (iso) => new Intl.DateTimeFormat(locale(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dateOf(iso));
const weekdayOf = (iso) => new Intl.DateTimeFormat(locale(), { weekday: 'long', timeZone: 'UTC' }).format(dateOf(iso));
const monthLength = (start) => new Date(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)), 0)).getUTCDate();

function shiftMonth(start, n) {
  const d = new Date(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)) - 1 + n, 1));
  return d.toISOString().slice(0, 10);
}

/** A field with its label and error line: h('div', ...) holding input. */
function field(labelKey, input, { wide = false, labelParams } = {}) {
  input.id ||= `x${++uid}`;
  input.setAttribute('aria-describedby', `${input.id}-error`);
  return h('div', { class: `field${wide ? ' form-wide' : ''}` },
    h('label', { for: input.id, text: t(labelKey, labelParams), dataset: { key: labelKey } }),
    input, h('p', { id: `${input.id}-error`, class: 'field-error', hidden: true }));
}

/** Seven inputs of a week's hours, filled from { mon: [[...]], ... }. */
function weekInputs(hours, prefix) {
  return DAYS.map((day) => {
    const input = h('input', { id: `${prefix}-${day}`, type: 'text', maxlength: 60, autocomplete: 'off', dataset: { day } });
    input.value = spansText(hours?.[day] || []);
    const label = h('label', { for: input.id, class: 'weekday', dataset: { weekday: day } });
    label.textContent = weekdayName(day);
    return h('div', { class: 'field week-day' }, label, input, h('p', { id: `${input.id}-error`, class: 'field-error', hidden: true }));
  }).map((el) => {
    el.querySelector('input').setAttribute('aria-describedby', `week-hint ${el.querySelector('input').id}-error`);
    return el;
  });
}

function readWeek(container, bad) {
  const hours = {};
  for (const input of container.querySelectorAll('input[data-day]')) {
    const r = parseSpans(input.value);
    if (r.error) bad(input, r.error);
    else if (r.spans.length) hours[input.dataset.day] = r.spans;
  }
  return hours;
}

// ---- seasons and closed periods as rows of inputs ----

function monthSelect(value) {
  const select = h('select', {});
  for (let m = 1; m <= 12; m++) select.append(h('option', { value: String(m).padStart(2, '0'), text: monthName(m) }));
  select.value = value;
  return select;
}

function seasonBlock(season = { name: '', from: '06-15', to: '08-15', opening_hours: {} }) {
  const n = ++uid;
  const name = h('input', { id: `season-${n}-name`, type: 'text', maxlength: 100, dataset: { part: 'name' } });
  name.value = season.name;
  const fromDay = h('input', { id: `season-${n}-from-day`, type: 'number', min: 1, max: 31, dataset: { part: 'from-day' } });
  fromDay.value = Number(season.from.slice(3));
  const fromMonth = monthSelect(season.from.slice(0, 2));
  fromMonth.id = `season-${n}-from-month`;
  fromMonth.dataset.part = 'from-month';
  const toDay = h('input', { id: `season-${n}-to-day`, type: 'number', min: 1, max: 31, dataset: { part: 'to-day' } });
  toDay.value = Number(season.to.slice(3));
  const toMonth = monthSelect(season.to.slice(0, 2));
  toMonth.id = `season-${n}-to-month`;
  toMonth.dataset.part = 'to-month';
  const week = h('div', { class: 'week-grid' }, ...weekInputs(season.opening_hours, `season-${n}`));
  const remove = h('button', { type: 'button', class: 'button', dataset: { removeSeason: n } });
  const block = h('section', { class: 'season', dataset: { season: n }, 'aria-labelledby': `season-${n}-heading` },
    h('h2', { id: `season-${n}-heading`, class: 'season-heading' }),
    h('div', { class: 'form-grid' },
      field('admin.branches.season_name', name, { wide: true }),
      field('admin.branches.season_from_day', fromDay), field('admin.branches.season_from_month', fromMonth),
      field('admin.branches.season_to_day', toDay), field('admin.branches.season_to_month', toMonth)),
    week, remove);
  return block;
}

function closedRow(period = { from: '', to: '', reason: '' }) {
  const n = ++uid;
  const from = h('input', { id: `closed-${n}-from`, type: 'date', dataset: { part: 'from' } });
  const to = h('input', { id: `closed-${n}-to`, type: 'date', dataset: { part: 'to' } });
  const reason = h('input', { id: `closed-${n}-reason`, type: 'text', maxlength: 200, dataset: { part: 'reason' } });
  from.value = period.from;
  to.value = period.to;
  reason.value = period.reason || '';
  return h('div', { class: 'closed-row form-grid', dataset: { closed: n } },
    field('admin.branches.closed_from', from), field('admin.branches.closed_to', to),
    field('admin.branches.closed_reason', reason),
    h('div', { class: 'closed-remove' }, h('button', { type: 'button', class: 'button', dataset: { removeClosed: n } })));
}

/** The calendar as the form holds it: { body } to send, with every problem recorded in problems. */
function readCalendar() {
  problems.clear();
  const bad = (input, key, params) => problems.set(input.id, { key, params });
  const opening_hours = readWeek($('week-days'), bad);
  const seasons = [...$('season-list').querySelectorAll('[data-season]')].map((block) => {
    const part = (p) => block.querySelector(`[data-part="${p}"]`);
    const name = part('name').value.trim();
    if (!name) bad(part('name'), 'field.required');
    const monthDay = (dayInput, monthInput) => {
      const d = Number(dayInput.value);
      const m = Number(monthInput.value);
      if (!Number.isInteger(d) || d < 1 || d > MONTH_DAYS[m - 1]) bad(dayInput, 'admin.branches.no_such_day');
      return `${monthInput.value}-${String(d).padStart(2, '0')}`;
    };
    return { name, from: monthDay(part('from-day'), part('from-month')), to: monthDay(part('to-day'), part('to-month')),
      opening_hours: readWeek(block, bad) };
  });
  const closed_periods = [...$('closed-list').querySelectorAll('[data-closed]')].map((row) => {
    const part = (p) => row.querySelector(`[data-part="${p}"]`);
    const from = part('from').value;
    const to = part('to').value || from;
    if (!from) bad(part('from'), 'field.required');
    else if (to < from) bad(part('to'), 'admin.branches.to_before_from');
    return { from, to, reason: part('reason').value.trim() || null };
  });
  return { opening_hours, seasons, closed_periods };
}

function renderProblems() {
  for (const el of document.querySelectorAll('#week-days input, #season-list input, #season-list select, #closed-list input')) {
    const p = problems.get(el.id);
    const note = $(`${el.id}-error`);
    if (note) {
      note.hidden = !p;
      note.textContent = p ? t(p.key, p.params) : '';
    }
    if (p) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  }
}

// ---- facts and rules ----

const facts = {
  name: $('f-name'), municipality: $('f-municipality'), address: $('f-address'), phone: $('f-phone'),
  email: $('f-email'), contact: $('f-contact'), latitude: $('f-latitude'), longitude: $('f-longitude'),
  notice: $('f-notice'), loan_days: $('f-loan-days'), max_renewals: $('f-renewals'), item_limit: $('f-item-limit'),
  lost_after_days: $('f-lost-after'), code_prefix: $('f-prefix'), label_format: $('f-label-format'),
  receipt_format: $('f-receipt-format'),
};
const errors = formErrors({ ...facts, opening_hours: $('week'), seasons: $('seasons'), closed_periods: $('closed') }, $('branch-error'));
const NUMBERS = { loan_days: [1, 365], max_renewals: [0, 20], item_limit: [1, 200], lost_after_days: [1, 3650] };

function fill(b) {
  for (const key of ['name', 'municipality', 'address', 'email', 'contact', 'notice', 'code_prefix'])
    facts[key].value = b[key] ?? '';
  facts.phone.value = b.phone ?? '';
  for (const key of Object.keys(NUMBERS)) facts[key].value = b[key];
  facts.latitude.value = b.latitude ?? '';
  facts.longitude.value = b.longitude ?? '';
  facts.label_format.replaceChildren(...Object.keys(LABEL_FORMATS).map((f) => new Option(t(`desk.labels.format.${f}`), f)));
  facts.receipt_format.replaceChildren(...RECEIPT_FORMATS.map((f) => new Option(t(`desk.labels.receipt.${f}`), f)));
  facts.label_format.value = b.label_format;
  facts.receipt_format.value = b.receipt_format;
  facts.code_prefix.readOnly = b.has_items;
  $('week-days').replaceChildren(...weekInputs(b.opening_hours, 'hours'));
  $('season-list').replaceChildren(...b.seasons.map(seasonBlock));
  $('closed-list').replaceChildren(...b.closed_periods.map(closedRow));
}

/** The facts and rules to send, or null with the problems shown. */
function readFacts() {
  const body = {};
  const bad = {};
  for (const key of ['name', 'municipality', 'address', 'phone', 'email', 'contact', 'notice'])
    body[key] = facts[key].value.trim() || null;
  if (!body.name) bad.name = { key: 'field.required' };
  for (const [key, [min, max]] of Object.entries(NUMBERS)) {
    const n = Number(facts[key].value);
    if (!Number.isInteger(n) || n < min || n > max) bad[key] = { key: 'admin.branches.between', params: { min, max } };
    body[key] = n;
  }
  const position = ['latitude', 'longitude'].map((key) => facts[key].value.trim().replace(',', '.'));
  if (position[0] || position[1]) {
    [body.latitude, body.longitude] = position.map(Number);
    if (!position[0] || Number.isNaN(body.latitude) || Math.abs(body.latitude) > 90) bad.latitude = { key: 'admin.branches.bad_latitude' };
    if (!position[1] || Number.isNaN(body.longitude) || Math.abs(body.longitude) > 180) bad.longitude = { key: 'admin.branches.bad_longitude' };
  } else {
    body.latitude = body.longitude = null;
  }
  const prefix = facts.code_prefix.value.trim().toUpperCase();
  if (prefix !== branch.code_prefix) {
    if (!/^[A-Z0-9]{2,8}$/.test(prefix)) bad.code_prefix = { key: 'admin.branches.bad_prefix' };
    body.code_prefix = prefix;
  }
  return { body, bad };
}

// ---- the preview: the public site's words, the month, the loans due on closed days ----

function renderPreview() {
  if (!preview || previewProblem) {
    $('preview-today').textContent = previewProblem ? t(previewProblem) : t('common.loading');
    $('preview-week').replaceChildren();
    $('due-box').hidden = true;
    return;
  }
  // The closed periods as typed give the week's closed days their reasons, as on the public site.
  const shown = { ...preview, closed_periods: previewCalendar?.closed_periods || [] };
  $('preview-today').textContent = openNowText(shown);
  $('preview-week').replaceChildren(weekTable(shown));
  const due = preview.closed_due_dates;
  const loans = due.reduce((n, d) => n + d.loans, 0);
  $('due-box').hidden = !loans;
  $('due-box').className = `alert ${dirty ? 'alert-error' : 'alert-warn'}`;
  $('due-text').textContent = t('admin.branches.due_text', { n: loans });
  $('due-list').replaceChildren(...due.map((d) => h('li', {
    text: d.moves_to ? t('admin.branches.due_moves', { date: shortDay(d.date), n: d.loans, to: longDay(d.moves_to) })
      : t('admin.branches.due_nowhere', { date: shortDay(d.date), n: d.loans }),
  })));
  $('due-hint').textContent = dirty ? t('admin.branches.due_save_first') : t('admin.branches.due_offer');
  $('due-move').hidden = dirty || !due.some((d) => d.moves_to);
  $('due-move').textContent = t('admin.branches.due_move', { n: loans });
}

function renderMonth() {
  $('month-heading').textContent = new Intl.DateTimeFormat(locale(), { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(dateOf(monthStart));
  $('month-prev').textContent = t('admin.branches.month_prev');
  $('month-next').textContent = t('admin.branches.month_next');
  const calendar = readCalendarQuietly();
  const spansOf = new Map(monthDays.map((d) => [d.date, d.spans]));
  const days = monthLength(monthStart);
  if (!focusDay || focusDay.slice(0, 7) !== monthStart.slice(0, 7))
    focusDay = preview && preview.today.slice(0, 7) === monthStart.slice(0, 7) ? preview.today : monthStart;
  const lead = (new Date(dateOf(monthStart)).getUTCDay() + 6) % 7; // Monday first
  const cells = [];
  for (let i = 0; i < lead; i++) cells.push(h('td', {}));
  for (let d = 1; d <= days; d++) {
    const iso = addDays(monthStart, d - 1);
    const spans = spansOf.get(iso);
    const reason = calendar?.closed_periods.find((p) => p.from <= iso && iso <= (p.to || p.from))?.reason;
    const state = spans === undefined ? '' : spans.length ? spansText(spans) : t('admin.branches.closed_day');
    const picked = pickFrom && iso === pickFrom;
    // Read as "23 december 2026, onsdag, Stängt, Julstängt": the visible parts and the rest hidden.
    const more = [spans && !spans.length && reason ? reason : null, picked ? t('admin.branches.picked') : null].filter(Boolean);
    cells.push(h('td', {}, h('button', {
      type: 'button', class: `day${spans && !spans.length ? ' day-closed' : ''}${iso === preview?.today ? ' day-today' : ''}${picked ? ' day-picked' : ''}`,
      dataset: { day: iso }, tabindex: iso === focusDay ? 0 : -1,
    }, h('span', { class: 'day-number', text: String(d) }),
    h('span', { class: 'visually-hidden', text: ` ${monthYear(iso)}, ${weekdayOf(iso)}, ` }),
    h('span', { class: 'day-state', text: state }),
    more.length ? h('span', { class: 'visually-hidden', text: `, ${more.join(', ')}` }) : null)));
  }
  while (cells.length % 7) cells.push(h('td', {}));
  const rows = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(h('tr', {}, ...cells.slice(i, i + 7)));
  const head = h('tr', {}, ...DAYS.map((day) => h('th', { scope: 'col', abbr: weekdayName(day), text: weekdayName(day).slice(0, 3) })));
  $('month').replaceChildren(h('table', { class: 'month-table', 'aria-labelledby': 'month-heading' }, h('thead', {}, head), h('tbody', {}, ...rows)));
  $('pick-status').textContent = pickFrom ? t('admin.branches.pick_to', { date: longDay(pickFrom) }) : t('admin.branches.pick_from');
}

/** The calendar as typed, without marking anything (for the month's reasons), or null. */
function readCalendarQuietly() {
  const keep = new Map(problems);
  const cal = readCalendar();
  problems.clear();
  for (const [k, v] of keep) problems.set(k, v);
  return cal;
}

async function refreshPreview() {
  const seq = ++previewSeq;
  const calendar = readCalendar();
  renderProblems();
  if (problems.size) {
    previewProblem = 'admin.branches.preview_fix';
    renderPreview();
    return;
  }
  try {
    const base = `/api/branches/${encodeURIComponent(slug)}/calendar/preview`;
    const [now, month] = await Promise.all([post(base, calendar),
      post(`${base}?from=${monthStart}&days=${monthLength(monthStart)}`, calendar)]);
    if (seq !== previewSeq) return;
    preview = now;
    previewCalendar = calendar;
    monthDays = month.days;
    previewProblem = null;
  } catch (err) {
    if (seq !== previewSeq) return;
    previewProblem = err instanceof ApiError && err.status === 422 ? 'admin.branches.preview_fix' : 'admin.branches.preview_failed';
  }
  renderPreview();
  renderMonth();
}

let timer = null;
function changed() {
  dirty = true;
  status = null;
  renderStatus();
  clearTimeout(timer);
  timer = setTimeout(refreshPreview, 300);
}

// ---- the page ----

function renderStatus() {
  const el = $('branches-status');
  el.hidden = !status;
  el.className = `alert ${status?.kind === 'error' ? 'alert-error' : 'alert-ok'}`;
  el.textContent = status ? t(status.key, status.params) : '';
}

function renderTexts() {
  document.title = branch ? t('admin.branches.title_one', { name: branch.name }) : t('admin.branches.title');
  $('branches-heading').textContent = branch ? branch.name : t('admin.branches.heading');
  if (branch) {
    $('f-prefix-hint').textContent = t(branch.has_items ? 'admin.branches.prefix_fixed' : 'admin.branches.prefix_hint');
    for (const label of document.querySelectorAll('label[data-weekday]')) label.textContent = weekdayName(label.dataset.weekday);
    for (const label of document.querySelectorAll('#branch-form label[data-key]')) label.textContent = t(label.dataset.key);
    for (const select of document.querySelectorAll('#season-list select')) {
      for (const option of select.options) option.textContent = monthName(Number(option.value));
    }
    [...$('season-list').querySelectorAll('[data-season]')].forEach((block, i) => {
      block.querySelector('.season-heading').textContent = t('admin.branches.season_n', { n: i + 1 });
      block.querySelector('[data-remove-season]').textContent = t('admin.branches.season_remove', { n: i + 1 });
    });
    [...$('closed-list').querySelectorAll('[data-closed]')].forEach((row, i) => {
      row.querySelector('[data-remove-closed]').textContent = t('admin.branches.closed_remove', { n: i + 1 });
    });
    const fmt = facts.label_format.value;
    const rec = facts.receipt_format.value;
    facts.label_format.replaceChildren(...Object.keys(LABEL_FORMATS).map((f) => new Option(t(`desk.labels.format.${f}`), f)));
    facts.receipt_format.replaceChildren(...RECEIPT_FORMATS.map((f) => new Option(t(`desk.labels.receipt.${f}`), f)));
    facts.label_format.value = fmt;
    facts.receipt_format.value = rec;
    renderProblems();
    renderPreview();
    if (monthStart) renderMonth();
  }
  renderStatus();
}

function renderList() {
  const rows = branches.map((b) => h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: `/admin/branches?branch=${encodeURIComponent(b.slug)}`, text: b.name })),
    h('td', { text: b.municipality || '' }), h('td', { text: b.code_prefix })));
  $('branch-table').replaceChildren(h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'branches-heading' },
    h('table', { class: 'data', 'aria-labelledby': 'branches-heading' },
      h('thead', {}, h('tr', {}, ...['name', 'municipality', 'prefix'].map((c) => h('th', { scope: 'col', text: t(`admin.branches.col_${c}`) })))),
      h('tbody', {}, ...rows))));
}

async function openBranch() {
  try {
    branch = await get(`/api/branches/${encodeURIComponent(slug)}`);
  } catch (err) {
    status = { key: err.code === 'branch_not_found' ? 'problem.branch_not_found' : 'admin.branches.load_failed', kind: 'error' };
    renderStatus();
    return;
  }
  fill(branch);
  $('branch-form').hidden = false;
  $('back-to-list').hidden = !!user.branch;
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });
  monthStart = `${today.slice(0, 7)}-01`;
  renderTexts();
  await refreshPreview();
  document.body.dataset.ready = 'true';
}

async function save(event) {
  event.preventDefault();
  status = null;
  renderStatus();
  const calendar = readCalendar();
  renderProblems();
  const { body, bad } = readFacts();
  errors.set(bad);
  if (problems.size && !errors.hasErrors()) {
    errors.say({ key: 'admin.form.fix' });
    document.getElementById([...problems.keys()][0]).focus();
    return;
  }
  if (errors.hasErrors()) {
    errors.focusFirst();
    return;
  }
  const printing = { label_format: facts.label_format.value, receipt_format: facts.receipt_format.value };
  busy($('branch-save'), true, 'admin.form.save');
  try {
    branch = await patch(`/api/branches/${encodeURIComponent(slug)}`, { ...body, ...calendar });
    if (printing.label_format !== branch.label_format || printing.receipt_format !== branch.receipt_format)
      branch = await patch(`/api/branches/${encodeURIComponent(slug)}/printing`, printing);
    errors.clear();
    dirty = false;
    facts.code_prefix.value = branch.code_prefix;
    facts.code_prefix.readOnly = branch.has_items;
    status = { key: 'admin.branches.saved', params: { name: branch.name } };
    renderTexts();
    await refreshPreview();
  } catch (err) {
    errors.fromApi(err);
    errors.focusFirst();
  } finally {
    busy($('branch-save'), false, 'admin.form.save');
  }
}

async function moveDueDates() {
  busy($('due-move'), true, 'admin.branches.due_move');
  try {
    const moved = await post(`/api/branches/${encodeURIComponent(slug)}/due-dates/move`);
    status = { key: 'admin.branches.moved', params: { n: moved.moved } };
    await refreshPreview();
  } catch (err) {
    errors.fromApi(err);
  } finally {
    $('due-move').disabled = false;
    renderTexts();
  }
  $('branches-status').focus();
}

function pick(iso) {
  if (!pickFrom) {
    pickFrom = iso;
    focusDay = iso;
    renderMonth();
    document.querySelector(`#month [data-day="${iso}"]`)?.focus();
    return;
  }
  const [from, to] = pickFrom <= iso ? [pickFrom, iso] : [iso, pickFrom];
  pickFrom = null;
  const row = closedRow({ from, to, reason: '' });
  $('closed-list').append(row);
  renderTexts();
  changed();
  row.querySelector('[data-part="reason"]').focus();
}

function onMonthKey(event) {
  const button = event.target.closest('[data-day]');
  if (!button) return;
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 }[event.key];
  if (event.key === 'Escape' && pickFrom) {
    event.preventDefault();
    pickFrom = null;
    renderMonth();
    document.querySelector(`#month [data-day="${focusDay}"]`)?.focus();
    return;
  }
  if (!step) return;
  event.preventDefault();
  const next = addDays(button.dataset.day, step);
  if (next.slice(0, 7) !== monthStart.slice(0, 7)) {
    monthStart = `${next.slice(0, 7)}-01`;
    focusDay = next;
    refreshPreview().then(() => document.querySelector(`#month [data-day="${next}"]`)?.focus());
    return;
  }
  focusDay = next;
  renderMonth();
  document.querySelector(`#month [data-day="${next}"]`)?.focus();
}

async function createBranch(event) {
  event.preventDefault();
  const fields = { name: $('create-name'), slug: $('create-slug') };
  const createErrors = formErrors(fields, $('create-error'));
  const name = fields.name.value.trim();
  const newSlug = fields.slug.value.trim().toLowerCase();
  const bad = {};
  if (!name) bad.name = { key: 'field.required' };
  if (!/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(newSlug)) bad.slug = { key: 'admin.branches.slug_hint' };
  createErrors.set(bad);
  if (createErrors.hasErrors()) {
    createErrors.focusFirst();
    return;
  }
  busy($('create-submit'), true, 'admin.branches.create');
  try {
    await post('/api/branches', { name, slug: newSlug });
    location.assign(`/admin/branches?branch=${encodeURIComponent(newSlug)}`);
  } catch (err) {
    createErrors.fromApi(err);
    createErrors.focusFirst();
    busy($('create-submit'), false, 'admin.branches.create');
  }
}

if (user) {
  $('branch-form').addEventListener('submit', save);
  $('branch-form').addEventListener('input', (event) => {
    if (!event.target.closest('#month')) changed();
  });
  $('branch-form').addEventListener('change', (event) => {
    if (event.target.matches('select')) changed();
  });
  $('season-add').addEventListener('click', () => {
    const block = seasonBlock();
    $('season-list').append(block);
    renderTexts();
    changed();
    block.querySelector('[data-part="name"]').focus();
  });
  $('closed-add').addEventListener('click', () => {
    const row = closedRow();
    $('closed-list').append(row);
    renderTexts();
    changed();
    row.querySelector('[data-part="from"]').focus();
  });
  $('branch-form').addEventListener('click', (event) => {
    const season = event.target.closest('[data-remove-season]');
    const closed = event.target.closest('[data-remove-closed]');
    const day = event.target.closest('#month [data-day]');
    if (season) {
      season.closest('[data-season]').remove();
      renderTexts();
      changed();
      $('season-add').focus();
    } else if (closed) {
      closed.closest('[data-closed]').remove();
      renderTexts();
      changed();
      $('closed-add').focus();
    } else if (day) {
      pick(day.dataset.day);
    }
  });
  $('month').addEventListener('keydown', onMonthKey);
  for (const [id, n] of [['month-prev', -1], ['month-next', 1]]) {
    $(id).addEventListener('click', () => {
      monthStart = shiftMonth(monthStart, n);
      refreshPreview();
    });
  }
  $('due-move').addEventListener('click', moveDueDates);
  $('create-form').addEventListener('submit', createBranch);
  onLangChange(() => {
    renderTexts();
    if (!slug) renderList();
  });

  if (slug) {
    await openBranch();
  } else {
    branches = (await get('/api/branches')).branches;
    $('list-view').hidden = false;
    $('create-section').hidden = !atLeast(user, 'admin');
    renderList();
    renderTexts();
    document.body.dataset.ready = 'true';
  }
}
