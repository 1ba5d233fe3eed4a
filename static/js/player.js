// The standalone player: the lab's graph, step panel and narration, playing one recorded trace inside any element.
//
// It needs no server: everything it shows comes from one answer of POST /api/trace. It queries only inside
// its own element, so several players can share a page (a notebook, a slide deck).

import katex from "../vendor/katex/katex.mjs";
import { GraphView } from "./graph.js";
import { stepTex } from "./stepmath.js";
import { SPEEDS, backwardStart, frameAt, passAt, stepDelay } from "./timeline.js";

// Milliseconds per step at each speed: the lab's choices, so "1×" feels the same in both.
const READABLE = 12;  // px: the smallest text the graph may show; a larger graph scrolls instead
const LARGEST = 2;  // a small graph grows to fill the pane, but not past twice its laid-out size

// The playback controls, with the lab's labels (so their accessible names are the same) and keys.
const CONTROLS = [
  { name: "to-start", label: "« Start", title: "Start (Home)", keys: ["Home"] },
  { name: "back", label: "◀ Back", title: "Step back (←)", keys: ["ArrowLeft", "PageUp"] },
  { name: "play", label: "Play", title: "Play or pause (Space)", keys: [" "] },
  { name: "forward", label: "Step ▶", title: "Step forward (→)", keys: ["ArrowRight", "PageDown"] },
  { name: "to-backward", label: "Backward »", title: "Start of the backward pass (B)", keys: ["b"] },
  { name: "to-end", label: "End »", title: "End (End)", keys: ["End"] },
];

/** An HTML element with attributes and children (text children become text nodes, never markup). */
function h(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) element.setAttribute(key, value === true ? "" : value);
  }
  element.append(...children);
  return element;
}

/** The player's markup, empty of numbers: graph, step panel, playback. Returns its parts by role. */
function build(root, title) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", "Graph nodes, in topological order");
  const parts = {
    svg,
    graph: h("div", { class: "bp-graph", tabindex: "0", "aria-label": "Computational graph" }, [svg]),
    counter: h("div", { class: "bp-counter" }),
    math: h("div", { class: "bp-math", "aria-hidden": "true" }),
    sentence: h("p", { class: "bp-sentence", "aria-live": "polite" }),
    tour: h("p", { class: "bp-tour", hidden: true }),
    console: h("section", { class: "bp-console", role: "log", "aria-label": "Printed output", hidden: true }),
    slider: h("input", { class: "bp-slider", type: "range", min: "0", max: "0", value: "0", "aria-label": "Step" }),
    speed: h("select", { class: "bp-speed" }, Object.keys(SPEEDS).map((speed) =>
      h("option", { value: speed, selected: speed === "1" }, [`${{ "0.25": "¼", "0.5": "½" }[speed] ?? speed}×`]))),
    buttons: Object.fromEntries(CONTROLS.map(({ name, label, title: hint }) => [name,
      h("button", { type: "button", class: `bp-${name}${name === "play" ? " primary" : ""}`, title: hint }, [label])])),
  };
  const legend = h("p", { class: "bp-legend" }, [h("span", { class: "bp-swatch bp-value-swatch" }), "value",
    h("span", { class: "bp-swatch bp-grad-swatch" }), "gradient"]);
  root.replaceChildren(
    h("div", { class: "bp-head" }, [title ? h("h2", { class: "bp-title" }, [title]) : "", legend]),
    parts.graph,
    h("section", { class: "bp-step", "aria-label": "Current step" }, [parts.counter, parts.math, parts.sentence, parts.tour]),
    h("nav", { class: "bp-controls", "aria-label": "Playback" }, [...Object.values(parts.buttons), parts.slider,
      h("label", { class: "bp-speed-label" }, ["Speed ", parts.speed])]),
    parts.console,
  );
  parts.buttons.play.setAttribute("aria-pressed", "false");
  return parts;
}

/** What the program's print(...) lines showed, each with the program line it came from. */
function showConsole(box, lines) {
  box.hidden = lines.length === 0;
  box.replaceChildren(...lines.map((entry) => h("div", { class: `bp-console-line ${entry.kind}` },
    [h("span", { class: "bp-console-where" }, [`line ${entry.line}`]), h("output", {}, [entry.text])])));
}

/** In MathML, stepmath's "+=" is two operators, each spaced as one ("+ ="): close the gap between them. */
function joinAddTo(container) {
  for (const plus of container.querySelectorAll("mo")) {
    let next = plus.nextElementSibling;
    while (next?.localName === "mspace" && !next.hasAttribute("width")) next = next.nextElementSibling;
    if (plus.textContent === "+" && next?.localName === "mo" && next.textContent === "=") {
      plus.setAttribute("rspace", "0");
      next.setAttribute("lspace", "0");
    }
  }
}

