// The opening hall page, for every role: the hall as the server drives it, over one live-room
// connection (../room-client.js: ws/halls/<lot>/?after=<seq>, resume on a gap, reconnect after
// a drop), and the controls the server says this visitor has. The server checks every
// command; its refusals are shown as they come.
import { openShare } from "../ceremony.js";
import { loadKeyFile } from "../keys.js";
import { toHex } from "../bytes.js";
import { download, say } from "./common.js";
import { askToConfirm } from "../confirm.js";
import { gettext, interpolate } from "../i18n.js";
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
  "passphrase-required": "该密钥文件设有口令，请输入口令 / this key file needs its passphrase",
  "wrong-passphrase": "口令错误 / wrong passphrase",
  "invalid-key-file": "不是有效的密钥文件 / not a valid key file",
};

/** A bid read as revoked by its bidder loses its bid security (bidding.security). */
function forfeitText(forfeit) {
  return `视为撤销，投标保证金 ${yuanText(forfeit.amount)}不予退还（《招标投标法实施条例》第三十五条）`;
}

function describe(ev, labels) {
  const d = ev.data ?? {};
  const status = (s) => labels.status[s] ?? s;
  switch (ev.kind) {
    case "hall_opened": return `开标大厅开放，开标时间 ${when(d.deadline)} / hall opened`;
    case "lot_failed": return `有效投标不足 ${d.min_bids} 家（${d.complete_bids} 家），不予开标 ${d.citation ?? ""} / not opened: too few bids`;
    case "bidding_closed": return `投标截止：${d.complete_bids} 份有效投标 / bidding closed`;
    case "signed_in": return `${d.bidder} 签到 / signed in`;
    case "decryption_started": return `主持人 ${d.host ?? ""} 开始解密，解密截止 ${when(d.deadline)} / decryption started`;
    case "bid_status": return `${d.bidder}：${status(d.status)}${d.outcome ? "（" + (labels.outcome[d.outcome] ?? d.outcome) + "）" : ""}${d.reason ? " " + d.reason : ""}`;
    case "files_decrypted": return `${d.bidder}：投标文件已解密（${d.files} 个）/ bid files decrypted`;
    case "share_handed_in": return `密钥保管人 ${d.custodian} 提交份额（${d.count}/${d.k}）/ share handed in`;
    case "opening_key_rebuilt": return "开标密钥已由份额恢复 / opening key rebuilt";
    case "decryption_ended": return `解密结束，成功解密 ${d.decrypted} 份 / decryption ended`;
    case "row_read": return `唱标：${d.bidder} ${priceRead(d.form)}${d.security_forfeit ? "；" + forfeitText(d.security_forfeit) : ""}`;
    case "confirmation_open": return `开标记录确认开始，截止 ${when(d.deadline)} / confirmation open`;
    case "k_drawn": return `抽取随机系数 K = ${d.k} / K drawn`;
    case "confirmed": return `${d.bidder} 确认开标记录 / confirmed`;
    case "objection_raised": return `${d.bidder} 提出异议：${d.question}`;
    case "objection_answered": return `答复 ${d.bidder} 的异议：${d.answer}`;
    case "deemed_accepted": return `${d.bidder} 未在时限内确认，视为认可 / deemed accepted`;
    case "opening_ended": return `开标结束，开标记录 SHA-256 ${d.record_sha256} / opening ended`;
    case "opening_failed": return `开标失败：${d.reason} / opening failed`;
    default: return ev.kind;
  }
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
      showError("未连接到开标大厅，请稍候重试 / not connected, try again shortly");
      return false;
    }
    say($("hall-message"), `${what}… / sent`);
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
      showError(`${what}：连接中断，结果以大厅记录为准 / connection lost`);
    } else if (m.type === "ok") {
      $("hall-error").hidden = true;
      say($("hall-message"), `${what}：完成 / done`);
      // Before the deadline a sign-in is no event (even its number would tell); the bidder
      // sees its own in a fresh snapshot.
      if (m.command === "sign_in") room.raw({ type: "snapshot" });
    } else {
      showError(what ? `${what}：${m.message}` : m.message);
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
    send({ type: "sign_in", nonce }, "签到 / sign in");
  });

  on("hand-in-identity", async () => {
    const file = $("bidder-key-file").files[0];
    if (!file) return showError("请选择本项目的密钥文件 / choose your key file for this tender");
    // The server's state, not this machine's clock, says that the deadline has passed.
    if (hall.state !== "decrypting") {
      return showError("解密尚未开始：密钥只在开标解密时发送 / the key is sent only once decryption has started");
    }
    const passphrase = $("bidder-key-passphrase").value || undefined;
    say($("hall-message"), "正在读取密钥文件… / reading the key file…");
    let key;
    try {
      key = await loadKeyFile(file, { passphrase });
    } catch (err) {
      return showError(KEY_FILE_ERRORS[err.code] ?? err.message);
    }
    if (key.meta.tender && key.meta.tender !== app.dataset.project) {
      return showError(`这个密钥文件属于招标项目 ${key.meta.tender}，不是本项目 / this key file is for another tender`);
    }
    $("bidder-key-passphrase").value = "";
    send({ type: "hand_in_identity", identity: key.identity }, "提交密钥解密 / hand in the key");
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
    if (!file) return showError("请选择您的保管人密钥文件 / choose your custodian key file");
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
      return showError(`取得份额失败 / cannot fetch the share: ${message}`);
    }
    let opened;
    try {
      opened = await openShare(new Uint8Array(await response.arrayBuffer()), key.identity);
    } catch (err) {
      return showError(`无法用此密钥打开份额 / this key does not open the share: ${err.message}`);
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
    $("sign-in-status").textContent = signedIn ? `已签到 ${when(hall.signIns.get(myOrganization))} / signed in` : "";
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
      rows.push(h("tr", { "data-bidder": b.bidder }, h("td", {}, b.bidder), h("td", {}, b.uscc ?? ""), h("td", {}, at ? when(at) : b.signed_in ? "已签到 / signed in" : "未签到 / not signed in")));
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
    shares.textContent = hall.shares ? `密钥份额 / shares: ${hall.shares.count}/${hall.shares.k}${hall.keyRebuilt ? "，开标密钥已恢复 / opening key rebuilt" : ""}` : "";
  }

  function renderDigests() {
    const rows = [];
    for (const d of hall.digests) {
      for (const f of d.files ?? []) {
        rows.push(h("tr", { "data-bidder": d.bidder, class: f.match ? "" : "mismatch" },
          h("td", {}, d.bidder), h("td", {}, f.name), h("td", { class: "num" }, f.size),
          h("td", {}, h("code", { class: "digest receipt-sha256" }, f.receipt_sha256)),
          h("td", {}, h("code", { class: "digest stored-sha256" }, f.stored_sha256)),
          h("td", { class: f.match ? "match" : "errors" }, f.match ? "一致 ✓" : "不一致 ✗")));
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
      if (!decrypted) notes.push(h("div", { class: "errors" }, labels.outcome[b.outcome] ?? labels.status[b.status] ?? "", b.reason ? `：${b.reason}` : ""));
      if (b.securityForfeit) notes.push(h("div", { class: "errors security-forfeit" }, forfeitText(b.securityForfeit)));
      if (b.aboveCeiling) notes.push(h("div", { class: "errors above-ceiling" }, `⚠ ${b.ceilingReason || "超过最高投标限价 / above the ceiling price"}`));
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
    $("k-range").textContent = `${k.low} – ${k.high}，步长 / step ${k.step}`;
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
        h("div", {}, h("strong", {}, o.bidder), ` · ${when(o.asked_at)}：`, h("span", { class: "question" }, o.question)),
        o.answer ? h("div", { class: "answer" }, `${list.dataset.answer}（${when(o.answered_at)}）：`, h("span", { class: "answer-text" }, o.answer)) : null);
      if (!o.answer && hall.role === "host") {
        const area = h("textarea", { rows: 2, class: "answer-input", "aria-label": list.dataset.answer });
        const old = li?.querySelector("textarea");
        if (old) area.value = old.value;
        const button = h("button", { type: "button", class: "answer-send", onclick: () => {
          const answer = area.value.trim();
          if (!answer) return showError("请填写答复 / write the answer");
          send({ type: "answer", objection_id: o.id, answer }, "答复异议 / answer");
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
    $("hall-offset").textContent = hall.state
      ? `（本机时钟${offset >= 0 ? "快" : "慢"} ${Math.abs(offset).toFixed(1)} 秒，仅作显示，一切以服务器时间为准 / your clock ${offset >= 0 ? "+" : ""}${offset.toFixed(1)} s, shown only）`
      : "";
    const target = countdownTarget(hall);
    const label = $("countdown-label");
    label.hidden = $("hall-countdown").parentElement.hidden = !target;
    if (!target) return;
    label.textContent = label.dataset[target.key];
    const left = Math.max(0, Math.floor((target.at - now) / 1000));
    const days = Math.floor(left / 86400);
    $("hall-countdown").textContent = `${days ? days + " 天 " : ""}${pad(Math.floor((left % 86400) / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`;
    $("countdown-target").textContent = interpolate(gettext("until %(time)s"), { time: beijingTime(target.at, { zone: true }) });
  }

  setInterval(tick, 500);
  connect();
}

const app = document.getElementById("hall-app");
if (app) main(app);
