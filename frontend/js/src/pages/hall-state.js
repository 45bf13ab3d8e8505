// The opening hall as the page knows it, built from the server's snapshot and its numbered
// events (DESIGN.md §5). Pure: no DOM, no socket. A field remembers the number of the event
// (or snapshot) it came from, so an older event replayed after a newer snapshot never moves
// the hall backwards; an event seen before is ignored.
import { numbering, take } from "../room-client.js";

export function emptyHall() {
  return {
    role: "public", lot: null, state: null, deadline: null, decryptionDeadline: null, confirmDeadline: null,
    offsetMs: 0, lastSeq: 0, numbers: numbering(), from: {},
    bidders: null, signIns: new Map(), bids: new Map(), digests: [], k: null, kInputs: null,
    objections: new Map(), shares: null, keyRebuilt: false, recordSha256: "", failed: null, log: [],
  };
}

// True (and remembered) unless obj[key] already came from something newer than seq.
function newer(obj, key, seq) {
  obj.from ??= {};
  if ((obj.from[key] ?? -1) > seq) return false;
  obj.from[key] = seq;
  return true;
}

function put(obj, key, value, seq) {
  if (!newer(obj, key, seq)) return false;
  obj[key] = value;
  return true;
}

function bid(hall, id) {
  if (!hall.bids.has(id)) hall.bids.set(id, { id, order: null, bidder: "", status: "waiting", outcome: "", reason: "", confirmation: "pending", read: false, from: {} });
  return hall.bids.get(id);
}

function bidOf(hall, bidder) {
  for (const b of hall.bids.values()) if (b.bidder === bidder) return b;
  return null;
}

/** The snapshot: the hall's state now. `clientNow` is this machine's clock, for the offset only. */
export function applySnapshot(hall, snap, clientNow = Date.now()) {
  const seq = snap.last_seq ?? 0;
  hall.role = snap.you?.role ?? "public";
  hall.lot = snap.lot ?? hall.lot;
  const serverTime = Date.parse(snap.server_time);
  if (!Number.isNaN(serverTime)) hall.offsetMs = clientNow - serverTime;
  put(hall, "state", snap.state, seq);
  put(hall, "deadline", snap.deadline, seq);
  put(hall, "decryptionDeadline", snap.decryption_deadline, seq);
  put(hall, "confirmDeadline", snap.confirm_deadline, seq);
  if (snap.record_sha256) put(hall, "recordSha256", snap.record_sha256, seq);
  if (snap.k) hall.k = { ...(hall.k ?? {}), ...snap.k };
  for (const row of snap.bids ?? []) {
    const b = bid(hall, row.id);
    Object.assign(b, { order: row.order, bidder: row.bidder, uscc: row.uscc });
    if (put(b, "status", row.status, seq)) b.outcome = row.outcome ?? "";
    put(b, "confirmation", row.confirmation, seq);
    if ("form" in row) Object.assign(b, { read: true, form: row.form, flags: row.flags ?? [], aboveCeiling: !!row.above_ceiling });
  }
  for (const s of snap.sign_ins ?? []) hall.signIns.set(s.bidder, s.at);
  for (const o of snap.objections ?? []) mergeObjection(hall, o);
}

function mergeObjection(hall, o) {
  const old = hall.objections.get(o.id) ?? {};
  hall.objections.set(o.id, { ...old, ...o, answer: o.answer || old.answer || "", answered_at: o.answered_at || old.answered_at || null });
}

/**
 * One numbered event. Returns {applied, gapAfter}: applied is false for an event seen before;
 * gapAfter is the last number seen before a gap (ask the server to resume after it), or null.
 */
export function receiveEvent(hall, ev) {
  const { fresh, gapAfter } = take(hall.numbers, ev.seq);
  if (!fresh) return { applied: false, gapAfter: null };
  hall.lastSeq = hall.numbers.last;
  applyEvent(hall, ev);
  hall.log.push(ev);
  hall.log.sort((a, b) => a.seq - b.seq);
  return { applied: true, gapAfter };
}

