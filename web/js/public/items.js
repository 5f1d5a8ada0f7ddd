// items: how the public page shows a search's answer: items of the same name and size come
// together as one group with counts.

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
