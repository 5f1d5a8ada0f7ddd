// messages: reminders and receipts for managers, /admin/messages. The settings of a branch
// (which messages, how many days, the hours they may go out, the SMS sender name) are changed
// with PUT /api/message-settings/{slug}; below, what was sent in a period: messages per day, SMS
// parts per branch and month (what the gateway charges for) and the failures with their reasons
// (GET /api/messages/stats). Network-wide managers pick the branch; the others see their own.
import { onLangChange, t, translate } from '../i18n.js';
import { ApiError, errorMessage, fieldMessage, get, put } from '../api.js';
import { atLeast } from '../roles.js';
import { startAdminPage } from './page.js';
import { download, renderTable, toCsv } from './table.js';
import { addDays, isIsoDate, today } from './period.js';

const $ = (id) => document.getElementById(id);
const statusLine = $('messages-status');
const branchSelect = $('messages-branch');
const inputs = {
  receipt: $('set-receipt'), due_soon: $('set-due-soon'), due_soon_days: $('set-due-soon-days'),
  overdue: $('set-overdue'), overdue_days: $('set-overdue-days'), window_start: $('set-window-start'),
  window_end: $('set-window-end'), sender_name: $('set-sender'),
};
const ERROR_FIELDS = ['due_soon_days', 'overdue_days', 'window_start', 'window_end', 'sender_name'];
const errorId = (field) => `${inputs[field].id}-error`;

let user;
let data = null; // GET /api/message-settings: { branches, network }
let stats = null;
let saved = false;
let problem = null; // the last refusal: an ApiError, kept so a language switch says it again
let loadError = null;

const current = () => data?.branches.find((b) => b.branch === branchSelect.value) || data?.branches[0];

/** The form filled from a branch's settings. */
function fill(s) {
  for (const key of ['receipt', 'due_soon', 'overdue']) inputs[key].checked = s[key];
  inputs.due_soon_days.value = s.due_soon_days;
  inputs.overdue_days.value = s.overdue_days.join(', ');
  inputs.window_start.value = s.window_start || '';
  inputs.window_end.value = s.window_end || '';
  inputs.sender_name.value = s.sender_name || '';
}

/** The form as the API takes it; days that are not numbers are sent as they are, to be refused. */
function body() {
  const days = inputs.overdue_days.value.split(/[\s,;]+/).filter(Boolean).map((d) => (/^\d+$/.test(d) ? Number(d) : d));
  const text = (el) => el.value.trim() || null;
  return {
    receipt: inputs.receipt.checked, due_soon: inputs.due_soon.checked,
    due_soon_days: Number(inputs.due_soon_days.value), overdue: inputs.overdue.checked, overdue_days: days,
    window_start: text(inputs.window_start), window_end: text(inputs.window_end), sender_name: text(inputs.sender_name),
  };
}

function showErrors() {
  const errors = problem instanceof ApiError ? problem.errors : [];
  for (const field of ERROR_FIELDS) {
    const e = errors.find((x) => x.field === field);
    const note = $(errorId(field));
    note.hidden = !e;
    note.textContent = e ? (e.code === 'outside_network' ? t('admin.messages.outside_network', network()) : fieldMessage(e)) : '';
    if (e) inputs[field].setAttribute('aria-invalid', 'true');
    else inputs[field].removeAttribute('aria-invalid');
  }
  const box = $('settings-error');
  box.hidden = !problem;
  box.textContent = problem ? errorMessage(problem) : '';
  $('settings-saved').textContent = saved ? t('admin.messages.saved', { branch: current()?.name || '' }) : '';
}

const network = () => ({ start: data.network.window_start, end: data.network.window_end });

function renderSettings() {
  const n = data.network;
  const channels = [n.sms ? t('admin.messages.sms_on') : t('admin.messages.sms_off'),
    n.email ? t('admin.messages.email_on') : t('admin.messages.email_off')];
  $('messages-network').textContent = channels.join(' ');
  $('set-window-hint').textContent = t('admin.messages.window_hint', network());
  $('set-sender-hint').textContent = t('admin.messages.sender_hint', { sender: n.sender_name });
  showErrors();
}

