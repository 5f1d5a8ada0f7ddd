// desk/overdue: loans past their due date, the oldest first, with the phone number to call
// (GET /api/loans?status=overdue carries it for staff): the borrower's, or a child's guardian's;
// the code leads to the item's page, where a manager closes a loan long overdue as lost.
import { t } from '../i18n.js';
import { errorMessage } from '../api.js';
import { dueText, h, pagedList, phoneText } from './util.js';

export function createOverdue() {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-overdue');
  const listEl = $('overdue-list');
  const more = $('overdue-more');
  const loans = pagedList('/api/loans?status=overdue', 'loans', render);

  function render() {
    const count = $('overdue-count');
    if (loans.error) count.textContent = errorMessage(loans.error);
    else if (!loans.rows) count.textContent = t('common.loading');
    else count.textContent = loans.rows.length ? t('desk.overdue.count', { n: loans.rows.length }) : t('desk.overdue.none');
    listEl.replaceChildren(...(loans.rows || []).map((l) => {
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
        h('span', {}, h('a', { class: 'desk-code-inline', href: `/desk/items/${encodeURIComponent(l.item.code)}`, text: l.item.code }),
          ` ${l.item.name}`),
        h('span', { class: 'desk-hint', text: `${dueText(l.due_date)} · ${t('desk.late_days', { n: l.overdue_days })}` }));
    }));
    more.hidden = !loans.hasMore;
  }

  more.addEventListener('click', loans.more);

  return {
    el,
    title: 'desk.overdue.title',
    async show() {
      loans.rows = null;
      render();
      $('overdue-heading').tabIndex = -1;
      $('overdue-heading').focus();
      await loans.load();
    },
    render,
  };
}
