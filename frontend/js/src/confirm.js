// Asking once before an action that cannot be undone: the site's own dialog (a modal <dialog>:
// the keyboard stays in it, Escape cancels, the safe answer has the focus), for the hall's
// commands and for every form that carries a question (trading/confirming.py).
//
// A form with data-confirm (its title), data-confirm-detail (what will happen) and
// data-confirm-action (its button's words) is sent only after a yes, with confirmed=yes added;
// the server asks again, on a page of its own, for a post that lacks it (no scripts).
import { gettext } from "./i18n.js";

const CONFIRMED = "confirmed";

/**
 * Ask `title`, saying `detail`; resolves to true on `action`, false on cancel (the button,
 * Escape, or the dialog closed otherwise).
 */
export function askToConfirm({ title, detail = "", action, cancel = gettext("Cancel") }) {
  if (typeof HTMLDialogElement !== "function") return Promise.resolve(window.confirm(`${title}\n\n${detail}`));
  const dialog = document.createElement("dialog");
  dialog.className = "confirm-dialog";
  const id = `confirm-${Math.random().toString(36).slice(2)}`;
  dialog.setAttribute("aria-labelledby", `${id}-title`);
  dialog.setAttribute("aria-describedby", `${id}-detail`);
  const form = document.createElement("form");
  form.method = "dialog";
  const heading = Object.assign(document.createElement("h2"), { id: `${id}-title`, textContent: title });
  const text = Object.assign(document.createElement("p"), { id: `${id}-detail`, textContent: detail });
  const buttons = Object.assign(document.createElement("div"), { className: "actions" });
  const no = Object.assign(document.createElement("button"), { value: "cancel", className: "secondary confirm-cancel", textContent: cancel });
  const yes = Object.assign(document.createElement("button"), { value: "confirm", className: "danger confirm-yes", textContent: action });
  buttons.append(no, yes);
  form.append(heading, text, buttons);
  dialog.append(form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "confirm");
      dialog.remove();
    }, { once: true });
    dialog.showModal();
    no.focus(); // for what cannot be undone, Enter alone must not do it
  });
}

/** Every form under `root` that carries a question asks it before it is sent. */
export function confirmForms(root = document) {
  root.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.elements.namedItem(CONFIRMED)) return;
    event.preventDefault();
    const submitter = event.submitter;
    askToConfirm({ title: form.dataset.confirm, detail: form.dataset.confirmDetail, action: form.dataset.confirmAction })
      .then((yes) => {
        if (!yes) return;
        const said = Object.assign(document.createElement("input"), { type: "hidden", name: CONFIRMED, value: "yes" });
        form.append(said);
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        // The form's fields are taken as it is sent: the yes goes with this sending only, not
        // with the next one from a page the browser keeps (Back).
        said.remove();
      });
  });
}
