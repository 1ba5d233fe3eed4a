// Charts with axes, made by Observable Plot (vendored): the loss curves (the lab's and the network
// page's) and the network's output plane (its axes, data points and colour key; the boundary picture is
// a canvas under it). Each function returns a fresh element; the pages put it where it goes.

import * as Plot from "../vendor/plot/plot.js";
import { lossDomain, thin } from "./chart-scales.js";
import { scoreCss } from "./network-draw.js";

const X1 = (point) => point[0];
const X2 = (point) => point[1];
const STYLE = { fontSize: "12px", background: "transparent", overflow: "visible" };

/** Loss per step (or epoch), one line per series {name, rows: [{step, loss}], colour}, the current step
 * marked with a dot; the y axis runs from 0, and a flat curve sits mid-height. */
export function lossFigure({ series, width, height, current = null, xLabel = "step", legend = false }) {
  const values = series.flatMap((line) => line.rows.map((row) => row.loss));
  const rows = series.flatMap((line) => thin(line.rows).map((row) => ({ ...row, series: line.name })));
  const last = Math.max(1, ...series.flatMap((line) => line.rows.map((row) => row.step)));
  const marks = [
    Plot.ruleY([lossDomain(values)[0]], { stroke: "currentColor", strokeOpacity: 0.3 }),
    Plot.lineY(rows, { x: "step", y: "loss", z: "series", stroke: "series", strokeWidth: 2 }),
  ];
  if (current !== null) marks.push(Plot.dot(rows.filter((row) => row.step === current), { x: "step", y: "loss", fill: "series", r: 4 }));
  return Plot.plot({
    width, height, style: STYLE, marginLeft: 50, marginRight: 14, marginTop: 20, marginBottom: 34,
    x: { domain: [0, last], label: xLabel, labelAnchor: "right", labelArrow: "none", ticks: Math.max(2, Math.floor(width / 70)) },
    y: { domain: lossDomain(values), label: "loss", labelArrow: "none", grid: true, ticks: Math.max(2, Math.floor(height / 35)) },
    color: { domain: series.map((line) => line.name), range: series.map((line) => line.colour), legend },
    marks,
  });
}

/** The margins of the output plane's frame: where the boundary canvas goes under the axes. */
export const PLANE_MARGINS = { top: 8, right: 10, bottom: 38, left: 42 };

/** A point's colour: its label (0/1, or a value in −1..1 for regression) on the score scale. */
function pointFill(label, regression) {
  const score = regression ? (Math.max(-1, Math.min(1, label)) + 1) / 2 : label;
  return scoreCss(255 * score);
}

/** The output plane: axes x₁ and x₂ over `domain`, the train points (filled, white ring), the test points
 * (when shown: dark ring) and the chosen point (a black ring). Transparent, to lie over the boundary. */
export function planeFigure({ domain, train, test, showTest, chosen, size, regression }) {
  const fill = (point) => pointFill(point[2], regression);
  const marks = [
    Plot.frame({ stroke: "currentColor", strokeOpacity: 0.4 }),
    Plot.dot(train, { x: X1, y: X2, fill, stroke: "white", strokeWidth: 1, r: 3.5 }),
  ];
  if (showTest) marks.push(Plot.dot(test, { x: X1, y: X2, fill, stroke: "#1d1d1f", strokeWidth: 1.2, r: 3.5 }));
  if (train[chosen]) marks.push(Plot.dot([train[chosen]], { x: X1, y: X2, stroke: "black", strokeWidth: 2.5, r: 8 }));
  return Plot.plot({
    width: size, height: size, style: STYLE,
    marginTop: PLANE_MARGINS.top, marginRight: PLANE_MARGINS.right,
    marginBottom: PLANE_MARGINS.bottom, marginLeft: PLANE_MARGINS.left,
    x: { domain, label: "x₁", labelArrow: "none", labelAnchor: "center", ticks: 5 },
    y: { domain, label: "x₂", labelArrow: "none", labelAnchor: "center", ticks: 5 },
    marks,
  });
}

/** The colour key of the boundary: the model's score from 0 (orange, class 0) to 1 (blue, class 1). */
export function scoreKey({ width, regression }) {
  return Plot.legend({
    color: {
      type: "linear", domain: regression ? [-1, 1] : [0, 1], interpolate: (t) => scoreCss(255 * t),
      label: regression ? "the model's output" : "the model's score for class 1",
    },
    width, ticks: 5, style: { fontSize: "12px", background: "transparent" },
  });
}
