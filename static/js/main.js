// The lab page: the one module that touches DOM ids. It owns the state and wires the other modules.

import katex from "../vendor/katex/katex.mjs";
import Panzoom from "../vendor/panzoom/panzoom.es.js";
import { fetchStep, fetchTrace } from "./api.js";
import { drawInputs, paintLines, spanText, syncInputs, writeLiterals } from "./editor.js";
import { FAR, GraphView } from "./graph.js";
import { createInspector } from "./inspector.js";
import { sharingActions } from "./sharing.js";
import { decode, encode, notice } from "./state.js";
import { createClassroom, withheld } from "./classroom.js";
import { createLive } from "./live.js";
import { createTrainer } from "./trainer.js";
import { formatNumber } from "./format.js";
import { stepTex } from "./stepmath.js";
import { backwardStart, frameAt, passAt, stepDelay } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
const NUMBERS = "text.value, text.grad";  // every number the graph draws (cells and ranges too)
const MAX_ZOOM = 8;  // the zoom's usual limit, raised for a graph whose numbers need more to read
const READABLE = 12.5;  // px: the smallest number a phone shows when a graph opens
const narrow = matchMedia("(max-width: 900px)");  // phones and tablets (lab.css): the graph need not fit at once

/** All user-visible state in one object; state.js maps the shareable part to and from the URL. */
const state = {
  response: null, position: 0, playing: false, speed: "1", selected: null, values: {}, folded: null,
  theme: null, view: null, mode: "lab", preset: null, source: null, train: null, lr: null, momentum: null,
  training: null,
  live: null,  // { role, code, connection, detached, latest } during a live session
  notes: null, quiz: false, revealed: [],
};
const systemTheme = () => localStorage.getItem("theme") ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");

let graph;
let panzoom;
// (function declarations are hoisted: the trainer can be given them before they appear)
const trainer = createTrainer({ $, state, runProgram, go, stop, play });
const live = createLive({ $, state, setStatus: (text) => setStatus(text), shareableQuery: () => shareableQuery(),
  show: (response, next) => showRoomResponse(response, next), stop, go });
const classroom = createClassroom({ $, state, go: (position) => { stop(); zoomToRead(); go(position); },
  refresh: () => showFrame() });
const inspector = createInspector($("inspector"), (index) => fetchStep(state.response.source, state.values, index));
let timer = null;
let pending = null;
let viewTimer = null;

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

/** The example's id while the editor holds its program unchanged, else null (the program is the user's). */
function unchangedPreset() {
  return state.preset && $("source").value === $("preset").selectedOptions[0]?.dataset.source ? state.preset : null;
}

/** The state as a URL query: the preset's name while its program is unchanged, else the program. */
function shareableQuery() {
  return encode({ ...state, source: unchangedPreset() ? null : $("source").value });
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
    const response = await fetchTrace($("source").value, state.values, state.folded, pending.signal, unchangedPreset());
    showResponse(response, keepPosition);
    setError(null);
    showStale(false);
    syncUrl(!keepPosition);
  } catch (error) {
    if (error.name === "AbortError") return;
    setError(error);
    showStale(Boolean(state.response));
  }
}

/** After a failed run the graph on screen belongs to the previous program: dim it and say so. */
function showStale(stale) {
  $("graph-pane").classList.toggle("stale", stale);
  $("graph-message").classList.toggle("stale", stale);
  $("graph-message").hidden = !stale;
  if (stale) $("graph-message").textContent = "This graph is the previous program's: the program in the editor did not run.";
}

function showResponse(response, keepPosition) {
  $("graph-message").hidden = true;
  // a new program or new input values: nothing of it is revealed yet (a room's longer cut of the same
  // trace keeps the quiz's answers and a student's waiting guess)
  const sameTrace = state.response?.source === response.source
    && JSON.stringify(state.response.inputs) === JSON.stringify(response.inputs);
  if (!sameTrace) classroom.forget();
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
  if (keepPosition) syncInputs($("inputs"), response.inputs);
  else renderInputs(response.inputs);
  showOverrides();
  showConsole(response.console ?? []);
  $("fold").hidden = response.view.groups.length === 0;
  showFrame();
}

