// desk/borrower-picker: choosing a borrower at the desk, the one way every screen does it. A
// search finds borrowers by name, phone or card; one clear match (a card scanned, or the only
// borrower found) is taken at once, but several are listed with what tells people of the same name
// apart (the last four digits of the phone, the card, the branch, the birth year when the API
// gives one) and wait for an explicit choice: Enter in the search field never takes the first.
//
//   const picker = createBorrowerPicker(ctx, { input, list, onPick: (b) => ... });
//   const { borrower, found } = await findBorrowers(text);  // borrower: the clear match, or null
//   if (!borrower && found.length) picker.show(found);       // the volunteer chooses
import { t } from '../i18n.js';
import { get } from '../api.js';
import { h } from './util.js';

/** The last four digits of a phone number, as "…4567". */
function phoneEnd(phone) {
  const digits = (phone || '').replace(/\D/g, '');
  return digits ? `…${digits.slice(-4)}` : '';
}

/**
 * What tells a borrower apart from others of the same name, in words: "tel. …4567 · kort AB-12 ·
 * Fritidsbanken Deje · född 1987 · 2 lån nu · spärrad". A child is lent to on the guardian's word:
 * the guardian comes first ("målsman: Anna Andersson"), and the phone is the guardian's unless
 * the child has one.
 */
export function borrowerTells(ctx, b) {
  const phone = b.phone ?? b.guardian?.phone;
  return [
    b.guardian ? t('desk.borrower.guardian_is', { name: b.guardian.name }) : null,
    phone ? t('desk.picker.phone_end', { digits: phoneEnd(phone) }) : null,
    b.card ? t('desk.borrower.card_is', { card: b.card }) : null,
    b.branch ? ctx.branchName(b.branch) : null,
    b.birth_year ? t('desk.picker.born', { year: b.birth_year }) : null,
    t('desk.borrower.loans_now', { n: b.open_loans_count ?? b.open_loans?.length ?? 0 }),
    b.blocked ? t('desk.borrower.blocked') : null,
  ].filter(Boolean).join(' · ');
}

/**
 * The borrowers a search text finds, and the one it clearly means: the only borrower whose card
 * is the text, or else the only borrower found; null when it is not clear. Throws ApiError.
 */
export async function findBorrowers(text) {
  const found = (await get(`/api/borrowers?q=${encodeURIComponent(text)}`)).borrowers;
  const byCard = found.filter((b) => b.card && b.card.toLowerCase() === text.toLowerCase());
  const borrower = byCard.length === 1 ? byCard[0] : found.length === 1 ? found[0] : null;
  return { found, borrower };
}

/**
 * The list of borrowers to choose from, under a search field: each a button with the name and
 * what tells them apart. Up and Down move between them and back to the field; Enter or a click
 * on one calls onPick(borrower).
 */
export function createBorrowerPicker(ctx, { input, list, onPick }) {
  let shown = null; // the borrowers listed, or null

  function render() {
    list.replaceChildren(...(shown || []).map((b) => h('li', {},
      h('button', { type: 'button', class: 'desk-match', dataset: { id: b.id }, onclick: () => onPick(b) },
        h('span', { class: 'desk-match-name', text: b.name }),
        h('span', { class: 'desk-match-details', text: borrowerTells(ctx, b) })))));
    list.hidden = !shown || !shown.length;
  }

  list.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...list.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement);
    event.preventDefault();
    if (event.key === 'ArrowDown') buttons[Math.min(i + 1, buttons.length - 1)].focus();
    else if (i <= 0) input.focus();
    else buttons[i - 1].focus();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && !list.hidden) {
      event.preventDefault();
      list.querySelector('button')?.focus();
    }
  });

  render();
  return {
    /** List borrowers to choose from (null or [] hides the list). */
    show(borrowers) {
      shown = borrowers;
      render();
    },
    clear() {
      shown = null;
      render();
    },
    /** Whether borrowers are listed and waiting for a choice. */
    get waiting() {
      return Boolean(shown?.length);
    },
    render,
  };
}
