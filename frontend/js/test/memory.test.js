import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

// In a process of its own, so nothing else the tests allocate is counted.
test("sealing_a_64_MiB_stream_keeps_memory_flat", (t) => {
  const probe = fileURLToPath(new URL("./memory-probe.js", import.meta.url));
  const out = execFileSync(process.execPath, ["--expose-gc", probe, "64"], { encoding: "utf8" });
  const r = JSON.parse(out.trim().split("\n").pop());
  t.diagnostic(`memory while sealing 64 MiB: ${JSON.stringify(r)}`);
  assert.equal(r.sha256Matches, true);
  assert.equal(r.roundTrip, true);
  assert.equal(r.fileBytes, r.ciphertextBytes);
  // The file is 64 MiB; a pipeline that buffered it would grow by at least that.
  assert.ok(r.liveGrowthAfterGcMiB < 24, `retained ${r.liveGrowthAfterGcMiB} MiB`);
  assert.ok(r.peakGrowthMiB.heapUsed < 16, `JS heap grew ${r.peakGrowthMiB.heapUsed} MiB`);
  assert.ok(r.peakGrowthMiB.rss < 32, `RSS grew ${r.peakGrowthMiB.rss} MiB`);
});
