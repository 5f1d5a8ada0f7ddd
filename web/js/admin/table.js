// table: the tables of the admin pages and their CSV files, both made from one model, so that
// the file holds exactly the numbers the page shows (to full precision of the model).
//
//   const model = {
//     id: 'categories',                       // in the file name
//     columns: [{ label: 'Kategori' }, { label: 'Lån', kind: 'int' }, { label: 'Andel (%)', kind: 'pct', bar: true }],
//     rows: [['Längdskidor', 120, 0.4], ...],  // raw values; null is empty
//     foot: [['Summa', 300, 1]],               // optional
//   };
//   wrap.replaceChildren(renderTable(model, headingId));
//   download(`${name}.csv`, toCsv(model));
//
// A cell is a raw value or { value, note, kind } (the note is shown after the value, muted, and
// left out of the file; kind overrides the column's for this cell). Kinds: text (default), int, dec1, dec2 (numbers with that many decimals),
// pct (a share 0..1 shown and written as a percentage with one decimal).
import { lang, locale } from '../i18n.js';

const DECIMALS = { int: 0, dec1: 1, dec2: 2, pct: 1 };

const valueOf = (cell) => (cell !== null && typeof cell === 'object' ? cell.value : cell);
const noteOf = (cell) => (cell !== null && typeof cell === 'object' ? cell.note : null);
const kindOf = (cell, column) => (cell !== null && typeof cell === 'object' && cell.kind) || column.kind || 'text';
const numeric = (kind) => kind in DECIMALS;

/** A number as the page shows it, in the current language (grouped digits, decimal comma in sv). */
export function formatNumber(value, kind = 'int') {
  if (value === null || value === undefined) return '–';
  const digits = DECIMALS[kind] ?? 0;
  const n = kind === 'pct' ? value * 100 : value;
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** A number as a CSV file holds it: no grouping, a decimal comma in Swedish (as Excel reads it). */
export function csvNumber(value, kind = 'int') {
  if (value === null || value === undefined) return '';
  const digits = DECIMALS[kind] ?? 0;
  const text = (kind === 'pct' ? value * 100 : value).toFixed(digits);
  return lang() === 'sv' ? text.replace('.', ',') : text;
}

/** One field of a CSV line: quoted when it holds a separator, quote or line break. */
function csvField(text) {
  let s = String(text);
  // A text beginning like a formula would run as one in a spreadsheet: keep it text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[";\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The model as CSV text: a header line, then rows and foot; ";" between fields, CRLF after lines. */
export function toCsv(model) {
  const line = (cells) => cells.map((cell, i) => {
    const kind = kindOf(cell, model.columns[i]);
    const v = valueOf(cell);
    return numeric(kind) ? csvNumber(v, kind) : csvField(v ?? '');
  }).join(';');
  const lines = [model.columns.map((c) => csvField(c.label)).join(';'),
    ...model.rows.map(line), ...(model.foot || []).map(line)];
  return `${lines.join('\r\n')}\r\n`;
}

/** Let the browser save text as a CSV file: UTF-8 with a byte order mark, so Excel reads å, ä, ö. */
export function download(filename, csvText) {
  const blob = new Blob(['\ufeff', csvText], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function cellNode(tag, cell, column, max, bars) {
  const kind = kindOf(cell, column);
  const v = valueOf(cell);
  // Aligned by the column: a hidden figure ("< 5") stands where the numbers stand.
  const node = el(tag, { className: numeric(kind) || numeric(column.kind || 'text') ? 'num' : '' });
  if (tag === 'th') node.scope = 'row';
  if (bars && column.bar && typeof v === 'number') {
    // The bar is decoration; the number beside it is what is read out.
    const bar = el('span', { className: 'bar' });
    bar.setAttribute('aria-hidden', 'true');
    bar.style.width = `${max > 0 ? Math.max(0, (v / max) * 100) : 0}%`;
    node.append(el('span', { className: 'bar-cell' }, [el('span', { className: 'bar-track' }, [bar]),
      el('span', { className: 'bar-value' }, [formatNumber(v, kind)])]));
  } else {
    node.append(numeric(kind) ? formatNumber(v, kind) : String(v ?? '–'));
  }
  const note = noteOf(cell);
  if (note) node.append(' ', el('span', { className: 'note' }, [note]));
  return node;
}

/**
 * The model as a <table> in a scrollable region named by the heading labelledBy (an id). The
 * first cell of each row is its header.
 */
export function renderTable(model, labelledBy) {
  const max = model.columns.map((c, i) => (c.bar ? Math.max(0, ...model.rows.map((r) => valueOf(r[i]) ?? 0)) : 0));
  const head = el('thead', {}, [el('tr', {}, model.columns.map((c) =>
    el('th', { scope: 'col', className: numeric(c.kind) ? 'num' : '' }, [c.label])))]);
  const row = (cells, className, bars) => {
    const tr = el('tr', { className });
    cells.forEach((cell, i) => tr.append(cellNode(i === 0 ? 'th' : 'td', cell, model.columns[i], max[i], bars)));
    return tr;
  };
  const table = el('table', { className: 'data' }, [head, el('tbody', {}, model.rows.map((r, i) => row(r, model.rowClass?.[i] || '', true)))]);
  if (model.foot?.length) table.append(el('tfoot', {}, model.foot.map((r) => row(r, '', false))));
  table.setAttribute('aria-labelledby', labelledBy);
  table.dataset.table = model.id;
  const wrap = el('div', { className: 'table-wrap', tabIndex: 0 }, [table]);
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-labelledby', labelledBy);
  return wrap;
}
