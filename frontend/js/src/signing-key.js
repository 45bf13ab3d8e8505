// An evaluation expert's own Ed25519 signing key: made in the browser (WebCrypto), saved in a
// key file the expert keeps (plain, or an age file locked with a passphrase, as a custodian's
// key file is), loaded back to sign a report. The private key never leaves the browser.
//
// The key file is text: comment lines, then the private key as a standard PKCS#8 PEM block
// ("-----BEGIN PRIVATE KEY-----"), which `openssl pkey` and Python's cryptography read too.
// What a report signature covers is evaluation/signing.py's: the ASCII bytes
// "kaibiao/evaluation-report v1:" + the report PDF's SHA-256 in lowercase hex.
import { Encrypter } from "age-encryption";
import { readBytes } from "./bytes.js";
import { beijingTime } from "./formats.js";
import { gettext, interpolate } from "./i18n.js";
import { DEFAULT_SCRYPT_WORK_FACTOR, KeyFileError, isAgeFile, unlock } from "./keys.js";

export const REPORT_PREFIX = "kaibiao/evaluation-report v1:";
export const KEY_PROOF_PREFIX = "kaibiao/expert-key v1:";
const ED25519 = { name: "Ed25519" };
const PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
const PEM_END = "-----END PRIVATE KEY-----";

function toBase64(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function base64url(text) {
  return fromBase64(text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "="));
}

/** Why signing keys cannot be made here: a browser without WebCrypto's Ed25519 (or a page not served securely). */
export function unsupportedReason(err) {
  return interpolate(
    gettext("This browser cannot make or use Ed25519 keys (%(reason)s): use a current Chrome, Edge, Firefox or Safari, on the platform's https address."),
    { reason: err?.message ?? String(err) },
  );
}

function subtle() {
  if (!globalThis.crypto?.subtle) throw new KeyFileError("unsupported", unsupportedReason(new Error("no WebCrypto")));
  return globalThis.crypto.subtle;
}

/** A fresh key pair: {privateKey: CryptoKey, publicKey: base64 of the raw 32 bytes, pkcs8: bytes}. */
export async function makeSigningKey() {
  let pair;
  try {
    pair = await subtle().generateKey(ED25519, true, ["sign", "verify"]);
  } catch (err) {
    throw new KeyFileError("unsupported", unsupportedReason(err));
  }
  const raw = new Uint8Array(await subtle().exportKey("raw", pair.publicKey));
  const pkcs8 = new Uint8Array(await subtle().exportKey("pkcs8", pair.privateKey));
  return { privateKey: pair.privateKey, publicKey: toBase64(raw), pkcs8 };
}

function oneLine(value) {
  return String(value ?? "").replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, " ").trim();
}

/** The key file's text: who, when, the public key, a warning, then the PKCS#8 PEM block. */
export function signingKeyFileText({ pkcs8, publicKey, name, username, created }) {
  const body = toBase64(pkcs8).match(/.{1,64}/g).join("\n");
  return [
    `# ${gettext("Kaibiao — evaluation expert's report-signing key")}`,
    `# expert: ${oneLine(name)} (${oneLine(username)})`,
    `# created: ${beijingTime(created ?? new Date(), { zone: true })}`,
    `# public key: ${publicKey}`,
    "#",
    `# ${gettext("WARNING: keep this file safe. Reports are signed in your name only with it.")}`,
    `# ${gettext("Give it to no one, platform staff included.")}`,
    PEM_BEGIN,
    body,
    PEM_END,
    "",
  ].join("\n");
}

/** The file the expert downloads: {bytes, filename, encrypted}; with a passphrase, an age file (`age -d` opens it). */
export async function makeSigningKeyFile({ pkcs8, publicKey, name, username, created, passphrase,
  scryptWorkFactor = DEFAULT_SCRYPT_WORK_FACTOR }) {
  const text = signingKeyFileText({ pkcs8, publicKey, name, username, created });
  const stem = `kaibiao-signing-key-${oneLine(username).replace(/[^\p{L}\p{N}._-]+/gu, "-")}`;
  if (passphrase === undefined || passphrase === null || passphrase === "") {
    return { bytes: new TextEncoder().encode(text), filename: `${stem}.txt`, encrypted: false };
  }
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  e.setScryptWorkFactor(scryptWorkFactor);
  return { bytes: await e.encrypt(text), filename: `${stem}.age`, encrypted: true };
}

/** Read a key file back: {privateKey: CryptoKey (sign only), publicKey: base64, meta}. */
export async function loadSigningKeyFile(input, { passphrase } = {}) {
  const bytes = await readBytes(input);
  const text = isAgeFile(bytes) ? await unlock(bytes, passphrase) : new TextDecoder().decode(bytes);
  const meta = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^#\s*(expert|created|public key):\s*(.*)$/.exec(line.trim());
    if (m) meta[m[1]] = m[2];
  }
  const start = text.indexOf(PEM_BEGIN);
  const end = text.indexOf(PEM_END);
  if (start < 0 || end < start) {
    throw new KeyFileError("invalid-key-file", gettext("This is not a signing key file: it holds no private key."));
  }
  let privateKey, publicKey;
  try {
    const der = fromBase64(text.slice(start + PEM_BEGIN.length, end).replace(/\s+/g, ""));
    // extractable only to read its public half here (jwk "x"); the key is used for signing alone
    const full = await subtle().importKey("pkcs8", der, ED25519, true, ["sign"]);
    publicKey = toBase64(base64url((await subtle().exportKey("jwk", full)).x));
    privateKey = await subtle().importKey("pkcs8", der, ED25519, false, ["sign"]);
  } catch (err) {
    if (err instanceof KeyFileError) throw err;
    throw new KeyFileError("invalid-key-file", interpolate(gettext("The key file is damaged (%(reason)s)."), { reason: err?.message ?? err }));
  }
  if (meta["public key"] !== undefined && meta["public key"] !== publicKey) {
    throw new KeyFileError("invalid-key-file", gettext("The key file is damaged: its key does not match the public key written above it."));
  }
  return { privateKey, publicKey, meta };
}

/** The Ed25519 signature of `text` (UTF-8), base64. */
export async function signText(privateKey, text) {
  return toBase64(new Uint8Array(await subtle().sign(ED25519, privateKey, new TextEncoder().encode(text))));
}

/** The SHA-256 of `bytes` in lowercase hex (WebCrypto). */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await subtle().digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What a member signs for the report whose PDF has this SHA-256. */
export function reportMessage(sha256) {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TypeError("a report's SHA-256 is 64 lowercase hex digits");
  return REPORT_PREFIX + sha256;
}
