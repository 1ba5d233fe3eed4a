// The network page: a small network trains live on the server (a WebSocket to /api/network/live) and
// this page shows what TensorFlow Playground shows, frame by frame; any neuron, bias or weight opens in the
// lab at its gradient. The only module of the page that touches DOM ids; the settings live in the URL.

import { createLink } from "./api.js";
import { PLANE_MARGINS, lossFigure, planeFigure, scoreKey } from "./charts.js";
import { FEATURES, decodeGrid } from "./network-draw.js";
import { createDiagram, paintGrid } from "./network-graph.js";
import { connectLive } from "./network-live.js";
import { NETWORK_FIELDS, decode, encode, readField, writeField } from "./state.js";

const $ = (id) => document.getElementById(id);
const FIELD = Object.fromEntries(NETWORK_FIELDS.map((entry) => [entry.field, entry]));
/** What changing each control does: a new run (configure), a change the next step picks up (set), or only the view. */
const CONTROLS = {
  dataset: "configure", points: "configure", test_ratio: "configure", noise: "configure",
  lr: "set", activation: "set", l2: "set", batch: "set", show_test: "view",
};
const RUN = ["dataset", "points", "seed", "noise", "test_ratio", "features", "hidden", "activation", "lr", "l2", "batch"];
const MOST_LAYERS = 6;
const LOSS_COLOURS = { train: "#0072B2", test: "#D55E00" };

const state = {
  settings: null, data: null, frame: null, history: [], playing: false, target: 0, chosen: 0,
  stats: { received: 0, drawn: 0, drawMs: [] }, pending: null, urlWritten: 0,
};
let live = null;
let diagram = null;

function setStatus(text) {
  $("status").textContent = text;
}

/** The settings from the URL (the table gives each its default), written into the controls. */
function readUrl() {
  const { state: settings, notices } = decode(location.search, NETWORK_FIELDS);
  settings.features = settings.features.filter((key) => FEATURES.some((feature) => feature.key === key));
  if (!settings.features.length) settings.features = structuredClone(FIELD.features.default);
  state.settings = settings;
  state.target = settings.epoch;
  $("notice").hidden = notices.length === 0;
  $("notice").textContent = notices.join(" ");
  showSettings();
}

function showSettings() {
  const form = $("settings");
  const { settings } = state;
  for (const name of ["lr", "l2"]) {  // a link may ask for a rate the menu lacks: add it
    const text = writeField(FIELD[name], settings[name]);
    if (![...form.elements[name].options].some((option) => option.value === text)) form.elements[name].append(new Option(text));
  }
  for (const name of Object.keys(CONTROLS)) {
    const control = form.elements[name];
    if (control.type === "checkbox") control.checked = settings[name];
    else control.value = writeField(FIELD[name], settings[name]);
  }
  form.elements.batch.max = String(Math.max(30, settings.batch));
  $("test_ratio-shown").textContent = `${Math.round(100 * settings.test_ratio)}%`;
  $("noise-shown").textContent = String(settings.noise);
  $("batch-shown").textContent = String(settings.batch);
  $("seed-shown").textContent = String(settings.seed);
  $("layer-count").textContent = `${settings.hidden.length}`;
  $("add-layer").disabled = settings.hidden.length >= MOST_LAYERS;
  $("remove-layer").disabled = settings.hidden.length === 0;
}

/** The URL says what this run is, up to the epoch it reached (at most once a second while playing). */
function writeUrl(force = false) {
  const now = performance.now();
  if (!force && now - state.urlWritten < 1000) return;
  state.urlWritten = now;
  const epoch = state.target || (state.frame?.epoch ?? 0);
  history.replaceState(null, "", `/network?${encode({ ...state.settings, epoch }, NETWORK_FIELDS)}`);
}

/** A new run on the server: the data and a fresh network from the settings; playing goes on if it was. */
function configure() {
  const settings = Object.fromEntries(RUN.map((name) => [name, state.settings[name]]));
  state.history = [];
  state.frame = null;
  live.send({ type: "configure", settings });
  if (state.playing && !state.target) live.send({ type: "play" });
  showSettings();
  writeUrl(true);
}

function controlChanged(event) {
  const name = event.target.name;
  const action = CONTROLS[name];
  if (!action) return;
  const text = event.target.type === "checkbox" ? (event.target.checked ? "1" : "0") : event.target.value.trim();
  const value = readField(FIELD[name], text);
  if (value === undefined) {
    setStatus(`Check ${event.target.closest("label").firstChild.textContent.trim()}: ${text} is out of range.`);
    showSettings();
    return;
  }
  state.settings[name] = value;
  if (action === "configure") { configure(); return; }
  showSettings();
  writeUrl(true);
  if (action === "set") live.send({ type: "set", settings: { [name]: value } });
  else drawPlane();
}

