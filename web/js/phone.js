// phone: phone numbers as people read them. The server keeps them in E.164 (+46701234567); the
// desk, the receipts and the public site show them the Swedish way.

/** An E.164 number as Swedes write it (+46701234567 -> 070-123 45 67); others as they are. */
export function phoneText(e164) {
  if (!e164) return '';
  const m = /^\+46(\d+)$/.exec(e164);
  if (!m) return e164;
  const d = `0${m[1]}`;
  // Mobile numbers, which nearly every borrower gives, in the usual groups; others plainly.
  return /^07\d{8}$/.test(d) ? `${d.slice(0, 3)}-${d.slice(3, 6)} ${d.slice(6, 8)} ${d.slice(8)}` : d;
}
