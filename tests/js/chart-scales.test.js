// chart-scales.js: the loss axis's range, thinning a long series, non-finite losses left out.

import assert from "node:assert/strict";
import { test } from "node:test";
import { lossDomain, lossRows, thin } from "../../static/js/chart-scales.js";

test("the loss axis starts at 0 and ends a little above the highest loss", () => {
  assert.deepEqual(lossDomain([2, 1, 0.5]), [0, 2.1]);
  assert.deepEqual(lossDomain([-1, 1]), [-1, 1.1]);
});

test("a flat curve sits in the middle of its chart, not pinned to the top", () => {
  const [bottom, top] = lossDomain([0.25, 0.25, 0.25]);
  assert.equal(bottom, 0);
  assert.equal(top, 0.5);
  assert.deepEqual(lossDomain([0, 0]), [0, 1]);
  assert.deepEqual(lossDomain([]), [0, 1]);
  assert.deepEqual(lossDomain(["nan", Infinity]), [0, 1]);
});

test("a long series is thinned evenly, keeping its first and last items", () => {
  const items = Array.from({ length: 1001 }, (_, k) => k);
  const thinned = thin(items, 11);
  assert.deepEqual(thinned, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.equal(thin([1, 2], 400).length, 2);
});

test("non-finite losses are left out of the rows, the others keep their step", () => {
  assert.deepEqual(lossRows([1, "inf", 0.5, NaN]), [{ step: 0, loss: 1 }, { step: 2, loss: 0.5 }]);
});
