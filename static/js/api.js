// The JSON API, as the pages use it: one request helper, one error type.

/** Why a request failed: the API's {kind, message, line, column}, and the HTTP status (0: no answer). */
export class ApiError extends Error {
  constructor({ status = 0, kind = "http", message = "the request failed", line = 1, column = 1 } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.kind = kind;
    this.line = line;
    this.column = column;
  }
}

/** POST `body` as JSON to `path`. Resolves to the answer's body; rejects with an ApiError (or with the
 * AbortError of a request cancelled through `signal`). */
export function request(path, body, { signal } = {}) {
  return send(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }, signal);
}

/** GET `path`: the answer's body, or an ApiError as request() gives. */
export function getJson(path, { signal } = {}) {
  return send(path, {}, signal);
}

async function send(path, init, signal) {
  let response;
  try {
    response = await fetch(path, { ...init, signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError({ kind: "network", message: "the server cannot be reached" });
  }
  const data = await response.json().catch(() => null);
  signal?.throwIfAborted();  // cancelled while the body was read: still an AbortError, not a bad answer
  if (!response.ok) {
    throw new ApiError({ status: response.status, message: `the server answered ${response.status}`, ...data?.error });
  }
  if (data === null) throw new ApiError({ status: response.status, message: "the server's answer was not JSON" });
  return data;
}

/** POST /api/trace: the program's trace, layout and view (with `preset`, the server may reuse its work). */
export function fetchTrace(source, values = {}, folded = null, signal = undefined, preset = null) {
  const body = { source, values };
  if (preset) body.preset = preset;
  if (folded !== null) body.folded = folded;
  return request("/api/trace", body, { signal });
}

/** POST /api/trace/step: one backward step of a tensor program with its arrays in full. */
export function fetchStep(source, values, step) {
  return request("/api/trace/step", { source, values, step });
}

/** POST /api/share: a short link for a state (its URL query). */
export function createLink(query) {
  return request("/api/share", { state: query });
}

/** POST /api/rooms: a live session for a state (its URL query): code, token, url, qr. */
export function createRoom(query) {
  return request("/api/rooms", { state: query });
}

/** GET /api/rooms/<code>/trace: the trace of a room's current state, as the class may see it now. */
export function roomTrace(code) {
  return getJson(`/api/rooms/${encodeURIComponent(code)}/trace`);
}
