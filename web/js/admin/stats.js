// stats: the statistics page, /admin/stats (managers and admins). The period and branch are
// chosen with presets or dates and kept in the address (?period=last-year&branch=deje&by=month,
// or ?from=…&to=…), so a report can be bookmarked. Every figure comes from /api/stats/*; each
// table is drawn from one model that also makes its CSV file, and the chart of loans over time
// (uPlot, on a canvas) has the same figures in the table under it for screen readers and CSV.
import uPlot from '/vendor/uPlot.esm.js';
import { lang, locale, onLangChange, t, translate } from '../i18n.js';
import { ApiError, errorMessage, get } from '../api.js';
import { startAdminPage } from './page.js';
import {
  MAX_DAYS, PRESETS, PRESET_GROUPS, UNITS, daysIn, defaultUnit, isIsoDate, periodLabel, presetRange, rangeLabel,
  yearEarlier,
} from './period.js';
import { download, formatNumber, renderTable, toCsv } from './table.js';

const $ = (id) => document.getElementById(id);
const form = $('stats-controls');
const inputs = {
  period: $('stats-period'), from: $('stats-from'), to: $('stats-to'), branch: $('stats-branch'), by: $('stats-by'),
  category: $('stats-category'),
};
const report = $('stats-report');
const statusLine = $('stats-status');
const errorLine = $('stats-error');

let user;
let networkWide = false;
let branches = []; // [{ slug, name }]
let categories = new Map(); // id -> category of /api/categories
let state = null; // { preset, from, to, branch ('' = the network), by, category ('' = all, for age and gender) }
let data = null; // the answers of the API for state
let models = {}; // table id -> model, for the CSV buttons
let chart = null;
let loadSeq = 0;
let shownError = null; // the ApiError of the last load, if it failed

// ---- the choice: address, form, checks ----------------------------------------------------

function stateFromUrl() {
  const q = new URLSearchParams(location.search);
  let preset = q.get('period');
  let from = q.get('from');
  let to = q.get('to');
  if ((!preset || preset === 'custom') && isIsoDate(from) && isIsoDate(to) && from <= to) {
    preset = 'custom';
  } else {
    if (!PRESETS.includes(preset) || preset === 'custom') preset = 'this-year';
    [from, to] = presetRange(preset);
  }
  const branch = networkWide ? (branches.some((b) => b.slug === q.get('branch')) ? q.get('branch') : '') : user.branch;
  let by = q.get('by');
  if (!UNITS.includes(by) || daysIn(from, to) > MAX_DAYS[by]) by = defaultUnit(from, to);
  const category = categories.has(Number(q.get('category'))) ? q.get('category') : '';
  return { preset, from, to, branch, by, category };
}

