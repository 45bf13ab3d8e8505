// The scoring table's total as typed, kept apart from the page so node can test it: points to
// the hundredth are counted in hundredths (whole numbers), never in floating point.

/** Points typed in a box as hundredths, or null for what is not a number of points (full-width
 * digits read as ASCII; at most two decimals, as the form takes them). */
export function hundredths(text) {
  const plain = String(text ?? "").normalize("NFKC").trim();
  const match = /^(\d{1,5})(?:\.(\d{0,2}))?$/.exec(plain);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
}

/** Hundredths written as people write points: 100, 7.5, 0.25. */
export function pointsText(value) {
  const whole = Math.floor(value / 100);
  const rest = String(value % 100).padStart(2, "0").replace(/0+$/, "");
  return rest ? `${whole}.${rest}` : String(whole);
}

/** The total and the price's share of it (a percentage cut, never rounded up, to two decimals,
 * as the server writes it), from the price weight and the items' highest points. Null where a
 * box holds no number yet. */
export function tableTotal(weightText, highTexts) {
  const weight = hundredths(weightText);
  const highs = highTexts.map(hundredths);
  if (weight === null || highs.some((h) => h === null)) return null;
  const total = highs.reduce((sum, h) => sum + h, weight);
  const share = total > 0 ? pointsText(Math.floor((weight * 10000) / total)) : "—";
  return { total: pointsText(total), share };
}
