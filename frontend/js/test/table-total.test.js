// The scoring table page's total, as typed: counted in hundredths, the share cut as the server cuts it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hundredths, pointsText, tableTotal } from "../src/pages/table-total.js";

test("points_are_read_to_the_hundredth_and_anything_else_is_not_a_number", () => {
  assert.equal(hundredths("40"), 4000);
  assert.equal(hundredths("7.5"), 750);
  assert.equal(hundredths("０.２５"), 25); // full-width, as a Chinese keyboard types
  assert.equal(hundredths(" 12. "), 1200);
  assert.equal(hundredths(""), null);
  assert.equal(hundredths("1.005"), null);
  assert.equal(hundredths("-3"), null);
  assert.equal(hundredths("abc"), null);
});

test("points_are_written_without_trailing_zeros", () => {
  assert.equal(pointsText(10000), "100");
  assert.equal(pointsText(750), "7.5");
  assert.equal(pointsText(25), "0.25");
});

test("the_total_is_the_price_weight_and_the_items_highest_points", () => {
  // 30 + 20.5 + 9.5 = 60; price 30 / 60 = 50%.
  assert.deepEqual(tableTotal("30", ["20.5", "9.5"]), { total: "60", share: "50" });
  // 29.99 of 100 is 29.99%: a share just under 30% never reads as 30.
  assert.deepEqual(tableTotal("29.99", ["70.01"]), { total: "100", share: "29.99" });
  // 10 of 30: 33.333…% cut to 33.33.
  assert.deepEqual(tableTotal("10", ["20"]), { total: "30", share: "33.33" });
  assert.equal(tableTotal("", ["20"]), null);
  assert.equal(tableTotal("10", ["x"]), null);
  assert.deepEqual(tableTotal("0", []), { total: "0", share: "—" });
});
