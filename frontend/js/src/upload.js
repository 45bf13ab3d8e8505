// The resumable upload client: the core of tus 1.0.0 (HEAD for the resume point, PATCH at an
// offset) with its sha256 checksum extension, against Kaibiao's /bids/uploads/<id>.
//
// A chunk is kept in memory until the server confirms it, so a dropped connection or a
// sleeping laptop resumes from the last confirmed byte: the sealed stream is never re-read.
import { sha256 } from "@noble/hashes/sha2.js";

export const DEFAULT_CHUNK = 16 * 1024 * 1024;

export class UploadError extends Error {
  constructor(message, { status = 0, retryable = false } = {}) {
    super(message);
    this.name = "UploadError";
    this.status = status;
    this.retryable = retryable;
  }
}

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function messageOf(response) {
  try {
    const body = await response.json();
    return body.error || response.statusText;
  } catch {
    return response.statusText || `HTTP ${response.status}`;
  }
}

/** Gather a stream's bytes into chunks of exactly `size` bytes (the last one shorter). */
export async function* rechunk(stream, size) {
  const reader = stream.getReader();
  let buffer = new Uint8Array(size);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let at = 0;
      while (at < value.length) {
        const take = Math.min(size - filled, value.length - at);
        buffer.set(value.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === size) {
          yield buffer;
          buffer = new Uint8Array(size);
          filled = 0;
        }
      }
    }
    if (filled) yield buffer.subarray(0, filled);
  } finally {
    reader.releaseLock();
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Upload one sealed file. `stream` gives its bytes from `startOffset` on.
 * Options: csrfToken, chunkSize, onProgress(sentBytes), fetch (for tests), maxRetries.
 * Resolves to the receipt document when this file completed the bid, else null.
 */
export async function uploadFile(url, stream, { size, startOffset = 0, csrfToken, chunkSize = DEFAULT_CHUNK,
  onProgress = () => {}, fetchImpl = globalThis.fetch.bind(globalThis), maxRetries = 1000, retryDelayMs = 2000 } = {}) {
  let offset = startOffset;
  let receipt = null;
  for await (const chunk of rechunk(stream, chunkSize)) {
    const chunkStart = offset;
    const checksum = "sha256 " + base64(sha256(chunk));
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        // Where is the server? A resent chunk may already be (partly) there.
        const sent = offset - chunkStart;
        const body = chunk.subarray(sent);
        response = await fetchImpl(url, {
          method: "PATCH",
          credentials: "same-origin",
          headers: {
            "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": String(offset),
            "Upload-Checksum": sent ? "sha256 " + base64(sha256(body)) : checksum,
            "X-CSRFToken": csrfToken,
          },
          body,
        });
      } catch (err) {
        // The network dropped (or the laptop slept): wait, ask where to resume, go on.
        if (attempt >= maxRetries) throw new UploadError(`network: ${err.message}`, { retryable: true });
        await sleep(retryDelayMs);
        offset = await resumePoint(url, { fetchImpl, fallback: offset });
        if (offset >= chunkStart + chunk.length) break;
        continue;
      }
      if (response.status === 204 || response.status === 200) {
        offset = Number(response.headers.get("Upload-Offset"));
        if (response.status === 200) receipt = (await response.json()).receipt;
        onProgress(offset);
        break;
      }
      if (response.status === 409) {
        offset = Number(response.headers.get("Upload-Offset"));
        if (offset < chunkStart || offset > chunkStart + chunk.length) {
          throw new UploadError(await messageOf(response), { status: 409 });
        }
        if (offset === chunkStart + chunk.length) break;
        continue;
      }
      if (response.status === 460 && attempt < 3) continue; // damaged on the way: send again
      if (response.status >= 500 && attempt < maxRetries) {
        await sleep(retryDelayMs);
        offset = await resumePoint(url, { fetchImpl, fallback: offset });
        continue;
      }
      throw new UploadError(await messageOf(response), { status: response.status });
    }
  }
  if (offset !== size) throw new UploadError(`sent ${offset} of ${size} bytes`);
  return receipt;
}

/** The server's confirmed offset of an upload (tus HEAD). */
export async function resumePoint(url, { fetchImpl = globalThis.fetch.bind(globalThis), fallback = 0 } = {}) {
  try {
    const response = await fetchImpl(url, { method: "HEAD", credentials: "same-origin", headers: { "Tus-Resumable": "1.0.0" } });
    if (response.ok) return Number(response.headers.get("Upload-Offset"));
  } catch {
    // still offline: keep what we had
  }
  return fallback;
}

/** Estimated finish time (ms since epoch, server clock) from the rate so far. */
export function estimateFinish({ startedAt, now, sent, total }) {
  if (sent <= 0) return null;
  const rate = sent / Math.max(1, now - startedAt);
  return now + (total - sent) / rate;
}
