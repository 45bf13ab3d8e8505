// The scoring panel tells a member which bids hold their flagged scores still awaiting an answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openFlagsByBid } from "../src/pages/room-scoring.js";

test("each_bids_open_flags_are_the_members_flagged_scores_not_yet_changed_or_kept", () => {
  const flag = (answered) => ({ direction: "below", answered, reason: "" });
  const mine = { scores: [
    { bid: 7, item: 1, flag: flag(null) }, { bid: 7, item: 2, flag: flag(null) },
    { bid: 8, item: 1, flag: flag("confirmed") }, { bid: 9, item: 1, flag: flag("changed") }, { bid: 9, item: 2, flag: null }] };
  assert.deepEqual([...openFlagsByBid(mine)], [[7, 2]]);
  assert.deepEqual([...openFlagsByBid(null)], []);
});