/** One table section with its CSV button: model columns and rows, into the element id. */
function table(id, headingId, model, empty) {
  const wrap = $(id);
  if (!model.rows.length) {
    wrap.replaceChildren(Object.assign(document.createElement('p'), { className: 'field-hint', textContent: empty }));
    return;
  }
  const button = Object.assign(document.createElement('button'), {
    type: 'button', className: 'button csv-button', textContent: t('admin.csv'),
  });
  button.addEventListener('click', () => download(`hylla-${model.id}-${$('messages-from').value}-${$('messages-to').value}.csv`, toCsv(model)));
  wrap.replaceChildren(button, renderTable(model, headingId));
}

function renderStats() {
  if (!stats) return;
  const col = (key, kind) => ({ label: t(`admin.messages.col.${key}`), ...(kind ? { kind } : {}) });
  table('messages-days', 'days-heading', {
    id: 'messages-per-day',
    columns: [col('day'), col('sent', 'int'), col('failed', 'int'), col('cancelled', 'int'), col('calls', 'int')],
    rows: stats.days.map((d) => [d.day, d.sent, d.failed, d.cancelled, d.calls]),
  }, t('admin.messages.nothing'));
  $('messages-waiting').textContent = t('admin.messages.waiting', { n: stats.waiting });
  table('messages-months', 'months-heading', {
    id: 'sms-per-month',
    columns: [col('month'), col('branch'), col('sms', 'int'), col('segments', 'int'), col('emails', 'int')],
    rows: stats.months.map((m) => [m.month.slice(0, 7), m.name, m.sms, m.segments, m.emails]),
  }, t('admin.messages.nothing'));
  const when = (ts) => new Intl.DateTimeFormat('sv-SE', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Stockholm' }).format(new Date(ts));
  table('messages-failures', 'failures-heading', {
    id: 'message-failures',
    columns: [col('when'), col('branch'), col('kind'), col('attempts', 'int'), col('reason')],
    rows: stats.failures.map((f) => [when(f.finished_at), f.branch, t(`desk.messages.kind.${f.kind}`), f.attempts, f.error || '–']),
  }, t('admin.messages.no_failures'));
}

function sayStatus() {
  statusLine.hidden = !loadError;
  statusLine.textContent = loadError ? errorMessage(loadError) : '';
}

async function loadStats() {
  const from = $('messages-from').value;
  const to = $('messages-to').value;
  const box = $('period-error');
  box.hidden = true;
  if (!isIsoDate(from) || !isIsoDate(to) || to < from) {
    box.hidden = false;
    box.textContent = t('admin.messages.bad_period');
    return;
  }
  const branch = data.branches.length > 1 ? `&branch=${encodeURIComponent(branchSelect.value)}` : '';
  try {
    stats = await get(`/api/messages/stats?from=${from}&to=${to}${branch}`);
    renderStats();
  } catch (err) {
    box.hidden = false;
    box.textContent = errorMessage(err);
  }
}

$('messages-settings').addEventListener('submit', async (event) => {
  event.preventDefault();
  saved = false;
  problem = null;
  $('settings-save').disabled = true;
  try {
    const res = await put(`/api/branches/${encodeURIComponent(current().branch)}/message-settings`, body());
    const fresh = res.branches[0];
    data.branches = data.branches.map((b) => (b.branch === fresh.branch ? fresh : b));
    fill(fresh);
    saved = true;
  } catch (err) {
    problem = err;
  }
  $('settings-save').disabled = false;
  showErrors();
  const first = ERROR_FIELDS.find((f) => !$(errorId(f)).hidden);
  if (first) inputs[first].focus();
});
branchSelect.addEventListener('change', () => {
  saved = false;
  problem = null;
  fill(current());
  showErrors();
  loadStats();
});
$('messages-period').addEventListener('submit', (event) => {
  event.preventDefault();
  loadStats();
});
onLangChange(() => {
  if (data) renderSettings();
  renderStats();
  sayStatus();
});

user = await startAdminPage();
if (!atLeast(user, 'manager')) {
  statusLine.hidden = true;
  $('messages-denied-text').dataset.i18n = 'admin.messages.forbidden';
  $('messages-denied').hidden = false;
  translate($('messages-denied'));
} else {
  try {
    data = await get('/api/message-settings');
    for (const b of data.branches) branchSelect.append(new Option(b.name, b.branch));
    $('messages-branch-field').hidden = data.branches.length < 2;
    fill(current());
    renderSettings();
    $('messages-to').value = today();
    $('messages-from').value = addDays(today(), -29);
    $('messages-body').hidden = false;
    await loadStats();
  } catch (err) {
    loadError = err;
  }
  sayStatus();
}
