// Traces the engine recorded (tests/js/fixtures/*.json, made through POST /api/trace), for the pure modules' tests.

import { readFileSync } from "node:fs";

/** The recorded trace of a fixture: "cs231n", "fan-out" (x feeds three edges) or "tensor". */
export function loadTrace(name) {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), "utf8")).trace;
}
