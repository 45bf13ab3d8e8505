// The upload's figures: bytes as the pages write sizes, the speed over the last seconds, the time left.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rate, figures, formatBytes, formatDuration } from "../src/progress.js";

test("bytes_read_in_powers_of_1024", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KB");
  assert.equal(formatBytes(5 * 1024 * 1024), "5.0 MB");
  assert.equal(formatBytes(3.25 * 1024 ** 3), "3.3 GB");
});

test("durations_in_hours_minutes_and_seconds", () => {
  assert.equal(formatDuration(0.2), "1 s");
  assert.equal(formatDuration(59), "59 s");
  assert.equal(formatDuration(125), "2 min 5 s");
  assert.equal(formatDuration(3 * 3600 + 7 * 60 + 9), "3 h 7 min");
});

test("the_speed_is_that_of_the_last_seconds_not_the_whole_average", () => {
  const rate = new Rate(5000);
  assert.equal(rate.perSecond(), null);
  rate.add(0, 0);
  for (let t = 1000; t <= 10_000; t += 1000) rate.add(t, t * 1000); // 1 MB/s for 10 s
  assert.equal(rate.perSecond(), 1_000_000);
  for (let t = 11_000; t <= 20_000; t += 1000) rate.add(t, 10_000_000 + (t - 10_000) * 100); // then 100 kB/s
  assert.equal(Math.round(rate.perSecond()), 100_000);
  rate.add(21_000, 11_000_000);
  rate.add(26_500, 11_000_000); // nothing moved for 5.5 s: stalled
  assert.equal(rate.perSecond(), 0);
});

test("figures_name_done_total_speed_and_time_left_while_running", () => {
  assert.equal(figures({ done: 1024 * 1024, total: 3 * 1024 * 1024, perSecond: 512 * 1024 }),
    "1.0 MB of 3.0 MB · 512.0 KB/s · about 4 s left");
  assert.equal(figures({ done: 0, total: 2048, perSecond: null }), "0 B of 2.0 KB");
  assert.equal(figures({ done: 2048, total: 2048, perSecond: 100 }), "2.0 KB of 2.0 KB");
});
