// item: an item's size and condition in words, the same on the desk and on the public site.
import { t, has, formatNumber } from './i18n.js';

/** An item's size in words ("160 cm", "stl 38", "M"); empty for none. */
export function sizeText(size) {
  if (!size) return '';
  const value = typeof size.value === 'number' ? formatNumber(size.value, 2) : size.value;
  const key = `item.size.${size.kind}`;
  return has(key) ? t(key, { value }) : String(value);
}

/** A condition word of the API (new, good, worn, needs_repair) in words. */
export function conditionText(condition) {
  return t(`item.condition.${condition}`);
}
