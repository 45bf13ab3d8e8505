// The opening hall page, for every role: the hall as the server drives it, over one live-room
// connection (../room-client.js: ws/halls/<lot>/?after=<seq>, resume on a gap, reconnect after
// a drop), and the controls the server says this visitor has. The server checks every
// command; its refusals are shown as they come.
import { openShare } from "../ceremony.js";
import { loadKeyFile } from "../keys.js";
import { toHex } from "../bytes.js";
import { download, say } from "./common.js";
import { askToConfirm } from "../confirm.js";
import { gettext, interpolate, ngettext } from "../i18n.js";
import { applySnapshot, bidderAnswers, countdownTarget, emptyHall, receiveEvent, serverNow } from "./hall-state.js";
import { openRoom } from "../room-client.js";
import { beijingTime, sealedAmountShown, yuanText } from "../formats.js";

const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.includes("-")) el.setAttribute(k, v);
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

// Every time in the hall in Beijing time (../formats.js), never the visitor's zone.
const when = (at) => beijingTime(at);
const pad = (n) => String(n).padStart(2, "0");
const COLON = gettext(": "); // before what a label introduces: "：" in Chinese

// A value of the opening form exactly as sealed: strings as they are, anything else as JSON.
function asSealed(value) {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

// A money item read out: the amount as people write it with its capital numerals (大写), the
// same value; what is not an amount, exactly as sealed (the opening has flagged it).
function itemShown(value, item) {
  const amount = item?.type === "money" ? sealedAmountShown(value) : null;
  return amount ? [amount.text, h("div", { class: "capital muted" }, amount.capital)] : asSealed(value);
}

function priceRead(form) {
  if (!form || typeof form !== "object" || !("price" in form)) return "";
  const amount = sealedAmountShown(form.price);
  return amount ? `${amount.text}（${amount.capital}）` : asSealed(form.price);
}

const KEY_FILE_ERRORS = {
  "passphrase-required": gettext("This key file has a passphrase: enter it."),
  "wrong-passphrase": gettext("Wrong passphrase."),
  "invalid-key-file": gettext("This is not a valid key file."),
};

/** A bid read as revoked by its bidder loses its bid security (bidding.security). */
function forfeitText(forfeit) {
  return interpolate(gettext("Counts as revoked: its bid security of %(amount)s is not returned (%(law)s)."),
    { amount: yuanText(forfeit.amount), law: "《招标投标法实施条例》第三十五条" });
}

/** What an event says beyond its name (the name is the server's: labels.kinds). */
function details(ev, labels) {
  const d = ev.data ?? {};
  const status = (s) => labels.status[s] ?? s;
  switch (ev.kind) {
    case "hall_opened": return interpolate(gettext("opening time %(at)s"), { at: when(d.deadline) });
    case "lot_failed": return interpolate(gettext("%(complete)s complete bids, fewer than the %(min)s needed: the lot is not opened %(citation)s"),
      { complete: d.complete_bids, min: d.min_bids, citation: d.citation ?? "" });
    case "bidding_closed": return interpolate(gettext("%(n)s complete bids"), { n: d.complete_bids });
    case "signed_in": return d.bidder;
    case "decryption_started": return interpolate(gettext("host %(host)s; decryption ends at %(at)s"), { host: d.host ?? "", at: when(d.deadline) });
    case "bid_status": return [interpolate(gettext("%(bidder)s: %(status)s"), { bidder: d.bidder, status: status(d.status) }),
      d.outcome ? labels.outcome[d.outcome] ?? d.outcome : "", d.reason ?? ""].filter(Boolean).join(gettext("; "));
    case "files_decrypted": return interpolate(gettext("%(bidder)s: %(n)s bid files decrypted"), { bidder: d.bidder, n: d.files });
    case "share_handed_in": return interpolate(gettext("key custodian %(custodian)s (%(count)s of the %(k)s needed)"), { custodian: d.custodian, count: d.count, k: d.k });
    case "decryption_ended": return interpolate(gettext("%(n)s bids decrypted"), { n: d.decrypted });
    case "row_read": return [`${d.bidder} ${priceRead(d.form)}`.trim(),
      d.security_forfeit ? forfeitText(d.security_forfeit) : ""].filter(Boolean).join(gettext("; "));
    case "confirmation_open": return interpolate(gettext("until %(at)s"), { at: when(d.deadline) });
    case "k_drawn": return String(d.k ?? "");
    case "confirmed": return d.bidder;
    case "objection_raised": return interpolate(gettext("%(bidder)s: %(question)s"), { bidder: d.bidder, question: d.question });
    case "objection_answered": return interpolate(gettext("to %(bidder)s: %(answer)s"), { bidder: d.bidder, answer: d.answer });
    case "deemed_accepted": return interpolate(gettext("%(bidder)s did not answer in time"), { bidder: d.bidder });
    case "opening_ended": return interpolate(gettext("SHA-256 of the opening record %(digest)s"), { digest: d.record_sha256 });
    case "opening_failed": return d.reason;
    default: return "";
  }
}

/** An event as the hall's log shows it: its name, then what it says. */
function describe(ev, labels) {
  const name = labels.kinds[ev.kind] ?? ev.kind;
  const more = details(ev, labels);
  return more ? interpolate(gettext("%(name)s: %(details)s"), { name, details: more }) : name;
}

function main(app) {
  const labels = JSON.parse(app.dataset.labels);
  // The server's own rules for what the page offers (bidding/hall/states.py), not copies of them.
  const serverRules = JSON.parse(app.dataset.rules);
  const items = JSON.parse(app.dataset.items);
  const myOrganization = app.dataset.organization || "";
  const hall = emptyHall();
  let room = null;
  let renderQueued = false;

  // --- the connection -----------------------------------------------------------------------

  function connection(key, extra = "") {
    const el = $("hall-connection");
    el.textContent = `${el.dataset[key] ?? key}${extra}`;
    el.dataset.state = key;
  }

  function connect() {
    room = openRoom({
      path: app.dataset.wsPath,
      lastSeq: () => hall.lastSeq,
      onState: (state, seconds) => connection(state, seconds ? ` ${seconds} s` : ""),
      onMessage,
      onAnswer,
    });
  }

  function send(message, what) {
    if (!room || !room.send(message, what)) {
      showError(gettext("Not connected to the opening hall: try again in a moment."));
      return false;
    }
    say($("hall-message"), interpolate(gettext("%(what)s: sent…"), { what }));
    return true;
  }

  function onMessage(m) {
    let gapAfter = null;
    if (m.type === "snapshot") {
      applySnapshot(hall, m);
    } else if (m.type === "event") {
      const received = receiveEvent(hall, m);
      if (!received.applied) return null;
      gapAfter = received.gapAfter;
    } else {
      return null;
    }
    queueRender();
    return gapAfter;
  }

  function onAnswer(what, m) {
    if (m === null) {
      showError(interpolate(gettext("%(what)s: the connection was lost; the hall's record says whether it was taken."), { what }));
    } else if (m.type === "ok") {
      $("hall-error").hidden = true;
      say($("hall-message"), interpolate(gettext("%(what)s: done"), { what }));
      // Before the deadline a sign-in is no event (even its number would tell); the bidder
      // sees its own in a fresh snapshot.
      if (m.command === "sign_in") room.raw({ type: "snapshot" });
    } else {
      showError(what ? interpolate(gettext("%(what)s: %(reason)s"), { what, reason: m.message }) : m.message);
    }
  }

  function showError(text) {
    const el = $("hall-error");
    el.textContent = text;
    el.hidden = false;
    say($("hall-message"), "");
  }

  // --- the controls -------------------------------------------------------------------------

  const on = (id, fn) => $(id)?.addEventListener("click", () => fn().catch((err) => showError(err.message)));

  on("sign-in", async () => {
    const nonce = toHex(crypto.getRandomValues(new Uint8Array(32)));
    send({ type: "sign_in", nonce }, gettext("Sign in"));
  });

  on("hand-in-identity", async () => {
    const file = $("bidder-key-file").files[0];
    if (!file) return showError(gettext("Choose your key file for this tender."));
    // The server's state, not this machine's clock, says that the deadline has passed.
    if (hall.state !== "decrypting") {
      return showError(gettext("Decryption has not started: your key is sent only once it has."));
    }
    const passphrase = $("bidder-key-passphrase").value || undefined;
    say($("hall-message"), gettext("Reading the key file…"));
    let key;
    try {
      key = await loadKeyFile(file, { passphrase });
    } catch (err) {
      return showError(KEY_FILE_ERRORS[err.code] ?? err.message);
    }
    if (key.meta.tender && key.meta.tender !== app.dataset.project) {
      return showError(interpolate(gettext("This key file is for the tender %(tender)s, not this one."), { tender: key.meta.tender }));
    }
    $("bidder-key-passphrase").value = "";
    send({ type: "hand_in_identity", identity: key.identity }, gettext("Hand in the key"));
  });

  // What cannot be undone is asked once, in the site's dialog (../confirm.js), saying what
  // will happen; the button's own words name the action. Cancelled, nothing is sent.
  const forGood = (consequence) => interpolate(gettext("%(consequence)s This cannot be undone."), { consequence });
  const QUESTIONS = {
    "confirm-record": [gettext("Confirm the opening record?"),
      gettext("Your organization confirms the record as read. A confirmation cannot be taken back; while the record is open you may still raise an objection.")],
    "raise-objection": [gettext("Raise this objection?"),
      gettext("Your objection goes into the opening record and the host answers it on the spot. Once you have objected you can no longer confirm the record: the objection is your answer.")],
    "hand-in-share": [gettext("Hand in your share?"),
      gettext("Your share of the tender's opening key is handed in. Once enough shares are in, the server rebuilds the opening key, to open the bids their bidders did not decrypt. It cannot be taken back.")],
    "start-decryption": [gettext("Start decryption now?"),
      forGood(gettext("Sign-in closes and the bidders' time to decrypt their bids starts now. A bid its bidder does not decrypt in time counts as revoked."))],
    "end-decryption": [gettext("End decryption now?"),
      forGood(gettext("No key is taken after this. A bid that was not decrypted can still be opened with the tender's remedy until the record is read."))],
    "read-record": [gettext("Read the record now?"),
      forGood(gettext("Every bid's opening form is read out exactly as sealed, to everyone in the hall, and the time to confirm or object begins."))],
    "draw-k": [gettext("Draw K now?"),
      forGood(gettext("K is drawn once, from the committed seed and every signed-in bidder's contribution, and published with its inputs."))],
    "end-opening": [gettext("End the opening?"),
      forGood(gettext("The record becomes final and is archived as a PDF with its digest, the opening keys handed in are forgotten, and the lot goes to evaluation."))],
    "fail-opening": [gettext("Fail the opening?"),
      forGood(gettext("The opening ends as failed and the lot fails, to be tendered again; the reason you gave is published and kept in the record."))],
    remedy: [gettext("Apply the remedy to this bid?"),
      forGood(gettext("This bid is opened with the tender's opening key, rebuilt from the custodians' shares, in place of its bidder's own key."))],
  };
  function confirmFirst(key, button) {
    const [title, detail] = QUESTIONS[key];
    return askToConfirm({ title, detail, action: button.textContent.trim() });
  }

  on("confirm-record", async () => {
    if (await confirmFirst("confirm-record", $("confirm-record"))) send({ type: "confirm" }, gettext("Confirm the record"));
  });

  on("raise-objection", async () => {
    const question = $("objection-text").value.trim();
    if (!question) return showError(gettext("Write the objection first."));
    if (!(await confirmFirst("raise-objection", $("raise-objection")))) return;
    if (send({ type: "object", question }, gettext("Raise an objection"))) $("objection-text").value = "";
  });

  on("hand-in-share", async () => {
    const file = $("custodian-key-file").files[0];
    if (!file) return showError(gettext("Choose your custodian key file."));
    const passphrase = $("custodian-key-passphrase").value || undefined;
    let key;
    try {
      key = await loadKeyFile(file, { passphrase });
    } catch (err) {
      return showError(KEY_FILE_ERRORS[err.code] ?? err.message);
    }
    const response = await fetch(app.dataset.shareUrl, { credentials: "same-origin" });
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try {
        message = (await response.json()).error || message;
      } catch { /* not JSON */ }
      return showError(interpolate(gettext("Your share could not be fetched: %(reason)s"), { reason: message }));
    }
    let opened;
    try {
      opened = await openShare(new Uint8Array(await response.arrayBuffer()), key.identity);
    } catch (err) {
      return showError(interpolate(gettext("This key does not open your share: %(reason)s"), { reason: err.message }));
    }
    const payload = JSON.stringify({ ...opened, share: toHex(opened.share) });
    opened.share.fill(0);
    $("custodian-key-passphrase").value = "";
    if (!(await confirmFirst("hand-in-share", $("hand-in-share")))) return;
    send({ type: "hand_in_share", payload }, gettext("Hand in the share"));
  });

  const hostCommands = {
    "start-decryption": ["start_decryption", gettext("Start decryption")],
    "end-decryption": ["end_decryption", gettext("End decryption")],
    "read-record": ["read_record", gettext("Read the record")],
    "draw-k": ["draw_k", gettext("Draw K")],
    "end-opening": ["end_opening", gettext("End the opening")],
  };
  for (const [id, [type, what]] of Object.entries(hostCommands)) {
    on(id, async () => {
      if (await confirmFirst(id, $(id))) send({ type }, what);
    });
  }

  on("fail-opening", async () => {
    const reason = $("fail-reason").value.trim();
    if (!reason) return showError(gettext("Give the reason the opening fails."));
    if (!(await confirmFirst("fail-opening", $("fail-opening")))) return;
    send({ type: "fail_opening", reason }, gettext("Fail the opening"));
  });

  $("k-download").addEventListener("click", () => {
    if (hall.kInputs) download(new TextEncoder().encode(JSON.stringify(hall.kInputs, null, 1)), "inputs.json", "application/json");
  });

  // --- the view -----------------------------------------------------------------------------

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    queueMicrotask(() => {
      renderQueued = false;
      render();
    });
  }

  function render() {
    // A lot past its opening: the page leads with the outcome (rendered by the server); the
    // hall's state, countdown and controls are not on it, only the proceedings replayed.
    const state = $("hall-state");
    if (state) {
      state.textContent = labels.state[hall.state] ?? "…";
      state.className = `state state-${hall.state}`;
      state.dataset.state = hall.state ?? "";
      $("hall-role").textContent = labels.role[hall.role] ?? hall.role;
      $("hall-role").dataset.role = hall.role;
    }
    renderControls();
    renderBidders();
    renderBids();
    renderDigests();
    renderRecord();
    renderK();
    renderObjections();
    renderEnd();
    renderLog();
    tick();
  }

  function renderControls() {
    if (!$("controls-host")) return;
    const s = hall.state;
    // An opening that has ended (or failed) takes no command: its controls go.
    const over = serverRules.finished.includes(s);
    for (const role of ["bidder", "custodian", "host"]) $(`controls-${role}`).hidden = hall.role !== role || over;
    const enable = (id, yes) => { $(id).disabled = !yes; };
    const signedIn = myOrganization && hall.signIns.has(myOrganization);
    enable("sign-in", (s === "waiting" || s === "closed") && !signedIn);
    $("sign-in-status").textContent = signedIn ? interpolate(gettext("Signed in at %(at)s"), { at: when(hall.signIns.get(myOrganization)) }) : "";
    enable("hand-in-identity", s === "decrypting");
    // The bidder's answers follow the server's rule: no confirming once it has objected.
    const answers = bidderAnswers(hall, myOrganization, serverRules);
    enable("confirm-record", answers.confirm);
    enable("raise-objection", answers.object);
    enable("hand-in-share", ["decrypting", "reading", "confirming"].includes(s));
    enable("start-decryption", s === "closed");
    enable("end-decryption", s === "decrypting");
    enable("read-record", s === "reading");
    enable("draw-k", !!hall.k?.commitment && !hall.k?.k && ["decrypting", "reading", "confirming"].includes(s));
    enable("end-opening", s === "confirming");
    enable("fail-opening", ["decrypting", "reading", "confirming"].includes(s));
    $("hall-failed").hidden = !hall.failed;
    if (hall.failed) $("hall-failed").textContent = describe({ kind: "lot_failed", data: hall.failed }, labels);
  }

  function renderBidders() {
    const body = $("bidders-body");
    const rows = [];
    const listed = new Set();
    for (const b of hall.bidders ?? []) {
      listed.add(b.bidder);
      const at = hall.signIns.get(b.bidder);
      rows.push(h("tr", { "data-bidder": b.bidder }, h("td", {}, b.bidder), h("td", {}, b.uscc ?? ""), h("td", {}, at ? when(at) : b.signed_in ? gettext("Signed in") : gettext("Not signed in"))));
    }
    for (const [bidder, at] of hall.signIns) {
      if (!listed.has(bidder)) rows.push(h("tr", { "data-bidder": bidder }, h("td", {}, bidder), h("td", {}, ""), h("td", {}, when(at))));
    }
    body.replaceChildren(...rows);
    $("bidders-note").hidden = hall.bidders !== null;
  }

  function sortedBids() {
    return [...hall.bids.values()].sort((a, b) => (a.order ?? 1e9) - (b.order ?? 1e9) || a.id - b.id);
  }

  function renderBids() {
    const body = $("bids-body");
    body.replaceChildren(...sortedBids().map((b) => {
      const remedy = hall.role === "host" && (b.outcome === "revoked" || b.outcome === "withdrawn")
        ? h("button", { type: "button", class: "secondary", onclick: async (event) => {
          if (await confirmFirst("remedy", event.currentTarget)) send({ type: "apply_remedy", opening_id: b.id }, gettext("Apply the remedy"));
        } }, body.dataset.remedy)
        : null;
      return h("tr", { "data-bidder": b.bidder, "data-status": b.status, "data-outcome": b.outcome },
        h("td", {}, b.order ?? ""), h("td", {}, b.bidder),
        h("td", { class: `status status-${b.status}` }, labels.status[b.status] ?? b.status),
        h("td", { class: "outcome" }, labels.outcome[b.outcome] ?? "—", remedy ? " " : "", remedy),
        h("td", {}, b.reason ?? ""), h("td", {}, b.files !== undefined ? `${b.files} ✓` : ""));
    }));
    const shares = $("shares-status");
    shares.textContent = !hall.shares ? "" : interpolate(hall.keyRebuilt
      ? gettext("Key shares handed in: %(count)s of the %(k)s needed; the opening key is rebuilt.")
      : gettext("Key shares handed in: %(count)s of the %(k)s needed."), { count: hall.shares.count, k: hall.shares.k });
  }

  function renderDigests() {
    const rows = [];
    for (const d of hall.digests) {
      for (const f of d.files ?? []) {
        rows.push(h("tr", { "data-bidder": d.bidder, class: f.match ? "" : "mismatch" },
          h("td", {}, d.bidder), h("td", {}, f.name), h("td", { class: "num" }, f.size),
          h("td", {}, h("code", { class: "digest receipt-sha256" }, f.receipt_sha256)),
          h("td", {}, h("code", { class: "digest stored-sha256" }, f.stored_sha256)),
          h("td", { class: f.match ? "match" : "errors" }, f.match ? `${gettext("Same")} ✓` : `${gettext("Different")} ✗`)));
      }
    }
    $("digests-body").replaceChildren(...rows);
  }

  function renderRecord() {
    const body = $("record-body");
    const read = sortedBids().filter((b) => b.read);
    const extraKeys = new Set();
    for (const b of read) {
      if (b.form && typeof b.form === "object") for (const k of Object.keys(b.form)) if (!items.some((i) => i.key === k)) extraKeys.add(k);
    }
    const columns = [...items, ...[...extraKeys].map((key) => ({ key, label: key }))];
    $("record-head").replaceChildren(h("th", {}, "#"), h("th", {}, body.dataset.bidder), ...columns.map((c) => h("th", {}, c.label)),
      h("th", {}, body.dataset.flags), h("th", {}, body.dataset.confirmation));
    body.replaceChildren(...read.map((b) => {
      const decrypted = b.form && typeof b.form === "object";
      const cells = columns.map((c) => h("td", { class: `item item-${c.key}`, "data-key": c.key }, decrypted ? itemShown(b.form[c.key], c) : ""));
      const notes = [];
      if (!decrypted) notes.push(h("div", { class: "errors" }, labels.outcome[b.outcome] ?? labels.status[b.status] ?? "", b.reason ? `${COLON}${b.reason}` : ""));
      if (b.securityForfeit) notes.push(h("div", { class: "errors security-forfeit" }, forfeitText(b.securityForfeit)));
      if (b.aboveCeiling) notes.push(h("div", { class: "errors above-ceiling" }, `⚠ ${b.ceilingReason || gettext("Above the ceiling price")}`));
      for (const f of b.flags ?? []) notes.push(h("div", { class: "flag" }, `⚑ ${f}`));
      return h("tr", { "data-bidder": b.bidder, class: b.aboveCeiling ? "above-ceiling-row" : "" },
        h("td", {}, b.order ?? ""), h("td", {}, b.bidder), ...cells, h("td", { class: "flags" }, ...notes),
        h("td", { class: `confirmation confirmation-${b.confirmation}` }, labels.confirmation[b.confirmation] ?? b.confirmation));
    }));
  }

  function renderK() {
    const k = hall.k;
    $("k-none").hidden = !!k?.commitment;
    $("k-facts").hidden = !k?.commitment;
    if (!k?.commitment) return;
    $("k-range").textContent = interpolate(gettext("%(low)s to %(high)s, in steps of %(step)s"), { low: k.low, high: k.high, step: k.step });
    $("k-commitment").textContent = k.commitment;
    $("k-seed").textContent = k.seed ?? "—";
    $("k-value").textContent = k.k ?? "—";
    $("k-inputs-box").hidden = !hall.kInputs;
    if (hall.kInputs) $("k-inputs").textContent = JSON.stringify(hall.kInputs, null, 1);
  }

  // Keyed, so that an answer being typed survives the next event.
  const objectionItems = new Map();
  function renderObjections() {
    const list = $("objections");
    const all = [...hall.objections.values()].sort((a, b) => Date.parse(a.asked_at) - Date.parse(b.asked_at) || a.id - b.id);
    for (const o of all) {
      let li = objectionItems.get(o.id);
      const key = `${o.answer}|${hall.role}|${hall.state}`;
      if (li && li.dataset.key === key) continue;
      const fresh = h("li", { "data-objection": o.id, "data-bidder": o.bidder },
        h("div", {}, h("strong", {}, o.bidder), ` · ${when(o.asked_at)}${COLON}`, h("span", { class: "question" }, o.question)),
        o.answer ? h("div", { class: "answer" }, `${interpolate(gettext("%(answer)s (%(at)s)"), { answer: list.dataset.answer, at: when(o.answered_at) })}${COLON}`, h("span", { class: "answer-text" }, o.answer)) : null);
      if (!o.answer && hall.role === "host") {
        const area = h("textarea", { rows: 2, class: "answer-input", "aria-label": list.dataset.answer });
        const old = li?.querySelector("textarea");
        if (old) area.value = old.value;
        const button = h("button", { type: "button", class: "answer-send", onclick: () => {
          const answer = area.value.trim();
          if (!answer) return showError(gettext("Write the answer."));
          send({ type: "answer", objection_id: o.id, answer }, gettext("Answer the objection"));
        } }, list.dataset.send);
        fresh.append(h("div", { class: "answer-form" }, area, button));
      }
      fresh.dataset.key = key;
      if (li) li.replaceWith(fresh);
      else list.append(fresh);
      objectionItems.set(o.id, fresh);
    }
    list.querySelector(".empty")?.remove();
    if (!all.length) list.append(h("li", { class: "empty muted" }, list.dataset.empty));
  }

  function renderEnd() {
    $("record-sha256").textContent = hall.recordSha256 || "—";
    $("record-link").hidden = !(hall.state === "ended" && hall.recordSha256);
  }

  let logShown = 0;
  function renderLog() {
    const list = $("hall-log");
    if (hall.log.length === logShown) return;
    list.replaceChildren(...hall.log.slice(-300).reverse().map((ev) => h("li", { "data-seq": ev.seq, "data-kind": ev.kind },
      h("span", { class: "muted" }, `#${ev.seq} ${when(ev.at)} `), describe(ev, labels))));
    logShown = hall.log.length;
  }

  function tick() {
    if (!$("hall-countdown")) return;
    const now = serverNow(hall);
    $("hall-server-time").textContent = hall.state ? beijingTime(now, { zone: true }) : "—";
    const offset = hall.offsetMs / 1000;
    $("hall-offset").textContent = !hall.state ? "" : interpolate(offset >= 0
      ? gettext("(this computer's clock is %(s)s s fast; shown only: the server's time is the one that counts)")
      : gettext("(this computer's clock is %(s)s s slow; shown only: the server's time is the one that counts)"),
    { s: Math.abs(offset).toFixed(1) });
    const target = countdownTarget(hall);
    const label = $("countdown-label");
    label.hidden = $("hall-countdown").parentElement.hidden = !target;
    if (!target) return;
    label.textContent = label.dataset[target.key];
    const left = Math.max(0, Math.floor((target.at - now) / 1000));
    const days = Math.floor(left / 86400);
    $("hall-countdown").textContent = `${days ? interpolate(ngettext("%(n)s day", "%(n)s days", days), { n: days }) + " " : ""}${pad(Math.floor((left % 86400) / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`;
    $("countdown-target").textContent = interpolate(gettext("until %(time)s"), { time: beijingTime(target.at, { zone: true }) });
  }

  setInterval(tick, 500);
  connect();
}

const app = document.getElementById("hall-app");
if (app) main(app);
