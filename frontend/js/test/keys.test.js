import { test } from "node:test";
import assert from "node:assert/strict";
import { armor, identityToRecipient } from "age-encryption";
import {
  DEFAULT_SCRYPT_WORK_FACTOR,
  KeyFileError,
  generateBidderKey,
  isAgeFile,
  keyFileText,
  loadKeyFile,
  makeKeyFile,
} from "../src/keys.js";

const about = { tender: "ZB-2025-017", lot: "2", bidder: "华东建设有限公司" };
const FAST = 10; // scrypt work factor for tests that are not about the default

test("generate_bidder_key_gives_a_matching_x25519_pair", async () => {
  const { identity, recipient } = await generateBidderKey();
  assert.match(identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
  assert.match(recipient, /^age1[0-9a-z]{58}$/);
  assert.equal(await identityToRecipient(identity), recipient);
  assert.notEqual((await generateBidderKey()).identity, identity);
});

test("plain_key_file_carries_the_header_and_loads_back", async () => {
  const key = await generateBidderKey();
  const created = new Date("2025-06-01T08:00:00.123Z");
  const file = await makeKeyFile({ ...key, ...about, created });
  const text = new TextDecoder().decode(file.bytes);
  assert.equal(file.encrypted, false);
  assert.equal(file.filename, "kaibiao-key-ZB-2025-017-2.txt");
  for (const line of [
    "# tender: ZB-2025-017",
    "# lot: 2",
    "# bidder: 华东建设有限公司",
    "# created: 2025-06-01 16:00:00 (Beijing time)",
    `# public key: ${key.recipient}`,
  ]) {
    assert.ok(text.includes(`${line}\n`), line);
  }
  assert.match(text, /If you lose it, you \(the bidder\) cannot/); // node has no catalog: the msgids
  assert.ok(text.endsWith(`\n${key.identity}\n`));

  const loaded = await loadKeyFile(new Blob([file.bytes]));
  assert.equal(loaded.identity, key.identity);
  assert.equal(loaded.recipient, key.recipient);
  assert.deepEqual(loaded.meta, {
    tender: "ZB-2025-017",
    lot: "2",
    bidder: "华东建设有限公司",
    created: "2025-06-01 16:00:00 (Beijing time)",
    "public key": key.recipient,
  });
});

test("key_file_header_fields_cannot_break_into_new_lines", async () => {
  const key = await generateBidderKey();
  const other = await generateBidderKey();
  const text = keyFileText({ ...key, tender: `T\n${other.identity}`, lot: "1\u2028x", bidder: "b\r\n# public key: age1x" });
  assert.equal(text.split("\n").filter((l) => l.startsWith("AGE-SECRET-KEY-1")).length, 1);
  const loaded = await loadKeyFile(text);
  assert.equal(loaded.identity, key.identity);
  assert.equal(loaded.meta.tender, `T ${other.identity}`);
});

test("passphrase_key_file_is_an_age_scrypt_file_at_the_default_work_factor", async () => {
  const key = await generateBidderKey();
  const file = await makeKeyFile({ ...key, ...about, passphrase: "青山 绿水 长流 7" });
  assert.equal(file.encrypted, true);
  assert.equal(file.filename, "kaibiao-key-ZB-2025-017-2.age");
  assert.ok(isAgeFile(file.bytes));
  const header = new TextDecoder().decode(file.bytes.subarray(0, 80)).split("\n");
  assert.equal(header[0], "age-encryption.org/v1");
  assert.match(header[1], new RegExp(`^-> scrypt [A-Za-z0-9+/]{22} ${DEFAULT_SCRYPT_WORK_FACTOR}$`));
  const loaded = await loadKeyFile(file.bytes, { passphrase: "青山 绿水 长流 7" });
  assert.equal(loaded.identity, key.identity);
  assert.equal(loaded.meta.bidder, about.bidder);
});

test("wrong_passphrase_is_refused", async () => {
  const key = await generateBidderKey();
  const file = await makeKeyFile({ ...key, ...about, passphrase: "right one", scryptWorkFactor: FAST });
  await assert.rejects(loadKeyFile(file.bytes, { passphrase: "wrong one" }), (err) => {
    assert.ok(err instanceof KeyFileError);
    assert.equal(err.code, "wrong-passphrase");
    return true;
  });
});

test("locked_key_file_without_passphrase_asks_for_one", async () => {
  const key = await generateBidderKey();
  const file = await makeKeyFile({ ...key, ...about, passphrase: "pw", scryptWorkFactor: FAST });
  await assert.rejects(loadKeyFile(file.bytes), { code: "passphrase-required" });
});

test("armored_passphrase_key_file_loads_too", async () => {
  const key = await generateBidderKey();
  const file = await makeKeyFile({ ...key, ...about, passphrase: "pw", scryptWorkFactor: FAST });
  const armored = armor.encode(file.bytes);
  const loaded = await loadKeyFile(armored, { passphrase: "pw" });
  assert.equal(loaded.identity, key.identity);
});

test("empty_passphrase_is_not_accepted_when_making_a_key_file", async () => {
  const key = await generateBidderKey();
  await assert.rejects(makeKeyFile({ ...key, ...about, passphrase: "" }), TypeError);
});

test("damaged_or_foreign_key_files_are_refused", async () => {
  const key = await generateBidderKey();
  const text = new TextDecoder().decode((await makeKeyFile({ ...key, ...about })).bytes);
  const flipped = text.replace(key.identity, key.identity.slice(0, -1) + (key.identity.endsWith("Q") ? "P" : "Q"));
  await assert.rejects(loadKeyFile(flipped), { code: "invalid-key-file" });
  const other = await generateBidderKey();
  await assert.rejects(loadKeyFile(text.replace(key.identity, other.identity)), { code: "invalid-key-file" });
  await assert.rejects(loadKeyFile(`${text}${other.identity}\n`), { code: "invalid-key-file" });
  await assert.rejects(loadKeyFile("hello\n"), { code: "invalid-key-file" });
});

test("the_key_file_s_title_and_warning_are_in_the_page_s_language_and_its_fields_are_read_back", async () => {
  // The page's catalog (Django's /jsi18n/ defines the global gettext), here a stand-in.
  const chinese = {
    "Kaibiao — bidder decryption key": "开标 — 投标人解密密钥",
    "WARNING: keep this file safe. If you lose it, you (the bidder) cannot decrypt your own bid.":
      "警告：请妥善保管本文件。丢失本文件，投标人将无法自行解密自己的投标文件。",
  };
  globalThis.gettext = (msgid) => chinese[msgid] ?? msgid;
  try {
    const key = await generateBidderKey();
    const file = await makeKeyFile({ ...key, ...about });
    const text = new TextDecoder().decode(file.bytes);
    assert.ok(text.startsWith("# 开标 — 投标人解密密钥\n"), text);
    assert.match(text, /丢失本文件，投标人将无法自行解密/);
    assert.doesNotMatch(text, /If you lose it/);
    const loaded = await loadKeyFile(new Blob([file.bytes]));
    assert.equal(loaded.identity, key.identity);
    assert.equal(loaded.meta.tender, "ZB-2025-017");
  } finally {
    delete globalThis.gettext;
  }
});
