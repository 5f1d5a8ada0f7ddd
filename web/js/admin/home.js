// home: /admin, where managers and admins land after logging in: the admin sections their role
// may open (SECTIONS of page.js, the same list as the navigation), each with what it is for.
import { onLangChange, t } from '../i18n.js';
import { atLeast } from '../roles.js';
import { SECTIONS, startAdminPage } from './page.js';
import { h } from '../desk/util.js';
import { get } from '../api.js';

const user = await startAdminPage('manager');
if (user) {
  const branch = user.branch ? (await get(`/api/branches/${user.branch}`).catch(() => null))?.name || user.branch : null;
  const render = () => {
    document.title = t('admin.home.title');
    document.getElementById('home-scope').textContent = user.branch
      ? t('admin.home.scope_branch', { branch }) : t('admin.home.scope_network');
    document.getElementById('home-sections').replaceChildren(...SECTIONS.filter((s) => atLeast(user, s.role))
      .map((s) => h('li', { class: 'card section-card' },
        h('h2', {}, h('a', { href: s.href, text: t(s.key) })),
        h('p', { text: t(s.about) }))));
  };
  render();
  onLangChange(render);
}
