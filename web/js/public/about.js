// about: /om, "Om tjänsten": what the site is, what it keeps to itself, and for developers the
// open API and the widget. The page is all strings of the dictionaries.
import { onLangChange, t } from '../i18n.js';
import { startPublicPage } from './page.js';

startPublicPage();
document.title = t('public.about.title');
onLangChange(() => {
  document.title = t('public.about.title');
});
