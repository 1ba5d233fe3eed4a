// Gradient descent in the lab: update arithmetic as text, the loss curve as SVG. The numbers come
// from the server's training run (POST /api/train); nothing here recomputes them.

import { formatNumber, operand } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

/** "w: 0.5 − 0.1 × 2 = 0.3" for each parameter, from one step's fields (momentum adds the velocity). */
export function updateLines(result, lr, momentum) {
  return result.trainable.map((name) => {
    const old = result.params[name][0];
    const grad = result.grads[name][0];
    const next = result.final[name];
    if (typeof old !== "number") return `${name}: updated (a tensor)`;
    const step = momentum > 0 ? `${operand(lr)} × v` : `${operand(lr)} × ${operand(grad)}`;
    return `${name}: ${formatNumber(old)} − ${step} = ${formatNumber(next)}`;
  });
}

/** The loss per step as a polyline, with a marker at `current`; non-finite losses end the line. */
export function drawLossCurve(svg, losses, current) {
  const width = 300;
  const height = 110;
  const finite = losses.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null));
  const shown = finite.filter((v) => v !== null);
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  if (!shown.length) return;
  const top = Math.max(...shown);
  const bottom = Math.min(0, ...shown);
  const x = (k) => 6 + (k / Math.max(1, losses.length - 1)) * (width - 12);
  const y = (v) => height - 8 - ((v - bottom) / Math.max(1e-12, top - bottom)) * (height - 16);
  const points = finite.map((v, k) => (v === null ? null : `${x(k).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points.join(" "));
  line.setAttribute("class", "loss-line");
  svg.appendChild(line);
  if (current !== null && finite[current] !== null && finite[current] !== undefined) {
    const dot = document.createElementNS(SVG, "circle");
    Object.entries({ cx: x(current), cy: y(finite[current]), r: 4, class: "loss-dot" })
      .forEach(([key, value]) => dot.setAttribute(key, String(value)));
    svg.appendChild(dot);
  }
  svg.setAttribute("aria-label", `loss from ${formatNumber(shown[0])} to ${formatNumber(shown[shown.length - 1])} over ${losses.length} steps`);
}
