// The hall page's model: numbered events applied once, gaps noticed, and an older event
// replayed after a newer snapshot never moving the hall backwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { applySnapshot, bidderAnswers, countdownTarget, emptyHall, receiveEvent, serverNow } from "../src/pages/hall-state.js";

const ev = (seq, kind, data = {}) => ({ type: "event", seq, kind, at: "2026-11-22T04:00:00+00:00", data });

test("events_apply_once_and_a_gap_is_reported_with_the_last_seq_before_it", () => {
  const hall = emptyHall();
  assert.deepEqual(receiveEvent(hall, ev(1, "hall_opened", { deadline: "2026-11-22T05:00:00+00:00" })), { applied: true, gapAfter: null });
  assert.deepEqual(receiveEvent(hall, ev(1, "hall_opened")), { applied: false, gapAfter: null });
  assert.deepEqual(receiveEvent(hall, ev(4, "bidding_closed", { complete_bids: 2, bidders: [{ bidder: "甲", uscc: "1" }] })),
    { applied: true, gapAfter: 1 });
  assert.equal(hall.lastSeq, 4);
  assert.equal(hall.state, "closed");
  // the resumed events: the missing one applies, the repeat does not
  assert.equal(receiveEvent(hall, ev(2, "signed_in", { bidder: "甲", at: "2026-11-22T04:10:00+00:00" })).applied, true);
  assert.equal(receiveEvent(hall, ev(4, "bidding_closed", {})).applied, false);
  assert.deepEqual(hall.log.map((e) => e.seq), [1, 2, 4]);
  assert.equal(hall.signIns.get("甲"), "2026-11-22T04:10:00+00:00");
});

test("a_replayed_older_event_does_not_undo_the_snapshot", () => {
  const hall = emptyHall();
  applySnapshot(hall, {
    type: "snapshot", state: "confirming", server_time: "2026-11-22T04:00:00+00:00", deadline: "2026-11-22T03:00:00+00:00",
    decryption_deadline: null, confirm_deadline: "2026-11-22T04:30:00+00:00", last_seq: 9, you: { role: "bidder" },
    bids: [{ id: 7, order: 1, bidder: "甲", uscc: "1", status: "decrypted", outcome: "decrypted", confirmation: "confirmed",
      form: { price: "912345.60" }, flags: [], above_ceiling: false }],
    sign_ins: [], objections: [], k: null, record_sha256: "",
  }, Date.parse("2026-11-22T04:00:02+00:00"));
  assert.equal(hall.offsetMs, 2000);
  assert.equal(serverNow(hall, Date.parse("2026-11-22T04:00:12+00:00")), Date.parse("2026-11-22T04:00:10+00:00"));
  receiveEvent(hall, ev(1, "hall_opened", { deadline: "2026-11-30T00:00:00+00:00" }));
  receiveEvent(hall, ev(3, "decryption_started", { deadline: "2026-11-22T03:30:00+00:00", digests: [] }));
  receiveEvent(hall, ev(4, "bid_status", { opening: 7, bidder: "甲", status: "decrypting", outcome: "" }));
  receiveEvent(hall, ev(6, "row_read", { opening: 7, order: 1, bidder: "甲", form: { price: "912345.60" }, flags: [], outcome: "decrypted" }));
  const bid = hall.bids.get(7);
  assert.equal(hall.state, "confirming");
  assert.equal(hall.deadline, "2026-11-22T03:00:00+00:00");
  assert.equal(bid.status, "decrypted");
  assert.equal(bid.confirmation, "confirmed");
  assert.equal(bid.form.price, "912345.60");
  assert.deepEqual(countdownTarget(hall), { key: "confirming", at: Date.parse("2026-11-22T04:30:00+00:00") });
  receiveEvent(hall, ev(10, "opening_ended", { record_sha256: "ab".repeat(32) }));
  assert.equal(hall.state, "ended");
  assert.equal(hall.recordSha256, "ab".repeat(32));
  assert.equal(countdownTarget(hall), null);
});