/** What the program's print(...) lines show, under the editor: each line with the program line it came from. */
function showConsole(lines) {
  const box = $("console");
  box.hidden = lines.length === 0;
  box.replaceChildren(...lines.map((entry) => {
    const row = document.createElement("div");
    row.className = `console-line ${entry.kind}`;
    const where = Object.assign(document.createElement("span"), { className: "console-where", textContent: `line ${entry.line}` });
    const text = Object.assign(document.createElement("output"), { textContent: entry.text });
    row.append(where, text);
    return row;
  }));
}

/** A live room's trace (the teacher's program, as the class may see it now) on a student's page. */
function showRoomResponse(response, next) {
  $("source").value = response.source;
  const option = [...$("preset").options].find((o) => o.value && o.value === next.preset);
  state.preset = option && option.dataset.source === response.source ? option.value : null;
  $("preset").value = state.preset ?? "";
  $("summary").textContent = option && state.preset ? option.dataset.summary : "";
  showResponse(response, false);
  setError(null);
  showStale(false);
}

function setStatus(text) {
  $("status").textContent = text;
}

/** Error kinds that say something about the server or the request's size, not a place in the program. */
const SERVER_TROUBLE = new Set(["layout-failed", "busy", "over-budget", "network", "http", "too-many-requests",
  "unavailable", "timeout"]);

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

