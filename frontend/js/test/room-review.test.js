// The review panel's model (src/pages/room-review-model.js): what a member, the leader and a
// watcher are offered, read from the snapshot's review part as the server writes it
// (evaluation/room/review.py snapshot_part).
import { test } from "node:test";
import assert from "node:assert/strict";
import { reviewModel } from "../src/pages/room-review-model.js";

const members = [{ id: 11, name: "专家甲" }, { id: 12, name: "专家乙" }, { id: 13, name: "专家丙" }];
const bids = [{ id: 902, order: 2, bidder: "乙公司", price: "1000000.00" }, { id: 901, order: 1, bidder: "甲公司", price: "912345.67" }];
const checks = [{ id: 31, kind: "qualification", name: "营业执照有效", guidance: "" },
  { id: 32, kind: "responsiveness", name: "工期满足要求", guidance: "" }];

function snap({ you = { role: "member", member_id: 11, leader: true }, state = "reviewing", review = {}, paused = null } = {}) {
  return {
    type: "snapshot", state, paused, server_time: "2026-11-22T04:00:00+00:00", you, members, bids, table: { checks },
    review: {
      to_record: 4, progress: members.map((m) => ({ member: m.id, recorded: 0, submitted: false })), submitted: 0, seated: 3,
      concluded: false, mine: { submitted: false, verdicts: [] }, conclusion: null, questions: [],
      question_hours: { default: 24, max: 72 }, files_url: "/evaluation/lots/5/files/", no_responsive: "", ...review,
    },
  };
}

const verdict = (bid, check, v = "pass", reason = "") => ({ bid, check, verdict: v, reason, at: "2026-11-22T03:00:00+00:00" });

test("nothing_to_show_while_gathering_or_without_the_part", () => {
  assert.equal(reviewModel(snap({ state: "gathering" })), null);
  assert.equal(reviewModel({ ...snap(), review: {} }), null);
});

test("a_member_records_until_every_check_is_recorded_then_may_submit", () => {
  let m = reviewModel(snap({ review: { mine: { submitted: false, verdicts: [verdict(901, 31), verdict(901, 32, "fail", "工期超")] } } }));
  assert.equal(m.canRecord, true);
  assert.deepEqual(m.bids.map((b) => b.order), [1, 2]);
  assert.equal(m.verdict(901, 32).reason, "工期超");
  assert.equal(m.verdict(902, 31), null);
  assert.equal(m.missing, 2);
  assert.equal(m.maySubmit, false);
  m = reviewModel(snap({ review: { mine: { submitted: false, verdicts: [verdict(901, 31), verdict(901, 32), verdict(902, 31), verdict(902, 32)] } } }));
  assert.equal(m.maySubmit, true);
  m = reviewModel(snap({ review: { mine: { submitted: true, verdicts: [] } } }));
  assert.equal(m.canRecord, false);
  assert.equal(m.maySubmit, false);
});

test("a_paused_room_offers_no_step", () => {
  const m = reviewModel(snap({ paused: { at: "2026-11-22T03:00:00+00:00", reason: "断网" } }));
  assert.equal(m.canRecord, false);
  assert.equal(m.mayAsk, false);
});

test("staff_and_supervisors_watch_and_are_offered_nothing", () => {
  for (const role of ["staff", "supervisor"]) {
    const m = reviewModel(snap({ you: { role, member_id: null, leader: false }, review: { mine: null, files_url: null } }));
    assert.equal(m.member, false);
    assert.equal(m.canRecord || m.mayAsk || m.mayStartScoring || m.returnable.length > 0, false);
    assert.equal(m.filesUrl, null);
  }
});

test("the_leader_returns_submitted_reviews_before_the_conclusion_and_starts_the_scoring_after", () => {
  const progress = [{ member: 11, recorded: 4, submitted: false }, { member: 12, recorded: 4, submitted: true }, { member: 13, recorded: 1, submitted: false }];
  let m = reviewModel(snap({ review: { progress, submitted: 1 } }));
  assert.deepEqual(m.returnable, [{ member: 12, name: "专家乙" }]);
  assert.equal(m.mayStartScoring, false);
  assert.deepEqual(reviewModel(snap({ you: { role: "member", member_id: 12, leader: false }, review: { progress } })).returnable, []);
  const conclusion = {
    responsive: 1, members: 3,
    bids: [{ bid: 901, responsive: true, checks: [{ check: 31, fails: 0, passes: 3, failed: false, reasons: [] }] },
      { bid: 902, responsive: false, checks: [{ check: 31, fails: 2, passes: 1, failed: true,
        reasons: [{ member: 11, reason: "执照过期" }, { member: 13, reason: "已过期" }] }] }],
    verdicts: [{ member: 11, bid: 902, check: 31, verdict: "fail", reason: "执照过期" }],
  };
  m = reviewModel(snap({ review: { concluded: true, conclusion, submitted: 3 } }));
  assert.equal(m.mayStartScoring, true);
  assert.deepEqual(m.returnable, []);
  const second = m.conclusion.bids[1];
  assert.equal(second.bidder, "乙公司");
  assert.deepEqual(second.checks[0].reasons, [{ name: "专家甲", reason: "执照过期" }, { name: "专家丙", reason: "已过期" }]);
  assert.equal(second.checks[0].verdicts[0].name, "专家甲");
  m = reviewModel(snap({ review: { concluded: true, conclusion: { ...conclusion, responsive: 0 }, no_responsive: "No bid is responsive" } }));
  assert.equal(m.mayStartScoring, false);
  assert.equal(m.noResponsive, "No bid is responsive");
});

test("questions_read_as_answered_waiting_or_overdue_by_the_servers_clock", () => {
  const q = (id, due, answered_at = null) => ({ id, bid: 901, asked_by: 13, question: "？", asked_at: "2026-11-22T01:00:00+00:00",
    answer_due: due, answer: answered_at ? "答" : "", answered_at });
  const m = reviewModel(snap({ review: { questions: [q(1, "2026-11-22T05:00:00+00:00"), q(2, "2026-11-22T03:59:59+00:00"),
    q(3, "2026-11-22T03:00:00+00:00", "2026-11-22T02:00:00+00:00")] } }));
  assert.deepEqual(m.questions.map((x) => x.status), ["open", "overdue", "answered"]);
  assert.equal(m.questions[0].askedByName, "专家丙");
  assert.equal(m.questions[0].bidder, "甲公司");
  assert.equal(m.mayAsk, true);
  assert.equal(reviewModel(snap({ state: "summarized" })).mayAsk, false);
  assert.equal(reviewModel(snap({ state: "scoring" })).mayAsk, true);
});

test("the_rooms_record_says_what_each_review_event_is_about_and_never_a_verdict", async () => {
  const { describe } = await import("../src/pages/room-review.js"); // describe needs no DOM
  const s = { members };
  assert.equal(describe({ kind: "review_progress", data: { member: 12, recorded: 3, to_record: 4 } }, s), "专家乙: 3 of 4 checks recorded");
  assert.equal(describe({ kind: "question_asked", data: { bidder: "甲公司", question: "工期？" } }, s), "to 甲公司: 工期？");
  assert.equal(describe({ kind: "review_concluded", data: { responsive: 1 } }, s), "1 bid is responsive.");
});