function writeUrl() {
  const q = new URLSearchParams();
  if (state.preset === 'custom') {
    q.set('from', state.from);
    q.set('to', state.to);
  } else {
    q.set('period', state.preset);
  }
  if (networkWide && state.branch) q.set('branch', state.branch);
  q.set('by', state.by);
  if (state.category) q.set('category', state.category);
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

function fillBranches() {
  const options = networkWide
    ? [['', t('admin.network')], ...branches.map((b) => [b.slug, b.name])]
    : branches.filter((b) => b.slug === user.branch).map((b) => [b.slug, b.name]);
  inputs.branch.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
}

/** The period chooser: the presets in their groups, seasons and holidays with their dates. */
function fillPeriods() {
  const option = (preset) => {
    const dated = !PRESET_GROUPS.periods.includes(preset);
    const range = dated && presetRange(preset);
    return new Option(range ? t('stats.preset_dated', { name: t(`stats.preset.${preset}`), period: rangeLabel(...range) })
      : t(`stats.preset.${preset}`), preset);
  };
  inputs.period.replaceChildren(...Object.entries(PRESET_GROUPS).map(([group, presets]) => {
    const el = document.createElement('optgroup');
    el.label = t(`stats.presets.${group}`);
    el.append(...presets.map(option));
    return el;
  }), option('custom'));
}

/** The categories the figures by age and gender may be narrowed to, in tree order. */
function fillCategories() {
  inputs.category.replaceChildren(new Option(t('stats.all_categories'), ''),
    ...[...categories.values()].map((c) => new Option(`${'– '.repeat(c.depth)}${categoryName(c.id)}`, String(c.id))));
}

function showForm() {
  inputs.category.value = state.category;
  inputs.period.value = state.preset;
  inputs.from.value = state.from;
  inputs.to.value = state.to;
  inputs.branch.value = state.branch || '';
  inputs.by.value = state.by;
  for (const el of form.querySelectorAll('[data-custom]')) el.hidden = state.preset !== 'custom';
  const n = daysIn(state.from, state.to);
  for (const option of inputs.by.options) option.disabled = n > MAX_DAYS[option.value];
}

const dateErrors = { from: null, to: null }; // keys of the messages under the date fields

function fieldError(name, key) {
  dateErrors[name] = key;
  const input = inputs[name];
  const note = $(`stats-${name}-error`);
  note.hidden = !key;
  note.textContent = key ? t(key) : '';
  if (key) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** The form's choice, or null (with the problems shown) when the dates do not make a period. */
function stateFromForm() {
  const preset = inputs.period.value;
  let from = inputs.from.value;
  let to = inputs.to.value;
  fieldError('from', null);
  fieldError('to', null);
  if (preset !== 'custom') {
    [from, to] = presetRange(preset);
  } else {
    const bad = { from: !isIsoDate(from) && 'stats.date_missing', to: !isIsoDate(to) && 'stats.date_missing' };
    if (!bad.from && !bad.to && to < from) bad.to = 'stats.date_order';
    if (!bad.from && !bad.to && daysIn(from, to) > MAX_DAYS.year) bad.to = 'stats.too_long';
    if (bad.from || bad.to) {
      fieldError('from', bad.from);
      fieldError('to', bad.to);
      (bad.from ? inputs.from : inputs.to).focus();
      return null;
    }
  }
  // A new period gets the chart unit that suits it; the unit may not be too fine for the period.
  let by = inputs.by.value;
  if (from !== state.from || to !== state.to || daysIn(from, to) > MAX_DAYS[by]) by = defaultUnit(from, to);
  return { preset, from, to, branch: networkWide ? inputs.branch.value : user.branch, by, category: inputs.category.value };
}

function choose() {
  const next = stateFromForm();
  if (!next) return;
  state = next;
  showForm();
  writeUrl();
  load();
}

// ---- the data -----------------------------------------------------------------------------

async function load() {
  const seq = ++loadSeq;
  const { from, to, branch, by, category } = state;
  const scope = branch ? `&branch=${encodeURIComponent(branch)}` : '';
  const period = `from=${from}&to=${to}`;
  report.setAttribute('aria-busy', 'true');
  shownError = null;
  showError();
  statusLine.textContent = t('common.loading');
  statusLine.classList.remove('visually-hidden');
  try {
    const people = `${period}${scope}${category ? `&category=${category}` : ''}`;
    const [summary, before, overTime, byCategory, ranking, items, byAge, byGender] = await Promise.all([
      get(`/api/stats/summary?${period}${scope}`),
      // The same period a year earlier, to compare with.
      get(`/api/stats/summary?from=${yearEarlier(from)}&to=${yearEarlier(to)}${scope}`),
      get(`/api/stats/loans?${period}&group_by=${by}${scope}`),
      get(`/api/stats/loans?${period}&group_by=category${scope}`),
      // The ranking always shows the whole network to those who may see it.
      networkWide ? get(`/api/stats/loans?${period}&group_by=branch`) : null,
      get(`/api/stats/items${branch ? `?branch=${encodeURIComponent(branch)}` : ''}`),
      get(`/api/stats/loans?${people}&group_by=age_band`),
      get(`/api/stats/loans?${people}&group_by=gender`),
    ]);
    if (seq !== loadSeq) return; // a newer choice is on its way
    data = { state: { ...state }, summary, before, overTime, byCategory, ranking, items, byAge, byGender };
    render();
    // Said to screen readers; the scope under the heading says it to everyone else.
    statusLine.textContent = t('stats.updated', scopeWords(data.state));
    statusLine.classList.add('visually-hidden');
  } catch (err) {
    if (seq !== loadSeq) return;
    failed(err);
  } finally {
    if (seq === loadSeq) report.removeAttribute('aria-busy');
  }
}

function failed(err) {
  if (err instanceof ApiError && err.code === 'forbidden') {
    // Volunteers: the API says no, and the page says why, without the controls.
    $('stats-denied-text').dataset.i18n = 'stats.forbidden';
    $('stats-denied').hidden = false;
    translate($('stats-denied'));
    form.hidden = true;
    report.hidden = true;
    statusLine.hidden = true;
    return;
  }
  statusLine.textContent = '';
  form.hidden = false;
  shownError = err;
  showError();
}

/** The error of the last load in words of the current language (again after a switch). */
function showError() {
  const err = shownError;
  errorLine.hidden = !err;
  if (!err) errorLine.textContent = '';
  else if (err instanceof ApiError && err.code === 'branch_forbidden') errorLine.textContent = t('stats.branch_forbidden');
  else if (err instanceof ApiError && err.errors.some((e) => e.code === 'too_long')) errorLine.textContent = t('stats.too_long');
  else errorLine.textContent = errorMessage(err);
}

// ---- words ----------------------------------------------------------------------------------

function branchName(slug) {
  if (!slug) return t('admin.network');
  return branches.find((b) => b.slug === slug)?.name ?? slug;
}

function scopeWords(s) {
  return { branch: branchName(s.branch), period: rangeLabel(s.from, s.to) };
}

function categoryName(id) {
  const c = categories.get(Number(id));
  if (!c) return `#${id}`;
  return lang() === 'en' ? c.name_en : c.name_sv;
}

/** The factor of a category for field (co2e_kg or sek): its own or its nearest ancestor's. */
function factorOf(id, field) {
  for (let c = categories.get(Number(id)), depth = 0; c && depth < 32; c = categories.get(c.parent_id), depth++)
    if (c[field] !== null && c[field] !== undefined) return { value: c[field], from: c };
  return null;
}

// ---- the models -----------------------------------------------------------------------------

/**
 * The key figures of the period beside those of the same period a year earlier (b) and the change
 * in per cent; figures about now (the catalogue, loans since the start) have no year before. The
 * impact figures say how many of the loans they are counted on (covered: { co2e_kg, sek }).
 */
function summaryModel(s, b, covered) {
  const change = (now, then) => (typeof now === 'number' && typeof then === 'number' && then !== 0 ? (now - then) / then : null);
  const figure = (key, value, kind = 'int', { note = null, then } = {}) => [t(`stats.${key}`), { value, kind, note },
    then === undefined ? null : { value: then, kind }, then === undefined ? null : change(value, then)];
  const noReturns = s.returns === 0 ? t('stats.no_returns') : null;
  const basis = (field) => t('stats.covered', { n: s.loans, total: formatNumber(s.loans),
    covered: formatNumber(covered[field]) });
  return {
    id: 'summary',
    title: t('stats.figures'),
    columns: [{ label: t('stats.figure') }, { label: t('stats.value'), kind: 'int' },
      { label: t('stats.year_before'), kind: 'int' }, { label: t('stats.change_col'), kind: 'pct' }],
    rows: [
      figure('total_loans', s.total_loans_since_start),
      figure('loans', s.loans, 'int', { then: b.loans }),
      figure('returns', s.returns, 'int', { then: b.returns }),
      figure('unique_borrowers', s.unique_borrowers, 'int', { then: b.unique_borrowers }),
      figure('new_borrowers', s.new_borrowers, 'int', { then: b.new_borrowers }),
      figure('items_donated', s.items_donated, 'int', { then: b.items_donated }),
      figure('items', s.items),
      figure('items_never_lent', s.items_never_lent),
      figure('average_loan_days', s.average_loan_days, 'dec1', { note: noReturns, then: b.average_loan_days }),
      figure('late_share', s.late_share, 'pct', { note: noReturns, then: b.late_share }),
      figure('co2e_kg', s.co2e_kg, 'dec1', { note: basis('co2e_kg'), then: b.co2e_kg }),
      figure('sek', s.sek, 'int', { note: basis('sek'), then: b.sek }),
    ],
  };
}

/** Loans of the period counted in an impact figure: those whose category has a factor for it. */
function coveredLoans(rows) {
  const covered = { co2e_kg: 0, sek: 0 };
  for (const r of rows) for (const field of Object.keys(covered)) if (factorOf(r.key, field)) covered[field] += r.loans;
  return covered;
}

/** A category's source of its factors, in the page's language where it has one. */
function sourceText(c) {
  return (lang() === 'en' ? c.factor_source_en || c.factor_source : c.factor_source || c.factor_source_en)
    || t('stats.no_source');
}

function overTimeModel(rows, unit) {
  return {
    id: `loans-by-${unit}`,
    title: t('stats.over_time'),
    columns: [{ label: t('stats.period_col') }, { label: t('stats.start_col') }, { label: t('stats.loans_col'), kind: 'int' }],
    rows: rows.map((r) => [periodLabel(r.key, unit), r.key, r.loans]),
  };
}

function categoryModel(rows, total) {
  return {
    id: 'loans-by-category',
    title: t('stats.by_category'),
    columns: [{ label: t('stats.category_col') }, { label: t('stats.loans_col'), kind: 'int' },
      { label: t('stats.share_col'), kind: 'pct', bar: true }],
    rows: rows.map((r) => [categoryName(r.key), r.loans, total ? r.loans / total : 0]),
    foot: rows.length ? [[t('stats.total'), total, total ? 1 : 0]] : [],
  };
}

function rankingModel(rows, selected) {
  const total = rows.reduce((sum, r) => sum + r.loans, 0);
  // Equal numbers share a place: 1, 2, 2, 4.
  const rank = rows.map((r) => 1 + rows.findIndex((o) => o.loans === r.loans));
  return {
    id: 'loans-by-branch',
    title: t('stats.ranking'),
    columns: [{ label: t('stats.rank_col'), kind: 'int' }, { label: t('stats.branch_col') },
      { label: t('stats.loans_col'), kind: 'int' }, { label: t('stats.share_col'), kind: 'pct', bar: true }],
    rows: rows.map((r, i) => [rank[i], { value: r.name, note: r.key === selected ? t('stats.selected') : null },
      r.loans, total ? r.loans / total : 0]),
    rowClass: rows.map((r) => (r.key === selected ? 'is-selected' : '')),
  };
}

function impactModel(rows) {
  const used = [];
  let without = 0;
  for (const r of rows) {
    const co2e = factorOf(r.key, 'co2e_kg');
    const sek = factorOf(r.key, 'sek');
    if (!co2e && !sek) {
      without += r.loans;
      continue;
    }
    const origins = [...new Set([co2e?.from, sek?.from].filter(Boolean))];
    const sources = origins.map(sourceText);
    const inherited = origins.filter((c) => c.id !== Number(r.key)).map((c) => (lang() === 'en' ? c.name_en : c.name_sv));
    used.push([categoryName(r.key), r.loans, co2e?.value ?? null, r.co2e_kg, sek?.value ?? null, r.sek,
      { value: [...new Set(sources)].join('; '), note: inherited.length ? t('stats.inherited', { name: inherited.join(', ') }) : null }]);
  }
  const sum = (i) => used.reduce((s, row) => s + (row[i] ?? 0), 0);
  return {
    model: {
      id: 'impact-factors',
      title: t('stats.impact_factors'),
      columns: [{ label: t('stats.category_col') }, { label: t('stats.loans_col'), kind: 'int' },
        { label: t('stats.co2e_per_loan_col'), kind: 'dec2' }, { label: t('stats.co2e_col'), kind: 'dec1' },
        { label: t('stats.sek_per_loan_col'), kind: 'dec2' }, { label: t('stats.sek_col'), kind: 'int' },
        { label: t('stats.source_col') }],
      rows: used,
      foot: used.length ? [[t('stats.total'), sum(1), null, sum(3), null, sum(5), '']] : [],
    },
    without,
  };
}

/**
 * Loans and unique borrowers by age band or gender, as the API shows them: a group it hides
 * (core/suppress.h) says "< 5" (fewer than five borrowers) or ".." (hidden so that no other can be
 * worked out from the total), on screen and in the CSV file alike.
 */
function peopleModel(answer, dimension) {
  const cell = (row, field) => (row.suppressed ? { value: row.reason === 'under_5' ? '< 5' : '..', kind: 'text' } : row[field]);
  const label = (key) => t(dimension === 'age_band' ? `stats.age_band.${key}`
    : key === 'unknown' ? 'stats.gender.unknown' : `borrower.gender.${key}`);
  return {
    id: `loans-by-${dimension.replace('_', '-')}`,
    title: t(dimension === 'gender' ? 'stats.by_gender' : 'stats.by_age_band'),
    columns: [{ label: t(dimension === 'gender' ? 'stats.gender_col' : 'stats.age_band_col') },
      { label: t('stats.loans_col'), kind: 'int' }, { label: t('stats.borrowers_col'), kind: 'int' }],
    rows: answer.rows.map((r) => [label(r.key), cell(r, 'loans'), cell(r, 'borrowers')]),
    foot: [[t('stats.total'), cell(answer.total, 'loans'), cell(answer.total, 'borrowers')]],
  };
}

function catalogueModel(items) {
  return {
    id: 'catalogue',
    title: t('stats.catalogue'),
    columns: [{ label: t('stats.category_col') }, { label: t('stats.items_col'), kind: 'int' },
      { label: t('stats.never_lent_col'), kind: 'int' }, { label: t('stats.lost_col'), kind: 'int' }],
    rows: items.categories.map((c) => [categoryName(c.key), c.items, c.never_lent, c.lost]),
    foot: [[t('stats.total'), items.items, items.never_lent, items.lost]],
  };
}

// ---- drawing --------------------------------------------------------------------------------

function csvButton(model) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button button-quiet csv-button';
  button.dataset.csv = model.id;
  const hidden = document.createElement('span');
  hidden.className = 'visually-hidden';
  hidden.textContent = `: ${model.title}`;
  button.append(t('admin.csv'), hidden);
  return button;
}

function fileName(model) {
  const s = data.state;
  return `hylla-${model.id}-${s.branch || 'network'}-${s.from}-${s.to}.csv`;
}

/**
 * Show a model's table in a section's slot (the one named slot, where a section has several),
 * with its CSV button beside the table's heading.
 */
function placeTable(section, model, labelledBy, empty = null, slotName = null) {
  const slot = report.querySelector(`[data-section="${section}"] [data-table-slot${slotName ? `="${slotName}"` : ''}]`);
  models[model.id] = model;
  const head = $(labelledBy).parentElement;
  head.querySelector('.csv-button')?.remove();
  head.append(csvButton(model));
  const parts = [renderTable(model, labelledBy)];
  if (empty && !model.rows.length) {
    const p = document.createElement('p');
    p.className = 'note-text';
    p.textContent = empty;
    parts.push(p);
  }
  slot.replaceChildren(...parts);
}

/** A change in per cent with its sign: "+7,1 %", "−3,0 %", or "–" when there is none. */
function changeText(change) {
  if (change === null) return '–';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return `${sign}${formatNumber(Math.abs(change), 'pct')} %`;
}

/** Key figures as cards: the value, a note, and the same period a year earlier with the change. */
function figuresList(dl, rows) {
  dl.replaceChildren(...rows.map(([label, cell, then, change]) => {
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = label;
    dd.textContent = formatNumber(cell.value, cell.kind);
    const note = (text, className) => {
      const span = document.createElement('span');
      span.className = className;
      span.textContent = text;
      dd.append(' ', span);
    };
    if (cell.note) note(cell.note, 'note');
    if (then) note(t('stats.compared', { value: formatNumber(then.value, then.kind), change: changeText(change) }), 'note compare');
    div.append(dt, dd);
    return div;
  }));
}

/**
 * What every printed page carries at its top: the report's branch and period and the day it was
 * printed, with the page number, in the margin boxes of @page (a stylesheet of its own, made
 * again when the report or the language changes).
 */
const printSheet = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, printSheet];
function printHeader(s) {
  const quote = (text) => `"${text.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\A ')}"`;
  const printed = new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' }).format(new Date());
  const left = t('stats.print_header', { ...scopeWords(s), date: printed });
  const [before, after] = t('stats.print_page').split('{page}');
  const [middle, end] = after.split('{pages}');
  printSheet.replaceSync(`@page { @top-left { content: ${quote(left)}; }
    @top-right { content: ${quote(before)} counter(page) ${quote(middle)} counter(pages) ${quote(end)}; } }`);
}