/** Show the frame at state.position: graph, step panel, counter, source line. */
function showFrame() {
  const { trace } = state.response;
  const frame = frameAt(trace, state.position);
  const step = frame.current;
  const hidden = classroom.showQuiz(step);
  $("quiz").setAttribute("aria-pressed", String(state.quiz));
  graph.update(frame, state.selected, hidden ? step.input : null);
  keepInView(!step ? trace.steps[0]?.node : step.pass === "forward" || step.seed ? step.node : step.input);
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
    $("sentence").textContent = !hidden ? state.response.narration[state.position - 1]
      : withheld(step) && !("upstream" in step) ? "The class has not reached this step yet: its numbers come when the teacher gets here."
        : "Quiz: what does this edge contribute to the gradient? Type your answer and press Check.";
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
  if (state.playing) timer = setTimeout(tick, stepDelay(state.speed, reducedMotion.matches));
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

/** The inputs whose value on screen is not the one the program's text writes: [{ name, value, written, span }]. */
function overridden() {
  const source = $("source").value;
  return (state.response?.inputs ?? []).flatMap((input) => {
    const span = state.response.trace.nodes[input.id].span;
    const written = Number(spanText(source, span));
    return input.name in state.values && typeof input.value === "number" && written !== input.value
      ? [{ name: input.name, value: input.value, written, span }] : [];
  });
}

/** Say when sliders or training hold values the program's text does not: the graph uses theirs. */
function showOverrides() {
  const changed = state.response?.source === $("source").value ? overridden() : [];
  $("overrides").hidden = changed.length === 0;
  $("overrides-text").textContent = changed.length === 0 ? "" : `The graph uses ${changed.map(({ name, value, written }) =>
    `${name} = ${formatNumber(value, 6)}${Number.isFinite(written) ? ` (the program says ${formatNumber(written, 6)})` : ""}`).join(", ")}, set by the sliders or training.`;
}

/** Write the overriding values into the program's text, so the program alone gives this graph. */
function writeValues() {
  const changed = overridden().filter((entry) => Number.isFinite(entry.written));
  if (!changed.length) return;
  $("source").value = writeLiterals($("source").value, changed);
  for (const { name } of changed) delete state.values[name];
  runEdited();
}

/** Back to the whole graph: the SVG's viewBox already fits it, so undo any pan and zoom. On a narrow
 * screen where the whole graph would make numbers smaller than READABLE px, zoom in to that size
 * instead (the frame then keeps the active node in view). */
function fitGraph() {
  panzoom.reset({ animate: false });
  state.view = null;
  const fit = fitScale();
  const smallest = smallestNumber();
  // a phone zooms in until numbers read; a wide screen too, when the whole graph would hide its numbers
  // (a network opened from the network page): showFrame then brings the active node in
  const hidden = fit * 17 < FAR;
  if (fit && smallest && fit * smallest < READABLE && (narrow.matches || hidden)) {
    allowZoom(READABLE / smallest / fit);
    panzoom.zoom(READABLE / smallest / fit, { animate: false });
  }
  updateScale();
}

/** Let the zoom reach `scale` and twice that (a large graph's numbers may need more than the usual 8×). */
function allowZoom(scale) {
  panzoom.setOptions({ maxScale: Math.max(MAX_ZOOM, 2 * scale) });
}

/** A tour stop is where the teacher points: zoom in until its numbers read (showFrame then brings its
 * node into view). */
function zoomToRead() {
  const fit = fitScale();
  const smallest = smallestNumber();
  if (fit && smallest && fit * panzoom.getScale() * smallest < READABLE) {
    allowZoom(READABLE / smallest / fit);
    panzoom.zoom(READABLE / smallest / fit, { animate: false });
    updateScale();
  }
}

/** The font size, in layout units, of the smallest kind of number this graph draws. */
function smallestNumber() {
  const classes = new Set([...$("graph").querySelectorAll(NUMBERS)].map((text) => text.getAttribute("class")));
  const sizes = [...classes].map((cls) => parseFloat(getComputedStyle($("graph").querySelector(`text[class="${cls}"]`)).fontSize));
  return sizes.length ? Math.min(...sizes) : 0;
}

/** Screen pixels per layout unit with no zoom (the viewBox fitted into the SVG element). */
function fitScale() {
  const svg = $("graph");
  const box = svg.viewBox.baseVal;
  if (!box || !box.width || !svg.clientWidth) return 0;
  return Math.min(svg.clientWidth / box.width, svg.clientHeight / box.height);
}

/** Keep node `id` in view: along each axis where the zoomed graph fits the pane it stays centred;
 * along one where it does not, the node is brought to the middle when it is not wholly in view. Worked
 * out in layout units and panzoom's target pan (never from on-screen boxes, which lag behind an animation). */
function keepInView(id, animate = !reducedMotion.matches) {
  const scale = panzoom.getScale();
  if (scale <= 1.001) return;  // the whole graph is in view
  const element = $("graph").querySelector(`.node[data-id="${id}"]`);
  const fit = fitScale();
  if (!element || !fit) return;
  const svg = $("graph");
  const view = svg.viewBox.baseVal;
  const box = element.getBBox();
  const place = element.transform.baseVal.consolidate()?.matrix ?? { e: 0, f: 0 };  // the node's translate()
  const pan = panzoom.getPan();
  // per axis: the node's centre and half size in the stage's pixels at scale 1, from the stage's centre
  const axes = [
    { now: pan.x, centre: (place.e + box.x + box.width / 2 - view.x - view.width / 2) * fit,
      half: (box.width * fit) / 2, graph: view.width * fit, pane: svg.clientWidth / scale },
    { now: pan.y, centre: (place.f + box.y + box.height / 2 - view.y - view.height / 2) * fit,
      half: (box.height * fit) / 2, graph: view.height * fit, pane: svg.clientHeight / scale },
  ];
  const [x, y] = axes.map(({ now, centre, half, graph: size, pane }) => {
    if (size <= pane) return 0;
    return Math.abs(centre + now) + half <= pane / 2 ? now : -centre;
  });
  if (x !== pan.x || y !== pan.y) panzoom.pan(x, y, { animate });
}

/** A horizontal swipe across `element` steps back (rightwards) or forward (leftwards). */
function swipeToStep(element) {
  let from = null;
  element.addEventListener("pointerdown", (event) => {
    from = event.pointerType === "mouse" ? null : { x: event.clientX, y: event.clientY };
  });
  element.addEventListener("pointerup", (event) => {
    if (!from || !state.response) return;
    const dx = event.clientX - from.x;
    const dy = event.clientY - from.y;
    from = null;
    if (Math.abs(dx) < 50 || Math.abs(dy) > Math.abs(dx) / 2) return;
    $(dx < 0 ? "forward" : "back").click();
  });
  element.addEventListener("pointercancel", () => { from = null; });
}

/** Tell the graph how many screen pixels a layout unit now takes, for its level of detail. */
function updateScale() {
  const fit = fitScale();
  if (fit) graph.setScale(fit * panzoom.getScale());
}

/** Step to `position`, stopping playback first. */
function stepTo(position) {
  stop();
  go(position);
}

/** Clear what belonged to the last program and run the editor's; a changed example becomes the user's. */
function runEdited() {
  Object.assign(state, { values: {}, folded: null, selected: null, view: null });
  if (!unchangedPreset()) {
    state.preset = null;
    $("preset").value = "";
    $("summary").textContent = "";
  }
  stop();
  runProgram();
}

function toggleTheme() {
  state.theme = (state.theme ?? systemTheme()) === "dark" ? "light" : "dark";
  localStorage.setItem("theme", state.theme);
  applyTheme();
  syncUrl();
}

function foldGroups() {
  state.folded = state.response.view.groups.filter((group) => !group.includes("/"));
  runProgram({ keepPosition: true });
}

/** Every action a button or a key starts: `id` names its button, `keys` its keys (which act only once a
 * graph is shown, and never while typing in a field). An action that `moves` the frame takes a student
 * who follows a live room away from the teacher (the banner says so). */
const ACTIONS = [
  { id: "to-start", keys: ["Home"], moves: true, run: () => stepTo(0) },
  { id: "back", keys: ["ArrowLeft", "PageUp"], moves: true, run: () => stepTo(state.position - 1) },
  { id: "forward", keys: ["ArrowRight", "PageDown"], moves: true, run: () => stepTo(state.position + 1) },
  { id: "play", keys: [" "], moves: true, run: togglePlay },
  { id: "to-backward", keys: ["b"], moves: true, run: () => stepTo(backwardStart(state.response.trace) + 1) },
  { id: "to-end", keys: ["End"], moves: true, run: () => stepTo(state.response.trace.steps.length) },
  { id: "present", keys: ["p"], run: togglePresent },
  { id: "follow-toggle", keys: ["d"], run: () => live.toggleDetached() },
  { id: "tour-next", keys: ["]"], moves: true, run: () => classroom.next() },
  { id: "tour-prev", keys: ["["], moves: true, run: () => classroom.previous() },
  { id: "quiz", keys: ["q"], run: () => { if (!live.following()) classroom.toggleQuiz(); } },
  { id: "quiz-check", run: () => classroom.check() },
  { id: "quiz-reveal", run: () => classroom.reveal() },
  { id: "run", moves: true, run: runEdited },
  { id: "write-values", moves: true, run: writeValues },
  { id: "fit", run: () => fitGraph() },
  { id: "zoom-in", run: () => panzoom.zoomIn() },
  { id: "zoom-out", run: () => panzoom.zoomOut() },
  { id: "fold", run: foldGroups },
  { id: "theme", run: toggleTheme },
  { id: "live", run: () => live.goLive() },
  { id: "end-live", run: () => live.endLive() },
  { id: "update-step", run: () => trainer.updateStep() },
  { id: "train", run: () => trainer.trainSteps() },
  { id: "gradcheck", run: () => trainer.gradientCheck() },
  ...sharingActions({ $, state, setStatus }),
];
const KEYS = new Map(ACTIONS.flatMap((action) => (action.keys ?? []).map((key) => [key, action])));

function act(action) {
  if (action.moves && live.following()) live.detach();
  action.run();
}

function onKey(event) {
  const target = event.target;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement) return;
  const action = KEYS.get(event.key);
  if (!action || !state.response) return;
  event.preventDefault();
  act(action);
}

