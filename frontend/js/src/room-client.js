// A live room in the browser (the opening hall, and the evaluation room and the auction to
// come): one WebSocket to `path?after=<last seen>`, the snapshot and the numbered events handed
// to the page, a gap asked for again ({"type": "resume"}), a dropped connection opened again
// with growing pauses, and commands sent with a ref whose answer ("ok" / "error") is matched
// to what was asked. Each command carries an id of its own (client_id): when the connection
// drops before its answer, it is sent again, with the same id, once connected again, and the
// server takes it once (rooms.commands): the answer to the first is the answer to both.
// The page keeps its own model; this keeps the connection.

export const GONE = 4404; // the server's close code: no such room, or not for this visitor
export const TOO_BIG = 1009; // a message over the server's size limit: the reason says so

// Numbers seen, and the highest: an event applies once, and a number beyond the next one means
// events were missed (or not for this viewer: the server skips them, and a resume says so).
export function numbering() {
  return { seen: new Set(), last: 0 };
}

export function take(numbers, seq) {
  if (!Number.isInteger(seq) || numbers.seen.has(seq)) return { fresh: false, gapAfter: null };
  const gapAfter = seq > numbers.last + 1 ? numbers.last : null;
  numbers.seen.add(seq);
  numbers.last = Math.max(numbers.last, seq);
  return { fresh: true, gapAfter };
}

// An id for one action, unguessable enough that two never meet (the server keys it by person).
export function clientId(crypto = globalThis.crypto) {
  if (crypto?.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function retryPause(retries, random = Math.random) {
  return Math.min(30_000, 1000 * 2 ** retries) * (0.75 + random() / 2);
}

// openRoom({ path, lastSeq, onMessage, onState, onAnswer, location, WebSocket, schedule })
//   lastSeq(): the last number the page has (each connection asks ?after=<it>)
//   onMessage(m): a snapshot or an event (the page applies it and returns the event's gapAfter,
//                 or null; a gap is asked for again here)
//   onState(state, detail): "connecting" | "open" | "retry" (detail: seconds) | "gone"
//   onAnswer(what, reply): the server's answer to a command sent with send() (sent again after a
//                 reconnect until it comes); reply is null only when the room is gone first
export function openRoom({ path, lastSeq, onMessage, onState = () => {}, onAnswer = () => {},
  location = globalThis.location, WebSocket = globalThis.WebSocket, schedule = setTimeout, random = Math.random,
  newId = clientId }) {
  let ws = null;
  let retries = 0;
  let refs = 0;
  const pending = new Map(); // ref -> { message (with its ref and client_id), what }
  const scheme = location.protocol === "https:" ? "wss" : "ws";

  function connect() {
    onState("connecting");
    ws = new WebSocket(`${scheme}://${location.host}${path}?after=${lastSeq()}`);
    const socket = ws;
    ws.addEventListener("open", () => {
      retries = 0;
      onState("open");
      // Unanswered when the last connection dropped: the same command again, with its id.
      for (const [, command] of pending) socket.send(JSON.stringify(command.message));
    });
    ws.addEventListener("message", (e) => {
      let m;
      try {
        m = JSON.parse(e.data);
      } catch {
        return;
      }
      if (m.type === "ok" || m.type === "error") {
        const what = pending.get(m.ref)?.what ?? m.command ?? "";
        pending.delete(m.ref);
        onAnswer(what, m);
        return;
      }
      const gapAfter = onMessage(m);
      if (Number.isInteger(gapAfter)) raw({ type: "resume", after: gapAfter });
    });
    ws.addEventListener("close", (e) => {
      if (e.code === TOO_BIG && e.reason) {
        // Not sent again: it would be too big again. Each command waiting hears why.
        const refused = { type: "error", message: e.reason };
        if (pending.size === 0) onAnswer("", refused);
        for (const [, command] of pending) onAnswer(command.what, refused);
        pending.clear();
      }
      if (e.code === GONE) {
        for (const [, command] of pending) onAnswer(command.what, null);
        pending.clear();
        onState("gone");
        return;
      }
      const wait = retryPause(retries, random);
      retries = Math.min(retries + 1, 5);
      onState("retry", Math.ceil(wait / 1000));
      schedule(connect, wait);
    });
  }

  function isOpen() {
    return ws !== null && ws.readyState === WebSocket.OPEN;
  }

  function raw(message) {
    if (isOpen()) ws.send(JSON.stringify(message));
  }

  // A command: false when not connected (nothing was sent), else its ref.
  function send(message, what) {
    if (!isOpen()) return false;
    const ref = String(++refs);
    const command = { ...message, ref, client_id: newId() };
    pending.set(ref, { message: command, what });
    ws.send(JSON.stringify(command));
    return ref;
  }

  connect();
  return { send, raw, isOpen };
}
