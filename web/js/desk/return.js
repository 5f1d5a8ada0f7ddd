// desk/return: returns. Focus stays in the scan field; each scan returns its item at once and the
// list says whose it was and whether it came back late (or that a lost item is found). Alt+R (or
// the row's button) sends the last returned item to repair; "Återlämna till reparation" returns a
// typed code straight to repair. Either asks for the fault in one field first (optional: Enter
// skips, Esc changes nothing). A wrong code is said in words and never blocks the next scan.
import { has, t } from '../i18n.js';
import { errorMessage, post } from '../api.js';
import { beep, h, itemCode, itemErrorText } from './util.js';

export function createReturn() {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-return');
  const code = $('return-code');
  const list = $('return-list');
  const message = $('return-message');
  const rows = []; // { code, state: pending|done|failed, result, error, repair: null|busy|done|failed, err }
  let shown = null; // { key, params } for the message line
  let fault = null; // { code, then(note) }: the fault asked for before an item goes to repair

  function setMessage(m) {
    shown = m;
    message.textContent = m ? t(m.key, m.params) : '';
  }

  function statusText(row) {
    if (row.state === 'pending') return t('desk.looking_up');
    if (row.state === 'failed') {
      // The return's own words where it says more (scan again, hand it over), else the item's.
      const own = `desk.return.error.${row.error}`;
      return has(own) ? t(own) : itemErrorText(row.error, 'desk.return.error.other');
    }
    const r = row.result;
    const parts = [r.found ? t('desk.return.found') : r.overdue_days > 0 ? t('desk.return.late', { n: r.overdue_days })
      : t('desk.return.on_time')];
    if (row.repair === 'failed') parts.push(errorMessage(row.err));
    else if (r.item_status === 'repair' || row.repair === 'done') parts.push(t('desk.return.to_repair'));
    else parts.push(t('desk.return.to_shelf'));
    return parts.join(' ');
  }

  function renderRow(row) {
    const r = row.result;
    const kind = row.state === 'pending' ? 'pending' : row.state === 'failed' ? 'problem'
      : r.overdue_days > 0 ? 'late' : 'ok';
    const inRepair = r && (r.item_status === 'repair' || row.repair === 'done');
    return h('li', { class: `desk-scan desk-scan-${kind}`, dataset: { code: row.code, state: kind } },
      h('span', { class: 'desk-scan-mark', 'aria-hidden': 'true', text: { ok: '✓', late: '!', problem: '✕', pending: '…' }[kind] }),
      h('span', { class: 'desk-scan-body' },
        h('span', { class: 'desk-scan-title' }, h('span', { class: 'desk-code-inline', text: row.code }),
          r?.item ? ` ${r.item.name}` : ''),
        r ? h('span', { class: 'desk-scan-size' }, r.borrower
          ? h('a', { href: `/desk/borrowers/${r.borrower.id}`, text: t('desk.return.borrower', { name: r.borrower.name }) })
          : t('desk.return.no_borrower')) : null,
        h('span', { class: 'desk-scan-status', text: statusText(row) })),
      r && !inRepair ? h('button', {
        type: 'button', class: 'button desk-small', disabled: row.repair === 'busy',
        'aria-label': t('desk.return.repair_label', { code: row.code }), text: t('desk.return.repair'),
        onclick: () => askFault(row.code, (note) => repair(row, note)),
      }) : null);
  }

  function render() {
    list.replaceChildren(...[...rows].reverse().map(renderRow));
    if (shown) setMessage(shown);
    $('return-fault-form').hidden = !fault;
    if (fault) $('return-fault-label').textContent = t('desk.return.fault_label', { code: fault.code });
  }

  /** Ask what is wrong with an item going to repair; then(note) runs on Enter ("" when skipped). */
  function askFault(c, then) {
    fault = { code: c, then };
    $('return-fault').value = '';
    render();
    $('return-fault').focus();
  }

  function closeFault() {
    fault = null;
    render();
    code.focus();
  }

  async function giveBack(text, { repairNow = false, note = '' } = {}) {
    const c = itemCode(text);
    const row = { code: c || text.trim().slice(0, 64), state: 'pending', repair: null };
    rows.push(row);
    render();
    if (!c) {
      row.state = 'failed';
      row.error = 'unknown_item';
    } else {
      try {
        const one = repairNow ? { code: c, repair: true, ...(note ? { condition_note: note } : {}) } : c;
        const res = await post('/api/returns', { items: [one] });
        const r = res.results[0];
        if (r.returned) {
          row.state = 'done';
          row.result = r;
        } else {
          row.state = 'failed';
          row.error = r.error?.code;
        }
      } catch (err) {
        row.state = 'failed';
        row.error = err.code;
      }
    }
    beep(row.state === 'failed' ? 'problem' : row.result.overdue_days > 0 ? 'notice' : 'ok');
    render();
  }

  /** Send a returned item to repair with its fault (a status change; the loan stays returned). */
  async function repair(row, note) {
    if (!row?.result || row.repair === 'busy' || row.repair === 'done') return;
    row.repair = 'busy';
    render();
    try {
      await post(`/api/items/${encodeURIComponent(row.code)}/status`, { to: 'repair', ...(note ? { note } : {}) });
      row.repair = 'done';
      setMessage({ key: 'desk.return.repaired', params: { code: row.code } });
      beep('notice');
    } catch (err) {
      row.repair = 'failed';
      row.err = err;
      beep('problem');
    }
    render();
  }

  $('return-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = code.value;
    code.value = '';
    if (!text.trim()) return;
    if (event.submitter?.id === 'return-to-repair') {
      askFault(itemCode(text) || text.trim(), (note) => giveBack(text, { repairNow: true, note }));
      return;
    }
    code.focus();
    giveBack(text);
  });
  $('return-fault-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const { then } = fault;
    const note = $('return-fault').value.trim();
    closeFault();
    then(note);
  });
  el.addEventListener('keydown', (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.code !== 'KeyR') return;
    event.preventDefault();
    const last = [...rows].reverse().find((r) => r.state === 'done' && r.result.item_status !== 'repair' && r.repair !== 'done');
    if (last) {
      askFault(last.code, (note) => repair(last, note));
      return;
    }
    setMessage({ key: 'desk.return.nothing_to_repair' });
    beep('problem');
    code.focus();
  });

  return {
    el,
    title: 'desk.return.title',
    show() {
      setMessage(null);
      fault = null;
      render();
      code.focus();
    },
    render,
    escape() {
      if (!fault) return false;
      setMessage({ key: 'desk.return.fault_cancelled', params: { code: fault.code } });
      closeFault();
      return true;
    },
  };
}
