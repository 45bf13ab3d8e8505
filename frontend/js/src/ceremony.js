// The key ceremony. The tender's opening identity is made in this browser,
// its 32-byte X25519 secret is split k-of-n with shamir-secret-sharing, and
// each share leaves the browser only as an age file to its custodian's own
// recipient. The contract the server rebuilds from is in ../README.md.
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { combine as shamirCombine, split } from "shamir-secret-sharing";
import {
  checkX25519Recipient,
  fromHex,
  identityToSecret,
  secretToIdentity,
  sha256Hex,
  toHex,
} from "./bytes.js";
import { gettext } from "./i18n.js";

export const SHARE_FORMAT = "kaibiao-opening-share/1";
const SHARE_LENGTH = 33; // 32 y-bytes, then the x-coordinate

/**
 * Deal the opening key of one tender.
 *
 * custodians: [{custodian: "<id>", recipient: "age1…"}], n of them, each with
 * its own recipient; threshold: k, 2 ≤ k ≤ n ≤ 255.
 * Returns {openingRecipient, threshold, shares: n,
 *          encryptedShares: [{custodian, recipient, ageFile, sha256}]}.
 * The opening identity itself is never returned.
 */
export async function dealOpeningKey({ tender, threshold, custodians }) {
  if (!Array.isArray(custodians) || custodians.length < 2 || custodians.length > 255) {
    throw new TypeError("between 2 and 255 custodians");
  }
  const n = custodians.length;
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > n) {
    throw new RangeError(`the threshold must be between 2 and ${n}`);
  }
  const ids = new Set(custodians.map((c) => String(c.custodian)));
  const recipients = new Set(custodians.map((c) => checkX25519Recipient(c.recipient)));
  if (ids.size !== n) throw new TypeError("each custodian once");
  // One person holding two shares would need fewer accomplices than k.
  if (recipients.size !== n) throw new TypeError("each custodian needs a recipient of its own");

  const identity = await generateX25519Identity();
  const openingRecipient = await identityToRecipient(identity);
  const secret = identityToSecret(identity);
  const shares = await split(secret, n, threshold);
  try {
    // Check before anything leaves: the first k and the last k rebuild the key.
    for (const some of [shares.slice(0, threshold), shares.slice(n - threshold)]) {
      const rebuilt = secretToIdentity(await shamirCombine(some));
      if ((await identityToRecipient(rebuilt)) !== openingRecipient) {
        throw new Error(gettext("The shares do not rebuild the opening key."));
      }
    }
    const encryptedShares = [];
    for (let i = 0; i < n; i++) {
      const { custodian, recipient } = custodians[i];
      const payload = JSON.stringify({
        format: SHARE_FORMAT,
        tender: String(tender),
        custodian: String(custodian),
        threshold,
        shares: n,
        openingRecipient,
        share: toHex(shares[i]),
      });
      const e = new Encrypter();
      e.addRecipient(recipient);
      const ageFile = await e.encrypt(payload);
      encryptedShares.push({ custodian: String(custodian), recipient, ageFile, sha256: sha256Hex(ageFile) });
    }
    return { openingRecipient, threshold, shares: n, encryptedShares };
  } finally {
    // Best effort: the byte arrays can be wiped, the identity string cannot.
    secret.fill(0);
    for (const s of shares) s.fill(0);
  }
}

function parseShare(text) {
  let obj;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new Error(gettext("This is not a share of a Kaibiao opening key."));
  }
  if (obj?.format !== SHARE_FORMAT) throw new Error(gettext("This is not a share of a Kaibiao opening key."));
  const share = fromHex(obj.share);
  if (share.length !== SHARE_LENGTH || share[32] === 0) throw new Error(gettext("The share is damaged."));
  return { ...obj, share };
}

/**
 * A custodian opens its own share with its identity ("AGE-SECRET-KEY-1…"):
 * {format, tender, custodian, threshold, shares, openingRecipient, share}
 * with share as the 33 bytes of the contract.
 */
export async function openShare(ageFile, identity) {
  const d = new Decrypter();
  d.addIdentity(identity);
  return parseShare(await d.decrypt(ageFile, "text"));
}

function shareBytes(s) {
  if (s instanceof Uint8Array) return s;
  if (typeof s === "string") return fromHex(s);
  if (s && (s.share instanceof Uint8Array || typeof s.share === "string")) return shareBytes(s.share);
  throw new TypeError("a share is 33 bytes, their hex, or an opened share");
}

/**
 * Rebuild the opening identity ("AGE-SECRET-KEY-1…") from at least k shares
 * (byte arrays, hex strings, or openShare results). Shamir cannot tell a wrong
 * result from a right one, so the result is checked against the opening
 * recipient: given as an option, or read from opened shares.
 */
export async function combine(shares, { openingRecipient } = {}) {
  if (!Array.isArray(shares) || shares.length < 2) throw new TypeError("at least two shares");
  const opened = shares.filter((s) => s && typeof s === "object" && !(s instanceof Uint8Array));
  for (const field of ["tender", "threshold", "openingRecipient"]) {
    const values = new Set(opened.map((s) => s[field]));
    if (values.size > 1) throw new Error(`the shares disagree on ${field}`);
  }
  const expected = openingRecipient ?? opened[0]?.openingRecipient;
  const threshold = opened[0]?.threshold;
  if (threshold !== undefined && shares.length < threshold) {
    throw new Error(`${threshold} shares are needed, ${shares.length} given`);
  }
  const bytes = shares.map((s) => Uint8Array.from(shareBytes(s)));
  if (bytes.some((b) => b.length !== SHARE_LENGTH)) throw new Error("a share is 33 bytes");
  const secret = await shamirCombine(bytes);
  try {
    const identity = secretToIdentity(secret);
    if (expected !== undefined && (await identityToRecipient(identity)) !== expected) {
      throw new Error("the shares do not rebuild the opening key (too few, or from another tender)");
    }
    return identity;
  } finally {
    secret.fill(0);
    for (const b of bytes) b.fill(0);
  }
}
