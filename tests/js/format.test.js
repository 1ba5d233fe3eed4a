// format.js: numbers as the lab shows them, in text and in LaTeX.

import assert from "node:assert/strict";
import { test } from "node:test";
import { flatten, formatNumber, isNonFinite, operand, texName, texNumber, texOperand } from "../../static/js/format.js";

test("numbers keep four significant digits and use a real minus sign", () => {
  assert.deepEqual([3, -2, 0.1 + 0.2, 1 / 3, -0].map((x) => formatNumber(x)), ["3", "−2", "0.3", "0.3333", "0"]);
  assert.equal(formatNumber(Math.PI, 6), "3.14159");
});

test("very large and very small numbers are written with an exponent, its sign a minus too", () => {
  assert.deepEqual([123456, 0.00015, -2e-7].map((x) => formatNumber(x)), ["1.235e+5", "1.5e−4", "−2e−7"]);
});

test("non-finite numbers are spelled out, whether numbers or the trace's strings", () => {
  assert.deepEqual([Infinity, "inf", -Infinity, "-inf", NaN, "nan"].map((x) => formatNumber(x)), ["∞", "∞", "−∞", "−∞", "NaN", "NaN"]);
  assert.deepEqual([null, undefined, [1, 2]].map((x) => formatNumber(x)), ["", "", "[…]"]);
});

test("a negative operand is parenthesised", () => {
  assert.deepEqual([operand(-4), operand(4), texOperand(-4), texOperand(4)], ["(−4)", "4", "\\left(-4\\right)", "4"]);
});

test("LaTeX numbers use an ASCII minus and powers of ten", () => {
  assert.deepEqual([texNumber(-2), texNumber(0.00015), texNumber("inf"), texNumber("-inf"), texNumber("nan")],
    ["-2", "1.5\\times 10^{-4}", "\\infty", "-\\infty", "\\mathrm{NaN}"]);
});

test("names become subscripts, Greek or upright italics", () => {
  assert.deepEqual(["w0", "x", "pi", "learning_rate", "-3"].map(texName), ["w_{0}", "x", "\\pi", "\\mathit{learning\\_rate}", "-3"]);
});

test("non-finite spellings are found inside nested lists and flatten to non-finite numbers", () => {
  assert.equal(isNonFinite([[1, 2], [3, "nan"]]), true);
  assert.equal(isNonFinite([[1, 2], [3, 4]]), false);
  assert.deepEqual(flatten([[1, "inf"], ["-inf", [2]]]), [1, Infinity, -Infinity, 2]);
  assert.ok(Number.isNaN(flatten(["nan"])[0]));
});

test("a label of any text is set as TeX text, with nothing read as a command", async () => {
  const { default: katex } = await import("katex");
  const labels = ["x1*w1 + x2*w2", "<b>x</b>", "\\href{javascript:alert(1)}{x}", "a_b^c{%}$#&~", "}{", "\\"];
  for (const label of labels) {
    const html = katex.renderToString(texName(label), { throwOnError: true });
    assert.ok(!html.includes("<b>") && !/<a[\s>]/.test(html), label);
    const shown = html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    assert.ok(shown.includes(label.replace(/\\/g, "\\")), `${label} → ${shown}`);
  }
  assert.equal(texName("x1"), "x_{1}");
  assert.equal(texName("my_var"), "\\mathit{my\\_var}");
  assert.equal(texName("-0.5"), "-0.5");
});
