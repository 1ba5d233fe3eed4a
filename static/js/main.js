// The lab page: the one module that touches DOM ids. It owns the state and wires the other modules.

import katex from "../vendor/katex/katex.mjs";
import Panzoom from "../vendor/panzoom/panzoom.es.js";
import { fetchStep, fetchTrace } from "./api.js";
import { drawInputs, paintLines } from "./editor.js";
import { GraphView } from "./graph.js";
import { createInspector } from "./inspector.js";
import { wireSharing } from "./sharing.js";
import { decode, encode } from "./state.js";
import { createClassroom } from "./classroom.js";
import { createLive } from "./live.js";
import { createTrainer } from "./trainer.js";
import { stepSentence, stepTex } from "./stepmath.js";
import { backwardStart, frameAt, passAt } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const SPEEDS = { "0.25": 3200, "0.5": 1600, "1": 800, "2": 400, "4": 200, "16": 50 };
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");

/** All user-visible state in one object; state.js maps the shareable part to and from the URL. */
const state = {
  response: null, position: 0, playing: false, speed: "1", selected: null, values: {}, folded: null,
  theme: null, view: null, mode: "lab", preset: null, source: null, train: null, lr: null, momentum: null,
  training: null,
  live: null,  // { role, code, connection, detached, latest } during a live session
  notes: null, quiz: false,
};
const systemTheme = () => localStorage.getItem("theme") ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");

let graph;
let panzoom;
// (function declarations are hoisted: the trainer can be given them before they appear)
const trainer = createTrainer({ $, state, runProgram, go, stop, play });
const live = createLive({ $, state, setStatus: (text) => setStatus(text), shareableQuery: () => shareableQuery(),
  runProgram, stop, go });
const classroom = createClassroom({ $, state, go: (position) => { stop(); go(position); }, refresh: () => showFrame() });
const inspector = createInspector($("inspector"), (index) => fetchStep(state.response.source, state.values, index));
let timer = null;
let pending = null;

function applyTheme() {
  const theme = state.theme ?? systemTheme();
  document.documentElement.dataset.theme = theme;
  $("theme").setAttribute("aria-pressed", String(theme === "dark"));
  $("theme").textContent = theme === "dark" ? "Light theme" : "Dark theme";
}

function applyMode() {
  document.documentElement.dataset.mode = state.mode;
  $("present").setAttribute("aria-pressed", String(state.mode === "present"));
}

let urlTimer = null;

/** Write the state into the address bar: replace for steps and small changes, push for a new program.
 * Replacements wait for a quiet quarter second: the browser throttles rapid history updates, and
 * encoding a long program on every step of a fast playback would cost frames. */
function syncUrl(push = false) {
  clearTimeout(urlTimer);
  if (push) writeUrl(true);
  else urlTimer = setTimeout(() => writeUrl(false), 250);
}

/** The state as a URL query: the preset's name while its program is unchanged, else the program. */
function shareableQuery() {
  const presetSource = $("preset").selectedOptions[0]?.dataset.source;
  return encode({ ...state, source: state.preset && $("source").value === presetSource ? null : $("source").value });
}

function writeUrl(push) {
  if (state.live?.role === "student") return;  // a follower's address stays the room's link
  const path = location.pathname === "/embed" ? "/embed" : "/";
  const url = `${path}?${shareableQuery()}`;
  if (url === `${location.pathname}${location.search}`) return;
  history[push ? "pushState" : "replaceState"](null, "", url);
}

function notify(lines) {
  $("notice").hidden = lines.length === 0;
  $("notice").textContent = lines.join(" ");
}

/** Run the program in the editor (structure may change: the layout is redrawn). */
async function runProgram({ keepPosition = false } = {}) {
  pending?.abort();
  pending = new AbortController();
  setStatus("Running…");
  try {
    const presetSource = $("preset").selectedOptions[0]?.dataset.source;
    const preset = state.preset && $("source").value === presetSource ? state.preset : null;
    const response = await fetchTrace($("source").value, state.values, state.folded, pending.signal, preset);
    showResponse(response, keepPosition);
    setError(null);
    syncUrl(!keepPosition);
  } catch (error) {
    if (error.name === "AbortError") return;
    setError(error);
  }
}

