import { test } from "node:test";
import assert from "node:assert/strict";
import { generateBidderKey } from "../src/keys.js";
import { sealFile } from "../src/seal.js";
import { presealedItems, rechunk, reprDigest, uploadFile } from "../src/upload.js";
import { collect, nodeSha256, patterned } from "./helpers.js";
import { createHash } from "node:crypto";

const opening = await generateBidderKey();

/** A server that takes every chunk and records what each PATCH carried. */
function fakeServer() {
  const patches = [];
  const received = [];
  const fetchImpl = async (_url, { headers, body }) => {
    patches.push({ headers, length: body.length });
    received.push(new Uint8Array(body));
    const offset = Number(headers["Upload-Offset"]) + body.length;
    return new Response(null, { status: 204, headers: { "Upload-Offset": String(offset) } });
  };
  return { patches, received, fetchImpl };
}

function b64Sha256(bytes) {
  return createHash("sha256").update(bytes).digest("base64");
}

for (const [label, chunkSize] of [["a short last chunk", 100_000], ["a file ending on a chunk boundary", null]]) {
  test(`the_chunk_that_ends_a_streamed_seal_declares_its_whole_sha256: ${label}`, { timeout: 20_000 }, async () => {
    const plain = patterned(250_000);
    const sealed = await sealFile(new Blob([plain]), [opening.recipient]);
    const size = sealed.size;
    const server = fakeServer();
    // on a boundary: the last full chunk is only sent once the sealing stream has ended
    await uploadFile("/bids/uploads/x", sealed.stream, {
      size, chunkSize: chunkSize ?? size, sha256: sealed.sha256, fetchImpl: server.fetchImpl, csrfToken: "t",
    });
    const ageFile = new Uint8Array(Buffer.concat(server.received));
    assert.equal(ageFile.length, size);
    const digests = server.patches.map((p) => p.headers["Repr-Digest"]);
    assert.deepEqual(digests.slice(0, -1), digests.slice(0, -1).map(() => undefined));
    assert.equal(digests.at(-1), `sha-256=:${b64Sha256(ageFile)}:`);
    assert.equal(await sealed.sha256, nodeSha256(ageFile));
  });
}

test("without_a_declared_sha256_no_repr_digest_is_sent", async () => {
  const server = fakeServer();
  const bytes = patterned(1000);
  await uploadFile("/u", new Blob([bytes]).stream(), { size: 1000, chunkSize: 300, fetchImpl: server.fetchImpl });
  assert.ok(server.patches.every((p) => !("Repr-Digest" in p.headers)));
});

/** A stream that gives one piece per read and says it has ended only when read once more. */
function lazyStream(pieces, onEnd) {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next < pieces.length) controller.enqueue(pieces[next++]);
      else {
        onEnd();
        controller.close();
      }
    },
  }, { highWaterMark: 0 });
}

test("rechunk_gives_exact_chunks_and_the_last_one_after_the_stream_ends", async () => {
  let ended = false;
  const source = lazyStream([patterned(250), patterned(350)], () => { ended = true; });
  const seen = [];
  for await (const chunk of rechunk(source, 200)) seen.push([chunk.length, ended]);
  assert.deepEqual(seen, [[200, false], [200, false], [200, true]]);
});

test("a_digest_known_only_at_the_streams_end_is_sent_with_a_last_chunk_that_fills_a_chunk", { timeout: 20_000 }, async () => {
  const bytes = patterned(600);
  let settle;
  const digest = new Promise((resolve) => { settle = resolve; });
  const stream = lazyStream([bytes.subarray(0, 250), bytes.subarray(250)], () => settle(nodeSha256(bytes)));
  const server = fakeServer();
  await uploadFile("/u", stream, { size: 600, chunkSize: 200, sha256: digest, fetchImpl: server.fetchImpl });
  assert.deepEqual(server.patches.map((p) => p.headers["Repr-Digest"]),
    [undefined, undefined, `sha-256=:${b64Sha256(bytes)}:`]);
});

test("repr_digest_is_rfc_9530_sha_256", () => {
  const hex = nodeSha256(new Uint8Array([1, 2, 3]));
  assert.equal(reprDigest(hex), `sha-256=:${b64Sha256(new Uint8Array([1, 2, 3]))}:`);
});

test("presealed_files_take_their_sha256_from_the_seal_commands_manifest_and_a_cut_file_is_refused", async () => {
  const form = new File([patterned(300)], "opening-form.json.age");
  const bid = new File([patterned(5000)], "bid.pdf.age");
  const manifest = { files: [
    { kind: "form", name: form.name, size: 300, sha256: "a".repeat(64) },
    { kind: "file", name: bid.name, size: 5000, sha256: "b".repeat(64) },
  ] };
  const items = presealedItems(manifest, [bid, form]);
  assert.deepEqual(items.map(({ kind, name, size, sha256 }) => [kind, name, size, sha256]),
    [["form", form.name, 300, "a".repeat(64)], ["file", bid.name, 5000, "b".repeat(64)]]);
  assert.equal((await collect(items[1].stream())).length, 5000);
  const cut = new File([patterned(4000)], "bid.pdf.age");
  // (in English here: node has no catalog; the page shows the djangojs.po Chinese)
  assert.throws(() => presealedItems(manifest, [form, cut]), /its size \(4000 bytes\) differs from the 5000 bytes manifest.json names/);
  assert.throws(() => presealedItems(manifest, [form]), /bid.pdf.age is missing/);
});

test("a_dropped_connection_is_said_and_the_upload_resumes_from_the_servers_offset", async () => {
  // the first PATCH of the second chunk reaches the server but its answer is lost on the way
  const stored = [];
  let dropped = false;
  const waits = [];
  const sending = [];
  const fetchImpl = async (_url, { method, headers, body, onUploadProgress }) => {
    if (method === "HEAD") return new Response(null, { status: 200, headers: { "Upload-Offset": String(stored.length) } });
    onUploadProgress?.(body.length);
    const offset = Number(headers["Upload-Offset"]);
    assert.equal(offset, stored.length);
    stored.push(...body);
    if (offset === 300 && !dropped) {
      dropped = true;
      throw new TypeError("network error");
    }
    return new Response(null, { status: 204, headers: { "Upload-Offset": String(stored.length) } });
  };
  const bytes = patterned(1000);
  await uploadFile("/u", new Blob([bytes]).stream(), {
    size: 1000, chunkSize: 300, fetchImpl, retryDelayMs: 0, onWait: (w) => waits.push(w), onSending: (n) => sending.push(n),
  });
  assert.deepEqual(waits, [{ attempt: 1, reason: "network" }]);
  assert.deepEqual(new Uint8Array(stored), bytes); // nothing sent twice: it asked where to resume
  assert.deepEqual(sending, [300, 600, 900, 1000]); // the file's bytes as they left, from each request's offset
});
