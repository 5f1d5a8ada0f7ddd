// embed: the page that shows a municipality how to put a branch's shelf on its own site: the
// widget's one <script> tag (for ?branch=, or the first branch) and a live example of it. Only
// the slug of a real branch goes into the snippet, never whatever text the address carried: the
// snippet is pasted into municipalities' own pages.
import { startPublicPage } from './page.js';

startPublicPage();
const slug = new URLSearchParams(location.search).get('branch');
const known = fetch('/api/public/branches').then((r) => r.json()).then(({ branches }) =>
  (branches.find((b) => b.slug === slug) || branches[0])?.slug || 'BRANCH');
known.then((branch) => {
  document.getElementById('snippet').textContent =
    `<script src="${location.origin}/widget.js" data-branch="${branch}" async></script>`;
  const tag = document.createElement('script');
  tag.src = '/widget.js';
  tag.dataset.branch = branch;
  document.getElementById('example').append(tag);
});
