/*
 * widget: what a municipality's site pastes to show one branch's available items:
 *
 *   <script src="https://HYLLA/widget.js" data-branch="deje" async></script>
 *
 * Optional: data-lang="en", data-limit="8" (groups shown), data-q="skidor", data-category="11".
 * A plain script (not a module) without dependencies, since it runs on other sites: it reads the
 * open API of the server it came from (CORS is open), draws a neutral list after its own tag,
 * sets styles through the CSSOM only (so a strict CSP of the host page lets it be), and names
 * nobody: it shows names, sizes and counts of what is on the shelf.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var branch = script.getAttribute('data-branch') || '';
  var lang = script.getAttribute('data-lang') === 'en' ? 'en' : 'sv';
  var limit = Math.max(1, Math.min(50, Number(script.getAttribute('data-limit')) || 8));
  var STRINGS = {
    sv: { heading: 'Lediga prylar på {branch}', none: 'Inget ledigt just nu.', more: 'Se allt på hyllan',
      failed: 'Det gick inte att hämta vad som finns på hyllan.', count: '{n} st', cm: '{v} cm', eu: 'stl {v}', inch: '{v} tum' },
    en: { heading: 'Available at {branch}', none: 'Nothing available right now.', more: 'See everything on the shelf',
      failed: 'What is on the shelf could not be loaded.', count: '{n} available', cm: '{v} cm', eu: 'EU {v}', inch: '{v} in' },
  };
  function t(key, params) {
    return STRINGS[lang][key].replace(/\{(\w+)\}/g, function (all, name) {
      return params && name in params ? String(params[name]) : all;
    });
  }
  function el(tag, styles, text) {
    var node = document.createElement(tag);
    for (var k in styles) node.style[k] = styles[k];
    if (text) node.textContent = text;
    return node;
  }
  function sizeText(size) {
    if (!size) return '';
    if (size.kind === 'length_cm' || size.kind === 'head_cm') return t('cm', { v: size.value });
    if (size.kind === 'shoe_eu') return t('eu', { v: size.value });
    if (size.kind === 'wheel_in') return t('inch', { v: size.value });
    return String(size.value);
  }

  var box = el('section', {
    font: 'inherit', color: 'inherit', border: '1px solid #767676', borderRadius: '6px',
    padding: '0.75rem 1rem', maxWidth: '32rem', background: 'transparent',
  });
  box.className = 'hylla-widget';
  box.setAttribute('lang', lang);
  var heading = el('h2', { fontSize: '1.1rem', margin: '0 0 0.5rem' }, '…');
  var list = el('ul', { listStyle: 'none', margin: '0', padding: '0' });
  var status = el('p', { margin: '0.5rem 0' });
  status.setAttribute('role', 'status');
  var more = el('a', { display: 'inline-block', marginTop: '0.5rem', color: 'inherit' }, t('more'));
  more.href = origin + '/?branch=' + encodeURIComponent(branch);
  box.appendChild(heading);
  box.appendChild(status);
  box.appendChild(list);
  box.appendChild(more);
  script.parentNode.insertBefore(box, script.nextSibling);

  var query = new URLSearchParams({ branch: branch, available: 'true', per_page: '100' });
  if (script.getAttribute('data-q')) query.set('q', script.getAttribute('data-q'));
  if (script.getAttribute('data-category')) query.set('category', script.getAttribute('data-category'));

  function get(path) {
    return fetch(origin + path, { credentials: 'omit' }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
  }

  Promise.all([get('/api/public/branches/' + encodeURIComponent(branch)), get('/api/public/items?' + query)])
    .then(function (answers) {
      heading.textContent = t('heading', { branch: answers[0].name });
      var groups = [];
      var byKey = {};
      answers[1].items.forEach(function (item) {
        var key = item.name + '\u0000' + (item.size ? item.size.kind + ':' + item.size.value : '');
        if (!byKey[key]) groups.push((byKey[key] = { name: item.name, size: item.size, n: 0 }));
        byKey[key].n++;
      });
      if (!groups.length) status.textContent = t('none');
      groups.slice(0, limit).forEach(function (g) {
        var li = el('li', { padding: '0.25rem 0', borderTop: '1px solid #d0d0d0' });
        var size = sizeText(g.size);
        li.textContent = g.name + (size ? ', ' + size : '') + ' – ' + t('count', { n: g.n });
        list.appendChild(li);
      });
    })
    .catch(function () {
      status.textContent = t('failed');
    });
})();
