// Sealing a bid in the browser: one age file per bid file, and one small age
// file for the opening form. Large files stream: the File is read, encrypted
// and hashed a chunk at a time, so memory stays flat whatever the file's size.
import { Encrypter } from "age-encryption";
import { sha256 } from "@noble/hashes/sha2.js";
import { checkX25519Recipient, sha256Hex, toHex } from "./bytes.js";
import { gettext, interpolate } from "./i18n.js";

/**
 * The recipients of a bid: always the tender's opening recipient (held by the
 * custodians, the remedy when the bidder does not decrypt), and the bidder's
 * own recipient when the tender asks bidders to decrypt. A bid that neither
 * can open counts as revoked by the bidder and loses its bid security, so
 * there is no way to seal to the bidder's key alone.
 */
export function bidRecipients({ openingRecipient, bidderRecipient, bidderDecrypts }) {
  if (!openingRecipient) throw new TypeError("every bid is sealed to the tender's opening recipient");
  const list = [checkX25519Recipient(openingRecipient)];
  if (bidderDecrypts) {
    if (!bidderRecipient) throw new TypeError("this tender asks for the bidder's recipient");
    if (bidderRecipient === openingRecipient) throw new TypeError("the bidder's recipient is the opening recipient");
    list.push(checkX25519Recipient(bidderRecipient));
  }
  return list;
}

function encrypterFor(recipients) {
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new TypeError("seal to at least one recipient");
  }
  const e = new Encrypter();
  for (const r of new Set(recipients)) e.addRecipient(checkX25519Recipient(r));
  return e;
}

/** Async iteration over a ReadableStream, for browsers whose streams lack it. */
export async function* chunks(stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Seal a File/Blob (or a ReadableStream of Uint8Array) to the recipients.
 *
 * Returns {stream, size, sha256}:
 *  - stream: ReadableStream<Uint8Array> of the age file, pulled on demand (the
 *    result is also async-iterable: `for await (const chunk of sealed)`);
 *  - size: the age file's exact byte length, known up front for a Blob input
 *    (null for a stream input);
 *  - sha256: a promise of the lowercase hex SHA-256 of the age file's bytes,
 *    settled when the stream has been read to its end (rejected if it failed).
 */
export async function sealFile(input, recipients) {
  const encrypter = encrypterFor(recipients);
  let plaintext;
  let plainSize = null;
  if (input instanceof ReadableStream) {
    plaintext = input;
  } else if (input && typeof input.stream === "function" && typeof input.size === "number") {
    plaintext = input.stream();
    plainSize = input.size;
  } else {
    throw new TypeError("sealFile takes a File, a Blob or a ReadableStream");
  }
  const ciphertext = await encrypter.encrypt(plaintext);
  const size = plainSize === null ? null : ciphertext.size(plainSize);

  // WebCrypto has no incremental SHA-256, hence noble's, fed chunk by chunk.
  const hasher = sha256.create();
  let settle;
  const digest = new Promise((resolve, reject) => {
    settle = { resolve, reject };
  });
  digest.catch(() => {}); // a caller who never asks for the hash must not see an unhandled rejection
  let seen = 0;
  const hashing = new TransformStream({
    transform(chunk, controller) {
      hasher.update(chunk);
      seen += chunk.length;
      controller.enqueue(chunk);
    },
    flush() {
      if (size !== null && seen !== size) {
        const err = new Error(interpolate(gettext("The file changed while it was sealed (%(seen)s bytes read, %(size)s expected): pick it again."), { seen, size }));
        settle.reject(err);
        throw err;
      }
      settle.resolve(toHex(hasher.digest()));
    },
  });
  // An error upstream (a File that cannot be read) reaches the consumer through
  // the stream; wrapErrors makes the hash promise fail with it too.
  const stream = wrapErrors(ciphertext.pipeThrough(hashing), (err) => settle.reject(err));
  return {
    stream,
    size,
    sha256: digest,
    [Symbol.asyncIterator]() {
      return chunks(this.stream);
    },
  };
}

function wrapErrors(stream, onError) {
  const reader = stream.getReader();
  return new ReadableStream(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          onError(err);
          controller.error(err);
        }
      },
      cancel(reason) {
        onError(new Error(gettext("Sealing was cancelled.")));
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Seal the opening form (a plain JSON object of declared items) as one small
 * age file: {ageFile: Uint8Array, sha256: hex, size}. The plaintext is the
 * UTF-8 of JSON.stringify(form).
 */
export async function sealForm(form, recipients) {
  if (form === null || typeof form !== "object" || Array.isArray(form)) {
    throw new TypeError("the opening form is a JSON object");
  }
  const ageFile = await encrypterFor(recipients).encrypt(JSON.stringify(form));
  return { ageFile, sha256: sha256Hex(ageFile), size: ageFile.length };
}
