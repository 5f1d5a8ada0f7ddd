// desk/labels: printing labels, at /desk/labels. Which items (those whose label was never
// printed, those taken in today or since a date, or a range of codes), on which label stock
// (remembered for the branch, as is its receipt printer), how many places of a used sheet to
// skip, and a test page that shows where a format's labels lie. After printing, the volunteer
// says whether the labels came out right; only that records them as printed.
import { t } from '../i18n.js';
import { errorMessage, get, patch } from '../api.js';
import { sizeText } from '../item.js';
import { h, itemCode, shortDate } from './util.js';
import { LABEL_FORMATS, RECEIPT_FORMATS, confirmPrinted, printLabels, printTestPage } from './print.js';

const MAX_LABELS = 200; // one print run: the API's largest page

/** Today in Stockholm as YYYY-MM-DD (the day the server counts "taken in today" by). */
function stockholmToday() {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm' }).format(new Date());
}

export function createLabels(ctx) {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-labels');
  const form = $('labels-form');
  const format = $('labels-format');
  const receipt = $('labels-receipt-format');
  const branchSelect = $('labels-branch');
  const state = { items: null, total: 0, error: null, message: null };

  const branchSlug = () => ctx.user.branch || branchSelect.value || ctx.branches[0]?.slug || null;
  const branch = () => ctx.branches.find((b) => b.slug === branchSlug());
  const which = () => form.querySelector('input[name="labels-which"]:checked').value;

  function setMessage(m) {
    state.message = m;
    const msg = $('labels-message');
    msg.textContent = m ? (m.text ?? t(m.key, m.params)) : '';
    msg.dataset.kind = m?.kind || '';
  }

  function renderChoices() {
    const b = branch();
    format.replaceChildren(...Object.keys(LABEL_FORMATS).map((f) => new Option(t(`desk.labels.format.${f}`), f)));
    receipt.replaceChildren(...RECEIPT_FORMATS.map((f) => new Option(t(`desk.labels.receipt.${f}`), f)));
    if (b) {
      format.value = b.label_format;
      receipt.value = b.receipt_format;
    }
    const sheet = LABEL_FORMATS[format.value]?.cols > 1;
    $('labels-skip-field').hidden = !sheet;
    $('labels-since-field').hidden = which() !== 'since';
    $('labels-range-field').hidden = which() !== 'range';
  }

  function renderList() {
    const items = state.items || [];
    $('labels-list').replaceChildren(...items.map((it) => h('li', { class: 'desk-row', dataset: { code: it.code } },
      h('span', { class: 'desk-row-title' }, h('span', { class: 'desk-code-inline', text: it.code }), ` ${it.name}`),
      h('span', { class: 'desk-hint', text: [sizeText(it.size), it.label_printed_at
        ? t('desk.labels.printed_on', { date: shortDate(it.label_printed_at) }) : t('desk.labels.never_printed')]
        .filter(Boolean).join(' · ') }))));
    const count = $('labels-count');
    if (state.error) count.textContent = errorMessage(state.error);
    else if (!state.items) count.textContent = '';
    else if (state.total > items.length) count.textContent = t('desk.labels.count_more', { n: items.length, total: state.total });
    else count.textContent = t('desk.labels.count', { n: items.length });
    const print = $('labels-print');
    print.textContent = t('desk.labels.print', { n: items.length });
    print.disabled = !items.length;
  }

  function render() {
    renderChoices();
    renderList();
    setMessage(state.message);
  }

  /** The items the form asks for, by code. */
  async function load() {
    const params = new URLSearchParams({ sort: 'code', per_page: String(MAX_LABELS) });
    if (branchSlug()) params.set('branch', branchSlug());
    const w = which();
    if (w === 'unprinted') params.set('label', 'unprinted');
    else if (w === 'today') params.set('since', stockholmToday());
    else if (w === 'since') {
      if (!$('labels-since').value) {
        setMessage({ key: 'desk.labels.need_date', kind: 'problem' });
        $('labels-since').focus();
        return;
      }
      params.set('since', $('labels-since').value);
    } else {
      const from = itemCode($('labels-from').value);
      const to = itemCode($('labels-to').value);
      if (!from || !to) {
        setMessage({ key: 'desk.labels.need_range', kind: 'problem' });
        $(from ? 'labels-to' : 'labels-from').focus();
        return;
      }
      params.set('code_from', from);
      params.set('code_to', to);
    }
    setMessage(null);
    try {
      const res = await get(`/api/items?${params}`);
      state.items = res.items;
      state.total = res.total;
      state.error = null;
    } catch (err) {
      state.items = null;
      state.error = err;
    }
    renderList();
  }

  /** Remember a printer choice for the branch. */
  async function remember(field, value) {
    const b = branch();
    if (!b) return;
    try {
      const res = await patch(`/api/branches/${encodeURIComponent(b.slug)}/printing`, { [field]: value });
      b.label_format = res.label_format;
      b.receipt_format = res.receipt_format;
      setMessage({ key: 'desk.labels.remembered', params: { branch: b.name } });
    } catch (err) {
      setMessage({ text: errorMessage(err), kind: 'problem' });
    }
    renderChoices();
  }

  async function printAll() {
    const codes = (state.items || []).map((it) => it.code);
    if (!codes.length) return;
    const { cols, rows } = LABEL_FORMATS[format.value];
    const skip = Math.max(0, Math.min(Number($('labels-skip').value) || 0, cols * rows - 1));
    await printLabels(codes, format.value, { skip });
    confirmPrinted({
      box: $('labels-confirm'), text: $('labels-confirm-text'), yes: $('labels-confirm-yes'), no: $('labels-confirm-no'), codes,
      onDone: async (recorded, err) => {
        if (recorded) await load();
        if (err) setMessage({ text: errorMessage(err), kind: 'problem' });
        else setMessage(recorded ? { key: 'desk.labels.recorded', params: { n: codes.length } } : { key: 'desk.labels.not_recorded' });
        $('labels-print').focus();
      },
    });
  }

  form.addEventListener('change', (event) => {
    if (event.target === format) remember('label_format', format.value);
    else if (event.target === receipt) remember('receipt_format', receipt.value);
    else renderChoices();
    if (event.target === branchSelect) load();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('labels-print').addEventListener('click', printAll);
  $('labels-test').addEventListener('click', () => printTestPage(format.value));

  return {
    el,
    title: 'desk.labels.title',
    async show() {
      if (!ctx.user.branch && !branchSelect.options.length) {
        $('labels-branch-field').hidden = false;
        branchSelect.replaceChildren(...ctx.branches.map((b) => new Option(b.name, b.slug)));
      }
      render();
      $('labels-heading').focus();
      await load();
    },
    render,
  };
}
