// Staff forms made handier, never needed: rows of a formset added, removed and moved in the
// page, and long lists filtered by a search box. Without this script the same forms work by
// themselves (an "add" button that submits and comes back with one more row, a tick box to
// remove a row, order numbers to type); with it those are hidden and buttons do the same.
//
// Markup (frontend/templates/includes/formset_rows.html):
//   [data-rows=prefix]                the formset; holds its management form
//     [data-row-list]                 the rows, each [data-row]
//     template[data-row-template]     the empty form, "__prefix__" for the index
//     [data-add-row]                  the add button (a submit without script)
//   in a row: [data-remove-row] [data-undo-remove] [data-move-up] [data-move-down],
//   [data-row-number] (its place, shown), input[name$=-DELETE], input[name$=-ORDER]
//   select[data-searchable]           a list that gets a search box

import { nextNumber, rowMarkup, visibleOptions } from "./form-rows.js";

function rowsOf(container) {
  return [...container.querySelector("[data-row-list]").querySelectorAll(":scope > [data-row]")];
}

function field(row, suffix) {
  return row.querySelector(`input[name$="-${suffix}"]`);
}

/** Order numbers and shown places follow the rows as they stand in the page. */
function renumber(container) {
  let place = 0;
  for (const row of rowsOf(container)) {
    const order = field(row, "ORDER");
    if (order) order.value = String(rowsOf(container).indexOf(row) + 1);
    if (!row.classList.contains("removed")) place += 1;
    const shown = row.querySelector("[data-row-number]");
    if (shown) shown.textContent = String(place);
    const up = row.querySelector("[data-move-up]");
    const down = row.querySelector("[data-move-down]");
    if (up) up.disabled = row === firstKept(container);
    if (down) down.disabled = row === lastKept(container);
  }
}

function kept(container) {
  return rowsOf(container).filter((row) => !row.classList.contains("removed"));
}

function firstKept(container) {
  return kept(container)[0];
}

function lastKept(container) {
  return kept(container).at(-1);
}

function enhanceRow(container, row) {
  row.querySelectorAll("[data-remove-row], [data-move-up], [data-move-down]").forEach((b) => { b.hidden = false; });
  row.querySelector("[data-remove-row]")?.addEventListener("click", () => removeRow(container, row));
  row.querySelector("[data-undo-remove]")?.addEventListener("click", () => undoRemove(container, row));
  row.querySelector("[data-move-up]")?.addEventListener("click", () => move(container, row, -1));
  row.querySelector("[data-move-down]")?.addEventListener("click", () => move(container, row, +1));
  row.querySelectorAll("select[data-searchable]").forEach(searchable);
  showChoicesForAChoice(row);
}

/** An opening-form column's options box shows only for a choice (or while it holds something). */
function showChoicesForAChoice(row) {
  const type = row.querySelector('select[name$="-type"]');
  const choices = row.querySelector(".field-choices");
  if (!type || !choices) return;
  const sync = () => {
    choices.hidden = type.value !== "choice" && !choices.querySelector("input")?.value && !choices.classList.contains("has-error");
  };
  type.addEventListener("change", sync);
  sync();
}

function removeRow(container, row) {
  const deletion = field(row, "DELETE");
  if (deletion) deletion.checked = true;
  // A removed row's empty required boxes must not stop the form from being sent.
  row.querySelectorAll("[required]").forEach((input) => {
    input.required = false;
    input.dataset.wasRequired = "";
  });
  row.classList.add("removed");
  const named = row.querySelector('input[name$="-label"], input[name$="-name"]');
  const shown = row.querySelector("[data-removed-name]");
  if (shown) shown.textContent = named?.value ? `「${named.value}」` : "";
  row.querySelector("[data-undo-remove]")?.focus();
  renumber(container);
}

function undoRemove(container, row) {
  const deletion = field(row, "DELETE");
  if (deletion) deletion.checked = false;
  row.querySelectorAll("[data-was-required]").forEach((input) => {
    input.required = true;
    delete input.dataset.wasRequired;
  });
  row.classList.remove("removed");
  row.querySelector("[data-remove-row]")?.focus();
  renumber(container);
}

function move(container, row, step) {
  const rows = kept(container);
  const other = rows[rows.indexOf(row) + step];
  if (!other) return;
  if (step < 0) other.before(row);
  else other.after(row);
  row.querySelector(step < 0 ? "[data-move-up]" : "[data-move-down]")?.focus();
  renumber(container);
}

function addRow(container) {
  const prefix = container.dataset.rows;
  const total = container.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const template = container.querySelector("template[data-row-template]");
  const holder = document.createElement("div");
  holder.innerHTML = rowMarkup(template.innerHTML, Number(total.value)).trim();
  const row = holder.firstElementChild;
  const number = row.querySelector("input[data-next-number]");
  if (number) {
    number.value = String(nextNumber(kept(container).map((r) => r.querySelector("input[data-next-number]")?.value)));
  }
  container.querySelector("[data-row-list]").append(row);
  total.value = String(Number(total.value) + 1);
  enhanceRow(container, row);
  renumber(container);
  row.querySelector("input:not([type=hidden]), select, textarea")?.focus();
}

function enhanceRows(container) {
  container.classList.add("rows-enhanced"); // the tick boxes and order numbers hide (site.css)
  for (const row of rowsOf(container)) {
    enhanceRow(container, row);
    if (field(row, "DELETE")?.checked) removeRow(container, row);
  }
  container.querySelector("[data-add-row]")?.addEventListener("click", (event) => {
    event.preventDefault();
    addRow(container);
  });
  renumber(container);
}

/** A search box above a long list: typing narrows the list (options are taken out, not hidden,
 * for a phone's list ignores hidden options); one match left is chosen. */
function searchable(select) {
  if (select.dataset.searchReady) return;
  select.dataset.searchReady = "1";
  const all = [...select.options].map((o) => ({ value: o.value, label: o.text, option: o }));
  const box = document.createElement("input");
  box.type = "search";
  box.className = "select-search";
  box.placeholder = select.dataset.searchPlaceholder || "";
  box.setAttribute("aria-label", select.dataset.searchPlaceholder || "");
  if (select.id) box.id = `${select.id}-search`;
  select.before(box);
  box.addEventListener("input", () => {
    const shown = visibleOptions(all, box.value, select.value);
    select.replaceChildren(...shown.map((o) => o.option));
    const real = shown.filter((o) => o.value !== "");
    if (real.length === 1 && box.value.trim()) select.value = real[0].value;
  });
}

document.querySelectorAll("[data-rows]").forEach(enhanceRows);
document.querySelectorAll("select[data-searchable]").forEach((select) => {
  if (!select.closest("template")) searchable(select);
});
