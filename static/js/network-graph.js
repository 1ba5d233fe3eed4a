// The network as Playground draws it: the input features (toggles, each with its picture), the hidden
// layers' neurons (each with its output over the input plane, and its bias), the output, and the weights
// as edges whose width and colour show their size and sign. Every neuron, bias and weight is focusable
// and named ("weight w2_3_1 = −0.42"); choosing one calls `onPick(name)`.

import {
  FEATURES, biasName, decodeGrid, edgeStyle, featureGrid, gridPixels, largestWeight, neuronName, shortNumber,
  weightName,
} from "./network-draw.js";

const SVG = "http://www.w3.org/2000/svg";
const MOST_NEURONS = 8;

function element(tag, attributes = {}, children = []) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, String(value));
  }
  node.append(...children);
  return node;
}

/** A size×size grid of 0..255 on a canvas of that many pixels (CSS scales it up). */
export function paintGrid(canvas, bytes, size) {
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  canvas.getContext("2d").putImageData(new ImageData(gridPixels(bytes, size), size, size), 0, 0);
}

/** The diagram in `container`. `onFeature(key)` toggles a feature, `onWidth(layer, change)` adds (+1) or
 * removes (−1) a neuron of hidden layer `layer` (0-based), `onPick(name)` asks for a node's gradient,
 * `onInspect(text)` says what the pointer or focus is on. */
