// The network page's WebSocket to the live trainer (/api/network/live, same origin): JSON messages both
// ways. A dropped connection is tried again with a growing wait; one the server closed on purpose (an
// idle page, or no room for another session) waits for the person: their next action, or their return
// to the tab, opens it again (the page then configures anew).

const RETRY_MS = 1500;
const MOST_RETRY_MS = 30_000;
const ON_PURPOSE = new Set([1000, 1013]);  // the server's "idle" and "busy" closes

/** The live trainer's socket: `onMessage(message)` for each message the server sends, `onOpen()` each time
 * it (re)connects, `onClose({ code, reason, resting })` when it drops (`resting`: it waits for the person).
 * `send(message)` is dropped while it is closed, but reopens a resting socket. */
export function connectLive({ onMessage, onOpen, onClose }) {
  let socket = null;
  let closed = false;
  let resting = false;
  let wait = RETRY_MS;
  const open = () => {
    resting = false;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/network/live`);
    socket.addEventListener("open", () => { wait = RETRY_MS; onOpen(); });
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (closed) return;
      resting = ON_PURPOSE.has(event.code);
      onClose({ code: event.code, reason: event.reason, resting });
      if (resting) return;
      setTimeout(open, wait);
      wait = Math.min(2 * wait, MOST_RETRY_MS);
    });
  };
  document.addEventListener("visibilitychange", () => {
    if (resting && document.visibilityState === "visible") open();
  });
  open();
  return {
    send(message) {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
      else if (resting) open();
    },
    close() { closed = true; socket?.close(); },
  };
}
