// The network page's WebSocket to the live trainer (/api/network/live, same origin): JSON messages both
// ways; it reconnects by itself, and says when it is open again (the page then configures anew).

const RETRY_MS = 1500;

/** The live trainer's socket: `onMessage(message)` for each message the server sends, `onOpen()` each time
 * it (re)connects, `onClose()` when it drops. `send(message)` is ignored while it is closed. */
export function connectLive({ onMessage, onOpen, onClose }) {
  let socket = null;
  let closed = false;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/network/live`);
    socket.addEventListener("open", onOpen);
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      if (closed) return;
      onClose();
      setTimeout(open, RETRY_MS);
    });
  };
  open();
  return {
    send(message) {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
    close() { closed = true; socket?.close(); },
  };
}
