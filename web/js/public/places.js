// places: finding a branch: by the name of a town or municipality, by distance from where the
// visitor is (computed here, in the page, from the branches' coordinates; the position is never
// sent anywhere), and the branch the visitor made "min filial" (remembered in localStorage).
// Also a branch's map link, and its other contact text ("deje@example.org, 054-17 40 60") as links.

const STORAGE_KEY = 'hylla.branch';

/** Lower case without accents, so that "malmo" finds Malmö and "ÅRE" finds Åre. */
export function fold(text) {
  return String(text || '').toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
}

/** Whether a branch's name, municipality or address holds every word of the query. */
export function matchesPlace(branch, query) {
  const haystack = fold([branch.name, branch.municipality, branch.address].join(' '));
  return fold(query).split(/\s+/).filter(Boolean).every((word) => haystack.includes(word));
}

/** The great-circle distance in km between two { lat, lon } points (haversine). */
export function distanceKm(a, b) {
  const rad = (deg) => (deg * Math.PI) / 180;
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2
    + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Where a branch is as { lat, lon }, from the map position its settings give, or null. */
export function branchPosition(branch) {
  return branch.latitude == null || branch.longitude == null ? null : { lat: branch.latitude, lon: branch.longitude };
}

/**
 * The branches nearest first from position ({ lat, lon }), each with its distance (km, or null
 * for a branch without a map position, which comes last); the list itself is left as it was.
 */
export function byDistance(branches, position) {
  return branches
    .map((branch) => ({ branch, km: branchPosition(branch) ? distanceKm(position, branchPosition(branch)) : null }))
    .sort((x, y) => (x.km ?? Infinity) - (y.km ?? Infinity));
}

/** The slug of the visitor's own branch, or null. */
export function myBranch() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage may be off
  }
}

/** Remember (or, with null, forget) the visitor's own branch. */
export function setMyBranch(slug) {
  try {
    if (slug) localStorage.setItem(STORAGE_KEY, slug);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage may be off: the choice then lasts as long as the page
  }
}

/**
 * A link to the branch on OpenStreetMap: a marker at its map position when it has one, else a
 * search for its address; null with neither.
 */
export function mapHref(branch) {
  const at = branchPosition(branch);
  if (at) return `https://www.openstreetmap.org/?mlat=${at.lat}&mlon=${at.lon}#map=17/${at.lat}/${at.lon}`;
  return branch.address ? `https://www.openstreetmap.org/search?query=${encodeURIComponent(branch.address)}` : null;
}

const EMAIL = /[^\s,;:<>()]+@[^\s,;:<>()]+\.[a-z]{2,}/giu;
const PHONE = /\+?\d[\d\s-]{5,}\d/gu;

/**
 * The parts of a contact text in order: e-mail addresses and phone numbers as links (mailto:,
 * tel: with the digits, a Swedish number with +46), the rest as text:
 * [{ kind: 'email' | 'phone' | 'text', text, href? }].
 */
export function contactParts(text) {
  const found = [];
  for (const m of String(text || '').matchAll(EMAIL)) found.push({ kind: 'email', at: m.index, text: m[0], href: `mailto:${m[0]}` });
  for (const m of String(text || '').matchAll(PHONE)) {
    if (found.some((f) => m.index < f.at + f.text.length && f.at < m.index + m[0].length)) continue;
    const digits = m[0].replace(/[\s-]/g, '');
    const e164 = digits.startsWith('+') ? digits : digits.startsWith('00') ? `+${digits.slice(2)}` : `+46${digits.replace(/^0/, '')}`;
    found.push({ kind: 'phone', at: m.index, text: m[0].trim(), href: `tel:${e164}` });
  }
  found.sort((a, b) => a.at - b.at);
  const parts = [];
  let pos = 0;
  for (const f of found) {
    if (f.at > pos) parts.push({ kind: 'text', text: text.slice(pos, f.at) });
    parts.push({ kind: f.kind, text: f.text, href: f.href });
    pos = f.at + f.text.length;
  }
  if (pos < String(text || '').length) parts.push({ kind: 'text', text: text.slice(pos) });
  return parts;
}