/**
 * Play one recorded trace inside `element` (its children are replaced).
 *
 * `response` is an answer of POST /api/trace as it stands: trace, narration, tour, inputs, view and layout
 * (the player only reads response.layout; a caller without a server may fill it in before calling).
 * Options, all optional:
 *   title     heading above the graph, and the player region's accessible name
 *   position  the step to open at (0: before the first step; clamped to the trace)
 *   speed     "0.25", "0.5", "1", "2", "4" or "16" (steps per 0.8 s), as the lab's speed menu
 *   theme     "light" or "dark"; by default the player follows prefers-color-scheme
 *   math      "mathml" (default: needs no fonts or stylesheet) or "html" (KaTeX's own rendering: the page
 *             must load KaTeX's stylesheet and fonts)
 *   autoplay  start playing at once
 *   onUnfold  called with a group's path when a folded group is opened (the player cannot lay out anew)
 *   onStep    called with the position after every frame shown
 * Returns a handle: go(position), play(), pause(), position(), destroy().
 */
export function mount(element, response, options = {}) {
  const trace = response.trace;
  const total = trace.steps.length;
  const root = element;
  root.classList.add("bp-player");
  if (options.theme) root.dataset.theme = options.theme;
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", options.title ? `Backprop player: ${options.title}` : "Backprop player");
  const parts = build(root, options.title);
  const state = { position: 0, playing: false, selected: null, speed: SPEEDS[options.speed] ? String(options.speed) : "1" };
  parts.speed.value = state.speed;
  const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
  let timer = null;
  let typesetPending = null;

  const graph = new GraphView(parts.svg, {
    onSelect: (id) => { state.selected = id; show(); },
    onUnfold: (group) => options.onUnfold?.(group),
  });
  graph.render(response);
  showConsole(parts.console, response.console ?? []);

  /** Show the frame at state.position: graph, step panel, counter, slider. */
  function show() {
    const frame = frameAt(trace, state.position);
    const step = frame.current;
    graph.update(frame, state.selected);
    const forward = backwardStart(trace);
    parts.counter.textContent = state.position === 0
      ? `Ready: ${total} steps (${forward} forward, ${total - forward} backward)`
      : `Step ${state.position} of ${total} · ${passAt(trace, state.position)} pass`;
    parts.slider.max = String(total);
    parts.slider.value = String(state.position);
    typesetLater(step ? stepTex(trace, step, frame) : null);
    parts.sentence.textContent = step ? response.narration[state.position - 1] : "Press → or Play to run the forward pass.";
    const tourStop = (response.tour ?? []).find((candidate) => candidate.position === state.position);
    parts.tour.hidden = !tourStop;
    parts.tour.textContent = tourStop ? `${tourStop.title}: ${tourStop.note}` : "";
    parts.buttons.play.textContent = state.playing ? "Pause" : "Play";
    parts.buttons.play.setAttribute("aria-pressed", String(state.playing));
    if (step) keepInView(step.pass === "forward" || step.seed ? [step.node] : [step.input, step.node]);
    options.onStep?.(state.position);
  }

  /** Typeset on the next animation frame, so the graph paints first; only the latest formula is typeset. */
  function typesetLater(tex) {
    const first = typesetPending === null;
    typesetPending = tex ?? "";
    if (!first) return;
    requestAnimationFrame(() => {
      const latest = typesetPending;
      typesetPending = null;
      if (!latest) { parts.math.replaceChildren(); return; }
      const html = options.math === "html";
      katex.render(`\\displaystyle ${latest}`, parts.math,
        { throwOnError: false, displayMode: false, output: html ? "htmlAndMathml" : "mathml" });
      if (!html) joinAddTo(parts.math);
    });
  }

  /** Size the drawing: the whole graph when its numbers stay readable so, else larger, and the pane scrolls. */
  function fitGraph() {
    const box = parts.svg.viewBox.baseVal;
    const pane = parts.graph;
    if (!box?.width || !pane.clientWidth) return;
    const fit = Math.min(pane.clientWidth / box.width, pane.clientHeight / box.height);
    const least = READABLE / smallestText();
    const scale = Math.min(Math.max(fit, least), Math.max(LARGEST, least));
    parts.svg.style.width = `${Math.floor(box.width * scale)}px`;
    parts.svg.style.height = `${Math.floor(box.height * scale)}px`;
    graph.setScale(scale);
  }

  /** The font size, in layout units, of the smallest kind of text on the graph's boxes (12 if none). */
  function smallestText() {
    const sizes = [...new Set([...parts.svg.querySelectorAll(".node text")].map((text) => text.getAttribute("class")))]
      .map((cls) => parseFloat(getComputedStyle(parts.svg.querySelector(`text[class="${cls}"]`)).fontSize))
      .filter((size) => size > 0);
    return sizes.length ? Math.min(...sizes) : READABLE;
  }

  /** Where node `id`'s box is drawn, in pixels from the drawing's top left corner (null: not drawn). */
  function placeOf(id) {
    const node = parts.svg.querySelector(`.node[data-id="${id}"]`);
    if (!node) return null;
    const box = node.getBBox();
    const place = node.transform.baseVal.consolidate()?.matrix ?? { e: 0, f: 0 };  // the node's translate()
    const view = parts.svg.viewBox.baseVal;
    const scale = parts.svg.clientWidth / view.width;
    return { left: (place.e + box.x - view.x) * scale, top: (place.f + box.y - view.y) * scale,
      right: (place.e + box.x + box.width - view.x) * scale, bottom: (place.f + box.y + box.height - view.y) * scale };
  }

  /** When the graph is larger than its pane, scroll so that the step's boxes are in view: both ends of a
   * backward edge when they fit together, else the one receiving the gradient (`ids[0]`). */
  function keepInView(ids) {
    const pane = parts.graph;
    if (pane.scrollWidth <= pane.clientWidth && pane.scrollHeight <= pane.clientHeight) return;
    const places = ids.map(placeOf).filter(Boolean);
    if (!places.length) return;
    const both = { left: Math.min(...places.map((p) => p.left)), top: Math.min(...places.map((p) => p.top)),
      right: Math.max(...places.map((p) => p.right)), bottom: Math.max(...places.map((p) => p.bottom)) };
    const fits = both.right - both.left <= pane.clientWidth && both.bottom - both.top <= pane.clientHeight;
    const target = fits ? both : places[0];
    const inside = target.left >= pane.scrollLeft && target.right <= pane.scrollLeft + pane.clientWidth
      && target.top >= pane.scrollTop && target.bottom <= pane.scrollTop + pane.clientHeight;
    if (inside) return;
    pane.scrollTo({ left: (target.left + target.right - pane.clientWidth) / 2, top: (target.top + target.bottom - pane.clientHeight) / 2,
      behavior: reducedMotion.matches ? "auto" : "smooth" });
  }

  function go(position) {
    state.position = Math.max(0, Math.min(total, Math.round(Number(position) || 0)));
    if (state.position === total) stop();
    show();
  }

  function play() {
    if (state.position >= total) state.position = 0;
    state.playing = true;
    tick();
  }

  function tick() {
    clearTimeout(timer);
    if (!state.playing) return;
    go(state.position + 1);
    if (state.playing) timer = setTimeout(tick, stepDelay(state.speed, reducedMotion.matches));
  }

  function stop() {
    state.playing = false;
    clearTimeout(timer);
  }

  function pause() {
    stop();
    show();
  }

  /** Step to `position`, stopping playback first. */
  function stepTo(position) {
    stop();
    go(position);
  }

  const actions = {
    "to-start": () => stepTo(0),
    back: () => stepTo(state.position - 1),
    play: () => (state.playing ? pause() : play()),
    forward: () => stepTo(state.position + 1),
    "to-backward": () => stepTo(backwardStart(trace) + 1),
    "to-end": () => stepTo(total),
  };
  const keys = new Map(CONTROLS.flatMap(({ name, keys: names }) => names.map((key) => [key, actions[name]])));

  /** The lab's keys, while focus is anywhere inside this player (a field keeps its own keys). */
  function onKey(event) {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
    const action = keys.get(event.key);
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();  // also keeps Space from clicking the focused button a second time
    action();
  }

  for (const [name, button] of Object.entries(parts.buttons)) button.addEventListener("click", actions[name]);
  parts.slider.addEventListener("input", () => stepTo(Number(parts.slider.value)));
  parts.speed.addEventListener("change", () => { state.speed = parts.speed.value; });
  root.addEventListener("keydown", onKey);
  // a click on the graph gives the player the keyboard, as a click on the lab's graph does
  parts.graph.addEventListener("pointerdown", () => parts.graph.focus({ preventScroll: true }));
  const resize = new ResizeObserver(() => fitGraph());
  resize.observe(parts.graph);
  fitGraph();
  go(options.position ?? 0);
  if (options.autoplay) play();

  return {
    go: stepTo,
    play,
    pause,
    position: () => state.position,
    destroy() {
      stop();
      resize.disconnect();
      root.removeEventListener("keydown", onKey);
      root.replaceChildren();
    },
  };
}
