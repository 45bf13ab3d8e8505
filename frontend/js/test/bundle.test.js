// The built bundle (npm run build) works as the pages will load it: one ES
// module, every export there, no eval (the pages' CSP has no 'unsafe-eval').
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Decrypter } from "age-encryption";
import { collect, patterned } from "./helpers.js";

const bundle = fileURLToPath(new URL("../../static/frontend/dist/kaibiao-crypto.js", import.meta.url));
const built = existsSync(bundle);

test("the_bundle_exports_the_api_and_round_trips", { skip: !built && "not built: npm run build" }, async () => {
  const kb = await import(bundle);
  for (const name of ["generateBidderKey", "makeKeyFile", "loadKeyFile", "sealFile", "sealForm", "dealOpeningKey", "openShare", "combine"]) {
    assert.equal(typeof kb[name], "function", name);
  }
  const custodians = [];
  for (const custodian of ["a", "b"]) custodians.push({ custodian, ...(await kb.generateBidderKey()) });
  const deal = await kb.dealOpeningKey({ tender: "B-1", threshold: 2, custodians });
  const shares = [];
  for (let i = 0; i < 2; i++) shares.push(await kb.openShare(deal.encryptedShares[i].ageFile, custodians[i].identity));
  const identity = await kb.combine(shares);
  const plain = patterned(100_000);
  const sealed = await kb.sealFile(new Blob([plain]), [deal.openingRecipient]);
  const d = new Decrypter();
  d.addIdentity(identity);
  assert.deepEqual(await d.decrypt(await collect(sealed.stream)), plain);
});

test("the_bundle_has_no_eval", { skip: !built && "not built: npm run build" }, () => {
  const code = readFileSync(bundle, "utf8");
  assert.doesNotMatch(code, /\beval\(|new Function\(/);
  assert.ok(existsSync(`${bundle}.map`), "source map next to the bundle");
});
