// The expert's signing key: made with WebCrypto's Ed25519, saved in a key file (plain or locked
// with a passphrase), loaded back, and its report signature checked by the server's own code
// (evaluation/signing.py, in the project's virtualenv) and its PEM read by Python's cryptography.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KeyFileError } from "../src/keys.js";
import {
  loadSigningKeyFile,
  makeSigningKey,
  makeSigningKeyFile,
  reportMessage,
  sha256Hex,
  signText,
} from "../src/signing-key.js";

const PYTHON = fileURLToPath(new URL("../../../.venv/bin/python", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FAST = 10;
const who = { name: "王建国", username: "expert-wang" };

test("a_key_file_loads_back_to_the_same_key_and_its_signature_verifies", async () => {
  const key = await makeSigningKey();
  assert.equal(atob(key.publicKey).length, 32);
  const file = await makeSigningKeyFile({ ...key, ...who, created: new Date("2026-05-01T02:00:00Z") });
  const text = new TextDecoder().decode(file.bytes);
  assert.equal(file.encrypted, false);
  assert.match(text, /^# expert: 王建国 \(expert-wang\)$/m);
  assert.match(text, /^# created: 2026-05-01 10:00:00/m);
  assert.ok(text.includes(`# public key: ${key.publicKey}\n`));
  assert.ok(text.includes("-----BEGIN PRIVATE KEY-----\n"));
  const loaded = await loadSigningKeyFile(file.bytes);
  assert.equal(loaded.publicKey, key.publicKey);
  const signature = await signText(loaded.privateKey, reportMessage("ab".repeat(32)));
  const ok = await crypto.subtle.verify({ name: "Ed25519" }, await crypto.subtle.importKey(
    "raw", Uint8Array.from(atob(key.publicKey), (c) => c.charCodeAt(0)), { name: "Ed25519" }, false, ["verify"]),
  Uint8Array.from(atob(signature), (c) => c.charCodeAt(0)), new TextEncoder().encode(`kaibiao/evaluation-report v1:${"ab".repeat(32)}`));
  assert.ok(ok);
});

test("a_key_file_with_a_passphrase_needs_it", async () => {
  const key = await makeSigningKey();
  const file = await makeSigningKeyFile({ ...key, ...who, passphrase: "长城 长城", scryptWorkFactor: FAST });
  assert.equal(file.encrypted, true);
  assert.ok(file.filename.endsWith(".age"));
  await assert.rejects(loadSigningKeyFile(file.bytes), (err) => err instanceof KeyFileError && err.code === "passphrase-required");
  await assert.rejects(loadSigningKeyFile(file.bytes, { passphrase: "wrong" }), (err) => err.code === "wrong-passphrase");
  assert.equal((await loadSigningKeyFile(file.bytes, { passphrase: "长城 长城" })).publicKey, key.publicKey);
});

test("a_damaged_or_foreign_file_is_refused", async () => {
  const key = await makeSigningKey();
  const other = await makeSigningKey();
  const text = new TextDecoder().decode((await makeSigningKeyFile({ ...key, ...who })).bytes);
  const swapped = text.replace(`# public key: ${key.publicKey}`, `# public key: ${other.publicKey}`);
  await assert.rejects(loadSigningKeyFile(swapped), (err) => err.code === "invalid-key-file");
  await assert.rejects(loadSigningKeyFile("AGE-SECRET-KEY-1XYZ\n"), (err) => err.code === "invalid-key-file");
  await assert.rejects(loadSigningKeyFile(text.replace(/\n[A-Za-z0-9+/]{10}/, "\n!!!!")), (err) => err.code === "invalid-key-file");
});

test("the_report_message_is_the_prefix_and_a_lowercase_sha256", async () => {
  const digest = await sha256Hex(new TextEncoder().encode("abc"));
  assert.equal(digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(reportMessage(digest), `kaibiao/evaluation-report v1:${digest}`);
  assert.throws(() => reportMessage(digest.toUpperCase()), TypeError);
});

test("the_server_checks_the_browser_signature_and_python_reads_the_key_file", { skip: !existsSync(PYTHON) }, async () => {
  const key = await makeSigningKey();
  const file = await makeSigningKeyFile({ ...key, ...who });
  const digest = await sha256Hex(new TextEncoder().encode("%PDF-1.4 a report"));
  const signature = await signText((await loadSigningKeyFile(file.bytes)).privateKey, reportMessage(digest));
  const dir = mkdtempSync(join(tmpdir(), "kaibiao-signing-"));
  try {
    writeFileSync(join(dir, "key.txt"), file.bytes);
    const script = `
import base64, sys
from cryptography.hazmat.primitives import serialization
from evaluation import signing
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
assert base64.b64encode(raw).decode() == sys.argv[2], "the PEM's key is the public key registered"
assert signing.verify(sys.argv[2], sys.argv[3], signing.report_message(sys.argv[4])), "the server verifies"
assert not signing.verify(sys.argv[2], sys.argv[3], signing.report_message("0" * 64))
print("ok")`;
    const out = execFileSync(PYTHON, ["-c", script, join(dir, "key.txt"), key.publicKey, signature, digest],
      { cwd: ROOT, encoding: "utf8" });
    assert.equal(out.trim(), "ok");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