function showResponse(response, keepPosition) {
  $("graph-message").hidden = true;
  classroom.forget();
  const sameLayout = state.response && state.response.layout.key === response.layout.key;
  state.response = response;
  if (response.view.folded.length || state.folded !== null) state.folded = response.view.folded;
  const steps = response.trace.steps.length;
  state.position = keepPosition ? Math.min(state.position, steps) : 0;
  if (sameLayout && keepPosition) {
    graph.replaceTrace(response.trace);
  } else {
    graph.render(response);
    if (!sameLayout) fitGraph();
    updateScale();
  }
  $("tensor-legend").hidden = !Object.values(response.view.items).some((item) => item.kind === "tensor");
  if (!keepPosition) renderInputs(response.inputs);
  $("fold").hidden = response.view.groups.length === 0;
  showFrame();
}

function setStatus(text) {
  $("status").textContent = text;
}

function setError(error) {
  const box = $("error");
  if (!error) {
    box.hidden = true;
    box.textContent = "";
    highlightLines(null);
    return;
  }
  box.hidden = false;
  if (SERVER_TROUBLE.has(error.kind)) {  // not the program's fault: no line to point at
    box.textContent = `The server could not finish this: ${error.message}`;
    highlightLines(null);
    setStatus("The server could not finish the graph.");
    return;
  }
  box.textContent = `Line ${error.line}, column ${error.column}: ${error.message}`;
  highlightLines({ line: error.line, end_line: error.line }, "error-line");
  setStatus("The program has an error.");
}

/** Error kinds that say something about the server or the request's size, not a place in the program. */
const SERVER_TROUBLE = new Set(["layout-failed", "busy", "over-budget", "network", "http", "too-many-requests",
  "unavailable", "timeout"]);

/** Show the frame at state.position: graph, step panel, counter, source line. */
function showFrame() {
  const { trace } = state.response;
  const frame = frameAt(trace, state.position);
  const step = frame.current;
  const hidden = classroom.showQuiz(step);
  graph.update(frame, state.selected, hidden ? step.input : null);
  if (!hidden) inspector.show(trace, frame, state.selected);
  const total = trace.steps.length;
  const pass = passAt(trace, state.position);
  $("counter").textContent = state.position === 0
    ? `Ready: ${total} steps (${backwardStart(trace)} forward, ${total - backwardStart(trace)} backward)`
    : `Step ${state.position} of ${total} · ${pass} pass`;
  $("slider").max = String(total);
  $("slider").value = String(state.position);
  if (!step) {
    typesetLater(null);
    $("sentence").textContent = "Press → or Play to run the forward pass.";
    highlightLines(null);
  } else {
    typesetLater(stepTex(trace, step, frame, hidden));
    $("sentence").textContent = hidden
      ? "Quiz: what does this edge contribute to the gradient? Type your answer and press Check."
      : state.response.narration?.[state.position - 1] ?? stepSentence(trace, step, frame);
    highlightLines(trace.nodes[step.pass === "forward" || step.seed ? step.node : step.input].span);
  }
  classroom.show();
  $("play").textContent = state.playing ? "Pause" : "Play";
  $("play").setAttribute("aria-pressed", String(state.playing));
  setStatus(state.playing ? "Playing" : "");
  if (!state.playing) syncUrl();
  if (state.live?.role === "teacher") state.live.connection.send(shareableQuery());
}

let typesetPending = null;

/** Typeset the formula on the next animation frame, so the graph's update paints first and a
 * large graph still moves one step per frame; only the latest formula is ever typeset. */
function typesetLater(tex) {
  const first = typesetPending === null;
  typesetPending = tex ?? "";
  if (!first) return;
  requestAnimationFrame(() => {
    const latest = typesetPending;
    typesetPending = null;
    // Inline mode with display-style fractions: KaTeX may break a long formula after + and =, so a
    // sum of many contributions wraps in the pane instead of running off its edge.
    if (latest) katex.render(`\\displaystyle ${latest}`, $("math"), { throwOnError: false, displayMode: false });
    else $("math").replaceChildren();
  });
}

function go(position) {
  if (!state.response) return;
  const total = state.response.trace.steps.length;
  state.position = Math.max(0, Math.min(total, position));
  if (state.position === total) stop();
  showFrame();
  if (state.position === total) trainer.reachedEnd();
}

function play() {
  if (!state.response) return;
  if (state.position >= state.response.trace.steps.length) state.position = 0;
  state.playing = true;
  tick();
}

function tick() {
  clearTimeout(timer);
  if (!state.playing) return;
  go(state.position + 1);
  if (state.playing) timer = setTimeout(tick, reducedMotion.matches ? Math.max(SPEEDS[state.speed], 400) : SPEEDS[state.speed]);
}

