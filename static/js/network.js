// The network page: train a small MLP on the server, then play back how its boundary and loss moved.

import { request } from "./api.js";
import { formatNumber } from "./format.js";
import { NETWORK_FIELDS, decode, encode, readField, writeField } from "./state.js";
import { drawLossCurve } from "./training.js";

const $ = (id) => document.getElementById(id);
const state = { result: null, frame: 0, timer: null };

/** The settings the form holds, each read as the URL table reads it; `refused` labels those that do not fit. */
function formSettings() {
  const form = $("settings");
  const settings = {};
  const refused = [];
  for (const entry of NETWORK_FIELDS) {
    const element = form.elements[entry.key];
    const value = readField(entry, element.value.trim());
    if (value === undefined) refused.push(element.closest("label").firstChild.textContent.trim());
    settings[entry.field] = value;
  }
  return { settings, refused };
}

/** The settings live in the page address, so a link reproduces the same run: the URL table gives each
 * setting its default, and says what in a link could not be read. */
function readUrl() {
  const { state: settings, notices } = decode(location.search, NETWORK_FIELDS);
  const form = $("settings");
  for (const entry of NETWORK_FIELDS) form.elements[entry.key].value = writeField(entry, settings[entry.field]);
  $("notice").hidden = notices.length === 0;
  $("notice").textContent = notices.join(" ");
}

/** The API's request body: the settings, with mean squared error for regression (it has no classes). */
function requestBody(settings) {
  const regression = settings.dataset === "regression" && settings.loss === "cross_entropy";
  return { ...settings, loss: regression ? "mse" : settings.loss };
}

async function trainNetwork(event) {
  event?.preventDefault();
  clearTimeout(state.timer);
  const { settings, refused } = formSettings();
  if (refused.length) {
    $("status").textContent = `Could not train: check ${refused.join(", ")}.`;
    return;
  }
  history.replaceState(null, "", `/network?${encode(settings, NETWORK_FIELDS)}`);
  $("status").textContent = "Training…";
  try {
    state.result = await request("/api/network", requestBody(settings));
  } catch (error) {
    $("status").textContent = `Could not train: ${error.message}`;
    return;
  }
  const result = state.result;
  $("status").textContent = `${result.parameters} parameters, ${result.losses.length} steps`;
  $("frame").max = String(result.frames.length - 1);
  $("stopped").hidden = !result.stopped;
  $("stopped").textContent = result.stopped ? `Training stopped: ${result.stopped}.` : "";
  $("tensor-view").href = `/?source=${encodeURIComponent(result.programs.tensor)}`;
  $("scalar-view").href = `/?source=${encodeURIComponent(result.programs.scalar)}`;
  play(0);
}

/** Show the frames one after another, about eight a second. */
function play(index) {
  showFrame(index);
  if (index + 1 < state.result.frames.length) state.timer = setTimeout(() => play(index + 1), 120);
}

function showFrame(index) {
  const { result } = state;
  const frame = result.frames[index];
  state.frame = index;
  $("frame").value = String(index);
  drawLossCurve($("loss"), result.losses.slice(0, frame.step), frame.step - 1);
  drawPlot($("plot"), result, frame);
  const loss = result.losses[frame.step - 1];
  const accuracy = frame.accuracy === undefined ? "" : ` · accuracy ${(100 * frame.accuracy).toFixed(0)}%`;
  $("accuracy").textContent = `Step ${frame.step}: loss ${typeof loss === "number" ? formatNumber(loss) : loss}${accuracy}`;
}

/** Data points over the model's score (classification) or under its fitted curve (regression). */
function drawPlot(canvas, result, frame) {
  const context = canvas.getContext("2d");
  const size = canvas.width;
  context.clearRect(0, 0, size, size);
  const xs = result.points.map((p) => p[0]);
  const ys = result.points.length && result.points[0].length > 1 ? result.points.map((p) => p[1]) : result.targets;
  const [x0, x1] = frame.boundary ? [frame.boundary.x[0], frame.boundary.x.at(-1)] : [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = frame.boundary ? [frame.boundary.y[0], frame.boundary.y.at(-1)] : [Math.min(...ys) - 0.3, Math.max(...ys) + 0.3];
  const px = (x) => ((x - x0) / (x1 - x0)) * size;
  const py = (y) => size - ((y - y0) / (y1 - y0)) * size;
  if (frame.boundary) {
    const cells = frame.boundary.score.length;
    const cell = size / cells;
    frame.boundary.score.forEach((row, r) => row.forEach((score, c) => {
      const t = Math.max(0, Math.min(1, score));
      context.fillStyle = `rgba(${Math.round(0 + 213 * t)}, ${Math.round(114 - 20 * t)}, ${Math.round(178 - 178 * t)}, 0.28)`;
      context.fillRect(c * cell, size - (r + 1) * cell, cell + 0.5, cell + 0.5);
    }));
  }
  if (frame.fit) {
    context.strokeStyle = "#D55E00";
    context.lineWidth = 2.5;
    context.beginPath();
    frame.fit.x.forEach((x, k) => (k ? context.lineTo(px(x), py(frame.fit.y[k])) : context.moveTo(px(x), py(frame.fit.y[k]))));
    context.stroke();
  }
  result.points.forEach((point, k) => {
    const y = point.length > 1 ? point[1] : result.targets[k];
    context.fillStyle = point.length > 1 ? (result.targets[k] > 0.5 ? "#D55E00" : "#0072B2") : "#0072B2";
    context.beginPath();
    context.arc(px(point[0]), py(y), 3.5, 0, 2 * Math.PI);
    context.fill();
  });
}

readUrl();
$("settings").addEventListener("submit", trainNetwork);
$("frame").addEventListener("input", () => { clearTimeout(state.timer); showFrame(Number($("frame").value)); });
trainNetwork();
window.backpropNetwork = state;
