// items: how the public page reads a search and shows its answer: a size range typed into the
// search text ("längdskidor 150–160 cm") becomes size bounds, and items of the same name and size
// come together as one group with counts.

const RANGE = /(^|\s)(\d{1,3}(?:[.,]\d+)?)\s*(?:[-–—]|till|to)\s*(\d{1,3}(?:[.,]\d+)?)\s*(cm)?(?=\s|$)/i;
const SINGLE = /(^|\s)(\d{1,3}(?:[.,]\d+)?)\s*(cm)(?=\s|$)/i;
const num = (s) => Number(s.replace(',', '.'));

/**
 * Split a size out of a search text: "längdskidor 150–160 cm" is { q: "längdskidor", min: 150,
 * max: 160, cm: true }; "skor 38" stays as it is (a lone number may be a code or a model).
 */
export function parseSizeQuery(text) {
  let m = RANGE.exec(text);
  if (m) {
    const [a, b] = [num(m[2]), num(m[3])].sort((x, y) => x - y);
    return { q: text.replace(m[0], m[1]).replace(/\s+/g, ' ').trim(), min: a, max: b, cm: Boolean(m[4]) };
  }
  m = SINGLE.exec(text);
  if (m) return { q: text.replace(m[0], m[1]).replace(/\s+/g, ' ').trim(), min: num(m[2]), max: num(m[2]), cm: true };
  return { q: text.trim(), min: null, max: null, cm: false };
}

const sizeKey = (size) => (size ? `${size.kind}:${size.value}` : '');

/**
 * Group items (already in name and size order) by name and size: [{ name, size, items,
 * available, total, firstDue, photo, conditions }].
 */
export function groupItems(items) {
  const groups = [];
  const byKey = new Map();
  for (const item of items) {
    const key = `${item.name}\u0000${sizeKey(item.size)}`;
    let g = byKey.get(key);
    if (!g) {
      g = { name: item.name, size: item.size, items: [], available: 0, total: 0, firstDue: null, photo: null, conditions: [] };
      byKey.set(key, g);
      groups.push(g);
    }
    g.items.push(item);
    g.total++;
    if (item.status === 'available') g.available++;
    if (item.due_date && (!g.firstDue || item.due_date < g.firstDue)) g.firstDue = item.due_date;
    if (!g.photo && item.photo_url) g.photo = item.photo_url;
    if (!g.conditions.includes(item.condition)) g.conditions.push(item.condition);
  }
  return groups;
}