export function applyEvent(hall, { seq, kind, data = {} }) {
  switch (kind) {
    case "hall_opened":
      put(hall, "deadline", data.deadline, seq);
      if (data.k) hall.k = { ...data.k, ...(hall.k ?? {}) };
      break;
    case "lot_failed":
      put(hall, "state", "failed", seq);
      hall.failed = data;
      hall.bidders = data.bidders ?? [];
      break;
    case "bidding_closed":
      put(hall, "state", "closed", seq);
      hall.bidders = data.bidders ?? [];
      break;
    case "signed_in":
      hall.signIns.set(data.bidder, data.at);
      break;
    case "decryption_started":
      put(hall, "state", "decrypting", seq);
      put(hall, "decryptionDeadline", data.deadline, seq);
      hall.digests = data.digests ?? [];
      for (const d of hall.digests) bid(hall, d.opening).bidder ||= d.bidder;
      break;
    case "bid_status": {
      const b = bid(hall, data.opening);
      b.bidder ||= data.bidder;
      if (put(b, "status", data.status, seq)) Object.assign(b, { outcome: data.outcome ?? "", reason: data.reason ?? "" });
      break;
    }
    case "files_decrypted":
      bid(hall, data.opening).files = data.files;
      break;
    case "share_handed_in":
      if (!hall.shares || data.count > hall.shares.count) hall.shares = { count: data.count, k: data.k };
      break;
    case "opening_key_rebuilt":
      hall.keyRebuilt = true;
      break;
    case "decryption_ended":
      put(hall, "state", "reading", seq);
      break;
    case "row_read": {
      const b = bid(hall, data.opening);
      Object.assign(b, {
        order: data.order, bidder: data.bidder, uscc: data.uscc, read: true, form: data.form, flags: data.flags ?? [],
        aboveCeiling: !!data.above_ceiling, ceilingReason: data.ceiling_reason ?? "",
        securityForfeit: data.security_forfeit ?? null,
      });
      if (newer(b, "status", seq)) Object.assign(b, { outcome: data.outcome ?? b.outcome, reason: data.reason ?? b.reason });
      break;
    }
    case "confirmation_open":
      put(hall, "state", "confirming", seq);
      put(hall, "confirmDeadline", data.deadline, seq);
      break;
    case "k_drawn":
      hall.k = { ...(hall.k ?? {}), k: data.k, seed: data.inputs?.seed, commitment: data.inputs?.commitment ?? hall.k?.commitment };
      hall.kInputs = data.inputs ?? null;
      break;
    case "confirmed":
      put(bid(hall, data.opening), "confirmation", "confirmed", seq);
      break;
    case "objection_raised": {
      mergeObjection(hall, data);
      const b = bidOf(hall, data.bidder);
      if (b && b.confirmation === "pending") put(b, "confirmation", "objected", seq);
      break;
    }
    case "objection_answered":
      mergeObjection(hall, data);
      break;
    case "deemed_accepted":
      put(bid(hall, data.opening), "confirmation", "deemed", seq);
      break;
    case "opening_ended":
      put(hall, "state", "ended", seq);
      put(hall, "recordSha256", data.record_sha256, seq);
      break;
    case "opening_failed":
      put(hall, "state", "aborted", seq);
      break;
    default:
      break; // a kind this page does not know yet: kept in the log only
  }
}

/**
 * What a bidder may answer to the record now, by the server's rules (`rules.confirmable`, from
 * bidding/hall/states.py): {confirm, object}. Both need the record open and a bid of its own in
 * it; confirming also needs an answer after which the server still takes a confirmation (not
 * once it objected).
 */
export function bidderAnswers(hall, organization, rules) {
  const mine = organization ? bidOf(hall, organization) : null;
  const open = hall.state === "confirming" && mine !== null;
  return { confirm: open && rules.confirmable.includes(mine.confirmation), object: open };
}

/** What the countdown counts down to now: {key, at} or null. */
export function countdownTarget(hall) {
  const at = { waiting: hall.deadline, decrypting: hall.decryptionDeadline, confirming: hall.confirmDeadline }[hall.state];
  return at ? { key: hall.state, at: Date.parse(at) } : null;
}

/** The server's time now, estimated from the snapshot; this machine's clock only supplies the tick. */
export function serverNow(hall, clientNow = Date.now()) {
  return clientNow - hall.offsetMs;
}
