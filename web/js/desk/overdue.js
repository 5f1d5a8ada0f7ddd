// desk/overdue: loans past their due date, the oldest first, with the borrower's phone number
// to call (GET /api/loans?status=overdue carries it for staff), what was sent about each loan
// and when (GET /api/messages?loans=...), and one click to note that the borrower was phoned.
import { t } from '../i18n.js';
import { errorMessage, get, post } from '../api.js';
import { beep, dueText, h, messageText, phoneText } from './util.js';

export function createOverdue() {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-overdue');
  const listEl = $('overdue-list');
  const more = $('overdue-more');
  let loans = null;
  let contacts = new Map(); // loan id -> its messages, newest first
  let page = 1;
  let hasMore = false;
  let error = null;

  function render() {
    const count = $('overdue-count');
    if (error) count.textContent = errorMessage(error);
    else if (!loans) count.textContent = t('common.loading');
    else count.textContent = loans.length ? t('desk.overdue.count', { n: loans.length }) : t('desk.overdue.none');
    listEl.replaceChildren(...(loans || []).map((l) => h('li', { class: 'desk-row desk-row-late' },
      h('span', { class: 'desk-row-title' }, l.borrower
        ? h('a', { href: `/desk/borrowers/${l.borrower.id}`, text: l.borrower.name })
        : t('desk.overdue.erased')),
      l.borrower?.phone ? h('a', { class: 'desk-phone', href: `tel:${l.borrower.phone}`,
        'aria-label': t('desk.overdue.call', { name: l.borrower.name, phone: phoneText(l.borrower.phone) }),
        text: phoneText(l.borrower.phone) }) : null,
      h('span', {}, h('span', { class: 'desk-code-inline', text: l.item.code }), ` ${l.item.name}`),
      h('span', { class: 'desk-hint', text: `${dueText(l.due_date)} · ${t('desk.late_days', { n: l.overdue_days })}` }),
      h('span', { class: 'desk-hint', text: (contacts.get(l.id) || []).slice(0, 3).map(messageText).join(' · ')
        || t('desk.overdue.no_contact') }),
      l.borrower ? h('button', { type: 'button', class: 'button desk-small', text: t('desk.messages.called'),
        dataset: { loan: l.id },
        'aria-label': t('desk.overdue.called_label', { name: l.borrower.name, code: l.item.code }),
        onclick: () => called(l) }) : null)));
    more.hidden = !hasMore;
  }

  /** The messages about these loans, into contacts. */
  async function loadContacts(list) {
    if (!list.length) return;
    const res = await get(`/api/messages?loans=${list.map((l) => l.id).join(',')}`);
    for (const m of res.messages) {
      for (const id of m.loans) contacts.set(id, [...(contacts.get(id) || []), m]);
    }
  }

  async function load(next = 1) {
    try {
      const res = await get(`/api/loans?status=overdue&page=${next}`);
      if (next === 1) contacts = new Map();
      await loadContacts(res.loans);
      loans = next === 1 ? res.loans : [...loans, ...res.loans];
      page = next;
      hasMore = res.has_more;
      error = null;
    } catch (err) {
      error = err;
    }
    render();
  }

  async function called(loan) {
    try {
      const m = await post(`/api/borrowers/${loan.borrower.id}/calls`, { loan_ids: [loan.id] });
      contacts.set(loan.id, [m, ...(contacts.get(loan.id) || [])]);
      beep('ok');
    } catch (err) {
      error = err;
      beep('problem');
    }
    render();
    listEl.querySelector(`button[data-loan="${loan.id}"]`)?.focus(); // the list was drawn anew
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
