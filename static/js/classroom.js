// Teaching aids: the preset's walkthrough, the teacher's own notes per step, and the quiz mode.

import { formatNumber } from "./format.js";

const TALLY = "backprop-quiz-tally";

/** Tour, notes and quiz for the page; `go(position)` moves the frame, `refresh()` redraws it. */
export function createClassroom({ $, state, go, refresh }) {
  const revealed = new Set();

  function stops() {
    return state.response?.tour ?? [];
  }

  /** The tour bar and the notes for the current position. */
  function show() {
    const tour = stops();
    $("tour").hidden = tour.length === 0;
    const index = tour.findIndex((stop) => stop.position === state.position);
    const stop = tour[index];
    $("tour-title").textContent = stop ? stop.title : "";
    $("tour-count").textContent = stop ? `stop ${index + 1} of ${tour.length}` : `${tour.length} stops`;
    $("tour-note").textContent = stop ? stop.note : "";
    const note = state.notes?.[String(state.position)] ?? "";
    if (document.activeElement !== $("my-note")) $("my-note").value = note;
    $("my-note-shown").textContent = note;
  }

  function move(direction) {
    const tour = stops();
    const next = direction > 0 ? tour.find((stop) => stop.position > state.position)
      : [...tour].reverse().find((stop) => stop.position < state.position);
    if (!next) return;
    state.selected = next.node;
    go(next.position);
  }

  function saveNote() {
    const text = $("my-note").value.trim();
    state.notes = { ...(state.notes ?? {}) };
    if (text) state.notes[String(state.position)] = text.slice(0, 500);
    else delete state.notes[String(state.position)];
    if (!Object.keys(state.notes).length) state.notes = null;
    refresh();
  }

  /** In quiz mode, a scalar backward edge keeps its contribution hidden until the student has guessed. */
  function hides(step) {
    return Boolean(state.quiz && step && step.pass === "backward" && !step.seed
      && state.response.trace.kind === "scalar" && !revealed.has(state.position));
  }

  function tally() {
    return JSON.parse(sessionStorage.getItem(TALLY) ?? '{"right":0,"wrong":0}');
  }

  function showQuiz(step) {
    const hidden = hides(step);
    $("quiz-box").hidden = !hidden;
    const { right, wrong } = tally();
    $("quiz-tally").textContent = state.quiz ? `Quiz: ${right} right, ${wrong} wrong` : "";
    return hidden;
  }

  function check() {
    const step = state.response.trace.steps[state.position - 1];
    const guess = Number($("quiz-guess").value.replaceAll("\u2212", "-").trim());
    const answer = step.contribution;
    const right = Number.isFinite(guess) && Math.abs(guess - answer) <= 1e-3 + 1e-2 * Math.abs(answer);
    const counts = tally();
    counts[right ? "right" : "wrong"] += 1;
    sessionStorage.setItem(TALLY, JSON.stringify(counts));
    $("quiz-result").textContent = right ? "Right!" : `Not quite: the contribution is ${formatNumber(answer)}.`;
    revealed.add(state.position);
    $("quiz-guess").value = "";
    refresh();
  }

  function toggleQuiz() {
    state.quiz = !state.quiz;
    $("quiz").setAttribute("aria-pressed", String(state.quiz));
    $("quiz-result").textContent = "";
    refresh();
  }

  return { show, next: () => move(1), previous: () => move(-1), saveNote, hides, showQuiz, check, toggleQuiz,
    forget: () => revealed.clear() };
}
