// Traces the engine recorded (tests/js/fixtures/*.json; tests/app/test_js_fixtures.py checks they are still what it
// records, and rewrites them with UPDATE_JS_FIXTURES=1), for the pure modules' tests.

import { readFileSync } from "node:fs";

/** The recorded trace of a fixture: "cs231n", "fan-out" (x feeds three edges) or "tensor". */
export function loadTrace(name) {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), "utf8")).trace;
}