function stop() {
  if (state.playing && state.position < (state.response?.trace.steps.length ?? 0)) trainer.cancelUpdate();
  state.playing = false;
  clearTimeout(timer);
}

function togglePlay() {
  if (state.playing) {
    stop();
    showFrame();
  } else {
    play();
  }
}

function highlightLines(span, cls = "current-line") {
  paintLines($("backdrop"), $("source"), span, cls);
}

function renderInputs(inputs) {
  drawInputs($("inputs"), inputs, (name, value) => {
    state.values[name] = value;
    runProgram({ keepPosition: true });
  }, (name) => trainer.trainedNames().includes(name), (name, ticked) => {
    const names = new Set(trainer.trainedNames());
    if (ticked) names.add(name); else names.delete(name);
    state.train = [...names];
    syncUrl();
  });
}

/** Back to the whole graph: the SVG's viewBox already fits it, so undo any pan and zoom. */
function fitGraph() {
  panzoom.reset({ animate: false });
  state.view = null;
  updateScale();
}

/** Tell the graph how many screen pixels a layout unit now takes, for its level of detail. */
function updateScale() {
  const svg = $("graph");
  const box = svg.viewBox.baseVal;
  if (!box || !box.width || !svg.clientWidth) return;
  graph.setScale(Math.min(svg.clientWidth / box.width, svg.clientHeight / box.height) * panzoom.getScale());
}

function onKey(event) {
  const target = event.target;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement) return;
  const trace = state.response?.trace;
  if (!trace) return;
  const actions = {
    ArrowRight: () => { stop(); go(state.position + 1); },
    ArrowLeft: () => { stop(); go(state.position - 1); },
    PageDown: () => { stop(); go(state.position + 1); },
    PageUp: () => { stop(); go(state.position - 1); },
    " ": togglePlay,
    Home: () => { stop(); go(0); },
    End: () => { stop(); go(trace.steps.length); },
    b: () => { stop(); go(backwardStart(trace) + 1); },
    p: togglePresent,
    d: live.toggleDetached,
    "]": classroom.next,
    "[": classroom.previous,
    q: classroom.toggleQuiz,
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
}

function wire() {
  graph = new GraphView($("graph"), {
    onSelect: (id) => { state.selected = id; showFrame(); },
    onUnfold: (group) => { state.folded = (state.folded ?? []).filter((g) => g !== group && !g.startsWith(`${group}/`)); runProgram({ keepPosition: true }); },
  });
  panzoom = Panzoom($("stage"), { maxScale: 8, minScale: 0.2, canvas: true });
  $("viewport").addEventListener("wheel", (event) => { event.preventDefault(); panzoom.zoomWithWheel(event); }, { passive: false });
  // Clicking the graph takes the keyboard focus from the editor or a slider, so ← → step again.
  $("viewport").addEventListener("pointerdown", () => $("viewport").focus({ preventScroll: true }));
  $("fit").addEventListener("click", fitGraph);
  $("zoom-in").addEventListener("click", () => panzoom.zoomIn());
  $("zoom-out").addEventListener("click", () => panzoom.zoomOut());
  $("fold").addEventListener("click", () => {
    state.folded = state.response.view.groups.filter((group) => !group.includes("/"));
    runProgram({ keepPosition: true });
  });
  $("run").addEventListener("click", () => {
    Object.assign(state, { values: {}, folded: null, selected: null, view: null });
    const presetSource = $("preset").selectedOptions[0]?.dataset.source;
    if ($("source").value !== presetSource) { state.preset = null; $("preset").value = ""; $("summary").textContent = ""; }
    stop();
    runProgram();
  });
  $("play").addEventListener("click", togglePlay);
  $("back").addEventListener("click", () => { stop(); go(state.position - 1); });
  $("forward").addEventListener("click", () => { stop(); go(state.position + 1); });
  $("to-start").addEventListener("click", () => { stop(); go(0); });
  $("to-backward").addEventListener("click", () => { stop(); go(backwardStart(state.response.trace) + 1); });
  $("to-end").addEventListener("click", () => { stop(); go(state.response.trace.steps.length); });
  $("slider").addEventListener("input", () => { stop(); go(Number($("slider").value)); });
  $("speed").addEventListener("change", () => { state.speed = $("speed").value; });
  $("theme").addEventListener("click", () => {
    state.theme = (state.theme ?? systemTheme()) === "dark" ? "light" : "dark";
    localStorage.setItem("theme", state.theme);
    applyTheme();
    syncUrl();
  });
  $("preset").addEventListener("change", () => {
    const option = $("preset").selectedOptions[0];
    if (!option.dataset.source) return;
    $("source").value = option.dataset.source;
    Object.assign(state, { preset: option.value, values: {}, folded: null, selected: null, view: null, train: null,
      lr: null, momentum: null });
    trainer.applyTrainSettings(JSON.parse(option.dataset.train || "{}"));
    stop();
    runProgram();
  });
  $("source").addEventListener("scroll", () => { $("backdrop").scrollTop = $("source").scrollTop; });
  $("source").addEventListener("input", () => highlightLines(null));
  $("source").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); $("run").click(); }
  });
  $("stage").addEventListener("panzoomend", rememberView);
  $("stage").addEventListener("panzoomchange", updateScale);
  new ResizeObserver(updateScale).observe($("graph"));
  $("viewport").addEventListener("wheel", () => { clearTimeout(viewTimer); viewTimer = setTimeout(rememberView, 300); });
  $("present").addEventListener("click", togglePresent);
  wireSharing({ $, state, setStatus });
  $("live").addEventListener("click", live.goLive);
  $("end-live").addEventListener("click", live.endLive);
  $("tour-next").addEventListener("click", classroom.next);
  $("tour-prev").addEventListener("click", classroom.previous);
  $("quiz").addEventListener("click", classroom.toggleQuiz);
  $("quiz-check").addEventListener("click", classroom.check);
  $("quiz-guess").addEventListener("keydown", (event) => { if (event.key === "Enter") classroom.check(); });
  $("my-note").addEventListener("change", classroom.saveNote);
  $("update-step").addEventListener("click", trainer.updateStep);
  $("train").addEventListener("click", trainer.trainSteps);
  $("train-scrub").addEventListener("input", () => trainer.showTrainingStep(Number($("train-scrub").value)));
  $("gradcheck").addEventListener("click", trainer.gradientCheck);
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", () => location.reload());
  start(JSON.parse($("initial").textContent));
}

