// Live sessions: the teacher's page sends its state to a room; students' pages follow it.
//
// The teacher's room (code, token, links) is kept in sessionStorage, so a reload or a duplicated tab
// drives the same room. A student's page takes the room's trace from the room itself (one computation
// for the whole class; in quiz mode without the numbers the class is asked for).

import { createRoom, roomTrace } from "./api.js";
import { decode } from "./state.js";

const RETRY_MS = 1500;
const KEY = "backprop-room";

/** A WebSocket to a room that reconnects by itself. `onMessage(message)` for each message;
 * `onStatus("connected" | "reconnecting" | "ended")`. */
export function joinRoom(code, token, { onMessage, onStatus }) {
  let socket = null;
  let closed = false;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = token ? `?token=${encodeURIComponent(token)}` : "";
    socket = new WebSocket(`${scheme}://${location.host}/ws/rooms/${code}${query}`);
    socket.addEventListener("open", () => onStatus("connected"));
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (closed) return;
      if (event.code === 4404) { closed = true; onStatus("ended"); return; }
      onStatus("reconnecting");
      setTimeout(open, RETRY_MS);
    });
  };
  open();
  const send = (message) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  return {
    send: (query) => send({ type: "state", state: query }),
    presence: (away) => send({ type: "presence", away }),
    end: () => send({ type: "end" }),
    close() { closed = true; socket?.close(); },
  };
}

/** The teacher's room kept for this tab, or null. */
function storedRoom() {
  try {
    const room = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    return room && typeof room.code === "string" && typeof room.token === "string" ? room : null;
  } catch {
    return null;
  }
}

/** The page's live-session behaviour: going live as the teacher, following as a student.
 * `show(response)` puts a room's trace on the page; `shareableQuery()` is the teacher's state. */
