// api.js: one request helper, and one error type for every way a request can fail.

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { ApiError, fetchTrace, request } from "../../static/js/api.js";

const realFetch = globalThis.fetch;
afterEach(() => { globalThis.fetch = realFetch; });

/** Answer every fetch with `answer(url, options)`, and remember the requests. */
function serve(answer) {
  const requests = [];
  globalThis.fetch = async (url, options) => {
    requests.push({ url, options, body: JSON.parse(options.body) });
    return answer(url, options);
  };
  return requests;
}

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

test("a request posts its body as JSON and resolves to the answer's body", async () => {
  const requests = serve(() => json({ ok: 1 }));
  assert.deepEqual(await request("/api/thing", { a: [1] }), { ok: 1 });
  assert.equal(requests[0].url, "/api/thing");
  assert.equal(requests[0].options.method, "POST");
  assert.equal(requests[0].options.headers["content-type"], "application/json");
  assert.deepEqual(requests[0].body, { a: [1] });
});

test("the API's error comes back as an ApiError with its kind, place and status", async () => {
  serve(() => json({ error: { kind: "syntax", message: "expected a number", line: 2, column: 7 } }, 400));
  const error = await request("/api/trace", {}).catch((e) => e);
  assert.ok(error instanceof ApiError && error instanceof Error);
  assert.deepEqual({ ...error, message: error.message },
    { name: "ApiError", status: 400, kind: "syntax", message: "expected a number", line: 2, column: 7 });
});

test("an answer that is not JSON is an http error that names the status", async () => {
  serve(() => new Response("<html>Bad gateway</html>", { status: 502 }));
  const error = await request("/api/trace", {}).catch((e) => e);
  assert.deepEqual([error.kind, error.status, error.message, error.line, error.column],
    ["http", 502, "the server answered 502", 1, 1]);
});

test("a server that cannot be reached is a network error", async () => {
  globalThis.fetch = async () => { throw new TypeError("fetch failed"); };
  const error = await request("/api/trace", {}).catch((e) => e);
  assert.deepEqual([error.name, error.kind, error.status], ["ApiError", "network", 0]);
});

test("a cancelled request rejects with the AbortError, not an ApiError", async () => {
  const controller = new AbortController();
  globalThis.fetch = async (url, options) => {
    options.signal.throwIfAborted();
    return json({});
  };
  controller.abort();
  const error = await request("/api/trace", {}, { signal: controller.signal }).catch((e) => e);
  assert.equal(error.name, "AbortError");
});

test("fetchTrace sends the preset and folds only when there are some", async () => {
  const requests = serve(() => json({ trace: {} }));
  await fetchTrace("x = 1", { x: 2 });
  await fetchTrace("x = 1", {}, ["g"], undefined, "cs231n");
  assert.deepEqual(requests.map((r) => r.body),
    [{ source: "x = 1", values: { x: 2 } }, { source: "x = 1", values: {}, preset: "cs231n", folded: ["g"] }]);
});
