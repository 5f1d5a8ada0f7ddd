// desk/print: what the desk prints, through the browser's own print dialog with exact physical
// sizes: item labels and borrower cards (SVG from the server, laid out on A4 label sheets or one
// to a roll label, see .print-* in desk.css), a test page that shows where the labels of a
// format lie, and a loan receipt; then the question whether labels came out right, whose yes
// records them as printed. Everything printed is built in <div id="print-area">, which only
// print media shows; each page names its @page size through its class.
import { t, locale } from '../i18n.js';
import { post } from '../api.js';
import { sizeText } from '../item.js';
import { addDays, spansOn, spansText } from '../public/hours.js';
import { beep, dueText, h, phoneText, say } from './util.js';

/** The label formats (src/core/label.h): their sheet, if any, and their label size in mm. */
export const LABEL_FORMATS = {
  'a4-3x8': { cols: 3, rows: 8, w: 70, h: 37 },
  'a4-3x7': { cols: 3, rows: 7, w: 70, h: 42.3 },
  'roll-62': { cols: 1, rows: 1, w: 62, h: 40 },
  'roll-29x90': { cols: 1, rows: 1, w: 90, h: 29 },
};
export const RECEIPT_FORMATS = ['receipt-80', 'receipt-58', 'a6'];

const area = () => document.getElementById('print-area');
const perPage = (format) => LABEL_FORMATS[format].cols * LABEL_FORMATS[format].rows;

/** Resolve when every image of el has loaded (a label printed before its image is blank). */
async function loaded(el) {
  await Promise.all([...el.querySelectorAll('img')].map((img) => img.decode().catch(() => {})));
}

/** Put pages into the print area, wait for their images, and open the print dialog. */
async function print(pages) {
  const el = area();
  el.replaceChildren(...pages);
  await loaded(el);
  document.body.classList.add('printing');
  try {
    window.print(); // returns when the dialog closes
  } finally {
    document.body.classList.remove('printing');
  }
}

/** Print a document (a borrower's copy of their data, say) on plain A4 pages. */
export function printDocument(el) {
  setPageRule('');
  return print([h('div', { class: 'print-page print-document' }, el)]);
}

/**
 * The pages of a format holding the given cells (elements or null for an empty place), skip
 * places of the first sheet left empty (labels already used).
 */
function pagesOf(format, cells, skip = 0) {
  const places = [...Array(skip).fill(null), ...cells];
  const n = perPage(format);
  const pages = [];
  for (let i = 0; i < places.length; i += n)
    pages.push(h('div', { class: `print-page print-${format}` },
      places.slice(i, i + n).map((cell) => h('div', { class: 'print-cell' }, cell))));
  return pages;
}

const labelImage = (src) => h('img', { class: 'print-label', src, alt: '' });

/** Print the labels of these item codes in a format, skipping the first places of a sheet. */
export function printLabels(codes, format, { skip = 0 } = {}) {
  return print(pagesOf(format, codes.map((code) =>
    labelImage(`/api/items/${encodeURIComponent(code)}/label.svg?format=${format}`)), skip));
}

/** Print a borrower's card in a format. */
export function printCard(borrowerId, format) {
  return print(pagesOf(format, [labelImage(`/api/borrowers/${borrowerId}/card.svg?format=${format}`)]));
}

/** Print a test page: every label place of one sheet (or one roll label) outlined and numbered. */
export function printTestPage(format) {
  const f = LABEL_FORMATS[format];
  const cells = Array.from({ length: perPage(format) }, (_, i) => h('div', { class: 'print-test' },
    h('span', { class: 'print-test-number', text: String(i + 1) }),
    h('span', { text: `${String(f.w).replace('.', ',')} × ${String(f.h).replace('.', ',')} mm` }),
    i === 0 ? h('span', { text: t(`desk.labels.format.${format}`) }) : null));
  return print(pagesOf(format, cells));
}

