// desk/repair: the repair queue at /desk/repair: the branch's items in repair, the longest waiting
// first, each with its fault, who sent it and when, and two buttons: "Lagad" puts it back on the
// shelf, "Skrota" retires it as broken. The code leads to the item's page.
import { t } from '../i18n.js';
import { errorMessage, post } from '../api.js';
import { sizeText } from '../item.js';
import { beep, h, pagedList, shortDate } from './util.js';

export function createRepair() {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-repair');
  const listEl = $('repair-list');
  const more = $('repair-more');
  const queue = pagedList('/api/repairs', 'items', render);
  let error = null; // of a change
  let done = null; // { key, params } after a change
  const busy = new Set();

  function render() {
    const count = $('repair-count');
    const items = queue.rows;
    if (error || queue.error) count.textContent = errorMessage(error || queue.error);
    else if (done) count.textContent = t(done.key, done.params);
    else if (!items) count.textContent = t('common.loading');
    else count.textContent = items.length ? t('desk.repair.count', { n: items.length }) : t('desk.repair.none');
    listEl.replaceChildren(...(items || []).map((i) => h('li', { class: 'desk-row', dataset: { code: i.code } },
      h('span', { class: 'desk-row-title' }, h('a', { class: 'desk-code-inline', href: `/desk/items/${encodeURIComponent(i.code)}`, text: i.code }),
        ` ${i.name}`, i.size ? ` · ${sizeText(i.size)}` : ''),
      h('span', { class: 'desk-hint', text: [i.note ? t('desk.repair.fault', { note: i.note }) : t('desk.repair.no_fault'),
        t(i.staff ? 'desk.repair.sent_by' : 'desk.repair.sent', { name: i.staff?.display_name, date: shortDate(i.since) })].join(' · ') }),
      h('span', { class: 'desk-buttons' },
        h('button', { type: 'button', class: 'button desk-small', disabled: busy.has(i.code),
          'aria-label': t('desk.repair.fixed_label', { code: i.code }), text: t('desk.repair.fixed'),
          onclick: () => change(i, { to: 'available' }, 'desk.repair.fixed_done') }),
        h('button', { type: 'button', class: 'button desk-small', disabled: busy.has(i.code),
          'aria-label': t('desk.repair.scrap_label', { code: i.code }), text: t('desk.repair.scrap'),
          onclick: () => change(i, { to: 'retired', reason: 'broken' }, 'desk.repair.scrap_done') })))));
    more.hidden = !queue.hasMore;
  }

  /** Fix or scrap one item; it leaves the queue, and the focus goes to the next row. */
  async function change(item, body, doneKey) {
    const at = queue.rows.indexOf(item);
    busy.add(item.code);
    render();
    try {
      await post(`/api/items/${encodeURIComponent(item.code)}/status`, body);
      queue.rows = queue.rows.filter((i) => i !== item);
      done = { key: doneKey, params: { code: item.code } };
      error = null;
      beep('ok');
    } catch (err) {
      error = err;
      beep('problem');
    }
    busy.delete(item.code);
    render();
    const rows = listEl.querySelectorAll('li');
    (rows[Math.min(at, rows.length - 1)]?.querySelector('button') || $('repair-heading')).focus();
  }

  more.addEventListener('click', queue.more);

  return {
    el,
    title: 'desk.repair.title',
    async show() {
      queue.rows = null;
      done = null;
      error = null;
      render();
      $('repair-heading').tabIndex = -1;
      $('repair-heading').focus();
      await queue.load();
    },
    render,
  };
}
