// staff: /admin/staff, for admins (those of a branch see and place staff in their branch only;
// the API holds them to it). The staff with role, branch, last login and whether the account is
// open; adding someone (the server makes a one-time password, shown once here, with a welcome
// sheet to print); changing role, branch, name or the disabled flag; a new one-time password,
// which ends that person's sessions at once.
import { locale, onLangChange, t } from '../i18n.js';
import { get, patch, post } from '../api.js';
import { ROLES } from '../roles.js';
import { h } from '../desk/util.js';
import { startAdminPage } from './page.js';
import { busy, formErrors } from './form.js';

const $ = (id) => document.getElementById(id);
const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,62}$/i;

const user = await startAdminPage('admin');
let staff = [];
let branches = [];
let editing = null; // the account in the edit panel
let otp = null; // { name, username, password } while shown
let status = null; // { key, params } said in the status line
let loadError = null;

const addFields = { display_name: $('add-name'), username: $('add-username'), role: $('add-role'), branch: $('add-branch') };
const editFields = { display_name: $('edit-name'), role: $('edit-role'), branch: $('edit-branch'), disabled: $('edit-disabled') };
const addErrors = formErrors(addFields, $('add-error'));
const editErrors = formErrors(editFields, $('edit-error'));

const branchName = (slug) => (slug ? branches.find((b) => b.slug === slug)?.name || slug : t('admin.network'));

function lastLogin(iso) {
  if (!iso) return t('admin.staff.never');
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Stockholm' }).format(new Date(iso));
}

/** Fill a role and a branch select, keeping what was chosen. Staff of a branch have only theirs. */
function fillSelects(roleSelect, branchSelect) {
  const role = roleSelect.value || 'volunteer';
  roleSelect.replaceChildren(...ROLES.map((r) => new Option(t(`admin.role.${r}`), r)));
  roleSelect.value = role;
  const branch = branchSelect.value || user.branch || '';
  const options = user.branch ? branches.filter((b) => b.slug === user.branch)
    : [{ slug: '', name: t('admin.network') }, ...branches];
  branchSelect.replaceChildren(...options.map((b) => new Option(b.name, b.slug)));
  branchSelect.value = branch;
}

function renderTable() {
  const rows = staff.map((s) => h('tr', { dataset: { id: s.id } },
    h('th', { scope: 'row' }, s.display_name, h('span', { class: 'note', text: ` ${s.username}` })),
    h('td', { text: t(`admin.role.${s.role}`) }),
    h('td', { text: branchName(s.branch) }),
    h('td', { text: lastLogin(s.last_login_at) }),
    h('td', { text: s.disabled ? t('admin.staff.is_disabled') : s.must_change_password ? t('admin.staff.is_new') : t('admin.staff.is_open') }),
    h('td', {}, h('button', { type: 'button', class: 'button button-quiet edit-button', dataset: { edit: s.id } },
      t('admin.staff.edit'), h('span', { class: 'visually-hidden', text: ` ${s.display_name}` })))));
  const table = h('table', { class: 'data', 'aria-labelledby': 'list-heading' },
    h('thead', {}, h('tr', {}, ...['name', 'role', 'branch', 'last_login', 'state', 'actions']
      .map((c) => h('th', { scope: 'col', text: t(`admin.staff.col_${c}`) })))),
    h('tbody', {}, ...rows));
  $('staff-table').replaceChildren(h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'list-heading' }, table));
  $('staff-load').hidden = !loadError;
  $('staff-load').textContent = loadError ? t('admin.staff.load_failed') : '';
}

function render() {
  document.title = t('admin.staff.title');
  $('staff-scope').textContent = user.branch ? t('admin.staff.scope_branch', { branch: branchName(user.branch) }) : t('admin.staff.scope_network');
  fillSelects(addFields.role, addFields.branch);
  fillSelects(editFields.role, editFields.branch);
  renderTable();
  if (editing) $('edit-heading').textContent = t('admin.staff.edit_heading', { name: editing.display_name });
  if (otp) {
    $('otp-text').textContent = t('admin.staff.otp_for', { name: otp.name, username: otp.username });
    $('otp-code').textContent = otp.password;
  }
  $('staff-status').textContent = status ? t(status.key, status.params) : '';
}

async function load() {
  try {
    [staff, branches] = await Promise.all([get('/api/staff').then((r) => r.staff), get('/api/branches').then((r) => r.branches)]);
    loadError = null;
  } catch (err) {
    loadError = err;
  }
  render();
}

