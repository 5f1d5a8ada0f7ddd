// page: the top bar every staff page shares (the desk, the admin pages, the account page), drawn
// here from SECTIONS: the skip link, the way to the desk and to the administration, the admin
// sections each role may open, who is logged in (a link to their account), the language switch
// and logging out. And the start of an admin page. An admin page's HTML holds only its
// <main id="main">; a new page adds one line to SECTIONS, and the /admin landing page lists it.
import { initI18n, onLangChange, t, translate } from '../i18n.js';
import { logout, requireUser } from '../api.js';
import { atLeast } from '../roles.js';

/**
 * The admin pages in the order of the navigation: address, the keys of its name and of what it
 * is for (the landing page says it), and the least role that may open it.
 */
export const SECTIONS = [
  { href: '/admin/stats', key: 'admin.nav.stats', about: 'admin.about.stats', role: 'manager' },
  { href: '/admin/branches', key: 'admin.nav.branches', about: 'admin.about.branches', role: 'manager' },
  { href: '/admin/staff', key: 'admin.nav.staff', about: 'admin.about.staff', role: 'admin' },
  { href: '/admin/categories', key: 'admin.nav.categories', about: 'admin.about.categories', role: 'manager' },
  { href: '/admin/texts', key: 'admin.nav.texts', about: 'admin.about.texts', role: 'manager' },
  { href: '/admin/messages', key: 'admin.nav.messages', about: 'admin.about.messages', role: 'manager' },
];

/** Where staff start: the administration for managers and admins, the desk for volunteers. */
export function startPage(user) {
  return atLeast(user, 'manager') ? '/admin' : '/desk';
}

/**
 * Put the skip link and the top bar first in <body>. area is 'desk' (the desk and the way to the
 * administration), 'admin' (every section too) or 'account'. Links wait hidden for the user's
 * role (showForRole). The logout button is #topbar-logout; the caller decides what it does.
 */
export function drawTopBar(area) {
  const here = location.pathname.replace(/(\.html)?\/*$/, '') || '/'; // /admin/stats, /admin/stats.html
  // The link of this page is marked current and always shown (its page says who may use it).
  const link = (href, key, role) => (href === here || (href === '/desk' && here.startsWith('/desk'))
    ? `<a href="${href}" aria-current="page" data-i18n="${key}"></a>`
    : `<a href="${href}" data-i18n="${key}"${role ? ` data-min-role="${role}" hidden` : ''}></a>`);
  const links = [link('/desk', 'admin.nav.desk'), link('/admin', 'admin.nav.admin', 'manager')];
  if (area === 'admin') links.push(...SECTIONS.map(({ href, key, role }) => link(href, key, role)));
  document.body.insertAdjacentHTML('afterbegin', `
  <a class="skip-link" href="#main" data-i18n="common.skip"></a>
  <header class="topbar">
    <a class="brand" href="/desk">hylla</a>
    <nav class="topbar-nav" data-i18n-attr="aria-label:admin.nav">
      ${links.join('\n      ')}
    </nav>
    <span class="topbar-end">
      <a class="topbar-who" id="topbar-who" href="/account"${here === '/account' ? ' aria-current="page"' : ''}></a>
      <button type="button" class="button button-quiet" data-lang-switch></button>
      <button type="button" class="button button-quiet" id="topbar-logout" data-i18n="common.logout"></button>
    </span>
  </header>`);
}

/** Say who is logged in, and show the [data-min-role] elements their role may use. */
export function showForRole(user) {
  const who = document.getElementById('topbar-who');
  const say = () => {
    who.textContent = t('admin.who', { name: user.display_name || user.username, role: t(`admin.role.${user.role}`) });
    who.append(Object.assign(document.createElement('span'), { className: 'visually-hidden', textContent: ` – ${t('admin.who_label')}` }));
  };
  say();
  onLangChange(say);
  for (const el of document.querySelectorAll('[data-min-role]')) el.hidden = !atLeast(user, el.dataset.minRole);
}

/**
 * Start an admin page: draw the top bar, translate the page, wait for the logged-in user (a page
 * without a session goes to the login page), and show what their role may use. With role, a
 * user below it sees the page's [data-denied] box (its text from the key in data-denied) instead
 * of the page, and the promise resolves null: the API refuses them anyway, the page says so.
 * Resolves the user { id, username, display_name, role, branch } otherwise.
 */
export async function startAdminPage(role = null, area = 'admin') {
  drawTopBar(area);
  initI18n();
  document.getElementById('topbar-logout').addEventListener('click', () => logout());
  const user = await requireUser();
  showForRole(user);
  if (role && !atLeast(user, role)) {
    for (const el of document.querySelectorAll("main > :not([data-denied]):not(h1)")) el.hidden = true;
    const box = document.querySelector('[data-denied]');
    box.querySelector('[role="alert"]').dataset.i18n = box.dataset.denied;
    translate(box);
    box.hidden = false;
    return null;
  }
  return user;
}
