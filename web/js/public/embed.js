// embed: the page that shows a municipality how to put a branch's shelf on its own site: the
// widget's one <script> tag (for ?branch=, or the first branch) and a live example of it.
import { startPublicPage } from './page.js';

startPublicPage();
const slug = new URLSearchParams(location.search).get('branch');
const first = slug
  ? Promise.resolve(slug)
  : fetch('/api/public/branches').then((r) => r.json()).then((r) => r.branches[0]?.slug || 'BRANCH');
first.then((branch) => {
  document.getElementById('snippet').textContent =
    `<script src="${location.origin}/widget.js" data-branch="${branch}" async></script>`;
  const tag = document.createElement('script');
  tag.src = '/widget.js';
  tag.dataset.branch = branch;
  document.getElementById('example').append(tag);
});
