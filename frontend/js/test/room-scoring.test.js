// The scoring panel's pure parts: points as typed read as the server takes them, each bid's own
// count of scores, and the summary's bids in their rank with the unevaluated ones after.
import { test } from "node:test";
import assert from "node:assert/strict";
import { givenByBid, pointsTyped } from "../src/pages/room-scoring.js";
import { rankedBids } from "../src/pages/room-summary.js";

test("points_typed_are_a_decimal_string_with_at_most_two_places_full_width_digits_read", () => {
  assert.equal(pointsTyped(" 15.5 "), "15.5");
  assert.equal(pointsTyped("０"), "0");
  assert.equal(pointsTyped("１８．２５"), "18.25");
  for (const wrong of ["", "15.555", "-1", "1e2", "十五", "15,5", null]) assert.equal(pointsTyped(wrong), null, String(wrong));
});

test("each_bids_count_of_scores_given_comes_from_the_members_own_scores", () => {
  const mine = { scores: [{ bid: 7, item: 1 }, { bid: 7, item: 2 }, { bid: 9, item: 1 }] };
  assert.deepEqual([...givenByBid(mine)], [[7, 2], [9, 1]]);
  assert.deepEqual([...givenByBid(null)], []);
});

test("the_summary_lists_the_ranked_bids_in_rank_then_those_not_evaluated", () => {
  const result = { bids: [{ id: 1, rank: null }, { id: 2, rank: 2 }, { id: 3, rank: 1 }, { id: 4, rank: null }] };
  assert.deepEqual(rankedBids(result).map((b) => b.id), [3, 2, 1, 4]);
});
