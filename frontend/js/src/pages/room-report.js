// The evaluation room page's report panel: dissents, the leader's making of the report, the
// report's PDF and signatures file, each member's signature (made here, in the browser, with
// their own key file: the key never leaves the browser) or refusal with reasons, and who has
// answered. Drawn from the snapshot (snap.report, snap.members, snap.you); the server decides
// and refuses. render(snap, act) returns the panel's element (see room-page.js for the contract).
import { askToConfirm } from "../confirm.js";
import { beijingTime } from "../formats.js";
import { gettext, interpolate } from "../i18n.js";
import { loadSigningKeyFile, reportMessage, sha256Hex, signText } from "../signing-key.js";

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.includes("-")) el.setAttribute(k, v);
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

// Kept across renders: what a person is typing or has chosen survives the next snapshot.
const kept = {};
function keep(key, make) {
  if (!kept[key]) kept[key] = make();
  return kept[key];
}
const status = () => keep("status", () => h("p", { id: "report-status", role: "status" }));

function say(text, isError = false) {
  const el = status();
  el.textContent = text;
  el.classList.toggle("errors", isError);
}

const nameOf = (snap, id) => snap.members.find((m) => m.id === id)?.name ?? String(id ?? "");

function reportLinks(r) {
  if (!r.made) return null;
  return h("div", { class: "report-files" },
    h("p", {}, interpolate(gettext("Report made %(at)s. SHA-256 of the PDF:"), { at: beijingTime(r.made_at) }), " ",
      h("code", { class: "digest", id: "report-sha256" }, r.sha256)),
    h("p", { class: "actions" },
      h("a", { href: r.pdf_url, target: "_blank", rel: "noopener", id: "report-open" }, gettext("Open the report (PDF)")), " · ",
      h("a", { href: `${r.pdf_url}?download=1`, id: "report-download" }, gettext("Download the report")), " · ",
      h("a", { href: r.signatures_url, id: "signatures-download" }, gettext("Download the signatures file"))),
    // The command is shown as code, never translated: the words around it are.
    h("p", { class: "muted" }, gettext("Anyone with both files can check every signature offline with this command:"), " ",
      h("code", { class: "command" }, "python manage.py verify_report report.pdf signatures.json")));
}

function dissents(snap) {
  const list = snap.report.dissents;
  if (!list.length) return h("p", { class: "muted" }, gettext("No member has recorded a dissent."));
  return h("ul", { class: "dissents" }, list.map((d) => h("li", { "data-member": d.member },
    h("strong", {}, nameOf(snap, d.member)), ` (${beijingTime(d.at)}): `, d.reasons)));
}

function dissentForm(snap, act) {
  if (snap.you.role !== "member" || snap.state !== "summarized") return null;
  const mine = snap.report.dissents.find((d) => d.member === snap.you.member_id);
  const text = keep("dissent", () => h("textarea", { id: "dissent-reasons", rows: 3, maxLength: 5000 }));
  return h("details", { class: "dissent-form", open: Boolean(mine) || undefined },
    h("summary", {}, mine ? gettext("Rewrite my dissent") : gettext("I disagree with the committee's conclusion")),
    h("div", { class: "field" }, h("label", { htmlFor: "dissent-reasons" }, gettext("Your reasons, as the report will print them")), text),
    h("button", { type: "button", id: "record-dissent", class: "secondary", onclick: async () => {
      if ((await act("record_dissent", { reason: text.value }, gettext("Dissent"))).type === "ok") text.value = "";
    } }, gettext("Record my dissent")));
}

function makeButton(snap, act) {
  if (!snap.you.leader || snap.state !== "summarized") return null;
  return h("div", { class: "leader-controls" },
    h("button", { type: "button", id: "make-report", onclick: async () => {
      const yes = await askToConfirm({ title: gettext("Make the report?"),
        detail: gettext("The report is made once, from the summary and the dissents recorded now; after it a member who disagrees refuses to sign, with reasons. This cannot be undone."),
        action: gettext("Make the report") });
      if (yes) act("make_report", {}, gettext("The report"));
    } }, gettext("Make the report")));
}

function answersTable(snap) {
  const r = snap.report;
  const rows = snap.members.filter((m) => !m.recused).map((m) => {
    const a = r.answers.find((x) => x.member === m.id);
    let cell;
    if (!a) cell = h("span", { class: "muted" }, gettext("Not yet"));
    else if (a.answer === "signed") cell = interpolate(gettext("Signed %(at)s"), { at: beijingTime(a.at) });
    else cell = h("span", { class: "errors" }, interpolate(gettext("Refused %(at)s: %(reason)s"), { at: beijingTime(a.at), reason: a.reason }));
    return h("tr", { "data-member": m.id, "data-answer": a?.answer ?? "pending" },
      h("td", {}, m.name, m.leader ? h("strong", { class: "leader-badge" }, ` ${gettext("Leader")}`) : null),
      h("td", {}, cell),
      h("td", {}, a?.public_key ? h("code", { class: "digest" }, a.public_key) : ""));
  });
  return h("div", { class: "table-wrap" }, h("table", { class: "report-answers" },
    h("thead", {}, h("tr", {}, h("th", {}, gettext("Member")), h("th", {}, gettext("Signature")), h("th", {}, gettext("Key used")))),
    h("tbody", {}, rows)));
}

