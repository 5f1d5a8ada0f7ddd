// desk/overdue: loans past their due date, the oldest first, with the phone number to call
// (GET /api/loans?status=overdue carries it for staff): the borrower's, or a child's guardian's;
// what was sent about each loan and when (GET /api/messages?loans=...), and one click to note that
// the borrower was phoned; the code leads to the item's page, where a manager closes a loan long
// overdue as lost.
import { t } from '../i18n.js';
import { errorMessage, get, post } from '../api.js';
import { beep, dueText, h, messageText, pagedList, phoneText } from './util.js';

export function createOverdue() {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-overdue');
  const listEl = $('overdue-list');
  const more = $('overdue-more');
  const loans = pagedList('/api/loans?status=overdue', 'loans', pageCame);
  let contacts = new Map(); // loan id -> its messages, newest first
  let callError = null;

  function render() {
    const count = $('overdue-count');
    const error = loans.error || callError;
    if (error) count.textContent = errorMessage(error);
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
        h('span', { class: 'desk-hint', text: `${dueText(l.due_date)} · ${t('desk.late_days', { n: l.overdue_days })}` }),
        h('span', { class: 'desk-hint', text: (contacts.get(l.id) || []).slice(0, 3).map(messageText).join(' · ')
          || t('desk.overdue.no_contact') }),
        b ? h('button', { type: 'button', class: 'button desk-small', text: t('desk.messages.called'),
          dataset: { loan: l.id },
          'aria-label': t('desk.overdue.called_label', { name: b.name, code: l.item.code }),
          onclick: () => called(l) }) : null);
    }));
    more.hidden = !loans.hasMore;
  }

  /** Show the page that came, then what was sent about its loans (a page of at most 100). */
  async function pageCame() {
    render();
    const fresh = (loans.rows || []).filter((l) => !contacts.has(l.id));
    if (!fresh.length) return;
    try {
      const res = await get(`/api/messages?loans=${fresh.map((l) => l.id).join(',')}`);
      for (const l of fresh) contacts.set(l.id, []);
      for (const m of res.messages) for (const id of m.loans) contacts.get(id)?.push(m);
    } catch {
      return; // the list stands without them
    }
    render();
  }

  async function called(loan) {
    try {
      const m = await post(`/api/borrowers/${loan.borrower.id}/calls`, { loan_ids: [loan.id] });
      contacts.set(loan.id, [m, ...(contacts.get(loan.id) || [])]);
      callError = null;
      beep('ok');
    } catch (err) {
      callError = err;
      beep('problem');
    }
    render();
    listEl.querySelector(`button[data-loan="${loan.id}"]`)?.focus(); // the list was drawn anew
  }

  more.addEventListener('click', loans.more);

  return {
    el,
    title: 'desk.overdue.title',
    async show() {
      loans.rows = null;
      contacts = new Map();
      render();
      $('overdue-heading').tabIndex = -1;
      $('overdue-heading').focus();
      await loans.load();
    },
    render,
  };
}