export function createDiagram(container, { onFeature, onWidth, onPick, onInspect }) {
  const svg = element("svg:svg", { class: "net-edges" });
  const columns = element("div", { class: "net-columns" });
  container.replaceChildren(svg, columns);
  let shape = null;  // { features, hidden, domain }
  let units = [];  // units[L][k]: the element of unit k of layer L (L = 0: the active features)
  let edges = [];  // { name, group, line, hit, layer, from, to }
  let biases = [];  // { name, button, layer, unit }
  const values = new Map();  // name → its latest value

  function pickable(node, name, describe) {
    node.dataset.name = name;
    node.addEventListener("click", () => onPick(name));
    node.addEventListener("keydown", (event) => {
      if (node.tagName !== "BUTTON" && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); onPick(name); }
    });
    const tell = () => onInspect(describe());
    node.addEventListener("pointerenter", tell);
    node.addEventListener("focus", tell);
    return node;
  }

  function featureColumn() {
    const column = element("div", { class: "net-column features" }, [element("h3", { text: "Features" })]);
    for (const feature of FEATURES) {
      const on = shape.features.includes(feature.key);
      const canvas = element("canvas", { width: 24, height: 24, "aria-hidden": "true" });
      paintGrid(canvas, featureGrid(feature, shape.domain, 24), 24);
      const button = element("button", {
        type: "button", class: "feature", "aria-pressed": on, "data-feature": feature.key,
        "aria-label": `feature ${feature.label} (${on ? "used" : "not used"})`, title: `${feature.label}: click to ${on ? "leave out" : "use"}`,
      }, [canvas, element("span", { text: feature.label })]);
      button.addEventListener("click", () => onFeature(feature.key));
      column.append(button);
    }
    return column;
  }

  function neuron(layer, unit, layers) {
    const name = neuronName(layer, unit, layers);
    const canvas = element("canvas", { width: 16, height: 16, "aria-hidden": "true" });
    const button = pickable(element("button", { type: "button", class: layer === layers ? "neuron out" : "neuron" }, [canvas]),
      name, () => `neuron ${name}: its output over the input plane; click for ∂loss/∂${name} in the lab`);
    button.setAttribute("aria-label", `neuron ${name}`);
    const bias = biasName(layer, unit);
    const biasButton = pickable(element("button", { type: "button", class: "bias", "aria-label": `bias ${bias}` }),
      bias, () => `bias ${bias} = ${shortNumber(values.get(bias) ?? 0)}`);
    biases.push({ name: bias, button: biasButton, layer, unit });
    return { wrap: element("div", { class: "unit" }, [button, biasButton]), button, canvas };
  }

  function layerColumn(layer, width, layers) {
    const output = layer === layers;
    const heading = output ? [element("h3", { text: "Output" })] : [
      element("h3", { text: `${width} neuron${width === 1 ? "" : "s"}` }),
      widthButton(layer - 1, +1, width < MOST_NEURONS), widthButton(layer - 1, -1, width > 1),
    ];
    const column = element("div", { class: output ? "net-column output-unit" : "net-column layer" },
      [element("div", { class: "layer-head" }, heading)]);
    const made = [];
    for (let unit = 1; unit <= width; unit += 1) {
      const { wrap, button, canvas } = neuron(layer, unit, layers);
      column.append(wrap);
      made.push({ button, canvas });
    }
    return { column, made };
  }

  function widthButton(layer, change, enabled) {
    const button = element("button", {
      type: "button", class: "width", "aria-label": `${change > 0 ? "add a neuron to" : "remove a neuron from"} hidden layer ${layer + 1}`,
      text: change > 0 ? "+" : "−",
    });
    button.disabled = !enabled;
    button.addEventListener("click", () => onWidth(layer, change));
    return button;
  }

  function edge(layer, from, to) {
    const name = weightName(layer, from, to);
    const hit = element("svg:path", { class: "hit" });
    const line = element("svg:path", { class: "line" });
    const group = pickable(element("svg:g", { class: "weight", tabindex: 0, role: "button", "aria-label": `weight ${name}` }, [hit, line]),
      name, () => `weight ${name} = ${shortNumber(values.get(name) ?? 0)}: from unit ${from} of layer ${layer - 1} to unit ${to} of layer ${layer}`);
    return { name, group, line, hit, layer, from, to };
  }

  /** Build the diagram for a network shape: { features: [keys], hidden: [widths], domain: [lo, hi] }. */
  function build(next) {
    shape = next;
    biases = [];
    values.clear();
    const layers = shape.hidden.length + 1;
    columns.replaceChildren(featureColumn());
    units = [shape.features.map((key) => columns.querySelector(`[data-feature="${key}"]`))];
    [...shape.hidden, 1].forEach((width, k) => {
      const { column, made } = layerColumn(k + 1, width, layers);
      columns.append(column);
      units.push(made);
    });
    edges = [];
    svg.replaceChildren();
    for (let layer = 1; layer < units.length; layer += 1) {
      units[layer - 1].forEach((_, from) => units[layer].forEach((__, to) => edges.push(edge(layer, from + 1, to + 1))));
    }
    svg.append(...edges.map((e) => e.group));
    place();
  }

  /** Lay the edges over the columns: from the right of a unit to the left of the next layer's. */
  function place() {
    if (!shape) return;
    const box = container.getBoundingClientRect();
    svg.setAttribute("width", String(container.scrollWidth));
    svg.setAttribute("height", String(container.scrollHeight));
    const rectOf = (node) => (node.button ?? node).getBoundingClientRect();
    for (const e of edges) {
      const a = rectOf(units[e.layer - 1][e.from - 1]);
      const b = rectOf(units[e.layer][e.to - 1]);
      const [x1, y1] = [a.right - box.left + container.scrollLeft, a.top + a.height / 2 - box.top + container.scrollTop];
      const [x2, y2] = [b.left - box.left + container.scrollLeft, b.top + b.height / 2 - box.top + container.scrollTop];
      const middle = (x1 + x2) / 2;
      const d = `M${x1.toFixed(1)},${y1.toFixed(1)} C${middle.toFixed(1)},${y1.toFixed(1)} ${middle.toFixed(1)},${y2.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`;
      e.line.setAttribute("d", d);
      e.hit.setAttribute("d", d);
    }
  }

  /** One frame: each neuron's picture, each weight's edge and name, each bias's colour. */
  function update(frame) {
    if (!shape) return;
    const size = Math.round(Math.sqrt(decodeGrid(frame.neurons[0]?.[0] ?? "").length)) || 0;
    frame.neurons.forEach((layer, k) => layer.forEach((grid, unit) => {
      const target = units[k + 1]?.[unit];
      if (target && size) paintGrid(target.canvas, decodeGrid(grid), size);
    }));
    const largest = largestWeight(frame.weights);
    for (const e of edges) {
      const w = frame.weights[e.layer - 1]?.[e.from - 1]?.[e.to - 1];
      if (w === undefined) continue;
      values.set(e.name, w);
      const style = edgeStyle(w, largest);
      e.line.setAttribute("stroke", style.colour);
      e.line.setAttribute("stroke-width", style.width.toFixed(2));
      e.line.setAttribute("stroke-opacity", style.opacity.toFixed(2));
      e.group.setAttribute("aria-label", `weight ${e.name} = ${shortNumber(w)}`);
    }
    const biggestBias = Math.max(1e-12, ...frame.biases.flat().map(Math.abs));
    for (const b of biases) {
      const value = frame.biases[b.layer - 1]?.[b.unit - 1];
      if (value === undefined) continue;
      values.set(b.name, value);
      const style = edgeStyle(value, biggestBias);
      b.button.style.background = style.colour;
      b.button.style.opacity = String(style.opacity);
      b.button.setAttribute("aria-label", `bias ${b.name} = ${shortNumber(value)}`);
    }
  }

  new ResizeObserver(place).observe(container);
  return { build, update, place, value: (name) => values.get(name) };
}
