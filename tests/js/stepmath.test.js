// stepmath.js: each recorded step as LaTeX, from the trace's fields alone.

import assert from "node:assert/strict";
import { test } from "node:test";
import { stepTex } from "../../static/js/stepmath.js";
import { frameAt } from "../../static/js/timeline.js";
import { loadTrace } from "./fixtures.js";

/** The formula shown at `position` (1 is the first step). */
function texAt(trace, position, hidden = false) {
  const frame = frameAt(trace, position);
  return stepTex(trace, frame.current, frame, hidden);
}

const cs231n = loadTrace("cs231n");  // x = -2, y = 5, z = -4; q = x + y; f = q * z
const fanOut = loadTrace("fan-out");  // x = 3; y = x * x; f = y + x
const tensor = loadTrace("tensor");  // L = sum(tanh(W @ x))
const PARTIAL_F = (of) => `\\frac{\\partial f}{\\partial ${of}}`;

test("a forward step shows the expression, then its numbers, then the value", () => {
  assert.equal(texAt(cs231n, 1), "x = -2");
  assert.equal(texAt(cs231n, 4), "q = x + y = \\left(-2\\right) + 5 = 3");
  assert.equal(texAt(cs231n, 5), "f = q \\cdot z = 3 \\cdot \\left(-4\\right) = -12");
});

test("the backward pass starts with the output's gradient of itself", () => {
  assert.equal(texAt(cs231n, 6), `${PARTIAL_F("f")} = 1`);
});

test("a backward step is the chain rule with the upstream and local numbers", () => {
  assert.equal(texAt(cs231n, 9),
    `${PARTIAL_F("x")} \\mathrel{+}\\nobreak= ${PARTIAL_F("q")} \\cdot \\frac{\\partial q}{\\partial x} = \\left(-4\\right) \\cdot 1 = -4`);
});

test("into the output, the derivative is of the output's expression", () => {
  assert.ok(texAt(cs231n, 7).includes("\\frac{\\partial (q \\cdot z)}{\\partial q}"));
});

test("a gradient with several contributions shows their sum so far", () => {
  assert.ok(!texAt(fanOut, 6).includes("\\qquad"));
  assert.ok(texAt(fanOut, 7).endsWith(`${PARTIAL_F("x")} = 1 + 3 = 4`));
  assert.ok(texAt(fanOut, 8).endsWith(`${PARTIAL_F("x")} = 1 + 3 + 3 = 7`));
});

test("in quiz mode the contribution is left as a question", () => {
  assert.ok(texAt(fanOut, 7, true).endsWith("= 1 \\cdot 3 = \\;?"));
  assert.ok(!texAt(fanOut, 7, true).includes("= 3"));
});

test("tensor steps show shapes and the chain rule without numbers", () => {
  assert.equal(texAt(tensor, 1), "W \\in \\mathbb{R}^{2\\times2}");
  assert.equal(texAt(tensor, 3), "t_{1} = W\\,x");
  assert.equal(texAt(tensor, 8),
    "\\frac{\\partial L}{\\partial t_{1}} \\mathrel{+}\\nobreak= \\frac{\\partial L}{\\partial t_{2}} \\cdot \\frac{\\partial t_{2}}{\\partial t_{1}}");
});