function render() {
  const s = data.state;
  models = {};
  $('stats-scope').textContent = t('stats.scope', scopeWords(s));
  document.title = `${t('stats.heading')}: ${t('stats.scope', scopeWords(s))} – hylla`;

  printHeader(s);
  const note = $('stats-period-note');
  note.hidden = PRESET_GROUPS.periods.includes(s.preset) || s.preset === 'custom';
  note.textContent = PRESET_GROUPS.seasons.includes(s.preset) ? t('stats.seasons_note') : t('stats.holidays_note');
  const summary = summaryModel(data.summary, data.before, coveredLoans(data.byCategory.rows));
  models.summary = summary;
  figuresList($('stats-figures'), summary.rows);
  const head = $('figures-heading').parentElement;
  head.querySelector('.csv-button')?.remove();
  head.append(csvButton(summary));

  placeTable('over-time', overTimeModel(data.overTime.rows, s.by), 'time-heading');
  drawChart(data.overTime.rows, s);

  placeTable('categories', categoryModel(data.byCategory.rows, data.summary.loans), 'category-heading', t('stats.no_loans'));

  const ranking = report.querySelector('[data-section="branches"]');
  ranking.hidden = !data.ranking;
  if (data.ranking) placeTable('branches', rankingModel(data.ranking.rows, s.branch), 'ranking-heading');

  const impact = impactModel(data.byCategory.rows);
  figuresList($('stats-impact'), summary.rows.slice(-2));
  placeTable('impact', impact.model, 'factors-heading', t('stats.no_factors'));
  const without = $('stats-without-factor');
  without.hidden = impact.without === 0;
  without.textContent = t('stats.without_factor', { n: impact.without, count: formatNumber(impact.without) });

  $('stats-people-scope').textContent = s.category
    ? t('stats.people_scope_category', { category: categoryName(s.category) }) : t('stats.people_scope_all');
  placeTable('people', peopleModel(data.byAge, 'age_band'), 'age-heading', null, 'age');
  placeTable('people', peopleModel(data.byGender, 'gender'), 'gender-heading', null, 'gender');

  placeTable('catalogue', catalogueModel(data.items), 'catalogue-heading');
  report.hidden = false;
  form.hidden = false;
}