function changeShape(change) {
  const { settings } = state;
  change(settings);
  configure();
}

const playButton = () => $("play");

function showPlaying(playing) {
  state.playing = playing;
  playButton().textContent = playing ? "❚❚ Pause" : "▶ Play";
  playButton().setAttribute("aria-pressed", String(playing));
}

function togglePlay() {
  showPlaying(!state.playing);
  live.send({ type: state.playing ? "play" : "pause" });
  if (!state.playing) writeUrl(true);
}

function stepOnce() {
  if (state.playing) { showPlaying(false); live.send({ type: "pause" }); }
  live.send({ type: "step" });
}

/** A message from the live trainer. */
function received(message) {
  if (message.type === "data") showData(message);
  else if (message.type === "frame") receivedFrame(message);
  else if (message.type === "program") openInLab(message);
  else if (message.type === "error") {
    if (["stopped", "budget"].includes(message.where)) state.target = 0;  // a link's replay can go no further
    setStatus(`The trainer says: ${message.message}${message.where ? ` (${message.where})` : ""}`);
  }
}

function showData(message) {
  state.data = message;
  const hidden = message.layers.slice(1, -1);
  diagram.build({ features: message.features, hidden, domain: message.domain });
  $("point").max = String(Math.max(0, message.train.length - 1));
  state.chosen = Math.min(state.chosen, message.train.length - 1);
  drawPlane();
  const key = scoreKey({ width: Math.min(300, $("boundary").clientWidth || 300), regression: isRegression() });
  $("score-key").replaceChildren(key);
  setStatus(`${message.train.length} training points, ${message.test.length} test points`);
}

function isRegression() {
  return state.settings.dataset === "regression";
}

function receivedFrame(frame) {
  state.stats.received += 1;
  const history = state.history;
  while (history.length && history.at(-1).epoch >= frame.epoch) history.pop();  // a reset starts again
  history.push({ epoch: frame.epoch, train: frame.train_loss, test: frame.test_loss });
  state.frame = frame;
  if (frame.playing !== state.playing && !state.target) showPlaying(frame.playing);
  if (state.target) {
    // reproducing a link's run: about 50 steps of many epochs each, so the loss chart has its shape
    if (frame.epoch < state.target) live.send({ type: "step", epochs: replayEpochs(frame.epoch, state.target) });
    else { state.target = 0; if (state.playing) live.send({ type: "play" }); }
  }
  if (!state.pending) requestAnimationFrame(() => { drawFrame(state.pending); state.pending = null; });
  state.pending = frame;
  writeUrl(!frame.playing);
}

/** How many epochs the next step of a link's replay trains: a fiftieth of the way, at most what is left. */
function replayEpochs(epoch, target) {
  return Math.max(1, Math.min(target - epoch, Math.ceil(target / 50), 1000));
}

function lossText(value) {
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(3) : String(value ?? "–");
}

/** Everything a frame changes: the numbers, the boundary, the neurons and weights, the loss chart. */
function drawFrame(frame) {
  const started = performance.now();
  $("epoch").textContent = String(frame.epoch).padStart(6, "0");
  $("train-loss").textContent = lossText(frame.train_loss);
  $("test-loss").textContent = lossText(frame.test_loss);
  $("accuracy").textContent = frame.train_accuracy === undefined ? ""
    : ` · accuracy ${Math.round(100 * frame.train_accuracy)}% train, ${Math.round(100 * (frame.test_accuracy ?? 0))}% test`;
  paintGrid($("boundary-canvas"), decodeGrid(frame.boundary.data), frame.boundary.size);
  diagram.update(frame);
  drawLoss();
  state.stats.drawn += 1;
  state.stats.drawMs.push(performance.now() - started);
  if (state.stats.drawMs.length > 500) state.stats.drawMs.shift();
}

function drawLoss() {
  const box = $("loss-chart");
  const rows = (key) => state.history.filter((row) => Number.isFinite(row[key])).map((row) => ({ step: row.epoch, loss: row[key] }));
  const figure = lossFigure({
    series: [{ name: "train", rows: rows("train"), colour: LOSS_COLOURS.train }, { name: "test", rows: rows("test"), colour: LOSS_COLOURS.test }],
    width: box.clientWidth || 300, height: 140, xLabel: "epoch", legend: true,
  });
  box.replaceChildren(figure);
}

