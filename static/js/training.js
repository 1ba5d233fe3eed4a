// Gradient descent in the lab: update arithmetic as text, the loss curve as a chart with axes. The numbers come
// from the server's training run (POST /api/train); nothing here recomputes them.

import { formatNumber, operand } from "./format.js";

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

/** The loss per step as a chart with axes (Observable Plot, loaded on first use), its y axis from 0 and a
 * dot at step `current`; non-finite losses end the line. Draws into the page's <svg>, at its size. */
export async function drawLossCurve(svg, losses, current) {
  const { lossFigure } = await import("./charts.js");
  const { lossRows } = await import("./chart-scales.js");
  const width = Math.round(svg.clientWidth) || 300;
  const height = Math.round(svg.clientHeight) || 112;
  const rows = lossRows(losses);
  const colour = getComputedStyle(svg).getPropertyValue("--grad").trim() || "#B8450A";
  const figure = lossFigure({ series: [{ name: "loss", rows, colour }], width, height, current });
  svg.replaceChildren(...figure.childNodes);
  for (const name of ["fill", "font-family", "font-size", "text-anchor", "style"]) {
    if (figure.hasAttribute(name)) svg.setAttribute(name, figure.getAttribute(name));
  }
  svg.setAttribute("class", `loss-curve ${figure.getAttribute("class")}`);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const shown = rows.map((row) => row.loss);
  svg.setAttribute("aria-label", shown.length
    ? `loss from ${formatNumber(shown[0])} to ${formatNumber(shown.at(-1))} over ${losses.length} steps`
    : "loss curve");
}
