// Seal a generated stream of N MiB (default 64) and report how far the
// process's memory rose above its starting point while sealing.
//
//   node --expose-gc test/memory-probe.js 64
//
// Prints one JSON line. The plaintext is produced on demand and the ciphertext
// is written to a temporary file as it comes, so nothing but the pipeline's
// own buffers should be alive at any time. peakGrowthMiB counts garbage not
// yet collected too; liveGrowthAfterGcMiB (with --expose-gc) is what is
// really retained. The file is then decrypted
// (streaming) to check the round trip and the ciphertext hash.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { once } from "node:events";
import { Decrypter } from "age-encryption";
import { generateBidderKey } from "../src/keys.js";
import { chunks, sealFile } from "../src/seal.js";

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 64);
const total = sizeMiB * MiB;
const chunk = 256 * 1024;

function generated(plainHash) {
  let sent = 0;
  let counter = 0;
  return new ReadableStream(
    {
      pull(controller) {
        if (sent >= total) {
          controller.close();
          return;
        }
        const n = Math.min(chunk, total - sent);
        const buf = new Uint8Array(n);
        const view = new DataView(buf.buffer);
        for (let i = 0; i + 4 <= n; i += 4) view.setUint32(i, Math.imul(counter++, 2654435761) >>> 0);
        plainHash.update(buf);
        sent += n;
        controller.enqueue(buf);
      },
    },
    { highWaterMark: 0 },
  );
}

function used() {
  const m = process.memoryUsage();
  // Uint8Array contents live outside the JS heap, in arrayBuffers.
  return { heap: m.heapUsed, buffers: m.arrayBuffers, both: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

// The same generated stream read without sealing, sampled the same way: the
// floor that the sealing figures are to be compared with.
async function baseline() {
  globalThis.gc?.();
  const base = used();
  let top = base.both;
  let n = 0;
  for await (const c of chunks(generated(createHash("sha256")))) {
    if (c.length && ++n % 16 === 0) {
      globalThis.gc?.();
      top = Math.max(top, used().both);
    }
  }
  return top - base.both;
}

const floor = await baseline();
const dir = mkdtempSync(join(tmpdir(), "kaibiao-mem-"));
try {
  const { identity, recipient } = await generateBidderKey();
  const plainHash = createHash("sha256");
  globalThis.gc?.();
  const base = used();
  const peak = { ...base };
  const live = { ...base }; // sampled right after a forced GC: what is really retained
  const started = performance.now();

  const sealed = await sealFile(generated(plainHash), [recipient]);
  const path = join(dir, "bid.age");
  const out = createWriteStream(path);
  const cipherHash = createHash("sha256");
  let written = 0;
  let count = 0;
  for await (const c of sealed) {
    cipherHash.update(c);
    written += c.length;
    if (!out.write(c)) await once(out, "drain");
    if (++count % 8 === 0) {
      const now = used();
      for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], now[k]);
    }
    if (globalThis.gc && count % 64 === 0) {
      globalThis.gc();
      const now = used();
      for (const k of Object.keys(live)) live[k] = Math.max(live[k], now[k]);
    }
  }
  out.end();
  await once(out, "finish");
  const sealMs = performance.now() - started;
  const sha256 = await sealed.sha256;

  const d = new Decrypter();
  d.addIdentity(identity);
  const plain = await d.decrypt(Readable.toWeb(createReadStream(path)));
  const check = createHash("sha256");
  for await (const c of plain) check.update(c);

  const mib = (x) => Math.round((x / MiB) * 10) / 10;
  console.log(
    JSON.stringify({
      plaintextMiB: sizeMiB,
      ciphertextBytes: written,
      fileBytes: statSync(path).size,
      sealMs: Math.round(sealMs),
      peakGrowthMiB: {
        heapUsed: mib(peak.heap - base.heap),
        arrayBuffers: mib(peak.buffers - base.buffers),
        heapPlusArrayBuffers: mib(peak.both - base.both),
        rss: mib(peak.rss - base.rss),
      },
      liveGrowthAfterGcMiB: globalThis.gc ? mib(live.both - base.both) : null,
      unsealedStreamSameSamplingMiB: globalThis.gc ? mib(floor) : null,
      sha256Matches: sha256 === cipherHash.digest("hex"),
      roundTrip: check.digest("hex") === plainHash.digest("hex"),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