/** The output plane's axes and points (redrawn when the data, the chosen point or "show test" change). */
function drawPlane() {
  if (!state.data) return;
  const box = $("boundary");
  const size = box.clientWidth || 300;
  const figure = planeFigure({
    domain: state.data.domain, train: state.data.train, test: state.data.test, showTest: state.settings.show_test,
    chosen: state.chosen, size, regression: isRegression(),
  });
  $("boundary-axes").replaceChildren(figure);
  Object.assign($("boundary-canvas").style, {
    left: `${PLANE_MARGINS.left}px`, top: `${PLANE_MARGINS.top}px`,
    width: `${size - PLANE_MARGINS.left - PLANE_MARGINS.right}px`, height: `${size - PLANE_MARGINS.top - PLANE_MARGINS.bottom}px`,
  });
}

/** A click on the output plane chooses the nearest training point for the lab. */
function choosePointAt(event) {
  if (!state.data) return;
  const box = $("boundary-canvas").getBoundingClientRect();
  const [lo, hi] = state.data.domain;
  const x = lo + ((event.clientX - box.left) / box.width) * (hi - lo);
  const y = hi - ((event.clientY - box.top) / box.height) * (hi - lo);
  let best = 0;
  state.data.train.forEach((point, k) => {
    const far = (p) => (p[0] - x) ** 2 + (p[1] - y) ** 2;
    if (far(point) < far(state.data.train[best])) best = k;
  });
  choosePoint(best);
}

function choosePoint(k) {
  state.chosen = k;
  $("point").value = String(k);
  drawPlane();
}

/** Ask the trainer for the program of the network on the chosen point, written to focus on `name`. */
function pick(name) {
  if (state.playing) { showPlaying(false); live.send({ type: "pause" }); }
  setStatus(`Writing the program for ${name} on training point ${state.chosen}…`);
  live.send({ type: "program", target: name, point: state.chosen });
}

/** The program arrives: keep it behind a short link (it is several KB) and open the lab on it. */
async function openInLab(message) {
  try {
    const link = await createLink(encode({ source: message.source }));
    setStatus(`Opening ${message.target} in the lab…`);
    location.assign(new URL(link.url, location.href).href);
  } catch (error) {
    setStatus(`The lab could not be opened: ${error.message}`);
  }
}

function wire() {
  const form = $("settings");
  const names = FIELD.dataset.options;
  form.elements.dataset.replaceChildren(...names.map((name) => new Option(name)));
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", controlChanged);
  form.addEventListener("input", (event) => {
    if (event.target.type === "range") $(`${event.target.name}-shown`).textContent = event.target.value;
  });
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", stepOnce);
  $("reset").addEventListener("click", () => { state.history = []; live.send({ type: "reset" }); });
  $("regenerate").addEventListener("click", () => changeShape((s) => { s.seed = (s.seed + 1) % 4294967296; }));
  $("add-layer").addEventListener("click", () => changeShape((s) => { s.hidden = [...s.hidden, 2]; }));
  $("remove-layer").addEventListener("click", () => changeShape((s) => { s.hidden = s.hidden.slice(0, -1); }));
  $("point").addEventListener("change", () => {
    const k = Math.round(Number($("point").value));
    if (Number.isFinite(k) && k >= 0 && k < (state.data?.train.length ?? 1)) choosePoint(k);
  });
  $("boundary").addEventListener("click", choosePointAt);
}

function start() {
  wire();
  readUrl();
  diagram = createDiagram($("net"), {
    onFeature: (key) => changeShape((s) => {
      const on = s.features.includes(key) ? s.features.filter((k) => k !== key) : [...s.features, key];
      s.features = on.length ? FEATURES.map((f) => f.key).filter((k) => on.includes(k)) : s.features;
    }),
    onWidth: (layer, change) => changeShape((s) => { s.hidden = s.hidden.map((w, k) => (k === layer ? w + change : w)); }),
    onPick: pick,
    onInspect: (text) => { $("inspect").textContent = text; },
  });
  live = connectLive({
    onMessage: received,
    onOpen: () => { setStatus("Connected"); if (state.frame) state.target = state.frame.epoch; configure(); },
    onClose: ({ reason, resting }) => setStatus(resting
      ? `The trainer closed this session (${reason || "closed"}); press Play or Step to start again.`
      : "The trainer is unreachable; trying again…"),
  });
  window.addEventListener("resize", () => { drawPlane(); if (state.frame) drawLoss(); });
}

start();
window.backpropNetwork = state;
