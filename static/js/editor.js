// The editor's side panel: source-line highlighting and the input controls. Elements come in as arguments.

/** Highlight the source lines of a span in the editor's backdrop (rows rebuilt only when the text changes). */
export function paintLines(backdrop, textarea, span, cls = "current-line") {
  const text = textarea.value;
  if (backdrop.dataset.text !== text) {
    backdrop.replaceChildren(...text.split("\n").map((line) => {
      const row = document.createElement("div");
      row.textContent = line || " ";
      return row;
    }));
    backdrop.dataset.text = text;
  }
  [...backdrop.children].forEach((row, index) => {
    const number = index + 1;
    const lit = Boolean(span) && number >= span.line && number <= (span.end_line ?? span.line);
    const wanted = lit ? cls : "";
    if (row.className !== wanted) row.className = wanted;
  });
  backdrop.scrollTop = textarea.scrollTop;
}

/** A slider's range and step around `value`: at least ±5, else twice the value's size, in 200 steps. */
export function sliderRange(value) {
  const span = Math.max(5, Math.ceil(Math.abs(value) * 2));
  return { min: -span, max: span, step: span / 200 };
}

/** Set an input row's number field and slider to `value`, widening the slider's range if it falls outside. */
function setRow(number, slider, value) {
  if (document.activeElement !== number) number.value = String(value);
  if (value < Number(slider.min) || value > Number(slider.max)) {
    const { min, max, step } = sliderRange(value);
    Object.assign(slider, { min: String(min), max: String(max), step: String(step) });
  }
  slider.value = String(value);
}

/** A number field, a slider and a "train" tick per scalar input; `onChange(name, value)` when a value
 * moves, `onTrain(name, ticked)` when a tick changes. `trained(name)` says which are ticked. */
export function drawInputs(box, inputs, onChange, trained = () => false, onTrain = () => {}) {
  box.replaceChildren();
  for (const input of inputs) {
    const row = document.createElement("div");
    row.className = "input-row";
    const label = document.createElement("label");
    label.textContent = input.name;
    row.appendChild(label);
    if (input.shape && input.shape.length) {
      const note = document.createElement("span");
      note.className = "shape";
      note.textContent = `shape (${input.shape.join(", ")}): edit it in the program`;
      row.appendChild(note);
      box.appendChild(row);
      continue;
    }
    const start = typeof input.value === "number" ? input.value : 0;
    const { min, max, step } = sliderRange(start);
    const number = Object.assign(document.createElement("input"), { type: "number", step: "any", value: String(start) });
    const slider = Object.assign(document.createElement("input"),
      { type: "range", min: String(min), max: String(max), step: String(step), value: String(start) });
    number.id = `input-${input.name}`;
    label.htmlFor = number.id;
    slider.id = `slider-${input.name}`;
    slider.setAttribute("aria-label", `${input.name} slider`);
    const change = (value) => {
      if (!Number.isFinite(value)) return;
      setRow(number, slider, value);
      onChange(input.name, value);
    };
    number.addEventListener("change", () => change(Number(number.value)));
    slider.addEventListener("input", () => change(Number(slider.value)));
    const tick = Object.assign(document.createElement("input"), { type: "checkbox", checked: trained(input.name) });
    tick.id = `train-${input.name}`;
    tick.setAttribute("aria-label", `train ${input.name}`);
    tick.addEventListener("change", () => onTrain(input.name, tick.checked));
    const tickLabel = Object.assign(document.createElement("label"), { className: "train-toggle", htmlFor: tick.id });
    tickLabel.append(tick, " train");
    row.append(number, slider, tickLabel);
    box.appendChild(row);
  }
}

/** Show new values in the input rows drawInputs made (after an update step, training, or a teacher's
 * change): the fields always say what the graph holds. */
export function syncInputs(box, inputs) {
  for (const input of inputs) {
    const number = box.querySelector(`#input-${CSS.escape(input.name)}`);
    const slider = box.querySelector(`#slider-${CSS.escape(input.name)}`);
    if (number && slider && typeof input.value === "number") setRow(number, slider, input.value);
  }
}

/** The program text a one-line span covers: an input's span is its literal, "-2" in "x = -2". */
export function spanText(source, span) {
  if (!span || span.end_line !== span.line) return null;
  return (source.split("\n")[span.line - 1] ?? "").slice(span.column - 1, span.end_column - 1);
}

/** `source` with the literal under each edit's span replaced by its value (edits: [{ span, value }]). */
export function writeLiterals(source, edits) {
  const lines = source.split("\n");
  const later = (a, b) => b.span.line - a.span.line || b.span.column - a.span.column;
  for (const { span, value } of [...edits].sort(later)) {
    const line = lines[span.line - 1];
    lines[span.line - 1] = line.slice(0, span.column - 1) + String(value) + line.slice(span.end_column - 1);
  }
  return lines.join("\n");
}
