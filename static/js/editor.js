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
    const span = Math.max(5, Math.ceil(Math.abs(start) * 2));
    const number = Object.assign(document.createElement("input"), { type: "number", step: "any", value: String(start) });
    const slider = Object.assign(document.createElement("input"),
      { type: "range", min: String(-span), max: String(span), step: String(span / 200), value: String(start) });
    number.id = `input-${input.name}`;
    label.htmlFor = number.id;
    slider.setAttribute("aria-label", `${input.name} slider`);
    const change = (value) => {
      if (!Number.isFinite(value)) return;
      number.value = String(value);
      slider.value = String(value);
      onChange(input.name, value);
    };
    number.addEventListener("change", () => change(Number(number.value)));
    slider.addEventListener("input", () => change(Number(slider.value)));
    const tick = Object.assign(document.createElement("input"), { type: "checkbox", checked: trained(input.name) });
    tick.id = `train-${input.name}`;
    tick.addEventListener("change", () => onTrain(input.name, tick.checked));
    const tickLabel = Object.assign(document.createElement("label"), { className: "train-toggle", htmlFor: tick.id });
    tickLabel.append(tick, " train");
    row.append(number, slider, tickLabel);
    box.appendChild(row);
  }
}