export function createLive({ $, state, setStatus, shareableQuery, show, stop, go }) {
  /** Start a live session: a room code, a link and a QR code for the class; every step is then sent. */
  async function goLive() {
    try {
      const room = await createRoom(shareableQuery());
      sessionStorage.setItem(KEY, JSON.stringify(room));
      drive(room);
    } catch (error) {
      setStatus(`Could not go live: ${error.message}`);
    }
  }

  /** Drive a room as its teacher: show its code, links and QR code, and send every frame. */
  function drive(room) {
    const connection = joinRoom(room.code, room.token, {
      onMessage: (message) => {
        if (message.type === "presence") showCount(message);
        else if (message.type === "state" && message.role !== "teacher") forget("This tab's room token is no longer valid.");
        else if (message.type === "error") setStatus(message.message);
      },
      onStatus: (status) => {
        if (status === "ended") { forget(`Room ${room.code} has ended.`); return; }
        setStatus(status === "connected" ? "Live: students follow every step." : "Reconnecting to the room…");
        if (status === "connected") connection.send(shareableQuery());
      },
    });
    state.live = { role: "teacher", code: room.code, connection };
    $("live-code").textContent = room.code;
    $("live-count").textContent = "";
    const links = room.links?.length ? room.links : [{ url: new URL(room.url, location.href).href, kind: "page" }];
    $("live-links").replaceChildren(...links.map((link, index) =>
      Object.assign(document.createElement("option"), { value: String(index), textContent: link.url })));
    $("live-choice").hidden = links.length < 2;
    $("live-links").onchange = () => showLink(room, links, Number($("live-links").value));
    showLink(room, links, 0);
    $("live-warning").hidden = !room.warning;
    $("live-warning").textContent = room.warning ?? "";
    $("live-fold").onclick = () => fold(room, !room.folded);
    fold(room, Boolean(room.folded));
    $("live-box").hidden = false;
    $("live").disabled = true;
  }

  /** Fold the room's box to one line (code, count, buttons) or unfold it (QR code, links); kept for the tab. */
  function fold(room, folded) {
    room.folded = folded;
    sessionStorage.setItem(KEY, JSON.stringify(room));
    $("live-box").classList.toggle("folded", folded);
    $("live-fold").setAttribute("aria-expanded", String(!folded));
    $("live-fold").textContent = folded ? "Show the QR code" : "Hide the QR code";
  }

  function showLink(room, links, index) {
    $("live-link").href = links[index].url;
    $("live-link").textContent = links[index].url;
    $("live-qr").src = `${room.qr}${index ? `?link=${index}` : ""}`;
  }

  function showCount({ following, away }) {
    const students = (n) => `${n} student${n === 1 ? "" : "s"}`;
    $("live-count").textContent = `${students(following)} following${away ? `, ${away} stepped away` : ""}`;
  }

  /** End the live session: every student's page is told, and the room code stops working. */
  function endLive() {
    if (state.live?.role !== "teacher") return;
    state.live.connection.end();
    forget(`Room ${state.live.code} has ended.`);
  }

  function forget(message) {
    if (state.live?.role === "teacher") state.live.connection.close();
    sessionStorage.removeItem(KEY);
    $("live-box").hidden = true;
    $("live").disabled = false;
    state.live = null;
    setStatus(message);
  }

  /** After a reload (or in a duplicated tab): drive the room this tab started, if it still runs.
   * True when there was one to resume. */
  function resume(code = null) {
    const room = storedRoom();
    if (!room || (code !== null && room.code !== code)) return false;
    drive(room);
    return true;
  }

  /** Follow a teacher's room: apply every state it sends, unless the student has stepped away.
   * `program` is the room's state the page opened on. */
  function follow(code, program) {
    state.live = { role: "student", code, detached: false, latest: null, pending: 0, program };
    state.live.connection = joinRoom(code, null, {
      onMessage: (message) => {
        if (message.type === "state") {
          state.live.latest = message.state;
          if (!state.live.detached) applyQuery(message.state);
        } else if (message.type === "ended") {
          finish("The teacher has ended this live session: the page is yours now.");
        } else if (message.type === "error") {
          showFollow(message.message);
        }
      },
      onStatus: (status) => {
        if (status === "ended") { finish("This live session has ended: the page is yours now."); return; }
        if (status === "connected" && state.live.detached) state.live.connection.presence(true);
        showFollow(status === "connected" ? null : "Reconnecting to the teacher…");
      },
    });
    showFollow(null);
  }

  /** Following, a student's own step detaches them from the teacher (and the banner says so). */
  function isFollowing() {
    return state.live?.role === "student" && !state.live.detached && !state.live.over;
  }

  function setDetached(detached) {
    if (state.live?.role !== "student" || state.live.over) return;
    state.live.detached = detached;
    state.live.connection.presence(detached);
    if (!detached && state.live.latest) {
      state.live.program = null;  // the page may show the student's own program now: take the room's again
      applyQuery(state.live.latest);
    }
    showFollow(null);
  }

  /** The room is over: the page stays on its last frame and is the student's. */
  function finish(message) {
    if (!state.live.over) Object.assign(state.live, { over: true, detached: true, message });
    showFollow(state.live.message);
  }

  function showFollow(message) {
    const live = state.live;
    if (live.over) message = live.message;
    document.documentElement.dataset.follow = live.detached ? "detached" : "following";
    $("follow-box").hidden = false;
    $("follow-box").toggleAttribute("data-detached", live.detached);
    $("follow-text").textContent = message ?? (live.detached
      ? `You stepped away from the teacher (room ${live.code}): the steps are yours.`
      : `Following the teacher (room ${live.code}). Stepping yourself takes you away.`);
    $("follow-toggle").hidden = live.over === true;
    $("follow-toggle").textContent = live.detached ? "Follow the teacher (D)" : "Explore on my own (D)";
    $("quiz").disabled = !live.detached;
  }

  /** Whether the room's trace on this page lacks numbers the teacher's frame `next` shows: the room
   * sends each student's page its trace cut where the class has got to (app/quiz.py). */
  function lacks(next) {
    const from = state.response?.withheld?.from;
    if (from === undefined || from === null) return false;  // the whole trace is here
    const index = next.position - 1;  // the teacher's current step
    if (index !== from) return index > from;
    return !next.quiz || next.revealed.includes(next.position);  // on the cut: a question until revealed
  }

  /** Show the state a room sent: take the room's trace again when the program changed or the class got
   * further than this page's trace goes, then move to the teacher's frame. Only the latest state is applied. */
  async function applyQuery(query) {
    const ticket = ++state.live.pending;
    const { state: next } = decode(query);
    const program = (s) => JSON.stringify([s?.source, s?.preset, s?.values, s?.folded]);
    if (!state.response || program(next) !== program(state.live.program) || lacks(next)) {
      let response;
      try {
        response = await roomTrace(state.live.code);
      } catch (error) {
        if (ticket === state.live.pending) showFollow(`The teacher's graph could not be loaded: ${error.message}`);
        return;
      }
      if (ticket !== state.live.pending || state.live.detached) return;
      state.live.program = next;
      Object.assign(state, { values: next.values, folded: next.folded });
      show(response, next);
    }
    if (ticket !== state.live.pending || state.live.detached) return;
    Object.assign(state, { selected: next.selected, quiz: next.quiz, revealed: next.revealed,
      theme: next.theme ?? state.theme });
    stop();
    go(next.position);
  }

  return { goLive, endLive, resume, follow, following: isFollowing, toggleDetached: () => setDetached(!state.live?.detached),
    detach: () => setDetached(true) };
}
