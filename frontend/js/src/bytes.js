// Small byte helpers shared by the crypto modules. No crypto of our own here:
// hashing is @noble/hashes, the age format is age-encryption.
import { sha256 } from "@noble/hashes/sha2.js";
import { bech32 } from "@scure/base";

const utf8 = new TextEncoder();

export function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(hex) {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError("not an even-length hex string");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function sha256Hex(bytes) {
  return toHex(sha256(bytes));
}

// Everything a page may hand us as "the bytes of a small file".
export async function readBytes(input) {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (typeof input === "string") return utf8.encode(input);
  if (input && typeof input.arrayBuffer === "function") {
    return new Uint8Array(await input.arrayBuffer()); // Blob / File
  }
  throw new TypeError("expected a Blob, File, Uint8Array, ArrayBuffer or string");
}

// Native age X25519 recipient: bech32, prefix "age", 32-byte Montgomery u.
// The server side decrypts with X25519 (cryptography / pyrage), so the post-
// quantum and tag recipients that age-encryption also knows are refused here.
export function checkX25519Recipient(recipient) {
  if (typeof recipient !== "string" || !recipient.startsWith("age1")) {
    throw new TypeError(`not an age X25519 recipient: ${String(recipient)}`);
  }
  let decoded;
  try {
    decoded = bech32.decodeToBytes(recipient);
  } catch {
    throw new TypeError(`not an age X25519 recipient: ${recipient}`);
  }
  if (decoded.prefix !== "age" || decoded.bytes.length !== 32) {
    throw new TypeError(`not an age X25519 recipient: ${recipient}`);
  }
  return recipient;
}

// "AGE-SECRET-KEY-1…" <-> the 32 raw bytes of the X25519 secret scalar, exactly
// as age-keygen and age-encryption's generateX25519Identity encode them.
export function identityToSecret(identity) {
  if (typeof identity !== "string" || !identity.startsWith("AGE-SECRET-KEY-1")) {
    throw new TypeError("not an age X25519 identity");
  }
  const decoded = bech32.decodeToBytes(identity);
  if (decoded.prefix.toUpperCase() !== "AGE-SECRET-KEY-" || decoded.bytes.length !== 32) {
    throw new TypeError("not an age X25519 identity");
  }
  return decoded.bytes;
}

export function secretToIdentity(secret) {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new TypeError("an X25519 secret is 32 bytes");
  }
  return bech32.encodeFromBytes("AGE-SECRET-KEY-", secret).toUpperCase();
}