let viewTimer = null;

/** Remember the pan and zoom in the state (and so in the URL). */
function rememberView() {
  const { x, y } = panzoom.getPan();
  const scale = panzoom.getScale();
  state.view = Math.abs(scale - 1) < 1e-3 && Math.abs(x) < 0.5 && Math.abs(y) < 0.5 ? null : [scale, x, y];
  syncUrl();
}

function togglePresent() {
  state.mode = state.mode === "present" ? "lab" : "present";
  applyMode();
  syncUrl();
}

/** Open the page as the server prepared it: the URL's state, its first trace (or error), its notices. */
function start(initial) {
  const { state: decoded, notices } = decode(initial.query);
  const served = document.documentElement.dataset.mode;  // the /embed route renders embed mode itself
  Object.assign(state, decoded, served === "embed" ? { mode: "embed" } : {});
  state.preset = initial.response || initial.error ? (decoded.source === null ? decoded.preset ?? $("preset").value : null) : null;
  applyTheme();
  applyMode();
  if (initial.room) live.follow(initial.room);
  trainer.applyTrainSettings(JSON.parse($("preset").selectedOptions[0]?.dataset.train || "{}"));
  // the server has already read (and reported on) the program's values; the rest is the browser's
  const own = notices.filter((notice) => !notice.startsWith("The link's values"));
  notify([...initial.notices, ...own]);
  if (initial.error) {
    setError(initial.error);
    $("graph-message").hidden = false;
    $("graph-message").textContent = SERVER_TROUBLE.has(initial.error.kind)
      ? "The server could not finish this link's graph; press Run to try again."
      : "The program in this link has an error; fix it in the editor and press Run.";
    return;
  }
  const position = state.position;
  showResponse(initial.response, false);
  const total = initial.response.trace.steps.length;
  if (position > total) notify([...initial.notices, ...own, `The link's step ${position} is past the end (${total}).`]);
  state.position = Math.min(position, total);
  if (state.selected !== null && !initial.response.trace.nodes[state.selected]) state.selected = null;
  showFrame();
  if (state.view) {
    const [scale, x, y] = state.view;
    panzoom.zoom(scale, { animate: false });
    setTimeout(() => panzoom.pan(x, y, { animate: false }));
  }
}

wire();
// For tests and benchmarks: the state, and the two actions that change what is shown.
window.backpropLab = { state, run: runProgram, go };
