// Teaching aids: the preset's walkthrough, the teacher's own notes per step, and the quiz mode.
//
// The quiz is part of the page's state (quiz, revealed), so a link or a live room carries it. A
// student in a quiz room receives a trace without the hidden numbers: their guess waits for the reveal.

import { formatNumber } from "./format.js";

const TALLY = "backprop-quiz-tally";

/** A backward edge whose numbers this page was not given (a quiz room withholds them). */
export function withheld(step) {
  return Boolean(step) && step.pass === "backward" && !step.seed && !("contribution" in step);
}

/** Tour, notes and quiz for the page; `go(position)` moves the frame, `refresh()` redraws it. */
export function createClassroom({ $, state, go, refresh }) {
  let guess = null;  // a student's answer waiting for the reveal: { position, value }

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

  /** In quiz mode, a scalar backward edge keeps its contribution hidden until it is revealed; an edge
   * whose numbers were withheld is hidden whatever the mode. */
  function hides(step) {
    if (withheld(step)) return true;
    return Boolean(state.quiz && step && step.pass === "backward" && !step.seed
      && state.response.trace.kind === "scalar" && !state.revealed.includes(state.position));
  }

  function tally() {
    return JSON.parse(sessionStorage.getItem(TALLY) ?? '{"right":0,"wrong":0}');
  }

  function score(value, answer) {
    const right = Number.isFinite(value) && Math.abs(value - answer) <= 1e-3 + 1e-2 * Math.abs(answer);
    const counts = tally();
    counts[right ? "right" : "wrong"] += 1;
    sessionStorage.setItem(TALLY, JSON.stringify(counts));
    $("quiz-result").textContent = right ? "Right!" : `Not quite: the contribution is ${formatNumber(answer)}.`;
  }

  function showQuiz(step) {
    const hidden = hides(step);
    const current = state.position;
    $("quiz-box").hidden = !hidden || (withheld(step) && !("upstream" in step));  // not reached yet: no question
    const answered = guess?.position === current;
    $("quiz-check").disabled = answered;
    $("quiz-reveal").hidden = state.live?.role === "student" || withheld(step);
    if (answered && !withheld(step) && step) {  // the teacher revealed the step this student answered
      score(guess.value, step.contribution);
      guess = null;
    } else if (answered) {
      $("quiz-result").textContent = `Your answer, ${formatNumber(guess.value)}, is in: the teacher reveals the result.`;
    }
    const { right, wrong } = tally();
    $("quiz-tally").textContent = state.quiz ? `Quiz: ${right} right, ${wrong} wrong` : "";
    return hidden;
  }

  function check() {
    const step = state.response.trace.steps[state.position - 1];
    if (!hides(step)) return;
    const value = Number($("quiz-guess").value.replaceAll("\u2212", "-").trim());
    $("quiz-guess").value = "";
    if (withheld(step)) {  // the answer is not on this page: wait for the teacher's reveal
      guess = { position: state.position, value };
      refresh();
      return;
    }
    score(value, step.contribution);
    reveal();
  }

  /** Show the hidden contribution (the teacher's choice, with or without a guess). */
  function reveal() {
    if (!state.revealed.includes(state.position)) state.revealed = [...state.revealed, state.position].slice(-200);
    refresh();
  }

  function toggleQuiz() {
    state.quiz = !state.quiz;
    $("quiz-result").textContent = "";
    refresh();
  }

  /** A new program: nothing of it is revealed yet. */
  function forget() {
    state.revealed = [];
    guess = null;
  }

  return { show, next: () => move(1), previous: () => move(-1), saveNote, hides, showQuiz, check, reveal,
    toggleQuiz, forget };
}