function wire() {
  graph = new GraphView($("graph"), {
    onSelect: (id) => { state.selected = id; showFrame(); },
    onUnfold: (group) => { state.folded = (state.folded ?? []).filter((g) => g !== group && !g.startsWith(`${group}/`)); runProgram({ keepPosition: true }); },
  });
  panzoom = Panzoom($("stage"), { maxScale: MAX_ZOOM, minScale: 0.2, canvas: true });
  $("viewport").addEventListener("wheel", (event) => { event.preventDefault(); panzoom.zoomWithWheel(event); }, { passive: false });
  // Clicking the graph takes the keyboard focus from the editor or a slider, so ← → step again.
  $("viewport").addEventListener("pointerdown", () => $("viewport").focus({ preventScroll: true }));
  for (const action of ACTIONS) if (action.id) $(action.id).addEventListener("click", () => act(action));
  $("slider").addEventListener("input", () => {
    if (live.following()) live.detach();
    stepTo(Number($("slider").value));
  });
  swipeToStep($("step-pane"));
  $("speed").addEventListener("change", () => { state.speed = $("speed").value; });
  $("preset").addEventListener("change", () => {
    const option = $("preset").selectedOptions[0];
    if (!option.dataset.source) return;
    if (live.following()) live.detach();  // another example is the student's own exploring
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
  $("quiz-guess").addEventListener("keydown", (event) => { if (event.key === "Enter") classroom.check(); });
  $("my-note").addEventListener("change", classroom.saveNote);
  $("train-scrub").addEventListener("input", () => trainer.showTrainingStep(Number($("train-scrub").value)));
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", () => location.reload());
  // after panzoom's own first pan (it sets its start position on a timer), so the link's view stays
  setTimeout(() => start(JSON.parse($("initial").textContent)));
}

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
  // the example's name stays while the link's program is the example's (a short link carries both)
  const option = $("preset").selectedOptions[0];
  state.preset = option?.value && (decoded.source === null || decoded.source === option.dataset.source) ? option.value : null;
  if (!state.preset) $("preset").value = "";
  applyTheme();
  applyMode();
  if (initial.room && !live.resume(initial.room)) live.follow(initial.room, decoded);
  else if (!initial.room) live.resume();
  trainer.applyTrainSettings(JSON.parse($("preset").selectedOptions[0]?.dataset.train || "{}"));
  // the server read the fields it needs with the same table, so its notices read word for word as ours
  const linkNotices = [...new Set([...initial.notices, ...notices])];
  notify(linkNotices);
  if (initial.error) {
    setError(initial.error);
    $("graph-message").hidden = false;
    $("graph-message").textContent = SERVER_TROUBLE.has(initial.error.kind)
      ? "The server could not finish this link's graph; press Run to try again."
      : "The program in this link has an error; fix it in the editor and press Run.";
    return;
  }
  const { position, view, revealed } = state;
  showResponse(initial.response, false);
  Object.assign(state, { view, revealed });
  const total = initial.response.trace.steps.length;
  if (position > total) notify([...linkNotices, notice("past_end", { position, total })]);
  state.position = Math.min(position, total);
  if (state.selected !== null && !initial.response.trace.nodes[state.selected]) state.selected = null;
  showFrame();
  if (view) {
    const [scale, x, y] = view;
    panzoom.zoom(scale, { animate: false });
    panzoom.pan(x, y, { animate: false });
    updateScale();
  }
}

wire();
// For tests and benchmarks: the state, and the two actions that change what is shown.
window.backpropLab = { state, run: runProgram, go };