test("objection_answer_and_k_draw", () => {
  const hall = emptyHall();
  receiveEvent(hall, ev(1, "hall_opened", { k: { low: "0.02", high: "0.05", step: "0.01", commitment: "c".repeat(64) } }));
  receiveEvent(hall, ev(2, "bid_status", { opening: 3, bidder: "乙", status: "decrypted", outcome: "decrypted" }));
  receiveEvent(hall, ev(3, "objection_raised", { id: 5, bidder: "乙", question: "报价读错？", asked_at: "2026-11-22T04:00:00+00:00", answer: "" }));
  assert.equal(hall.bids.get(3).confirmation, "objected");
  receiveEvent(hall, ev(4, "objection_answered", { id: 5, bidder: "乙", question: "报价读错？", answer: "按密封原值宣读。", answered_at: "2026-11-22T04:01:00+00:00" }));
  assert.equal(hall.objections.get(5).answer, "按密封原值宣读。");
  receiveEvent(hall, ev(5, "k_drawn", { k: "0.03", inputs: { seed: "d".repeat(64), commitment: "c".repeat(64), contributions: [] } }));
  assert.equal(hall.k.k, "0.03");
  assert.equal(hall.k.seed, "d".repeat(64));
  assert.equal(hall.k.low, "0.02");
});

test("a_row_read_as_revoked_carries_its_forfeit_bid_security", () => {
  const hall = emptyHall();
  receiveEvent(hall, ev(4, "bid_status", { opening: 9, bidder: "乙", status: "failed", outcome: "revoked", reason: "视为撤销" }));
  receiveEvent(hall, ev(6, "row_read", { opening: 9, order: 2, bidder: "乙", form: null, flags: [], outcome: "revoked",
    reason: "视为撤销", security_forfeit: { amount: "20000.00", at: "2026-11-22T04:00:00+00:00" } }));
  receiveEvent(hall, ev(7, "row_read", { opening: 8, order: 1, bidder: "甲", form: { price: "1.00" }, flags: [], outcome: "decrypted",
    security_forfeit: null }));
  assert.deepEqual(hall.bids.get(9).securityForfeit, { amount: "20000.00", at: "2026-11-22T04:00:00+00:00" });
  assert.equal(hall.bids.get(9).outcome, "revoked");
  assert.equal(hall.bids.get(8).securityForfeit, null);
});

test("a_bidder_may_confirm_until_it_has_answered_and_object_while_the_record_is_open", () => {
  const rules = { confirmable: ["pending"], finished: ["aborted", "ended", "failed"] };
  const hall = emptyHall();
  applySnapshot(hall, {
    type: "snapshot", state: "confirming", server_time: "2026-11-22T04:00:00+00:00", deadline: "2026-11-22T03:00:00+00:00",
    decryption_deadline: null, confirm_deadline: "2026-11-22T04:30:00+00:00", last_seq: 9, you: { role: "bidder" },
    bids: [
      { id: 7, order: 1, bidder: "甲", uscc: "1", status: "decrypted", outcome: "decrypted", confirmation: "pending" },
      { id: 8, order: 2, bidder: "乙", uscc: "2", status: "decrypted", outcome: "decrypted", confirmation: "pending" },
    ],
  });
  assert.deepEqual(bidderAnswers(hall, "甲", rules), { confirm: true, object: true });
  assert.deepEqual(bidderAnswers(hall, "丙", rules), { confirm: false, object: false }); // no bid of its own here
  assert.deepEqual(bidderAnswers(hall, "", rules), { confirm: false, object: false });
  // 甲 objects: the server takes no confirmation from it after that, so neither does the page
  receiveEvent(hall, ev(10, "objection_raised", { id: 1, bidder: "甲", question: "?", asked_at: "2026-11-22T04:01:00+00:00" }));
  assert.deepEqual(bidderAnswers(hall, "甲", rules), { confirm: false, object: true });
  // 乙 confirms: it may still object
  receiveEvent(hall, ev(11, "confirmed", { opening: 8, bidder: "乙" }));
  assert.deepEqual(bidderAnswers(hall, "乙", rules), { confirm: false, object: true });
  // the opening ends: nothing more
  receiveEvent(hall, ev(12, "opening_ended", { record_sha256: "a".repeat(64) }));
  assert.deepEqual(bidderAnswers(hall, "乙", rules), { confirm: false, object: false });
});
