// The price fields of the bid form (input[data-type=money]): as the bidder types, the amount in
// capital numerals (大写) beside it, as bidders check a price, or what to write instead; and the
// amount read exactly before sealing ("17,680,000.00", "１７６８００００" → "17680000.00").
import { capitalYuan, moneyText, parseAmount } from "../formats.js";
import { gettext, interpolate } from "../i18n.js";

/** Show each money field's 大写 as it is typed (into its <output data-capital-for=id>). */
export function watchAmountFields(root = document) {
  for (const input of root.querySelectorAll("input[data-type=money]")) {
    const out = root.querySelector(`[data-capital-for="${input.id}"]`);
    const show = () => {
      const read = parseAmount(input.value);
      input.setCustomValidity(read.error && input.value.trim() ? read.message : "");
      if (!out) return;
      out.classList.toggle("errors", !!read.error && !!input.value.trim());
      out.textContent = !input.value.trim() ? "" : read.error ? read.message
        : interpolate(gettext("In capital numerals: %(capital)s (%(amount)s)"), { capital: capitalYuan(read.value), amount: moneyText(read.value) });
    };
    input.addEventListener("input", show);
    // once typed, the field shows the amount grouped as people write it
    input.addEventListener("change", () => {
      const read = parseAmount(input.value);
      if (!read.error) input.value = moneyText(read.value);
      show();
    });
    show();
  }
}

/** The amount to seal, as a decimal string to the fen; throws what to write instead. */
export function sealedAmount(input, label) {
  const read = parseAmount(input.value);
  if (read.error) throw new Error(interpolate(gettext("%(label)s: %(problem)s"), { label, problem: read.message }));
  if (!/[1-9]/.test(read.value) || read.value.startsWith("-")) {
    throw new Error(interpolate(gettext("%(label)s: the amount must be more than zero."), { label }));
  }
  return read.value;
}