async function sign(r, act) {
  const file = kept.keyFile.files[0];
  if (!file) throw new Error(gettext("Choose your key file first."));
  const { privateKey, publicKey } = await loadSigningKeyFile(file, { passphrase: kept.passphrase.value || undefined });
  if (publicKey !== r.your_key) {
    throw new Error(gettext("This key file is not the key you registered: choose the key file of your registered key, or register this one on My signing key."));
  }
  const response = await fetch(r.pdf_url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(interpolate(gettext("The report could not be downloaded (HTTP %(status)s)."), { status: response.status }));
  const digest = await sha256Hex(new Uint8Array(await response.arrayBuffer()));
  if (digest !== r.sha256) {
    throw new Error(gettext("The report downloaded is not the report the committee signs (its SHA-256 differs): reload the page and try again."));
  }
  const yes = await askToConfirm({ title: gettext("Sign the report?"),
    detail: interpolate(gettext("You sign, with your own key, the report whose SHA-256 is %(sha)s: the file you can open above. A signature cannot be taken back."), { sha: digest }),
    action: gettext("Sign the report") });
  if (!yes) return;
  const signature = await signText(privateKey, reportMessage(digest));
  const answer = await act("sign_report", { signature, report_sha256: digest }, gettext("Signature"));
  if (answer.type === "ok") say(gettext("Your signature is recorded."));
}

function signForm(snap, act) {
  const r = snap.report;
  if (snap.you.role !== "member" || snap.state !== "signing") return null;
  if (r.answers.some((a) => a.member === snap.you.member_id)) return null;
  if (!r.your_key) {
    return h("p", { class: "errors", id: "no-signing-key" }, gettext("You have no signing key registered: make one first, then come back to sign."), " ",
      h("a", { href: r.key_url, target: "_blank", rel: "noopener" }, gettext("My signing key")));
  }
  keep("keyFile", () => h("input", { type: "file", id: "report-key-file" }));
  keep("passphrase", () => h("input", { type: "password", id: "report-key-passphrase", autocomplete: "off" }));
  const reasons = keep("refusal", () => h("textarea", { id: "refusal-reasons", rows: 3, maxLength: 5000 }));
  const button = h("button", { type: "button", id: "sign-report", onclick: async () => {
    button.disabled = true;
    try {
      await sign(r, act);
    } catch (err) {
      say(interpolate(gettext("Not signed: %(reason)s"), { reason: err.message }), true);
    } finally {
      button.disabled = false;
    }
  } }, gettext("Sign the report"));
  return h("div", { class: "sign-form" },
    h("fieldset", {}, h("legend", {}, gettext("Sign with your key file")),
      h("p", { class: "muted" }, gettext("Your browser reads your key file, checks that the report it downloads is the one above, and signs its SHA-256. Your key never leaves this computer.")),
      h("div", { class: "field" }, h("label", { htmlFor: "report-key-file" }, gettext("Key file")), kept.keyFile),
      h("div", { class: "field" }, h("label", { htmlFor: "report-key-passphrase" }, gettext("Its passphrase, if it has one")), kept.passphrase),
      button),
    h("details", { class: "refuse-form" }, h("summary", {}, gettext("I refuse to sign")),
      h("div", { class: "field" }, h("label", { htmlFor: "refusal-reasons" }, gettext("Your reasons, as the record will keep them")), reasons),
      h("button", { type: "button", id: "refuse-signature", class: "secondary", onclick: async () => {
        const text = reasons.value.trim();
        if (text) {
          const yes = await askToConfirm({ title: gettext("Refuse to sign the report?"),
            detail: gettext("Your refusal and its reasons are recorded with the report. This cannot be undone."), action: gettext("Refuse to sign") });
          if (!yes) return;
        }
        if ((await act("refuse_signature", { reason: text }, gettext("Refusal"))).type === "ok") reasons.value = "";
      } }, gettext("Refuse to sign"))));
}

/** What a report event says in the room's record, beyond its name (the page's log). */
export function describe(ev, snap) {
  const d = ev.data ?? {};
  switch (ev.kind) {
    case "report_signed": return nameOf(snap, d.member);
    case "signing_refused":
    case "dissent_recorded": return interpolate(gettext("%(name)s: %(reason)s"), { name: nameOf(snap, d.member), reason: d.reason ?? "" });
    default: return "";
  }
}

export function render(snap, act) {
  const r = snap.report;
  if (!r || !Object.keys(r).length) return null;
  let state;
  if (r.final) state = interpolate(gettext("The report is final (%(at)s): every member has signed or refused with reasons."), { at: beijingTime(r.final_at) });
  else if (r.made) state = gettext("The report is made: each member signs it with their own key, or refuses with reasons.");
  else state = gettext("The summary is made. A member who disagrees records a dissent; then the leader makes the report.");
  return h("section", { class: "card report-panel", id: "report-panel", "data-made": r.made ? "yes" : "no" },
    h("h2", {}, gettext("The evaluation report")),
    h("p", { class: "report-state" }, state),
    reportLinks(r),
    h("h3", {}, gettext("Dissents")), dissents(snap), dissentForm(snap, act), makeButton(snap, act),
    r.made ? [h("h3", {}, gettext("Signatures")), answersTable(snap), signForm(snap, act)] : null,
    status());
}
