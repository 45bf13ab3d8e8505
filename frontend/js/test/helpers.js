import { createHash } from "node:crypto";
import { Decrypter } from "age-encryption";
import { chunks } from "../src/seal.js";

export async function collect(stream) {
  const parts = [];
  for await (const c of chunks(stream)) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

export async function decryptWith(identity, ageFile) {
  const d = new Decrypter();
  d.addIdentity(identity);
  return d.decrypt(ageFile);
}

export function nodeSha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

// Deterministic bytes that are not all alike, so a chunk swapped or lost shows.
export function patterned(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}
