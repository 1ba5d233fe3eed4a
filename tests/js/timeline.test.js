// timeline.js: the frame after the first `position` steps of a recorded trace.

import assert from "node:assert/strict";
import { test } from "node:test";
import { backwardStart, frameAt, passAt, resolve } from "../../static/js/timeline.js";
import { loadTrace } from "./fixtures.js";

const fanOut = loadTrace("fan-out");  // x = 3; y = x * x; f = y + x
const X = 0;

test("at position 0 nothing has played", () => {
  const frame = frameAt(fanOut, 0);
  assert.equal(frame.current, null);
  assert.deepEqual(frame.values, [false, false, false]);
  assert.deepEqual(frame.grads, [undefined, undefined, undefined]);
});

test("the forward pass shows values one node at a time", () => {
  assert.deepEqual(frameAt(fanOut, 2).values, [true, true, false]);
  assert.deepEqual(frameAt(fanOut, 3).values, [true, true, true]);
});

test("a node used three times receives three contributions, and its gradient is their running sum", () => {
  const end = frameAt(fanOut, fanOut.steps.length);
  assert.deepEqual(end.contributions[X].map((c) => c.value), [1, 3, 3]);
  assert.equal(end.grads[X], 7);
  assert.deepEqual(frameAt(fanOut, 7).contributions[X].map((c) => c.value), [1, 3]);
  assert.equal(frameAt(fanOut, 7).grads[X], 4);
});

test("positions past either end are clamped", () => {
  assert.equal(frameAt(fanOut, -3).position, 0);
  assert.equal(frameAt(fanOut, 99).position, fanOut.steps.length);
  assert.equal(frameAt(fanOut, 99).current, fanOut.steps.at(-1));
});

test("the backward pass starts at the seed, and each position knows its pass", () => {
  assert.equal(backwardStart(fanOut), 3);
  assert.deepEqual([0, 3, 4].map((position) => passAt(fanOut, position)), ["start", "forward", "backward"]);
  assert.equal(backwardStart({ steps: [{ pass: "forward" }] }), 1);
});

test("a step's reference to a node's gradient resolves to that gradient; other values stay as they are", () => {
  const tensor = loadTrace("tensor");
  const seed = tensor.steps[backwardStart(tensor)];
  assert.deepEqual(resolve(tensor, seed.grad), tensor.nodes[seed.node].grad);
  const summary = { summary: true, shape: [2], min: 0, max: 1, mean: 0.5 };
  assert.equal(resolve(tensor, summary), summary);
  assert.deepEqual([resolve(tensor, 2), resolve(tensor, null), resolve(tensor, [1, 2])], [2, null, [1, 2]]);
});