/**
 * Ask whether printed labels came out right: shows box (with its text element and yes/no
 * buttons) and records the codes as printed on yes. onDone(recorded, error) is called either way.
 */
export function confirmPrinted({ box, text, yes, no, codes, onDone }) {
  say(text, t('desk.labels.confirm', { n: codes.length }));
  box.hidden = false;
  yes.focus();
  const finish = async (ok) => {
    yes.onclick = null;
    no.onclick = null;
    let err = null;
    if (ok) {
      try {
        await post('/api/labels/printed', { items: codes });
      } catch (e) {
        err = e;
      }
    }
    box.hidden = true;
    beep(err ? 'problem' : 'ok');
    onDone(ok && !err, err);
  };
  yes.onclick = () => finish(true);
  no.onclick = () => finish(false);
}

/** The branch's phone, e-mail and other contact words, as its settings give them, in one line. */
const contactOf = (branch) => [phoneText(branch.phone), branch.email, branch.contact].filter(Boolean).join(', ');

/**
 * A loan receipt: the branch, the borrower's first name (no other personal data: a receipt gets
 * left on a bench), each item with its code and size, the due date in words, the branch's
 * opening hours in the week from the due date on, and its contact.
 */
export function receiptOf({ branch, borrowerName, loans, dueDate }) {
  const first = (borrowerName || '').trim().split(/\s+/)[0];
  const weekday = new Intl.DateTimeFormat(locale(), { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
  const days = Array.from({ length: 7 }, (_, i) => addDays(dueDate, i));
  return h('div', { class: 'receipt' },
    h('p', { class: 'receipt-branch', text: branch?.name || '' }),
    first ? h('p', { text: t('desk.receipt.hello', { name: first }) }) : null,
    h('p', { text: t('desk.receipt.lent', { n: loans.length }) }),
    h('ul', { class: 'receipt-items' }, loans.map((l) => h('li', {},
      h('span', { class: 'receipt-code', text: l.code }), ` ${l.name}`,
      l.size ? h('span', { class: 'receipt-size', text: ` · ${sizeText(l.size)}` }) : null))),
    h('p', { class: 'receipt-due', text: dueText(dueDate) }),
    branch ? h('div', {},
      h('p', { class: 'receipt-heading', text: t('desk.receipt.hours') }),
      h('ul', { class: 'receipt-hours' }, days.map((d) => {
        const spans = spansOn(branch, d);
        const [y, m, day] = d.split('-').map(Number);
        return h('li', {}, `${weekday.format(new Date(Date.UTC(y, m - 1, day)))}: `,
          spans.length ? spansText(spans) : t('desk.receipt.closed'));
      })),
      contactOf(branch) ? h('p', { text: t('desk.receipt.contact', { contact: contactOf(branch) }) }) : null) : null,
    h('p', { class: 'receipt-thanks', text: t('desk.receipt.thanks') }));
}

/** A constructed style sheet for what CSS cannot know beforehand (a receipt's length). */
let sized = null;
function setPageRule(rule) {
  sized ??= new CSSStyleSheet();
  sized.replaceSync(rule);
  if (!document.adoptedStyleSheets.includes(sized)) document.adoptedStyleSheets = [...document.adoptedStyleSheets, sized];
}

/**
 * Print a receipt (an element) on a receipt format. A receipt roll's page is as long as the
 * receipt, measured once it is laid out, so the printer cuts right after it.
 */
export async function printReceipt(receipt, format) {
  const page = h('div', { class: `print-page print-${format}` }, receipt);
  if (format === 'a6') return print([page]);
  // Lay it out at its printed width, off screen, to measure its length.
  const probe = h('div', { class: 'print-measure' }, page);
  document.body.append(probe);
  const mm = (page.getBoundingClientRect().height * 25.4) / 96;
  probe.remove();
  setPageRule(`@page ${format} { size: ${format === 'receipt-58' ? 58 : 80}mm ${Math.ceil(mm) + 6}mm; margin: 0; }`);
  return print([page]);
}
