import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { identityToRecipient } from "age-encryption";
import { combine as shamirCombine } from "shamir-secret-sharing";
import { SHARE_FORMAT, combine, dealOpeningKey, openShare } from "../src/ceremony.js";
import { generateBidderKey } from "../src/keys.js";
import { sealFile } from "../src/seal.js";
import { fromHex, secretToIdentity, toHex } from "../src/bytes.js";
import { collect, decryptWith, nodeSha256, patterned } from "./helpers.js";

function subsets(items, k) {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first, ...s]), ...subsets(rest, k)];
}

async function custodianKeys(names) {
  const out = [];
  for (const custodian of names) out.push({ custodian, ...(await generateBidderKey()) });
  return out;
}

const K = 3;
const custodians = await custodianKeys(["张工", "李工", "王工", "赵工", "陈工"]);
const deal = await dealOpeningKey({
  tender: "ZB-2025-017",
  threshold: K,
  custodians: custodians.map(({ custodian, recipient }) => ({ custodian, recipient })),
});
const opened = [];
for (let i = 0; i < custodians.length; i++) {
  opened.push(await openShare(deal.encryptedShares[i].ageFile, custodians[i].identity));
}
const plain = patterned(150_000);
const sealed = await sealFile(new Blob([plain]), [deal.openingRecipient]);
const bidFile = await collect(sealed.stream);

test("deal_returns_one_age_file_per_custodian_and_no_identity", () => {
  assert.match(deal.openingRecipient, /^age1/);
  assert.equal(deal.threshold, K);
  assert.equal(deal.shares, 5);
  assert.deepEqual(deal.encryptedShares.map((s) => s.custodian), custodians.map((c) => c.custodian));
  for (const s of deal.encryptedShares) {
    assert.equal(s.sha256, nodeSha256(s.ageFile));
    const header = new TextDecoder().decode(s.ageFile.subarray(0, 300));
    assert.equal(header.match(/^-> /gm).length, 1, "a share is sealed to its custodian alone");
  }
  assert.ok(!JSON.stringify(deal).includes("AGE-SECRET-KEY"));
});

test("each_custodian_opens_its_own_share_only", async () => {
  opened.forEach((s, i) => {
    assert.equal(s.format, SHARE_FORMAT);
    assert.equal(s.tender, "ZB-2025-017");
    assert.equal(s.custodian, custodians[i].custodian);
    assert.equal(s.threshold, K);
    assert.equal(s.shares, 5);
    assert.equal(s.openingRecipient, deal.openingRecipient);
    assert.equal(s.share.length, 33);
  });
  assert.equal(new Set(opened.map((s) => s.share[32])).size, 5, "distinct x-coordinates");
  await assert.rejects(openShare(deal.encryptedShares[0].ageFile, custodians[1].identity), /no identity matched/);
});

test("any_k_of_n_shares_rebuild_the_identity_that_opens_the_bid", async () => {
  const all = subsets(opened, K);
  assert.equal(all.length, 10);
  for (const some of all) {
    const identity = await combine(some);
    assert.equal(await identityToRecipient(identity), deal.openingRecipient);
    assert.deepEqual(await decryptWith(identity, bidFile), plain);
  }
  // Also from raw bytes or hex, with the recipient given to check against.
  const identity = await combine([opened[4].share, toHex(opened[0].share), opened[2].share], {
    openingRecipient: deal.openingRecipient,
  });
  assert.deepEqual(await decryptWith(identity, bidFile), plain);
});

test("k_minus_one_shares_do_not_rebuild_it", async () => {
  for (const some of subsets(opened, K - 1)) {
    await assert.rejects(combine(some), /3 shares are needed, 2 given/);
    await assert.rejects(combine(some.map((s) => s.share), { openingRecipient: deal.openingRecipient }), /do not rebuild/);
    // Without any check, interpolating k-1 points gives some other key.
    const wrong = secretToIdentity(await shamirCombine(some.map((s) => Uint8Array.from(s.share))));
    assert.notEqual(await identityToRecipient(wrong), deal.openingRecipient);
    await assert.rejects(decryptWith(wrong, bidFile), /no identity matched/);
  }
});

test("shares_from_another_tender_do_not_mix", async () => {
  const others = await custodianKeys(["a", "b", "c"]);
  const other = await dealOpeningKey({ tender: "ZB-2025-018", threshold: 2, custodians: others });
  const foreign = await openShare(other.encryptedShares[0].ageFile, others[0].identity);
  await assert.rejects(combine([opened[0], opened[1], foreign]), /disagree on tender/);
});

test("deal_refuses_bad_thresholds_and_shared_recipients", async () => {
  const cs = custodians.slice(0, 3).map(({ custodian, recipient }) => ({ custodian, recipient }));
  await assert.rejects(dealOpeningKey({ tender: "T", threshold: 1, custodians: cs }), RangeError);
  await assert.rejects(dealOpeningKey({ tender: "T", threshold: 4, custodians: cs }), RangeError);
  const twice = [cs[0], cs[1], { custodian: "x", recipient: cs[0].recipient }];
  await assert.rejects(dealOpeningKey({ tender: "T", threshold: 2, custodians: twice }), /recipient of its own/);
});

test("contract_vectors_rebuild_the_documented_identity", async () => {
  const v = JSON.parse(readFileSync(new URL("./vectors/opening-shares.json", import.meta.url), "utf8"));
  assert.equal(secretToIdentity(fromHex(v.secret)), v.identity);
  assert.equal(await identityToRecipient(v.identity), v.recipient);
  for (const { threshold, shares } of v.cases) {
    for (const some of subsets(shares, threshold)) {
      assert.equal(await combine(some, { openingRecipient: v.recipient }), v.identity);
    }
    for (const some of subsets(shares, threshold - 1).filter((s) => s.length >= 2)) {
      await assert.rejects(combine(some, { openingRecipient: v.recipient }), /do not rebuild/);
    }
  }
});
