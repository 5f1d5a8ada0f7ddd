// desk/overdue: loans past their due date, the oldest first, with the phone number to call
// (GET /api/loans?status=overdue carries it for staff): the borrower's, or a child's guardian's.
import { t } from '../i18n.js';
import { errorMessage, get } from '../api.js';
import { dueText, h, phoneText } from './util.js';

export function createOverdue() {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-overdue');
  const listEl = $('overdue-list');
  const more = $('overdue-more');
  let loans = null;
  let page = 1;
  let hasMore = false;
  let error = null;

  function render() {
    const count = $('overdue-count');
    if (error) count.textContent = errorMessage(error);
    else if (!loans) count.textContent = t('common.loading');
    else count.textContent = loans.length ? t('desk.overdue.count', { n: loans.length }) : t('desk.overdue.none');
    listEl.replaceChildren(...(loans || []).map((l) => {
      const b = l.borrower;
      const call = b?.guardian ?? b; // whom to contact about the loan
      return h('li', { class: 'desk-row desk-row-late' },
        h('span', { class: 'desk-row-title' }, b
          ? h('a', { href: `/desk/borrowers/${b.id}`, text: b.name })
          : t('desk.overdue.erased')),
        b?.guardian ? h('span', { class: 'desk-hint', text: t('desk.borrower.guardian_is', { name: b.guardian.name }) }) : null,
        call?.phone ? h('a', { class: 'desk-phone', href: `tel:${call.phone}`,
          'aria-label': t('desk.overdue.call', { name: call.name, phone: phoneText(call.phone) }),
          text: phoneText(call.phone) }) : null,
        h('span', {}, h('span', { class: 'desk-code-inline', text: l.item.code }), ` ${l.item.name}`),
        h('span', { class: 'desk-hint', text: `${dueText(l.due_date)} · ${t('desk.late_days', { n: l.overdue_days })}` }));
    }));
    more.hidden = !hasMore;
  }

  async function load(next = 1) {
    try {
      const res = await get(`/api/loans?status=overdue&page=${next}`);
      loans = next === 1 ? res.loans : [...loans, ...res.loans];
      page = next;
      hasMore = res.has_more;
      error = null;
    } catch (err) {
      error = err;
    }
    render();
  }

  more.addEventListener('click', () => load(page + 1));

  return {
    el,
    title: 'desk.overdue.title',
    async show() {
      loans = null;
      render();
      $('overdue-heading').tabIndex = -1;
      $('overdue-heading').focus();
      await load();
    },
    render,
  };
}
