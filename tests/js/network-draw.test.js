// network-draw.js: the server's grids decoded, the colour scale, the features' pictures, the weight edges.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  FEATURES, HIGH, LOW, MIDDLE, PALETTE, biasName, decodeGrid, edgeStyle, featureGrid, gridPixels, largestWeight,
  neuronName, scoreColour, shortNumber, weightName,
} from "../../static/js/network-draw.js";

test("a base64 grid decodes to its bytes, 0..255", () => {
  const bytes = Uint8Array.from([0, 1, 127, 128, 254, 255]);
  assert.deepEqual(decodeGrid(Buffer.from(bytes).toString("base64")), bytes);
  assert.deepEqual(decodeGrid(""), new Uint8Array(0));
});

test("the colour scale is diverging: orange at 0, the light middle near 128, blue at 255", () => {
  assert.deepEqual(scoreColour(0), LOW);
  assert.deepEqual(scoreColour(255), HIGH);
  const middle = scoreColour(127.5);
  middle.forEach((channel, k) => assert.ok(Math.abs(channel - MIDDLE[k]) <= 1));
  assert.deepEqual(scoreColour(-5), LOW, "out of range is clamped");
  assert.deepEqual([...PALETTE.slice(255 * 4)], [...HIGH, 255]);
});

test("a grid's row 0 (the lowest y) becomes the canvas's bottom row", () => {
  // 2×2: bottom row [0, 255], top row [255, 0]
  const pixels = gridPixels(Uint8Array.from([0, 255, 255, 0]), 2, 200);
  const pixel = (row, column) => [...pixels.slice((row * 2 + column) * 4, (row * 2 + column) * 4 + 4)];
  assert.deepEqual(pixel(1, 0), [...LOW, 200]);  // canvas bottom-left = grid (0, 0)
  assert.deepEqual(pixel(1, 1), [...HIGH, 200]);
  assert.deepEqual(pixel(0, 0), [...HIGH, 200]);
});

test("a feature's picture spreads its own range over the scale, zero in the middle", () => {
  const x1 = FEATURES.find((feature) => feature.key === "x1");
  const grid = featureGrid(x1, [-1, 1], 4);
  assert.deepEqual([...grid.slice(0, 4)], [...grid.slice(12, 16)], "x1 does not change with x2");
  assert.ok(grid[0] < 128 && grid[3] > 128);
  assert.equal(grid[0] + grid[3], 255);
  const square = featureGrid(FEATURES.find((feature) => feature.key === "x1sq"), [-1, 1], 4);
  assert.ok([...square].every((v) => v >= 128), "a square is never negative");
  assert.equal(FEATURES.length, 7);
});

test("a weight's edge is wider for a larger |w|, blue when positive and orange when negative", () => {
  const strong = edgeStyle(-2, 2);
  const weak = edgeStyle(0.2, 2);
  assert.equal(strong.width, 7);
  assert.ok(weak.width < strong.width && weak.width >= 0.5);
  assert.equal(strong.colour, `rgb(${LOW.join(", ")})`);
  assert.equal(weak.colour, `rgb(${HIGH.join(", ")})`);
  assert.equal(edgeStyle(1, 0).width, 0.5, "an all-zero network draws hairlines");
  assert.equal(largestWeight([[[0.5, -3]], [[1], [2]]]), 3);
});

test("names follow the programs': layer, from unit, to unit, all 1-based; the last layer is out", () => {
  assert.equal(weightName(2, 3, 1), "w2_3_1");
  assert.equal(biasName(2, 3), "b2_3");
  assert.equal(neuronName(2, 3, 3), "h2_3");
  assert.equal(neuronName(3, 1, 3), "out");
  assert.deepEqual([-0.4249, 0, 123.4].map(shortNumber), ["−0.42", "0.00", "123"]);
});
