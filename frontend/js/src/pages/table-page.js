// The scoring table's staff page: the rows of checks and items (the staff forms' script), the
// total kept as typed, and the average benchmark's options shown only where it is chosen.
// Without this script the page works the same: every part shows, the total is the one saved.

import "./form-rows-page.js";
import { tableTotal } from "./table-total.js";

const form = document.getElementById("scoring-table");

function keptHighs() {
  return [...form.querySelectorAll('[data-rows="items"] [data-row]:not(.removed) input[name$="-high"]')]
    .map((input) => input.value);
}

function showTotal() {
  const shown = tableTotal(form.querySelector('input[name="price_weight"]')?.value, keptHighs());
  if (!shown) return; // a box being typed in: the last total stays
  form.querySelector("[data-total-points]").textContent = shown.total;
  form.querySelector("[data-price-share]").textContent = shown.share;
}

function showAverage() {
  const chosen = form.querySelector('input[name="price_formula"]:checked');
  const average = form.querySelector("[data-average-fields]");
  // Shown while it holds an error, whatever is chosen: the person must see what to correct.
  average.hidden = chosen?.value !== "average_benchmark" && !average.querySelector(".has-error");
}

if (form) {
  form.addEventListener("input", showTotal);
  form.addEventListener("change", () => {
    showTotal();
    showAverage();
  });
  // Removing a row, or bringing it back, is a click, not an input.
  form.addEventListener("click", () => setTimeout(showTotal));
  showTotal();
  showAverage();
}
