// Live sessions: the teacher's page sends its state to a room; students' pages follow it.

const RETRY_MS = 1500;

/** A WebSocket to a room that reconnects by itself; `onState(query, role)` for every state received. */
export function joinRoom(code, token, { onState, onError, onStatus }) {
  let socket = null;
  let closed = false;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = token ? `?token=${encodeURIComponent(token)}` : "";
    socket = new WebSocket(`${scheme}://${location.host}/ws/rooms/${code}${query}`);
    socket.addEventListener("open", () => onStatus("connected"));
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "state") onState(message.state, message.role);
      else if (message.type === "error") onError(message.message);
    });
    socket.addEventListener("close", (event) => {
      if (closed) return;
      if (event.code === 4404) { onError("This live session has ended."); return; }
      onStatus("reconnecting");
      setTimeout(open, RETRY_MS);
    });
  };
  open();
  return {
    send(query) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "state", state: query }));
    },
    close() { closed = true; socket?.close(); },
  };
}
