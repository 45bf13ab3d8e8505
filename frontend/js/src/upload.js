// The resumable upload client: the core of tus 1.0.0 (HEAD for the resume point, PATCH at an
// offset) with its sha256 checksum extension, against Kaibiao's /bids/uploads/<id>.
//
// A chunk is kept in memory until the server confirms it, so a dropped connection or a
// sleeping laptop resumes from the last confirmed byte: the sealed stream is never re-read.
//
// The SHA-256 of the whole sealed file is declared, so that the server refuses a file that
// arrived cut short (it cannot tell otherwise: it holds no key): in the version's manifest
// where the sealer knows it before the upload (the opening form, files sealed by
// `manage.py seal`, whose manifest.json names it), else with the chunk that ends the file, in
// the header Repr-Digest (RFC 9530), once the sealing stream has ended.
import { sha256 } from "@noble/hashes/sha2.js";
import { fromHex } from "./bytes.js";
import { gettext, interpolate } from "./i18n.js";

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

/**
 * Gather a stream's bytes into chunks of exactly `size` bytes (the last one shorter). A full
 * chunk is handed on only once the stream has said whether more follows, so the last chunk
 * comes after the stream's end: a sealer's digest of the whole file is known by then.
 */
export async function* rechunk(stream, size) {
  const reader = stream.getReader();
  let buffer = null;
  let filled = 0;
  let full = null; // a full chunk, held until the next read tells whether it is the last
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let at = 0;
      while (at < value.length) {
        if (full) {
          yield full;
          full = null;
        }
        buffer ??= new Uint8Array(size);
        const take = Math.min(size - filled, value.length - at);
        buffer.set(value.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === size) {
          full = buffer;
          buffer = null;
          filled = 0;
        }
      }
    }
    if (full) yield full;
    if (filled) yield buffer.subarray(0, filled);
  } finally {
    reader.releaseLock();
  }
}

/** The Repr-Digest header (RFC 9530) of a SHA-256 given as hex. */
export function reprDigest(hex) {
  return `sha-256=:${base64(fromHex(hex))}:`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Upload one sealed file. `stream` gives its bytes from `startOffset` on.
 * Options: csrfToken, chunkSize, onProgress(confirmedBytes), fetch (for tests), maxRetries, and
 * sha256: the whole sealed file's SHA-256 (hex, or a promise of it that settles when the
 * sealing stream ends), sent with the chunk that ends the file.
 * onSending(bytes): how far the browser has sent, before the server confirms it (with a
 * fetchImpl that reports a request's upload, as xhrFetch does). onWait({attempt, reason}): the
 * network dropped, or the server failed, and the upload waits to resume from the server's offset.
 * Resolves to the receipt document when this file completed the bid, else null.
 */
export async function uploadFile(url, stream, { size, startOffset = 0, csrfToken, chunkSize = DEFAULT_CHUNK, sha256: whole,
  onProgress = () => {}, onSending = () => {}, onWait = () => {}, fetchImpl = globalThis.fetch.bind(globalThis),
  maxRetries = 1000, retryDelayMs = 2000 } = {}) {
  let offset = startOffset;
  let receipt = null;
  for await (const chunk of rechunk(stream, chunkSize)) {
    const chunkStart = offset;
    const checksum = "sha256 " + base64(sha256(chunk));
    // The chunk that ends the file declares the whole file's digest (the stream has ended).
    const declared = whole && chunkStart + chunk.length === size ? { "Repr-Digest": reprDigest(await whole) } : {};
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        // Where is the server? A resent chunk may already be (partly) there.
        const sent = offset - chunkStart;
        const body = chunk.subarray(sent);
        const from = offset;
        response = await fetchImpl(url, {
          onUploadProgress: (loaded) => onSending(from + loaded),
          method: "PATCH",
          credentials: "same-origin",
          headers: {
            "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": String(offset),
            "Upload-Checksum": sent ? "sha256 " + base64(sha256(body)) : checksum,
            "X-CSRFToken": csrfToken,
            ...declared,
          },
          body,
        });
      } catch (err) {
        // The network dropped (or the laptop slept): wait, ask where to resume, go on.
        if (attempt >= maxRetries) throw new UploadError(interpolate(gettext("The network failed: %(reason)s"), { reason: err.message }), { retryable: true });
        onWait({ attempt: attempt + 1, reason: "network" });
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
        onWait({ attempt: attempt + 1, reason: "server" });
        await sleep(retryDelayMs);
        offset = await resumePoint(url, { fetchImpl, fallback: offset });
        continue;
      }
      throw new UploadError(await messageOf(response), { status: response.status });
    }
  }
  if (offset !== size) throw new UploadError(interpolate(gettext("Only %(sent)s of %(size)s bytes were sent."), { sent: offset, size }));
  return receipt;
}

/**
 * The files of a version sealed by `manage.py seal`: its manifest.json (parsed) and the sealed
 * files picked. Each item has kind, name, size, sha256 and stream(); a file missing, or not of
 * the size the sealer wrote, is refused here, before anything is sent.
 */
export function presealedItems(manifest, files) {
  if (!manifest || !Array.isArray(manifest.files)) throw new Error(gettext("manifest.json lists no files."));
  const byName = new Map(files.map((f) => [f.name, f]));
  return manifest.files.map((entry) => {
    const file = byName.get(entry.name);
    if (!file) throw new Error(interpolate(gettext("%(file)s is missing: pick it with the other sealed files."), { file: entry.name }));
    if (file.size !== entry.size) {
      throw new Error(interpolate(gettext("%(file)s is not the file that was sealed: its size (%(size)s bytes) differs from the %(sealed)s bytes manifest.json names; it is incomplete or was changed."), { file: entry.name, size: file.size, sealed: entry.size }));
    }
    return { kind: entry.kind, name: entry.name, size: entry.size, sha256: entry.sha256, stream: () => file.stream() };
  });
}

/**
 * fetch through XMLHttpRequest, whose upload reports its bytes as they leave (fetch's does
 * not): init.onUploadProgress(loaded) is called as a request body goes out. Resolves to a
 * Response; rejects with a TypeError, as fetch does, when the network fails.
 */
export function xhrFetch(url, { method = "GET", headers = {}, body = null, onUploadProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.responseType = "arraybuffer";
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (onUploadProgress) xhr.upload.onprogress = (event) => onUploadProgress(event.loaded);
    xhr.onload = () => {
      const received = new Headers();
      for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
        const at = line.indexOf(":");
        if (at > 0) received.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
      }
      const empty = [101, 204, 205, 304].includes(xhr.status) || method === "HEAD";
      resolve(new Response(empty ? null : xhr.response, { status: xhr.status, statusText: xhr.statusText, headers: received }));
    };
    xhr.onerror = () => reject(new TypeError("network error"));
    xhr.onabort = () => reject(new TypeError("aborted"));
    xhr.send(body);
  });
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
