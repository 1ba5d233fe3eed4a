// Lays graphs out with Graphviz compiled to WebAssembly and reads dot's own plain output, both through
// static/js/layout-wasm.js, for tests/notebook/test_layout_match.py. Reads JSON on stdin:
// [{name, dot, ids, key, plain}] and writes {name: {wasm, parsed, version}} on stdout.
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { readFileSync } from "node:fs";
import { layOut, parsePlain } from "../../static/js/layout-wasm.js";

const requests = JSON.parse(readFileSync(0, "utf-8"));
const graphviz = await Graphviz.load();
const results = {};
for (const request of requests) {
  results[request.name] = { wasm: layOut(graphviz, request), parsed: parsePlain(request.plain, request.ids), version: graphviz.version() };
}
process.stdout.write(JSON.stringify(results));
