// The bidder's own key for one tender: generated in the browser, downloaded as
// a key file (plain, or an age file locked with a passphrase, the format
// `age -p` writes), loaded back at the opening.
import {
  Decrypter,
  Encrypter,
  armor,
  generateX25519Identity,
  identityToRecipient,
} from "age-encryption";
import { readBytes } from "./bytes.js";
import { beijingTime } from "./formats.js";
import { gettext, interpolate } from "./i18n.js";

const AGE_MAGIC = "age-encryption.org/v1\n";
const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";

// age's default and what `age -p` uses: 2^18 rounds, about a second and 256 MiB
// in a browser. Lower it only in tests.
export const DEFAULT_SCRYPT_WORK_FACTOR = 18;

/**
 * Why a key file was refused; `code` is for the page to pick a message:
 * "passphrase-required", "wrong-passphrase", "invalid-key-file".
 */
export class KeyFileError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "KeyFileError";
    this.code = code;
  }
}

/** A fresh X25519 identity for one tender: {identity: "AGE-SECRET-KEY-1…", recipient: "age1…"}. */
export async function generateBidderKey() {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

// One header field per line: a newline (or anything a line splitter would
// break on) inside a name must not start a line of its own.
function oneLine(value) {
  return String(value ?? "")
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, " ")
    .trim();
}

const FIELDS = ["tender", "lot", "bidder", "created", "public key"];

/**
 * The text of the plain key file. Comment lines are ignored by `age -i`, rage
 * and pyrage's identity parsers; the "created" and "public key" lines are the
 * ones age-keygen writes. The field names stay as they are (they are read back);
 * the title and the warning are in the page's language: a person reads them.
 */
function wording(role) {
  const lines = role === "custodian" ? [
    gettext("Kaibiao — key custodian's key"),
    gettext("WARNING: keep this file safe. Your shares of tenders' opening keys open only with it."),
    gettext("Give it to no one, platform staff and other custodians included."),
  ] : [
    gettext("Kaibiao — bidder decryption key"),
    gettext("WARNING: keep this file safe. If you lose it, you (the bidder) cannot decrypt your own bid."),
    gettext("Give it to no one, platform staff included, before the opening. This key is for this one tender only."),
  ];
  return lines.map((line) => `# ${line}`);
}

export function keyFileText({ identity, recipient, tender, lot, bidder, created, role = "bidder" }) {
  // the file is read by people: Beijing time, its zone named
  const when = beijingTime(created ?? new Date(), { zone: true });
  const [title, ...warning] = wording(role);
  const lines = [
    title,
    `# tender: ${oneLine(tender)}`,
    `# lot: ${oneLine(lot)}`,
    `# bidder: ${oneLine(bidder)}`,
    `# created: ${when}`,
    `# public key: ${recipient}`,
    "#",
    ...warning,
    identity,
    "",
  ];
  return lines.join("\n");
}

function safeFilePart(value) {
  return oneLine(value).replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 60);
}

/**
 * The file the bidder downloads. With a passphrase, the key file text is
 * encrypted to age's scrypt recipient: `age -d key.age` asks for the
 * passphrase and prints the key file. Returns {bytes, filename, encrypted}.
 */
export async function makeKeyFile({
  identity,
  tender,
  lot,
  bidder,
  created,
  passphrase,
  scryptWorkFactor = DEFAULT_SCRYPT_WORK_FACTOR,
  role = "bidder",
}) {
  const recipient = await identityToRecipient(identity);
  const text = keyFileText({ identity, recipient, tender, lot, bidder, created, role });
  const stem = ["kaibiao-key", safeFilePart(tender), safeFilePart(lot)].filter(Boolean).join("-");
  if (passphrase === undefined || passphrase === null) {
    return { bytes: new TextEncoder().encode(text), filename: `${stem}.txt`, encrypted: false };
  }
  if (typeof passphrase !== "string" || passphrase.length === 0) {
    throw new TypeError("the passphrase must be a non-empty string");
  }
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  e.setScryptWorkFactor(scryptWorkFactor);
  return { bytes: await e.encrypt(text), filename: `${stem}.age`, encrypted: true };
}

function startsWith(bytes, prefix) {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** True for an age file, binary or ASCII-armored. */
export function isAgeFile(bytes) {
  if (startsWith(bytes, AGE_MAGIC)) return true;
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  return head.startsWith(ARMOR_BEGIN);
}

export async function unlock(bytes, passphrase) {
  let file = bytes;
  if (!startsWith(bytes, AGE_MAGIC)) {
    try {
      file = armor.decode(new TextDecoder().decode(bytes));
    } catch {
      throw new KeyFileError("invalid-key-file", gettext("The key file is damaged (its armored text does not read)."));
    }
  }
  // A passphrase file has exactly one stanza, "-> scrypt salt logN" (age spec).
  const firstStanza = new TextDecoder().decode(file.subarray(AGE_MAGIC.length, AGE_MAGIC.length + 10));
  if (!firstStanza.startsWith("-> scrypt ")) {
    throw new KeyFileError("invalid-key-file", gettext("This age file is not a key file locked with a passphrase."));
  }
  if (passphrase === undefined || passphrase === null || passphrase === "") {
    throw new KeyFileError("passphrase-required", gettext("This key file has a passphrase: enter it."));
  }
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  try {
    return await d.decrypt(file, "text");
  } catch (err) {
    if (/no identity matched/.test(err?.message ?? "")) {
      throw new KeyFileError("wrong-passphrase", gettext("Wrong passphrase."));
    }
    throw new KeyFileError("invalid-key-file", interpolate(gettext("The key file cannot be decrypted: %(reason)s"), { reason: err?.message ?? err }));
  }
}

/**
 * Read a key file back (a File/Blob, bytes or text; plain or passphrase-locked)
 * into {identity, recipient, meta: {tender, lot, bidder, created, "public key"}}.
 */
export async function loadKeyFile(input, { passphrase } = {}) {
  const bytes = await readBytes(input);
  const text = isAgeFile(bytes) ? await unlock(bytes, passphrase) : new TextDecoder().decode(bytes);
  const meta = {};
  const keys = [];
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^#\s*([a-z ]+):\s*(.*)$/.exec(line);
      if (m && FIELDS.includes(m[1])) meta[m[1]] = m[2];
      continue;
    }
    if (!line.startsWith("AGE-SECRET-KEY-1")) {
      throw new KeyFileError("invalid-key-file", gettext("This is not a valid key file."));
    }
    keys.push(line);
  }
  if (keys.length !== 1) {
    throw new KeyFileError("invalid-key-file", interpolate(gettext("A key file holds one AGE-SECRET-KEY line; this one holds %(n)s."), { n: keys.length }));
  }
  const identity = keys[0];
  let recipient;
  try {
    recipient = await identityToRecipient(identity);
  } catch {
    throw new KeyFileError("invalid-key-file", gettext("The key file is damaged (its AGE-SECRET-KEY line does not read)."));
  }
  if (meta["public key"] !== undefined && meta["public key"] !== recipient) {
    throw new KeyFileError("invalid-key-file", gettext("The key file is damaged: its key does not match the public key written above it."));
  }
  return { identity, recipient, meta };
}
