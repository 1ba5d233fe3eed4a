// layout-wasm.js: Graphviz's plain output read into the lab's layout, as app/layout.py reads it on the server.

import assert from "node:assert/strict";
import { test } from "node:test";
import { layOut, parsePlain, roundTenth } from "../../static/js/layout-wasm.js";

const PLAIN = `graph 1 2.5 1.25
node ka 0.5 0.625 1.4444 0.9167 "" solid box black lightgrey
node "kb" 2 0.625 0.8056 0.4444 "" solid box black lightgrey
edge ka kb 4 1.2222 0.625 1.3 0.625 1.45 0.625 1.5972 0.625 solid black
stop
`;

test("a tenth is rounded as Python's round does: from the exact value, a tie to the even tenth", () => {
  assert.deepEqual([0.25, 0.75, 1.25, -0.25, 2.5, 0.35, 1.005 * 10].map(roundTenth), [0.2, 0.8, 1.2, -0.2, 2.5, 0.3, 10]);
  assert.equal(roundTenth(0.1 * 72), 7.2);
});

test("plain output becomes boxes and splines in pixels with the origin at the top left", () => {
  const layout = parsePlain(PLAIN, { ka: "n0", kb: "n1" });
  assert.deepEqual(layout, {
    width: 180,
    height: 90,
    items: { n0: [36, 45, 104, 66], n1: [144, 45, 58, 32] },
    edges: [["n0", "n1", [88, 45, 93.6, 45, 104.4, 45, 115, 45]]],
  });
});

test("an id the graph does not have is an error, not a box without a key", () => {
  assert.throws(() => parsePlain(PLAIN, { ka: "n0" }), /kb/);
});

test("a layout made in the browser keeps the key the server gives the same structure", () => {
  const graphviz = { layout: (dot, format, engine) => (assert.deepEqual([dot, format, engine], ["digraph {}", "plain", "dot"]), PLAIN) };
  const layout = layOut(graphviz, { dot: "digraph {}", ids: { ka: "n0", kb: "n1" }, key: "abc" });
  assert.equal(layout.key, "abc");
  assert.deepEqual(Object.keys(layout.items), ["n0", "n1"]);
});
