// Draws the graph as SVG from the server's layout, then updates it frame by frame.
//
// Every number is SVG text inside the graph. A node widely shared (a weight, an input) has its own box
// plus a small linked copy beside each user ("n3@n17"); the copy shows what that use contributes, the
// box the running sum. Text never covers text: the edge label of a backward step goes where no box is,
// or into the strip reserved above the graph.

import { flatten, formatNumber, operand } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const STRIP = 34;  // px reserved above the graph for an edge label that has no room beside its edge
const MARGIN = 12;
const LABEL_FONT = 15;  // the edge label's monospace font: 0.6 em a character
const SMALL_TENSOR = 16;  // tensors up to this many numbers show them; larger ones show heat-maps
export const FAR = 7;  // below this many screen pixels, a number is not drawn: the box shows its magnitude

function el(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function text(parent, x, y, cls, content = "", anchor = "start") {
  const node = el("text", { x, y, class: cls, "text-anchor": anchor }, parent);
  node.textContent = content;
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

/** The formula a node computes, in labels: "x + y", "tanh(t1)". */
export function nodeFormula(trace, node) {
  const spec = trace.ops[node.op];
  if (!node.inputs.length || !spec) return "";
  const labels = node.inputs.map((id) => trace.nodes[id].label);
  if (typeof node.arg === "number") labels.push(String(node.arg));  // pow's constant exponent, leaky_relu's slope
  return spec.formula.replace(/\{(\d)\}/g, (_, k) => labels[Number(k)] ?? "");
}

function isTensor(trace, node) {
  return trace.kind === "tensor" && node.shape.length > 0;
}

/** The accessible name of a node: what it is, and its numbers once known. */
export function nodeDescription(trace, node, frame, masked = false) {
  const formula = nodeFormula(trace, node);
  const head = formula ? `${node.label} = ${formula}` : `${node.label}, ${node.op === "const" ? "constant" : "input"}`;
  const tensor = isTensor(trace, node);
  const value = frame.values[node.id]
    ? (tensor ? `shape (${node.shape.join(", ")})` : formatNumber(node.value, 6)) : "not yet computed";
  const grad = frame.grads[node.id];
  const gradient = masked ? "hidden until the quiz is answered"
    : grad === undefined ? "not yet computed" : tensor ? "computed" : formatNumber(grad, 6);
  return `${head}: value ${value}, gradient ${gradient}`;
}

/** Text cut to fit `width` px at `font` px (0.6 em a character for the monospace, 0.56 for the sans). */
function fit(content, width, font, em = 0.58) {
  const most = Math.max(1, Math.floor(width / (font * em)));
  return content.length <= most ? content : `${content.slice(0, most - 1)}…`;
}

let views = 0;  // each view's arrowhead marker gets an id of its own: several graphs may share a page

export class GraphView {
  constructor(svg, { onSelect, onUnfold }) {
    this.svg = svg;
    this.arrowId = `arrow-${++views}`;
    this.onSelect = onSelect;
    this.onUnfold = onUnfold;
    this.elements = new Map();
    this.edges = new Map();
    this.scale = 1;
  }

  /** Rebuild everything for a new response (new structure or new numbers). */
  render(response) {
    const { trace, layout, view } = response;
    this.trace = trace;
    this.layout = layout;
    this.itemOf = new Map();
    this.copiesOf = new Map();
    for (const [key, item] of Object.entries(view.items)) {
      if (item.kind === "group") for (const id of item.members) this.itemOf.set(id, key);
      else if (item.kind === "copy") this.copiesOf.set(item.node, [...(this.copiesOf.get(item.node) ?? []), key]);
      else this.itemOf.set(item.node, key);
    }
    this.svg.replaceChildren();
    // The viewBox frames the layout with a margin and the label strip above it: its size never changes
    // from step to step, so nothing moves while the lesson plays.
    this.box = { x: -MARGIN, y: -MARGIN - STRIP, width: Math.max(layout.width, 1) + 2 * MARGIN,
      height: Math.max(layout.height, 1) + 2 * MARGIN + STRIP };
    this.svg.setAttribute("viewBox", `${this.box.x} ${this.box.y} ${this.box.width} ${this.box.height}`);
    this.svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    // a large graph changes without transitions: each would repaint thousands of elements every frame
    this.svg.classList.toggle("large", Object.keys(layout.items).length > 300);
    const defs = el("defs", {}, this.svg);
    const marker = el("marker", { id: this.arrowId, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "9",
      markerHeight: "9", markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }, marker);
    const edgeLayer = el("g", { class: "edges", "aria-hidden": "true" }, this.svg);
    const nodeLayer = el("g", { class: "nodes" }, this.svg);
    this.labelLayer = el("g", { class: "edge-labels", "aria-hidden": "true" }, this.svg);
    this.edges.clear();
    for (const [tail, head, points] of layout.edges) {
      const path = el("path", { d: splinePath(points), class: "edge", "marker-end": `url(#${this.arrowId})` }, edgeLayer);
      this.edges.set(`${tail}>${head}`, { path, points });
    }
    this.boxes = Object.values(layout.items).map(([cx, cy, w, h]) => [cx - w / 2, cy - h / 2, w, h]);
    this.elements.clear();
    const ordered = Object.entries(view.items).sort(([, a], [, b]) => order(a) - order(b));
    for (const [key, item] of ordered) {
      const box = layout.items[key];
      if (box) this.elements.set(key, this.drawItem(nodeLayer, key, item, box));
    }
    this.paintMagnitudes();
    this.setScale(this.scale);
  }

  /** New numbers for the same structure (a value slider moved): keep every element, redraw numbers. */
  replaceTrace(trace) {
    this.trace = trace;
    for (const parts of this.elements.values()) {
      parts.signature = null;
      if (parts.matrix) this.fillMatrices(parts, trace.nodes[parts.item.node], null);
    }
    this.paintMagnitudes();
  }

  /** How many screen pixels one layout unit takes now: past a threshold, numbers give way to colour. */
  setScale(pixelsPerUnit) {
    this.scale = pixelsPerUnit;
    this.svg.classList.toggle("far", 17 * pixelsPerUnit < FAR);
  }

  drawItem(layer, key, item, [cx, cy, w, h]) {
    const x = cx - w / 2;
    const y = cy - h / 2;
    const g = el("g", { class: `node kind-${item.kind}`, transform: `translate(${x},${y})`, tabindex: "0",
      role: "button", "data-key": key }, layer);
    el("rect", { width: w, height: h, rx: item.kind === "const" ? h / 2 : item.kind === "copy" ? 14 : 8 }, g);
    const parts = { g, item, w, h };
    if (item.kind === "group") return this.drawGroup(parts);
    const node = this.trace.nodes[item.node];
    g.dataset.id = String(node.id);
    g.classList.add(`op-${node.op}`);
    if (item.kind === "const") {
      parts.value = text(g, w / 2, h / 2 + 5.5, "value const-value", formatNumber(node.value), "middle");
    } else if (item.kind === "copy") {
      g.classList.add("copy");
      g.setAttribute("aria-label", `copy of ${node.label}, as ${this.userLabel(item)} uses it`);
      text(g, w / 2, 16, "title copy-title", fit(`${node.label} →`, w - 10, 13), "middle");
      parts.value = text(g, w / 2, 34, "value copy-value", "", "middle");
    } else {
      const symbol = this.trace.ops[node.op]?.symbol ?? node.op;
      parts.fullTitle = `${node.label}  ${symbol}`;
      parts.title = text(g, 8, 17, "title", fit(parts.fullTitle, w - 16, 14));
      parts.parts = text(g, w - 7, 17, "parts", "", "end");
      if (item.kind === "tensor" && node.shape.length) {
        if (node.shape.reduce((a, b) => a * b, 1) <= SMALL_TENSOR) this.drawMatrices(parts, node);
        else this.drawHeatmaps(parts, node);
      } else {
        parts.value = text(g, 8, 38, "value");
        parts.grad = text(g, 8, 58, "grad");
      }
    }
    const select = () => this.onSelect(node.id);
    g.addEventListener("click", select);
    g.addEventListener("focus", select);
    return parts;
  }

  drawGroup(parts) {
    const { g, item, w } = parts;
    g.classList.add("group");
    const members = item.members.length;
    parts.title = text(g, w / 2, 24, "title", fit(item.group.split("/").pop(), w - 16, 14), "middle");
    text(g, w / 2, 44, "note", `${members} nodes · open`, "middle");
    g.setAttribute("aria-label", `group ${item.group}, ${members} nodes, folded: press Enter to unfold`);
    const open = () => this.onUnfold(item.group);
    g.addEventListener("click", open);
    g.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
    return parts;
  }

  userLabel(item) {
    return item.user.startsWith("g:") ? item.user.slice(2) : this.trace.nodes[Number(item.user.slice(1))]?.label ?? item.user;
  }

  /** A small tensor's numbers, value rows above gradient rows. */
  drawMatrices(parts, node) {
    const [rows, cols] = node.shape.length === 1 ? [1, node.shape[0]] : node.shape.slice(-2);
    parts.matrix = { rows, cols, value: [], grad: [] };
    for (const [kind, top] of [["value", 38], ["grad", 42 + rows * 17]]) {
      for (let r = 0; r < rows; r += 1) {
        for (let c = 0; c < cols; c += 1) {
          parts.matrix[kind].push(text(parts.g, 8 + c * 66, top + r * 17, `${kind} cell`));
        }
      }
    }
    this.fillMatrices(parts, node, null);
  }

  fillMatrices(parts, node, grad, known = true) {
    const values = known ? flatten(node.value) : [];
    const grads = Array.isArray(grad) || typeof grad === "number" ? flatten(grad) : [];
    parts.matrix.value.forEach((cell, i) => { cell.textContent = i < values.length ? formatNumber(values[i]) : ""; });
    parts.matrix.grad.forEach((cell, i) => { cell.textContent = i < grads.length ? formatNumber(grads[i]) : ""; });
  }

  /** A large tensor: value and gradient heat-maps on their own purple–green scale, each with its range. */
  drawHeatmaps(parts, node) {
    const shape = node.shape;
    const rows = shape.length > 1 ? shape[shape.length - 2] : 1;
    const cols = shape[shape.length - 1];
    const cell = Math.max(2, Math.min(8, Math.floor(56 / Math.max(rows, cols))));
    parts.heat = [];
    for (const [index, cls] of [[0, "heat-value"], [1, "heat-grad"]]) {
      const left = 9 + index * (parts.w / 2);
      const g = el("g", { class: cls, transform: `translate(${left},28)` }, parts.g);
      const cells = [];
      for (let r = 0; r < Math.min(rows, 24); r += 1) {
        for (let c = 0; c < Math.min(cols, 24); c += 1) {
          cells.push(el("rect", { x: c * cell, y: r * cell, width: cell - 0.5, height: cell - 0.5 }, g));
        }
      }
      const range = text(parts.g, left, parts.h - 10, `${index ? "grad" : "value"} range`);
      parts.heat.push({ cells, cols: Math.min(cols, 24), fullCols: cols, range });
    }
  }

  /** Far out, a box's fill says how large its value is (the numbers come back on zooming in). */
  paintMagnitudes() {
    const sizes = new Map();
    for (const parts of this.elements.values()) {
      if (parts.item.kind === "group") continue;
      const values = flatten(this.trace.nodes[parts.item.node].value).filter(Number.isFinite);
      sizes.set(parts, values.length ? values.reduce((a, v) => a + Math.abs(v), 0) / values.length : 0);
    }
    const largest = Math.max(1e-12, ...sizes.values());
    for (const [parts, size] of sizes) {
      parts.g.style.setProperty("--magnitude", `${Math.round(10 + 70 * Math.sqrt(size / largest))}%`);
    }
  }

  /** Show one frame: which values and gradients are known, and which step is playing. */
  update(frame, selected, hidden = null) {
    const trace = this.trace;
    const current = frame.current;
    for (const parts of this.elements.values()) {
      const item = parts.item;
      if (item.kind === "group") {
        parts.g.classList.toggle("computed", item.members.every((id) => frame.values[id]));
        continue;
      }
      const node = trace.nodes[item.node];
      const known = frame.values[node.id];
      const grad = frame.grads[node.id];
      const count = frame.contributions[node.id].length;
      const active = Boolean(current) && (current.node === node.id || current.input === node.id);
      const masked = hidden === node.id;  // quiz: this gradient waits for the class's guess
      const mine = item.kind === "copy" ? this.copyContributions(item, frame) : null;
      // Most nodes do not change from one step to the next: skip them (this keeps big graphs smooth).
      const signature = `${known}|${grad}|${count}|${active}|${selected === node.id}|${masked}|${mine}`;
      if (parts.signature === signature) continue;
      parts.signature = signature;
      parts.g.classList.toggle("computed", known);
      parts.g.classList.toggle("has-grad", grad !== undefined);
      parts.g.classList.toggle("active", active);
      parts.g.classList.toggle("selected", selected === node.id);
      parts.g.classList.toggle("nonfinite", Boolean(node.flags) && known);
      if (item.kind === "copy") this.updateCopy(parts, node, known, mine, masked);
      else if (item.kind !== "const") this.updateNumbers(parts, node, known, masked ? undefined : grad, count);
      if (masked && parts.grad) parts.grad.textContent = "∇ ?";
      if (item.kind !== "copy") {
        const description = nodeDescription(trace, node, frame, masked);
        if (parts.description !== description) {
          parts.g.setAttribute("aria-label", description);
          parts.description = description;
        }
      }
    }
    this.showEdge(current, hidden !== null);
  }

  /** What the user of a copy has sent back into the copied node so far (null: nothing yet). */
  copyContributions(item, frame) {
    let total = null;
    for (const c of frame.contributions[item.node]) {
      if (this.itemOf.get(c.from) === item.user && typeof c.value === "number") total = (total ?? 0) + c.value;
    }
    return total;
  }

  updateCopy(parts, node, known, mine, masked) {
    const shown = masked ? "+= ?" : mine !== null ? `+= ${formatNumber(mine)}` : known ? formatNumber(node.value) : "";
    parts.value.classList.toggle("grad", mine !== null || masked);
    if (parts.value.textContent !== shown) parts.value.textContent = shown;
  }

  updateNumbers(parts, node, known, grad, count) {
    if (parts.matrix) {
      this.fillMatrices(parts, node, grad, known);
    } else if (parts.heat) {
      paint(parts.heat[0], known ? node.value : null);
      paint(parts.heat[1], grad !== undefined ? grad : null);
    } else {
      const value = known ? formatNumber(node.value) : "";
      const gradient = grad !== undefined ? `∇ ${formatNumber(grad)}` : "";
      if (parts.value.textContent !== value) parts.value.textContent = value;
      if (parts.grad.textContent !== gradient) parts.grad.textContent = gradient;
      // the exact numbers on hover (the box shows 4 significant digits)
      setTitle(parts.g, known ? `exact value ${node.value}${typeof grad === "number" ? `, exact gradient ${grad}` : ""}` : "");
    }
    const sum = count > 1 ? `Σ${count}` : "";
    if (parts.parts && parts.parts.textContent !== sum) {
      parts.parts.textContent = sum;  // the count of contributions takes room from the title
      parts.title.textContent = fit(parts.fullTitle, parts.w - (sum ? 20 + 8 * sum.length : 16), 14);
    }
  }

  /** The drawn edge from node `input` into the box `head`: through the input's copy if it has one. */
  edgeInto(input, head) {
    return this.edges.get(`${this.itemOf.get(input)}@${head}>${head}`) ?? this.edges.get(`${this.itemOf.get(input)}>${head}`);
  }

  /** Highlight the edge of the current backward step and write upstream × local = contribution by it. */
  showEdge(step, masked = false) {
    for (const path of this.lit ?? []) path.classList.remove("active", "forward");
    this.lit = [];
    this.labelLayer.replaceChildren();
    if (!step || step.seed) return;
    const trace = this.trace;
    const head = this.itemOf.get(step.node);
    if (step.pass === "forward") {
      for (const input of trace.nodes[step.node].inputs) {
        const path = this.edgeInto(input, head)?.path;
        if (path) {
          path.classList.add("forward");
          this.lit.push(path);
        }
      }
      return;
    }
    const edge = this.edgeInto(step.input, head);
    if (!edge) return;
    edge.path.classList.add("active");
    this.lit.push(edge.path);
    const content = trace.kind === "tensor"
      ? `∂ += upstream · ${step.rule}`
      : `${operand(step.upstream)} × ${operand(step.local)} = ${masked ? "?" : formatNumber(step.contribution)}`;
    this.placeLabel(edge.points, content);
  }

  /** Put a label by the edge where it covers no box; failing that, in the strip above the graph with a
   * leader line down to the edge. Its size is computed from its length (monospace), not measured. */
  placeLabel(points, content) {
    const width = content.length * LABEL_FONT * 0.6 + 14;
    const height = LABEL_FONT + 9;
    const count = points.length / 2;
    let spot = null;
    for (const fraction of [0.5, 0.35, 0.65, 0.2, 0.8]) {
      const k = Math.min(count - 1, Math.round(fraction * (count - 1)));
      const [px, py] = [points[2 * k], points[2 * k + 1]];
      for (const dy of [-height / 2 - 4, height / 2 + 4, 0, -height - 8, height + 8]) {
        const box = [px - width / 2, py + dy - height / 2, width, height];
        if (box[0] >= this.box.x && box[0] + width <= this.box.x + this.box.width && box[1] >= -MARGIN
            && !this.boxes.some((other) => overlaps(box, other, 3))) {
          spot = box;
          break;
        }
      }
      if (spot) break;
    }
    if (!spot) {
      const k = Math.floor(count / 2);
      const [px, py] = [points[2 * k], points[2 * k + 1]];
      const left = Math.max(this.box.x + 2, Math.min(px - width / 2, this.box.x + this.box.width - width - 2));
      spot = [left, -MARGIN - STRIP + (STRIP - height) / 2, width, height];
      el("line", { x1: Math.max(left + 6, Math.min(px, left + width - 6)), y1: spot[1] + height, x2: px, y2: py,
        class: "edge-label-leader" }, this.labelLayer);
    }
    el("rect", { x: spot[0], y: spot[1], width: spot[2], height: spot[3], rx: 4, class: "edge-label-back" }, this.labelLayer);
    text(this.labelLayer, spot[0] + spot[2] / 2, spot[1] + height / 2 + LABEL_FONT * 0.35, "edge-label", content, "middle");
  }
}

function overlaps([ax, ay, aw, ah], [bx, by, bw, bh], pad) {
  return ax < bx + bw + pad && bx < ax + aw + pad && ay < by + bh + pad && by < ay + ah + pad;
}

function setTitle(node, content) {
  let title = node.querySelector(":scope > title");
  if (!content) { title?.remove(); return; }
  if (!title) title = el("title", {}, node);
  if (title.textContent !== content) title.textContent = content;
}

function order(item) {
  return item.kind === "group" ? Number.MAX_SAFE_INTEGER : item.node + (item.kind === "copy" ? 0.5 : 0);
}

/** Fill heat-map cells on a purple (negative) – green (positive) scale of their own, and write the range. */
function paint(heat, data) {
  const values = data === null || data === undefined || data?.summary ? [] : flatten(data);
  const finite = values.filter(Number.isFinite);
  const scale = finite.length ? Math.max(1e-12, ...finite.map(Math.abs)) : 0;
  heat.cells.forEach((cell, index) => {
    const row = Math.floor(index / heat.cols);
    const col = index % heat.cols;
    const v = values[row * heat.fullCols + col];
    let fill = "var(--heat-empty)";
    if (v !== undefined && !Number.isFinite(v)) fill = "var(--heat-bad)";
    else if (v !== undefined) {
      const t = Math.abs(v) / scale;
      fill = v < 0 ? `rgba(118, 42, 131, ${0.12 + 0.88 * t})` : `rgba(27, 120, 55, ${0.12 + 0.88 * t})`;
    }
    if (cell.style.fill !== fill) cell.style.fill = fill;  // CSS variables work in style, not in attributes
  });
  const range = finite.length ? `±${formatNumber(scale, 2)}` : data?.summary ? "…" : "";
  if (heat.range.textContent !== range) heat.range.textContent = range;
}