const CHART_HEIGHT = 280;
const FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

function drawChart(rows, s) {
  const box = $('stats-chart');
  box.setAttribute('aria-label', t('stats.chart_label', { unit: t(`stats.by.${s.by}`), period: rangeLabel(s.from, s.to) }));
  chart?.destroy();
  const n = rows.length;
  const keys = rows.map((r) => r.key);
  const width = Math.max(240, box.clientWidth);
  // As many axis labels as fit, at an even step.
  const ticks = () => {
    const fit = Math.max(1, Math.floor(box.clientWidth / (s.by === 'day' ? 64 : 72)));
    const step = Math.max(1, Math.ceil(n / fit));
    const out = [];
    for (let i = 0; i < n; i += step) out.push(i);
    return out;
  };
  chart = new uPlot({
    width,
    height: CHART_HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(0.5, n - 0.5)] },
      y: { range: (u, min, max) => [0, Math.max(4, max * 1.1)] },
    },
    axes: [
      { font: FONT, stroke: '#1b1f24', grid: { show: false }, ticks: { show: false },
        splits: ticks, values: (u, splits) => splits.map((i) => (keys[i] ? periodLabel(keys[i], s.by, { short: true }) : '')) },
      { font: FONT, stroke: '#1b1f24', size: 56, grid: { stroke: '#dde1e6', width: 1 },
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1e6],
        values: (u, splits) => splits.map((v) => formatNumber(v)) },
    ],
    series: [{}, {
      label: t('stats.loans_col'), fill: '#0b5c4a', stroke: '#0b5c4a', width: 0,
      paths: uPlot.paths.bars({ size: [0.75, 48], align: 0 }), points: { show: false },
    }],
  }, [keys.map((_, i) => i), rows.map((r) => r.loans)], box);
}