function showOtp(account, password) {
  otp = { name: account.display_name, username: account.username, password };
  $('welcome-hello').textContent = t('admin.welcome.hello', { name: otp.name });
  $('welcome-address').textContent = `${location.origin}/login`;
  $('welcome-username').textContent = otp.username;
  $('welcome-password').textContent = otp.password;
  $('otp-box').hidden = false;
  render();
  $('otp-box').focus();
}

// ---- adding someone ----

$('add-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = addFields.display_name.value.trim();
  const username = addFields.username.value.trim();
  const problems = {};
  if (!name) problems.display_name = { key: 'field.required' };
  if (!username) problems.username = { key: 'field.required' };
  else if (!USERNAME.test(username)) problems.username = { key: 'admin.staff.username_hint' };
  addErrors.set(problems);
  if (addErrors.hasErrors()) {
    addErrors.focusFirst();
    return;
  }
  busy($('add-submit'), true, 'admin.staff.add');
  try {
    const made = await post('/api/staff', { display_name: name, username, role: addFields.role.value,
      branch: addFields.branch.value || null });
    addErrors.clear();
    addFields.display_name.value = '';
    addFields.username.value = '';
    await load();
    showOtp(made, made.one_time_password);
  } catch (err) {
    addErrors.fromApi(err);
    addErrors.focusFirst();
  } finally {
    busy($('add-submit'), false, 'admin.staff.add');
  }
});

// ---- changing someone ----

function openEditor(account) {
  editing = account;
  editErrors.clear();
  editFields.display_name.value = account.display_name;
  render();
  editFields.role.value = account.role;
  editFields.branch.value = account.branch || '';
  editFields.disabled.checked = account.disabled;
  $('edit-panel').hidden = false;
  $('edit-heading').focus();
}

function closeEditor() {
  const id = editing?.id;
  editing = null;
  $('edit-panel').hidden = true;
  document.querySelector(`[data-edit="${id}"]`)?.focus();
}

$('staff-table').addEventListener('click', (event) => {
  const button = event.target.closest('[data-edit]');
  if (button) openEditor(staff.find((s) => s.id === Number(button.dataset.edit)));
});
$('edit-cancel').addEventListener('click', closeEditor);
$('edit-panel').addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closeEditor();
});

$('edit-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = editFields.display_name.value.trim();
  editErrors.set(name ? {} : { display_name: { key: 'field.required' } });
  if (editErrors.hasErrors()) {
    editErrors.focusFirst();
    return;
  }
  const body = {};
  if (name !== editing.display_name) body.display_name = name;
  if (editFields.role.value !== editing.role) body.role = editFields.role.value;
  if ((editFields.branch.value || null) !== editing.branch) body.branch = editFields.branch.value || null;
  if (editFields.disabled.checked !== editing.disabled) body.disabled = editFields.disabled.checked;
  busy($('edit-save'), true, 'admin.form.save');
  try {
    const saved = Object.keys(body).length ? await patch(`/api/staff/${editing.id}`, body) : editing;
    status = { key: 'admin.staff.saved', params: { name: saved.display_name } };
    await load();
    closeEditor();
  } catch (err) {
    editErrors.fromApi(err);
    editErrors.focusFirst();
  } finally {
    busy($('edit-save'), false, 'admin.form.save');
  }
});

$('edit-reset').addEventListener('click', async () => {
  busy($('edit-reset'), true, 'admin.staff.reset');
  try {
    const account = await patch(`/api/staff/${editing.id}`, { reset_password: true });
    editing = null;
    $('edit-panel').hidden = true;
    await load();
    showOtp(account, account.one_time_password);
  } catch (err) {
    editErrors.fromApi(err);
    editErrors.focusFirst();
  } finally {
    busy($('edit-reset'), false, 'admin.staff.reset');
  }
});

// ---- the one-time password and its welcome sheet ----

$('otp-print').addEventListener('click', () => {
  document.body.classList.add('printing-welcome');
  window.print();
});
window.addEventListener('afterprint', () => document.body.classList.remove('printing-welcome'));
$('otp-done').addEventListener('click', () => {
  otp = null;
  for (const id of ['otp-code', 'welcome-password']) $(id).textContent = '';
  $('otp-box').hidden = true;
  $('add-name').focus();
});

if (user) {
  onLangChange(render);
  await load();
  document.body.dataset.ready = 'true';
}
