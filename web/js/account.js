// account: /account, where everyone changes their own password (POST /api/account/password).
// Someone who logged in with a one-time password comes here first (api.js sends them), is told
// why, and goes on to ?next= (or where their role starts) once their own password is set. A
// password is never shown again, not even in an error.
import { onLangChange, t } from './i18n.js';
import { post, safeNext } from './api.js';
import { startAdminPage, startPage } from './admin/page.js';
import { busy, formErrors } from './admin/form.js';

const $ = (id) => document.getElementById(id);
const form = $('account-form');
const current = $('current-password');
const fresh = $('new-password');
const repeat = $('repeat-password');
const submit = $('account-submit');
const errors = formErrors({ current_password: current, new_password: fresh, repeat }, $('account-error'));
const MIN_CHARS = 10;

const user = await startAdminPage(null, 'account');
let mustChange = user.must_change_password;
const sayWho = () => {
  $('account-who').textContent = t('account.who', { name: user.display_name, username: user.username });
};
sayWho();
onLangChange(sayWho);
$('account-must').hidden = !mustChange;
busy(submit, false, 'account.save');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  $('account-done').hidden = true;
  const problems = {};
  if (!current.value) problems.current_password = { key: 'account.current_missing' };
  if ([...fresh.value].length < MIN_CHARS) problems.new_password = { key: 'field.too_short' };
  else if (fresh.value === current.value) problems.new_password = { key: 'field.unchanged' };
  if (!problems.new_password && repeat.value !== fresh.value) problems.repeat = { key: 'account.repeat_differs' };
  errors.set(problems);
  if (errors.hasErrors()) {
    errors.focusFirst();
    return;
  }
  busy(submit, true, 'account.save');
  try {
    await post('/api/account/password', { current_password: current.value, new_password: fresh.value });
    for (const input of [current, fresh, repeat]) input.value = '';
    errors.clear();
    if (mustChange) {
      mustChange = false;
      location.assign(safeNext(new URLSearchParams(location.search).get('next')) || startPage(user));
      return;
    }
    $('account-done').textContent = t('account.done');
    $('account-done').hidden = false;
  } catch (err) {
    errors.fromApi(err);
    errors.focusFirst();
  } finally {
    busy(submit, false, 'account.save');
  }
});