function fitChart() {
  const box = $('stats-chart');
  if (chart && box.clientWidth && Math.abs(chart.width - box.clientWidth) > 1)
    chart.setSize({ width: Math.max(240, box.clientWidth), height: CHART_HEIGHT });
}

// ---- start ----------------------------------------------------------------------------------

form.addEventListener('change', (event) => {
  if (event.target === inputs.period) {
    // Going to custom dates starts from the period on show.
    for (const el of form.querySelectorAll('[data-custom]')) el.hidden = inputs.period.value !== 'custom';
    if (inputs.period.value === 'custom') return;
  }
  if (event.target === inputs.from || event.target === inputs.to) return; // waits for "Show"
  choose();
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  choose();
});
$('stats-print').addEventListener('click', () => window.print());
report.addEventListener('click', (event) => {
  const button = event.target.closest('[data-csv]');
  if (!button) return;
  const model = models[button.dataset.csv];
  download(fileName(model), toCsv(model));
});
onLangChange(() => {
  showError();
  for (const name of ['from', 'to']) fieldError(name, dateErrors[name]);
  if (!state) return;
  fillBranches();
  fillPeriods();
  fillCategories();
  showForm();
  if (data) {
    render();
    statusLine.textContent = t('stats.updated', scopeWords(data.state));
  }
});
new ResizeObserver(fitChart).observe($('stats-chart'));
// Print a chart that fits the page, and the screen's again afterwards.
matchMedia('print').addEventListener('change', fitChart);

user = await startAdminPage();
networkWide = !user.branch;
try {
  const [b, c] = await Promise.all([get('/api/branches'), get('/api/categories')]);
  branches = b.branches.map(({ slug, name }) => ({ slug, name })).sort((x, y) => x.name.localeCompare(y.name, 'sv'));
  categories = new Map(c.categories.map((cat) => [cat.id, cat]));
  state = stateFromUrl();
  fillPeriods();
  fillBranches();
  fillCategories();
  showForm();
  writeUrl();
  await load();
} catch (err) {
  failed(err);
}
