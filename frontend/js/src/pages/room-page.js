// The evaluation room page, for the committee, the lot's center staff and its supervisors: one
// live-room connection (../room-client.js: ws/evaluation/<lot>/?after=<seq>, resume on a gap,
// reconnect after a drop). The page keeps the room's last snapshot and renders every panel from
// it; after each event it asks for a fresh snapshot (debounced): panels never apply events
// themselves. Each panel module exports render(snap, act, labels) -> an element, or null:
//   act(command, fields, what?) sends one command and resolves with the server's answer
//   ({type: "ok"} or {type: "error", message}); the page shows refusals itself, prefixed with
//   `what` (the action's name, translated) when given;
//   labels: the server's names for its values (evaluation/room_views.py labels(): state, kinds,
//   role, method, formula, check_kind, category), in the page's language.
// A panel that keeps what is being typed returns the same input elements again (it keeps them
// itself); the page gives the focus back to the element that had it.
import { openRoom, take, numbering } from "../room-client.js";
import { gettext, interpolate } from "../i18n.js";
import { beijingTime } from "../formats.js";
import { render as renderGathering, describe as describeGathering } from "./room-gathering.js";
import { render as renderReview, describe as describeReview } from "./room-review.js";
import { render as renderScoring, describe as describeScoring } from "./room-scoring.js";
import { render as renderReport, describe as describeReport } from "./room-report.js";

const PANELS = [
  ["gathering", renderGathering],
  ["review", renderReview],
  ["scoring", renderScoring],
  ["report", renderReport],
];
const SNAPSHOT_PAUSE_MS = 150; // events that come together are answered by one snapshot

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

function main(app) {
  const labels = JSON.parse(app.dataset.labels);
  const numbers = numbering();
  const log = new Map(); // seq -> event
  let snap = null;
  let offsetMs = 0; // the server's clock minus this computer's, from the last snapshot
  let room = null;
  let snapshotTimer = null;
  const waiting = new Map(); // a command's ref -> the resolve of act()'s promise

  function connection(key, extra = "") {
    const el = $("room-connection");
    el.textContent = `${el.dataset[key] ?? key}${extra}`;
    el.dataset.state = key;
  }

  function showError(text) {
    const el = $("room-error");
    el.textContent = text;
    el.hidden = !text;
    if (text) $("room-message").textContent = "";
  }

  function act(type, fields = {}, what = "") {
    return new Promise((resolve) => {
      const ref = room ? room.send({ type, ...fields }, what) : false;
      if (!ref) {
        const message = gettext("Not connected to the evaluation room: try again in a moment.");
        showError(message);
        resolve({ type: "error", message });
        return;
      }
      $("room-message").textContent = gettext("Sent…");
      waiting.set(ref, resolve);
    });
  }

  function onAnswer(what, m) {
    if (m === null) {
      const message = gettext("The connection was lost: the room's record says whether it was taken.");
      showError(message);
      for (const [, resolve] of waiting) resolve({ type: "error", message });
      waiting.clear();
      return;
    }
    if (m.type === "ok") {
      showError("");
      $("room-message").textContent = gettext("Done.");
    } else {
      showError(what ? interpolate(gettext("%(what)s: %(reason)s"), { what, reason: m.message }) : m.message);
    }
    const resolve = waiting.get(m.ref);
    waiting.delete(m.ref);
    if (resolve) resolve(m);
  }

  function askSnapshot() {
    if (snapshotTimer) return;
    snapshotTimer = setTimeout(() => {
      snapshotTimer = null;
      room?.raw({ type: "snapshot" });
    }, SNAPSHOT_PAUSE_MS);
  }

  function onMessage(m) {
    if (m.type === "snapshot") {
      snap = m;
      offsetMs = Date.parse(m.server_time) - Date.now();
      // Events up to the snapshot's number are in it: a later gap is measured from there.
      numbers.last = Math.max(numbers.last, m.last_seq);
      render();
      return null;
    }
    if (m.type !== "event") return null;
    const { fresh, gapAfter } = take(numbers, m.seq);
    if (!fresh) return null;
    log.set(m.seq, m);
    renderLog();
    askSnapshot();
    return gapAfter;
  }

  function render() {
    if (!snap) return;
    const state = $("room-state");
    state.textContent = labels.state[snap.state] ?? snap.state;
    state.className = `state state-${snap.state}`;
    state.dataset.state = snap.state;
    $("room-role").textContent = labels.role[snap.you.role] ?? snap.you.role;
    $("room-role").dataset.role = snap.you.role;
    const paused = $("room-paused");
    paused.hidden = !snap.paused;
    paused.textContent = snap.paused
      ? interpolate(gettext("The room is paused since %(at)s: %(reason)s. No member's step is taken until the trading center's staff resume it."),
        { at: beijingTime(snap.paused.at), reason: snap.paused.reason })
      : "";
    const focused = document.activeElement;
    const selection = focused && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
    for (const [part, renderPart] of PANELS) {
      const slot = $(`panel-${part}`);
      let el = null;
      try {
        el = renderPart(snap, (type, fields, what) => act(type, fields, what), labels);
      } catch (err) {
        el = h("p", { class: "errors" }, interpolate(gettext("This part of the page could not be shown: %(reason)s"), { reason: err.message }));
      }
      if (el) {
        if (slot.firstChild !== el || slot.childNodes.length !== 1) slot.replaceChildren(el);
      } else {
        slot.replaceChildren();
      }
      slot.hidden = !el;
    }
    if (focused && focused !== document.activeElement && document.contains(focused)) {
      focused.focus();
      if (selection) try { focused.setSelectionRange(...selection); } catch { /* not a text field */ }
    }
    renderLog();
    tick();
  }

  function describe(ev) {
    const name = labels.kinds[ev.kind] ?? ev.kind;
    const more = snap ? describeGathering(ev, snap) || describeReview(ev, snap) || describeScoring(ev, snap)
      || describeReport(ev, snap) : "";
    return more ? interpolate(gettext("%(name)s: %(details)s"), { name, details: more }) : name;
  }

  let logShown = -1;
  let logNamed = null;
  function renderLog() {
    const list = $("room-log");
    if (log.size === logShown && logNamed === snap) return;
    const events = [...log.values()].sort((a, b) => b.seq - a.seq).slice(0, 300);
    list.replaceChildren(...events.map((ev) => h("li", { "data-seq": ev.seq, "data-kind": ev.kind, value: ev.seq },
      h("span", { class: "muted" }, `#${ev.seq} ${beijingTime(ev.at)} `), describe(ev))));
    logShown = log.size;
    logNamed = snap;
  }

  function tick() {
    if (!snap) return;
    $("room-server-time").textContent = beijingTime(Date.now() + offsetMs, { zone: true });
  }

  setInterval(tick, 1000);
  room = openRoom({
    path: app.dataset.wsPath,
    lastSeq: () => numbers.last,
    onState: (state, seconds) => connection(state, seconds ? interpolate(gettext(" %(s)s s"), { s: seconds }) : ""),
    onMessage,
    onAnswer,
  });
}

const app = document.getElementById("room-app");
if (app) main(app);
