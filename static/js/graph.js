// Draws the graph as SVG from the server's layout, then updates it frame by frame.

import { flatten, formatNumber, operand } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const SYMBOLS = { add: "+", sub: "−", mul: "×", div: "÷", pow: "^", neg: "−", matmul: "@", leaf: "input",
  const: "const", transpose: "ᵀ" };

function el(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

/** dot's B-spline control points (p0, then three per cubic segment) as an SVG path. */
function splinePath(points) {
  let d = `M${points[0]},${points[1]}`;
  for (let i = 2; i + 5 < points.length + 0; i += 6) {
    d += ` C${points[i]},${points[i + 1]} ${points[i + 2]},${points[i + 3]} ${points[i + 4]},${points[i + 5]}`;
  }
  return d;
}

/** The formula a node computes, in labels: "x + y", "tanh(n)". */
export function nodeFormula(trace, node) {
  const spec = trace.ops[node.op];
  if (!node.inputs.length || !spec) return "";
  const labels = node.inputs.map((id) => trace.nodes[id].label);
  if (node.op === "pow" && labels.length === 1) labels.push(String(node.arg));
  return spec.formula.replace(/\{(\d)\}/g, (_, k) => labels[Number(k)] ?? "");
}

/** The accessible name of a node: what it is, and its numbers once known. */
export function nodeDescription(trace, node, frame) {
  const formula = nodeFormula(trace, node);
  const head = formula ? `${node.label} = ${formula}` : `${node.label}, ${node.op === "const" ? "constant" : "input"}`;
  const tensor = trace.kind === "tensor";
  const value = frame.values[node.id]
    ? (tensor ? `shape (${node.shape.join(", ")})` : formatNumber(node.value, 6)) : "not yet computed";
  const grad = frame.grads[node.id];
  const gradient = grad === undefined ? "not yet computed" : tensor ? "computed" : formatNumber(grad, 6);
  return `${head}: value ${value}, gradient ${gradient}`;
}

export class GraphView {
  constructor(svg, { onSelect, onUnfold }) {
    this.svg = svg;
    this.onSelect = onSelect;
    this.onUnfold = onUnfold;
    this.elements = new Map();
    this.edges = new Map();
  }

  /** Rebuild everything for a new response (new structure or new numbers). */
  render(response) {
    const { trace, layout, view } = response;
    this.trace = trace;
    this.itemOf = new Map();
    for (const [key, item] of Object.entries(view.items)) {
      if (item.kind === "group") for (const id of item.members) this.itemOf.set(id, key);
      else this.itemOf.set(item.node, key);
    }
    this.svg.replaceChildren();
    // The viewBox frames the whole layout with a margin; the SVG fills the viewport, so it fits.
    const margin = 24;
    this.svg.setAttribute("viewBox",
      `${-margin} ${-margin} ${Math.max(layout.width, 1) + 2 * margin} ${Math.max(layout.height, 1) + 2 * margin}`);
    this.svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    const defs = el("defs", {}, this.svg);
    const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7",
      markerHeight: "7", orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }, marker);
    const edgeLayer = el("g", { class: "edges", "aria-hidden": "true" }, this.svg);
    const nodeLayer = el("g", { class: "nodes" }, this.svg);
    this.labelLayer = el("g", { class: "edge-labels", "aria-hidden": "true" }, this.svg);
    this.edges.clear();
    for (const [tail, head, points] of layout.edges) {
      const path = el("path", { d: splinePath(points), class: "edge", "marker-end": "url(#arrow)" }, edgeLayer);
      this.edges.set(`${tail}>${head}`, { path, points });
    }
    this.elements.clear();
    const ordered = Object.entries(view.items).sort(([, a], [, b]) => order(a) - order(b));
    for (const [key, item] of ordered) {
      const box = layout.items[key];
      if (box) this.elements.set(key, this.drawItem(nodeLayer, key, item, box));
    }
    this.last = null;
  }

  /** New numbers for the same structure (a value slider moved): keep every element, redraw numbers. */
  replaceTrace(trace) {
    this.trace = trace;
    for (const parts of this.elements.values()) parts.signature = null;
  }

  drawItem(layer, key, item, [cx, cy, w, h]) {
    const x = cx - w / 2;
    const y = cy - h / 2;
    const g = el("g", { class: `node kind-${item.kind}`, transform: `translate(${x},${y})`, tabindex: "0",
      role: "button", "data-key": key }, layer);
    el("rect", { width: w, height: h, rx: item.kind === "const" ? 18 : 8 }, g);
    const parts = { g, item, w, h };
    if (item.kind === "group") {
      g.classList.add("group");
      const members = item.members.length;
      parts.title = el("text", { x: w / 2, y: 24, class: "title", "text-anchor": "middle" }, g);
      parts.title.textContent = item.group.split("/").pop();
      const note = el("text", { x: w / 2, y: 44, class: "note", "text-anchor": "middle" }, g);
      note.textContent = `${members} nodes · open`;
      g.setAttribute("aria-label", `group ${item.group}, ${members} nodes, folded: press Enter to unfold`);
      const open = () => this.onUnfold(item.group);
      g.addEventListener("click", open);
      g.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
      return parts;
    }
    const node = this.trace.nodes[item.node];
    g.dataset.id = String(node.id);
    g.classList.add(`op-${node.op}`);
    if (item.kind === "const") {
      parts.value = el("text", { x: w / 2, y: h / 2 + 5, class: "value const-value", "text-anchor": "middle" }, g);
      parts.value.textContent = formatNumber(node.value);
    } else {
      parts.title = el("text", { x: 10, y: 19, class: "title" }, g);
      const symbol = SYMBOLS[node.op] ?? node.op;
      parts.title.textContent = node.name ? `${node.name}  ${symbol}` : symbol;
      parts.value = el("text", { x: 10, y: item.kind === "tensor" ? 37 : 38, class: "value" }, g);
      parts.grad = el("text", { x: 10, y: item.kind === "tensor" ? 54 : 55, class: "grad" }, g);
      if (item.kind === "tensor") this.drawHeatmaps(parts, node);
    }
    const select = () => this.onSelect(node.id);
    g.addEventListener("click", select);
    g.addEventListener("focus", select);
    return parts;
  }

  drawHeatmaps(parts, node) {
    const shape = node.shape.length ? node.shape : [1];
    const rows = shape.length > 1 ? shape[shape.length - 2] : 1;
    const cols = shape[shape.length - 1];
    const cell = Math.max(2, Math.min(10, Math.floor(64 / Math.max(rows, cols))));
    parts.heat = [];
    for (const [index, cls] of [[0, "heat-value"], [1, "heat-grad"]]) {
      const g = el("g", { class: cls, transform: `translate(${10 + index * (cols * cell + 10)},62)` }, parts.g);
      const cells = [];
      for (let r = 0; r < Math.min(rows, 24); r += 1) {
        for (let c = 0; c < Math.min(cols, 24); c += 1) {
          cells.push(el("rect", { x: c * cell, y: r * cell, width: cell - 0.5, height: cell - 0.5 }, g));
        }
      }
      parts.heat.push({ cells, cols: Math.min(cols, 24), fullCols: cols });
    }
  }

  /** Show one frame: which values and gradients are known, and which step is playing. */
  update(frame, selected, hidden = null) {
    const trace = this.trace;
    const current = frame.current;
    for (const parts of this.elements.values()) {
      const item = parts.item;
      if (item.kind === "group") {
        const done = item.members.every((id) => frame.values[id]);
        parts.g.classList.toggle("computed", done);
        continue;
      }
      const node = trace.nodes[item.node];
      const known = frame.values[node.id];
      const grad = frame.grads[node.id];
      const active = Boolean(current) && (current.node === node.id || current.input === node.id);
      // Most nodes do not change from one step to the next: skip them (this keeps big graphs smooth).
      const masked = hidden === node.id;  // quiz: this gradient waits for the class's guess
      const signature = `${known}|${grad}|${frame.contributions[node.id].length}|${active}|${selected === node.id}|${masked}`;
      if (parts.signature === signature) continue;
      parts.signature = signature;
      parts.g.classList.toggle("computed", known);
      parts.g.classList.toggle("has-grad", grad !== undefined);
      parts.g.classList.toggle("active", active);
      parts.g.classList.toggle("selected", selected === node.id);
      parts.g.classList.toggle("nonfinite", Boolean(node.flags) && known);
      if (item.kind !== "const") this.updateNumbers(parts, node, known, masked ? undefined : grad, frame);
      if (masked) parts.grad.textContent = "∇ ?";
      const description = nodeDescription(trace, node, frame);
      if (parts.description !== description) {
        parts.g.setAttribute("aria-label", description);
        parts.description = description;
      }
    }
    this.showEdge(current, hidden !== null);
  }

  updateNumbers(parts, node, known, grad, frame) {
    const tensor = this.trace.kind === "tensor";
    const value = known ? (tensor ? `(${node.shape.join("×") || "scalar"})` : formatNumber(node.value)) : "";
    const count = frame.contributions[node.id].length;
    let gradient = "";
    if (grad !== undefined) {
      gradient = tensor ? "∇ ready" : `∇ ${formatNumber(grad)}`;
      if (count > 1) gradient += `  (${count} parts)`;
    }
    if (parts.value.textContent !== value) parts.value.textContent = value;
    if (parts.grad.textContent !== gradient) parts.grad.textContent = gradient;
    if (parts.heat) {
      paint(parts.heat[0], known ? node.value : null);
      paint(parts.heat[1], grad !== undefined ? (node.shape.length ? grad : [grad]) : null);
    }
  }

  /** Highlight the edge of the current backward step and write upstream × local = contribution on it. */
  showEdge(step, masked = false) {
    for (const path of this.lit ?? []) path.classList.remove("active", "forward");
    this.lit = [];
    this.labelLayer.replaceChildren();
    if (!step || step.seed) return;
    const trace = this.trace;
    const head = this.itemOf.get(step.node);
    if (step.pass === "forward") {
      for (const input of trace.nodes[step.node].inputs) {
        const path = this.edges.get(`${this.itemOf.get(input)}>${head}`)?.path;
        if (path) {
          path.classList.add("forward");
          this.lit.push(path);
        }
      }
      return;
    }
    const edge = this.edges.get(`${this.itemOf.get(step.input)}>${head}`);
    if (!edge) return;
    edge.path.classList.add("active");
    this.lit.push(edge.path);
    const points = edge.points;
    const middle = Math.floor(points.length / 4) * 2;
    const text = trace.kind === "tensor"
      ? `∂ += upstream · ${step.rule}`
      : `${operand(step.upstream)} × ${operand(step.local)} = ${masked ? "?" : formatNumber(step.contribution)}`;
    // The label's box is sized from its length (13 px monospace: 7.8 px a character) rather than
    // measured, which would force a layout of the whole graph on every step.
    const [x, y] = [points[middle], points[middle + 1] - 8];
    const width = text.length * 7.8 + 10;
    el("rect", { x: x - width / 2, y: y - 14, width, height: 19, rx: 4, class: "edge-label-back" }, this.labelLayer);
    const label = el("text", { x, y, class: "edge-label", "text-anchor": "middle" }, this.labelLayer);
    label.textContent = text;
  }
}

function order(item) {
  return item.kind === "group" ? Number.MAX_SAFE_INTEGER : item.node;
}

/** Fill heat-map cells: blue for negative, orange for positive, grey for non-finite. */
function paint(heat, data) {
  const values = data === null || data?.summary ? [] : flatten(data);  // a summary has no cells to paint
  const finite = values.filter(Number.isFinite);
  const scale = Math.max(1e-12, ...finite.map(Math.abs));
  heat.cells.forEach((cell, index) => {
    const row = Math.floor(index / heat.cols);
    const col = index % heat.cols;
    const v = values[row * heat.fullCols + col];
    let fill = "var(--heat-empty)";
    if (v !== undefined && !Number.isFinite(v)) fill = "var(--heat-bad)";
    else if (v !== undefined) {
      const t = Math.abs(v) / scale;
      fill = v < 0 ? `rgba(0, 114, 178, ${0.15 + 0.85 * t})` : `rgba(213, 94, 0, ${0.15 + 0.85 * t})`;
    }
    if (cell.style.fill !== fill) cell.style.fill = fill;  // CSS variables work in style, not in attributes
  });
}
