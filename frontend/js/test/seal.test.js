import { test } from "node:test";
import assert from "node:assert/strict";
import { generateBidderKey } from "../src/keys.js";
import { bidRecipients, sealFile, sealForm } from "../src/seal.js";
import { collect, decryptWith, nodeSha256, patterned } from "./helpers.js";

const opening = await generateBidderKey(); // an X25519 pair like any other
const bidder = await generateBidderKey();
const stranger = await generateBidderKey();

test("sealed_file_decrypts_with_either_identity_and_no_other", async () => {
  const plain = patterned(300_000); // several 64 KiB age chunks and a short last one
  const sealed = await sealFile(new Blob([plain]), [opening.recipient, bidder.recipient]);
  const ageFile = await collect(sealed.stream);
  const header = new TextDecoder().decode(ageFile.subarray(0, 400));
  assert.equal(header.match(/^-> X25519 /gm).length, 2);
  assert.deepEqual(await decryptWith(opening.identity, ageFile), plain);
  assert.deepEqual(await decryptWith(bidder.identity, ageFile), plain);
  await assert.rejects(decryptWith(stranger.identity, ageFile), /no identity matched/);
});

test("ciphertext_sha256_and_size_match_the_bytes_streamed", async () => {
  const plain = patterned(1_000_003);
  const sealed = await sealFile(new Blob([plain]), [opening.recipient]);
  const parts = [];
  for await (const chunk of sealed) parts.push(chunk); // the result is async-iterable
  const ageFile = new Uint8Array(Buffer.concat(parts));
  assert.equal(await sealed.sha256, nodeSha256(ageFile));
  assert.equal(sealed.size, ageFile.length);
});

test("sealing_an_empty_file_gives_a_valid_age_file", async () => {
  const sealed = await sealFile(new Blob([]), [opening.recipient]);
  const ageFile = await collect(sealed.stream);
  assert.equal(ageFile.length, sealed.size);
  assert.equal((await decryptWith(opening.identity, ageFile)).length, 0);
  assert.equal(await sealed.sha256, nodeSha256(ageFile));
});

test("a_readable_stream_seals_with_unknown_size", async () => {
  const plain = patterned(200_000);
  const input = new Blob([plain]).stream();
  const sealed = await sealFile(input, [bidder.recipient]);
  assert.equal(sealed.size, null);
  const ageFile = await collect(sealed.stream);
  assert.deepEqual(await decryptWith(bidder.identity, ageFile), plain);
  assert.equal(await sealed.sha256, nodeSha256(ageFile));
});

test("a_failing_input_fails_the_stream_and_the_hash", async () => {
  let sent = false;
  const input = new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(patterned(70_000));
      } else {
        controller.error(new Error("disk went away"));
      }
    },
  });
  const sealed = await sealFile(input, [opening.recipient]);
  await assert.rejects(collect(sealed.stream), /disk went away/);
  await assert.rejects(sealed.sha256, /disk went away/);
});

test("recipients_must_be_age_x25519_recipients", async () => {
  const blob = new Blob(["x"]);
  await assert.rejects(sealFile(blob, []), TypeError);
  await assert.rejects(sealFile(blob, ["age1nope"]), TypeError);
  await assert.rejects(sealFile(blob, [opening.identity]), TypeError);
  await assert.rejects(sealFile("just a string", [opening.recipient]), TypeError);
});

test("bid_recipients_follow_the_tender_rule", () => {
  const r = { openingRecipient: opening.recipient, bidderRecipient: bidder.recipient };
  assert.deepEqual(bidRecipients({ ...r, bidderDecrypts: true }), [opening.recipient, bidder.recipient]);
  assert.deepEqual(bidRecipients({ ...r, bidderDecrypts: false }), [opening.recipient]);
  assert.throws(() => bidRecipients({ openingRecipient: opening.recipient, bidderDecrypts: true }), TypeError);
});

test("a_bid_is_never_sealed_to_the_bidders_key_alone", async () => {
  // Without the opening recipient (the custodians' remedy) there is nothing to seal to.
  for (const openingRecipient of [undefined, null, ""]) {
    assert.throws(() => bidRecipients({ openingRecipient, bidderRecipient: bidder.recipient, bidderDecrypts: true }),
      /opening recipient/);
  }
  assert.throws(() => bidRecipients({ openingRecipient: "age1nope", bidderRecipient: bidder.recipient, bidderDecrypts: true }),
    TypeError);
  assert.throws(() => bidRecipients({ openingRecipient: bidder.recipient, bidderRecipient: bidder.recipient, bidderDecrypts: true }),
    /is the opening recipient/);
  // What the bid page seals to: each recipient's identity alone opens every sealed file, a stranger's none.
  const recipients = bidRecipients({ openingRecipient: opening.recipient, bidderRecipient: bidder.recipient, bidderDecrypts: true });
  const plain = patterned(150_000);
  const file = await collect((await sealFile(new Blob([plain]), recipients)).stream);
  const form = (await sealForm({ price: "1.00" }, recipients)).ageFile;
  for (const who of [opening, bidder]) {
    assert.deepEqual(await decryptWith(who.identity, file), plain);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(await decryptWith(who.identity, form))), { price: "1.00" });
  }
  await assert.rejects(decryptWith(stranger.identity, file), /no identity matched/);
  await assert.rejects(decryptWith(stranger.identity, form), /no identity matched/);
});

test("opening_form_seals_as_one_small_age_file", async () => {
  const form = { price: "1234567.89", currency: "CNY", durationDays: 180, quality: "合格", warrantyMonths: 24 };
  const sealed = await sealForm(form, [opening.recipient, bidder.recipient]);
  assert.equal(sealed.sha256, nodeSha256(sealed.ageFile));
  assert.equal(sealed.size, sealed.ageFile.length);
  for (const who of [opening, bidder]) {
    const plain = new TextDecoder().decode(await decryptWith(who.identity, sealed.ageFile));
    assert.deepEqual(JSON.parse(plain), form);
  }
  await assert.rejects(sealForm([1, 2], [opening.recipient]), TypeError);
});
