// page: what the admin pages share: the top bar, drawn here for every page from SECTIONS (the
// skip link, the way back to the desk, the navigation, who is logged in, the language switch and
// logging out), and the start of a page. An admin page's HTML holds only its <main id="main">;
// a new page adds one line to SECTIONS.
import { initI18n, onLangChange, t } from '../i18n.js';
import { logout, requireUser } from '../api.js';
import { atLeast } from '../roles.js';

/** The admin pages in the order of the navigation: address, the key of its name, least role. */
export const SECTIONS = [
  { href: '/admin/stats', key: 'admin.nav.stats', role: 'manager' },
  { href: '/admin/categories', key: 'admin.nav.factors', role: 'manager' },
  { href: '/admin/messages', key: 'admin.nav.messages', role: 'manager' },
];

/**
 * The skip link and the top bar, put first in <body>. The link of this page is marked current
 * and always shown (its page says who may use it); the others wait for the user's role.
 */
function drawTopBar() {
  const here = location.pathname.replace(/(\.html)?\/*$/, ''); // /admin/stats, /admin/stats.html
  const links = SECTIONS.map(({ href, key, role }) => (href === here
    ? `<a href="${href}" aria-current="page" data-i18n="${key}"></a>`
    : `<a href="${href}" data-min-role="${role}" hidden data-i18n="${key}"></a>`));
  document.body.insertAdjacentHTML('afterbegin', `
  <a class="skip-link" href="#main" data-i18n="common.skip"></a>
  <header class="topbar">
    <a class="brand" href="/desk">hylla</a>
    <nav class="admin-nav" data-i18n-attr="aria-label:admin.nav">
      <a href="/desk" data-i18n="admin.nav.desk"></a>
      ${links.join('\n      ')}
    </nav>
    <span class="admin-topbar-end">
      <span class="admin-who" id="admin-who"></span>
      <button type="button" class="button button-quiet" data-lang-switch></button>
      <button type="button" class="button button-quiet" id="admin-logout" data-i18n="common.logout"></button>
    </span>
  </header>`);
}

function showWho(user) {
  document.getElementById('admin-who').textContent =
    t('admin.who', { name: user.display_name, role: t(`admin.role.${user.role}`) });
}

/**
 * Start an admin page: draw the top bar, translate the page, wait for the logged-in user (a page
 * without a session goes to the login page), say who it is, and show the elements marked
 * [data-min-role] only to staff with that role or higher. Resolves the user { id, username,
 * display_name, role, branch }.
 */
export async function startAdminPage() {
  drawTopBar();
  initI18n();
  document.getElementById('admin-logout').addEventListener('click', () => logout());
  const user = await requireUser();
  showWho(user);
  onLangChange(() => showWho(user));
  for (const el of document.querySelectorAll('[data-min-role]')) el.hidden = !atLeast(user, el.dataset.minRole);
  return user;
}
