// item: an item's size and condition in words, the same on the desk and on the public site.
import { t, has, locale } from './i18n.js';

const numberFormats = new Map(); // by locale: making one costs more than using it

/** An item's size in words ("160 cm", "stl 38", "M"); empty for none. */
export function sizeText(size) {
  if (!size) return '';
  if (!numberFormats.has(locale())) numberFormats.set(locale(), new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }));
  const value = typeof size.value === 'number' ? numberFormats.get(locale()).format(size.value) : size.value;
  const key = `item.size.${size.kind}`;
  return has(key) ? t(key, { value }) : String(value);
}

/** A condition word of the API (new, good, worn, needs_repair) in words. */
export function conditionText(condition) {
  return t(`item.condition.${condition}`);
}
