// Live sessions: the teacher's page sends its state to a room; students' pages follow it.

import { createRoom } from "./api.js";
import { decode } from "./state.js";

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
      else if (message.type === "error" || message.type === "ended") onError(message.message);
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
    end() {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "end" }));
    },
    close() { closed = true; socket?.close(); },
  };
}

/** The page's live-session behaviour: going live as the teacher, following as a student. */
export function createLive({ $, state, setStatus, shareableQuery, runProgram, stop, go }) {
  /** Start a live session: a room code, a link and a QR code for the class; every step is then sent. */
  async function goLive() {
    try {
      const room = await createRoom(shareableQuery());
      const connection = joinRoom(room.code, room.token, {
        onState: () => {}, onError: (message) => setStatus(message),
        onStatus: (status) => setStatus(status === "connected" ? "Live: students follow every step." : "Reconnecting…"),
      });
      state.live = { role: "teacher", code: room.code, connection };
      $("live-code").textContent = room.code;
      $("live-link").href = room.url;
      $("live-link").textContent = new URL(room.url, location.href).href;
      $("live-qr").src = room.qr;
      $("live-box").hidden = false;
      $("live").disabled = true;
    } catch (error) {
      setStatus(`Could not go live: ${error.message}`);
    }
  }

  /** End the live session: every student's page is told, and the room code stops working. */
  function endLive() {
    if (state.live?.role !== "teacher") return;
    state.live.connection.end();
    $("live-box").hidden = true;
    $("live").disabled = false;
    setStatus(`Room ${state.live.code} has ended.`);
    state.live = null;
  }

  /** Follow a teacher's room: apply every state it sends, unless the student has stepped away (D). */
  function follow(code) {
    state.live = { role: "student", code, detached: false, latest: null };
    state.live.connection = joinRoom(code, null, {
      onState: (query) => {
        state.live.latest = query;
        if (!state.live.detached) applyQuery(query);
      },
      onError: (message) => showFollow(message),
      onStatus: (status) => showFollow(status === "connected" ? null : "Reconnecting to the teacher…"),
    });
    showFollow(null);
  }

  function toggleDetached() {
    if (state.live?.role !== "student") return;
    state.live.detached = !state.live.detached;
    if (!state.live.detached && state.live.latest) applyQuery(state.live.latest);
    showFollow(null);
  }

  function showFollow(message) {
    const live = state.live;
    $("follow-box").hidden = false;
    $("follow-box").textContent = message ?? (live.detached
      ? `Exploring on your own (room ${live.code}). Press D to follow the teacher again.`
      : `Following the teacher (room ${live.code}). Press D to explore on your own.`);
  }

  /** Show the state a URL query describes: rerun the program if it changed, else just move the frame. */
  async function applyQuery(query) {
    const { state: next } = decode(query);
    const option = [...$("preset").options].find((o) => o.value === next.preset);
    const source = next.source ?? option?.dataset.source ?? $("source").value;
    const programChanged = source !== $("source").value || JSON.stringify(next.values) !== JSON.stringify(state.values)
      || JSON.stringify(next.folded) !== JSON.stringify(state.folded);
    Object.assign(state, { selected: next.selected, theme: next.theme ?? state.theme });
    if (programChanged) {
      $("source").value = source;
      if (option) $("preset").value = option.value;
      Object.assign(state, { values: next.values, folded: next.folded, preset: next.source === null ? next.preset : null });
      await runProgram();
    }
    stop();
    go(next.position);
  }

  return { goLive, endLive, follow, toggleDetached };
}
