// network-live.js: a dropped socket is tried again with a growing wait; one the server closed on purpose
// (idle or busy) waits for the person's next action.

import assert from "node:assert/strict";
import { mock, test } from "node:test";

class FakeSocket extends EventTarget {
  static made = [];
  static OPEN = 1;
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.made.push(this);
  }
  send(text) { this.sent.push(text); }
  close() {}
  opened() { this.readyState = FakeSocket.OPEN; this.dispatchEvent(new Event("open")); }
  dropped(code, reason = "") {
    this.readyState = 3;
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason }));
  }
}

globalThis.WebSocket = FakeSocket;
globalThis.location = { protocol: "http:", host: "lab.test" };
globalThis.document = new EventTarget();
const { connectLive } = await import("../../static/js/network-live.js");

function connect() {
  FakeSocket.made = [];
  const closes = [];
  const live = connectLive({ onMessage: () => {}, onOpen: () => {}, onClose: (event) => closes.push(event) });
  return { live, closes };
}

test("a dropped connection is tried again, each wait longer than the last", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  const { live, closes } = connect();
  assert.equal(FakeSocket.made[0].url, "ws://lab.test/api/network/live");
  FakeSocket.made[0].dropped(1006);
  mock.timers.tick(1499);
  assert.equal(FakeSocket.made.length, 1);
  mock.timers.tick(1);
  assert.equal(FakeSocket.made.length, 2);
  FakeSocket.made[1].dropped(1006);
  mock.timers.tick(1500);
  assert.equal(FakeSocket.made.length, 2);  // the second wait is twice the first
  mock.timers.tick(1500);
  assert.equal(FakeSocket.made.length, 3);
  assert.deepEqual(closes.map((c) => c.resting), [false, false]);
  live.close();
  mock.timers.reset();
});

test("an idle or busy close waits for the person: their next message opens the socket again", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  for (const code of [1000, 1013]) {
    const { live, closes } = connect();
    FakeSocket.made[0].opened();
    FakeSocket.made[0].dropped(code, "idle: reconnect to train again");
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.made.length, 1, `code ${code}`);
    assert.equal(closes[0].resting, true);
    live.send({ type: "play" });
    assert.equal(FakeSocket.made.length, 2);
    live.close();
  }
  mock.timers.reset();
});
