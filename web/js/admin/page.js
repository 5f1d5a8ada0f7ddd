// page: what the admin pages share: the top bar (who is logged in, the way back
// to the desk, the language switch, logging out) and the navigation that shows each role what
// it may open.
import { initI18n, onLangChange, t } from '../i18n.js';
import { logout, requireUser } from '../api.js';
import { atLeast } from '../roles.js';

function showWho(user) {
  const who = document.getElementById('admin-who');
  if (who) who.textContent = t('admin.who', { name: user.display_name, role: t(`admin.role.${user.role}`) });
}

/**
 * Start an admin page: translate it, wait for the logged-in user (a page without a session goes
 * to the login page), fill the top bar, and show the links of [data-min-role] only to staff with
 * that role or higher. Resolves the user { id, username, display_name, role, branch }.
 */
export async function startAdminPage() {
  initI18n();
  const user = await requireUser();
  showWho(user);
  onLangChange(() => showWho(user));
  for (const el of document.querySelectorAll('[data-min-role]')) el.hidden = !atLeast(user, el.dataset.minRole);
  document.getElementById('admin-logout')?.addEventListener('click', () => logout());
  return user;
}
