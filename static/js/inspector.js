// The tensor inspector: the selected tensor's full value and gradient matrices, and the current step's
// arrays when that step flows into or out of it. Large step arrays come from POST /api/trace/step.

import { flatten, formatNumber } from "./format.js";
import { resolve } from "./timeline.js";

const MOST_CELLS = 4096;  // a bigger matrix is shown in part (the exact numbers are in the trace JSON)

/** The inspector's behaviour, given its panel and a way to ask for one step's arrays. */
export function createInspector(panel, fetchStep) {
  let shownFor = null;
  let request = 0;

  function hide() {
    panel.hidden = true;
    shownFor = null;
  }

  /** Show node `id` of `trace` at `frame` (does nothing for a scalar graph or no selection). */
  function show(trace, frame, id) {
    const node = id === null ? null : trace.nodes[id];
    if (!node || trace.kind !== "tensor" || !node.shape.length) { hide(); return; }
    const step = frame.current;
    const key = `${id}|${frame.position}`;
    if (shownFor === key) return;
    shownFor = key;
    panel.hidden = false;
    panel.replaceChildren();
    const close = Object.assign(document.createElement("button"), { type: "button", textContent: "Close" });
    close.addEventListener("click", hide);
    const title = document.createElement("h2");
    title.textContent = `${node.label}: shape (${node.shape.join(" × ")})`;
    panel.append(close, title);
    panel.append(matrix("value", node.value, node.shape, frame.values[id]));
    const grad = frame.grads[id];
    panel.append(matrix("gradient", grad?.summary ? null : grad, node.shape, grad !== undefined));
    if (step && step.pass === "backward" && !step.seed && (step.input === id || step.node === id)) {
      const note = document.createElement("p");
      const other = trace.nodes[step.input === id ? step.node : step.input].label;
      note.textContent = `This step: ∂${trace.nodes[trace.output].label}/∂${trace.nodes[step.input].label} `
        + `+= upstream · ${step.rule} (${step.input === id ? `from ${other}` : `into ${other}`}).`;
      panel.append(note);
      const arrays = document.createElement("div");
      panel.append(arrays);
      const mine = ++request;
      const inline = ["upstream", "contribution"].map((field) => resolve(trace, step[field]));
      const load = inline.some((x) => x?.summary) ? fetchStep(frame.position - 1) : Promise.resolve(null);
      load.then((full) => {
        if (mine !== request) return;
        const [upstream, contribution] = full ? [full.upstream, full.contribution] : inline;
        arrays.append(matrix(`upstream ∂/∂${trace.nodes[step.node].label}`, upstream, null, true),
          matrix("contribution", contribution, null, true));
      }).catch((error) => { arrays.textContent = `The step's arrays could not be loaded: ${error.message}`; });
    }
  }

  return { show, hide };
}

/** A table of a matrix's numbers at 4 significant digits, each cell titled with its exact value. */
function matrix(caption, data, shape, known) {
  const table = document.createElement("table");
  table.className = "matrix";
  const head = table.createCaption();
  head.textContent = caption;
  if (!known || data === null || data === undefined) {
    head.textContent += ": not yet computed";
    return table;
  }
  const dims = shape ?? shapeOf(data);
  const cols = dims.length ? dims[dims.length - 1] : 1;
  const values = flatten(data);
  for (let start = 0; start < Math.min(values.length, MOST_CELLS); start += cols) {
    const row = table.insertRow();
    for (const v of values.slice(start, start + cols)) {
      const cell = row.insertCell();
      cell.textContent = formatNumber(v);
      cell.title = String(v);
      cell.className = v < 0 ? "negative" : "";
    }
  }
  if (values.length > MOST_CELLS) head.textContent += ` (first ${MOST_CELLS} of ${values.length} numbers)`;
  return table;
}

function shapeOf(data) {
  const dims = [];
  for (let x = data; Array.isArray(x); x = x[0]) dims.push(x.length);
  return dims;
}
