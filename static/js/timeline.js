// The step timeline as frames: what is shown after the first `position` steps. Pure: no DOM.

/**
 * The frame after applying steps[0 .. position-1]:
 *  values[id]      — true once the node's forward step has played
 *  grads[id]       — the node's gradient so far (as recorded in the step fields), or undefined
 *  contributions[id] — the contributions added into that gradient so far, in order
 *  current         — the last step played, or null at position 0
 */
export function frameAt(trace, position) {
  const count = trace.nodes.length;
  const values = new Array(count).fill(false);
  const grads = new Array(count).fill(undefined);
  const contributions = Array.from({ length: count }, () => []);
  const steps = trace.steps;
  const end = Math.max(0, Math.min(position, steps.length));
  for (let i = 0; i < end; i += 1) {
    const step = steps[i];
    if (step.pass === "forward") {
      values[step.node] = true;
    } else if (step.seed) {
      grads[step.node] = resolve(trace, step.grad);
    } else {
      grads[step.input] = resolve(trace, step.grad);
      contributions[step.input].push({ from: step.node, value: resolve(trace, step.contribution), step: i });
    }
  }
  return { position: end, values, grads, contributions, current: end > 0 ? steps[end - 1] : null };
}

/** A step's array as the trace holds it: {ref: "grad", node} points at that node's final gradient;
 * a large array arrives as a summary ({summary: true, shape, min, max, mean}), kept as it is. */
export function resolve(trace, x) {
  return x !== null && typeof x === "object" && !Array.isArray(x) && x.ref ? trace.nodes[x.node][x.ref] : x;
}

/** Index of the first backward step (the seed): where "jump to backward" lands, minus one. */
export function backwardStart(trace) {
  const index = trace.steps.findIndex((step) => step.pass === "backward");
  return index < 0 ? trace.steps.length : index;
}

/** Which pass a position belongs to, for the step counter. */
export function passAt(trace, position) {
  if (position === 0) return "start";
  return trace.steps[position - 1].pass;
}

/** Milliseconds between steps at each playback speed (the lab's and the player's Speed menus). */
export const SPEEDS = { "0.25": 3200, "0.5": 1600, "1": 800, "2": 400, "4": 200, "16": 50 };

/** The wait before the next step at `speed`; with reduced motion asked for, never under 400 ms. */
export function stepDelay(speed, reducedMotion) {
  return reducedMotion ? Math.max(SPEEDS[speed], 400) : SPEEDS[speed];
}
