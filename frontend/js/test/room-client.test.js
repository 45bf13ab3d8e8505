// The live-room connection: each connection asks for what came after the last number the page
// has, a gap is asked for again, a command's answer is matched to it (sent again with its id
// after a reconnect when the connection dropped first; reported lost when the room is gone),
// pauses between tries grow and reset, and a room that is gone is not tried again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GONE, TOO_BIG, clientId, numbering, openRoom, retryPause, take } from "../src/room-client.js";

class FakeSocket {
  static OPEN = 1;
  static made = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.listeners = {};
    FakeSocket.made.push(this);
  }
  addEventListener(type, fn) {
    (this.listeners[type] ??= []).push(fn);
  }
  emit(type, event = {}) {
    for (const fn of this.listeners[type] ?? []) fn(event);
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.emit("open");
  }
  receive(message) {
    this.emit("message", { data: JSON.stringify(message) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.emit("close", { code });
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
}

function room(overrides = {}) {
  FakeSocket.made = [];
  const numbers = numbering();
  const log = { states: [], answers: [], messages: [], scheduled: [] };
  const handle = openRoom({
    path: "/ws/halls/7/",
    lastSeq: () => numbers.last,
    onMessage: (m) => {
      log.messages.push(m);
      return m.type === "event" ? take(numbers, m.seq).gapAfter : null;
    },
    onState: (state, detail) => log.states.push(detail ? `${state} ${detail}` : state),
    onAnswer: (what, reply) => log.answers.push([what, reply && reply.type]),
    location: { protocol: "https:", host: "kaibiao.example" },
    WebSocket: FakeSocket,
    schedule: (fn, ms) => log.scheduled.push([fn, ms]),
    random: () => 0.5,
    ...overrides,
  });
  return { handle, log, numbers };
}

test("each_connection_asks_for_the_events_after_the_last_number_the_page_has", () => {
  const { log } = room();
  const [first] = FakeSocket.made;
  assert.equal(first.url, "wss://kaibiao.example/ws/halls/7/?after=0");
  first.open();
  first.receive({ type: "event", seq: 1, kind: "hall_opened" });
  first.receive({ type: "event", seq: 2, kind: "bidding_closed" });
  first.drop();
  assert.deepEqual(log.states, ["connecting", "open", "retry 1"]);
  const [reconnect, pause] = log.scheduled[0];
  assert.equal(pause, 1000);
  reconnect();
  assert.equal(FakeSocket.made[1].url, "wss://kaibiao.example/ws/halls/7/?after=2");
});

test("a_gap_in_the_numbers_is_asked_for_again_and_a_repeat_is_not", () => {
  room();
  const [socket] = FakeSocket.made;
  socket.open();
  socket.receive({ type: "event", seq: 1 });
  socket.receive({ type: "event", seq: 4 });
  socket.receive({ type: "event", seq: 4 });
  assert.deepEqual(socket.sent, [{ type: "resume", after: 1 }]);
});

test("a_command_s_answer_is_matched_and_one_unanswered_is_sent_again_with_its_id_after_a_reconnect", () => {
  let ids = 0;
  const { handle, log } = room({ newId: () => `id-${++ids}` });
  const [socket] = FakeSocket.made;
  assert.equal(handle.send({ type: "confirm" }, "确认"), false); // not open yet: nothing sent
  assert.deepEqual(socket.sent, []);
  socket.open();
  const first = handle.send({ type: "confirm" }, "确认");
  const second = handle.send({ type: "object", question: "?" }, "异议");
  assert.deepEqual(socket.sent, [{ type: "confirm", ref: first, client_id: "id-1" },
    { type: "object", question: "?", ref: second, client_id: "id-2" }]);
  socket.receive({ type: "error", ref: first, command: "confirm", message: "不在确认时间内" });
  socket.drop(); // the objection's answer never came: not reported lost, kept
  assert.deepEqual(log.answers, [["确认", "error"]]);
  log.scheduled[0][0]();
  const again = FakeSocket.made[1];
  assert.deepEqual(again.sent, []);
  again.open(); // the same objection, with the same id: the server takes it once
  assert.deepEqual(again.sent, [{ type: "object", question: "?", ref: second, client_id: "id-2" }]);
  again.receive({ type: "ok", ref: second, command: "object" });
  again.drop();
  log.scheduled[1][0]();
  FakeSocket.made[2].open();
  assert.deepEqual(FakeSocket.made[2].sent, []); // answered: not sent a third time
  assert.deepEqual(log.answers, [["确认", "error"], ["异议", "ok"]]);
});

test("each_action_has_an_id_of_its_own", () => {
  const ids = new Set(Array.from({ length: 100 }, () => clientId()));
  assert.equal(ids.size, 100);
  assert.ok([...ids].every((id) => id.length > 0 && id.length <= 64));
  assert.match(clientId({ getRandomValues: (a) => a.fill(171) }), /^(ab){16}$/);
});

test("a_command_unanswered_when_the_room_is_gone_is_reported_lost", () => {
  const { handle, log } = room();
  FakeSocket.made[0].open();
  handle.send({ type: "confirm" }, "确认");
  FakeSocket.made[0].drop(GONE);
  assert.deepEqual(log.answers, [["确认", null]]);
});

test("pauses_between_tries_grow_to_thirty_seconds_and_reset_once_connected", () => {
  assert.deepEqual([0, 1, 2, 5, 9].map((n) => retryPause(n, () => 0.5)), [1000, 2000, 4000, 30000, 30000]);
  const { log } = room();
  FakeSocket.made[0].drop();
  log.scheduled.at(-1)[0]();
  FakeSocket.made[1].drop();
  assert.deepEqual(log.scheduled.map(([, ms]) => ms), [1000, 2000]);
  log.scheduled.at(-1)[0]();
  FakeSocket.made[2].open();
  FakeSocket.made[2].drop();
  assert.equal(log.scheduled.at(-1)[1], 1000);
});

test("a_room_that_is_gone_is_not_tried_again", () => {
  const { log } = room();
  FakeSocket.made[0].drop(GONE);
  assert.deepEqual(log.states, ["connecting", "gone"]);
  assert.deepEqual(log.scheduled, []);
});

test("a_message_too_big_for_the_server_is_answered_with_the_server_s_reason_and_the_room_is_tried_again", () => {
  const answers = [];
  const { handle, log } = room({ onAnswer: (what, reply) => answers.push([what, reply]) });
  const [socket] = FakeSocket.made;
  socket.open();
  handle.send({ type: "object", question: "x".repeat(10) }, "异议");
  socket.readyState = 3;
  socket.emit("close", { code: TOO_BIG, reason: "消息过大：最多 1024 KiB。" });
  assert.deepEqual(answers, [["异议", { type: "error", message: "消息过大：最多 1024 KiB。" }]]);
  assert.equal(log.states.at(-1), "retry 1");
});
