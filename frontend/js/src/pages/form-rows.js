// The plain parts of the staff forms' script (form-rows-page.js), kept apart so node can test
// them: a new row from the formset's empty form, and the search of a long list.

/** The empty form's markup as row `index`: Django writes __prefix__ where the index goes. */
export function rowMarkup(templateHtml, index) {
  return templateHtml.replace(/__prefix__/g, String(index));
}

/** Text as the search compares it: no case, no spaces, full-width letters and digits as ASCII. */
export function normalized(text) {
  return String(text)
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s+/g, "");
}

/** Whether an option's label matches what was typed: every typed word is in it. */
export function matches(label, query) {
  const words = String(query).trim().split(/\s+/).filter(Boolean).map(normalized);
  const text = normalized(label);
  return words.every((word) => text.includes(word));
}

/** The options to show for `query`: those that match, the chosen one always kept (it is the
 * form's value, and must not vanish from the list while it is chosen), the empty one first. */
export function visibleOptions(options, query, chosenValue) {
  return options.filter((o) => o.value === "" || o.value === chosenValue || matches(o.label, query));
}

/** The next lot number: one above the largest number in the rows (1 when there is none). */
export function nextNumber(values) {
  const numbers = values.map((v) => Number.parseInt(v, 10)).filter((n) => Number.isInteger(n));
  return numbers.length ? Math.max(...numbers) + 1 : 1;
}
