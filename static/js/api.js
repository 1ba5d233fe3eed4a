// The JSON API, as the page uses it.

/** POST /api/trace. Resolves to the response body; rejects with {kind, message, line, column}. */
export async function fetchTrace(source, values = {}, folded = null, signal = undefined, preset = null) {
  const body = { source, values };
  if (preset) body.preset = preset;
  if (folded !== null) body.folded = folded;
  let response;
  try {
    response = await fetch("/api/trace", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw { kind: "network", message: "the server cannot be reached", line: 1, column: 1 };
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw data?.error ?? { kind: "http", message: `the server answered ${response.status}`, line: 1, column: 1 };
  }
  return data;
}

/** POST /api/trace/step: one backward step of a tensor program with its arrays in full. */
export async function fetchStep(source, values, step) {
  const response = await fetch("/api/trace/step", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ source, values, step }),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(data?.error?.message ?? `the server answered ${response.status}`);
  return data;
}

/** POST /api/share: a short link for a state (its URL query). */
export async function createLink(query) {
  const response = await fetch("/api/share", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ state: query }),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(data?.error?.message ?? `the server answered ${response.status}`);
  return data;
}
