// login: the login page. After a login the browser goes to ?next= (a path of this site only),
// or where the role starts: the administration for managers and admins, the desk for volunteers.
// Someone who logged in with a one-time password goes to /account first, to choose their own.
// Errors are said in words, in the current language, and focus goes where the user can act on them.
import { initI18n, onLangChange, t } from './i18n.js';
import { accountUrl, currentUser, errorMessage, login, safeNext } from './api.js';
import { startPage } from './admin/page.js';

const form = document.getElementById('login-form');
const username = document.getElementById('username');
const password = document.getElementById('password');
const submit = document.getElementById('login-submit');
const alert = document.getElementById('login-error');
const asked = safeNext(new URLSearchParams(location.search).get('next'));

/** Where a user goes after logging in. */
function onward(user) {
  const next = asked || startPage(user);
  return user.must_change_password ? accountUrl(next) : next;
}

// What is on show, kept as keys and errors so that a language switch can say it again.
let shown = { error: null, fields: {} };

function render() {
  alert.hidden = !shown.error;
  alert.textContent = shown.error ? errorMessage(shown.error) : '';
  for (const input of [username, password]) {
    const key = shown.fields[input.name];
    const note = document.getElementById(`${input.name}-error`);
    note.hidden = !key;
    note.textContent = key ? t(key) : '';
    if (key) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

function setBusy(busy) {
  submit.disabled = busy;
  form.setAttribute('aria-busy', String(busy));
  submit.textContent = t(busy ? 'login.busy' : 'login.submit');
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  shown = { error: null, fields: {} };
  if (!username.value.trim()) shown.fields.username = 'login.username_missing';
  if (!password.value) shown.fields.password = 'login.password_missing';
  render();
  if (shown.fields.username || shown.fields.password) {
    (shown.fields.username ? username : password).focus();
    return;
  }
  setBusy(true);
  try {
    const user = await login(username.value.trim(), password.value);
    location.assign(onward(user));
    return;
  } catch (err) {
    shown.error = err;
    if (err.code === 'invalid_credentials') password.value = '';
    render();
    password.focus();
  }
  setBusy(false);
});

onLangChange(() => {
  render();
  setBusy(submit.disabled);
});

initI18n();
setBusy(false);
// Someone already logged in goes straight on.
const already = await currentUser().catch(() => null);
if (already) location.replace(onward(already));
