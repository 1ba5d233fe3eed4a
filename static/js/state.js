// The lab's state in the URL: one declarative table, one encoder, one decoder. Pure: no DOM.
//
// Format version 1: ?v=1&source=…&values=x:1.5,y:-2&step=7&node=3&folded=a|b&theme=dark&view=1.5,20,-4&mode=lab
//                   &train=w0|w1&lr=0.5&momentum=0.9&notes={"6":"ask the class first"}
// Old links keep working: a version-1 reader ignores keys it does not know, and fills missing ones
// with their defaults; a later version adds keys and bumps v only if a key changes meaning.

export const STATE_VERSION = 1;

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** Each entry: URL key, state field, how to read and write it, and its default. */
export const FIELDS = [
  { key: "preset", field: "preset", type: "text", default: null },
  { key: "source", field: "source", type: "text", default: null },
  { key: "values", field: "values", type: "values", default: {} },
  { key: "step", field: "position", type: "count", default: 0 },
  { key: "node", field: "selected", type: "count", default: null },
  { key: "folded", field: "folded", type: "list", default: null },
  { key: "theme", field: "theme", type: "choice", options: ["light", "dark"], default: null },
  { key: "view", field: "view", type: "view", default: null },
  { key: "mode", field: "mode", type: "choice", options: ["lab", "present", "embed"], default: "lab" },
  { key: "train", field: "train", type: "list", default: null },
  { key: "lr", field: "lr", type: "number", default: null },
  { key: "momentum", field: "momentum", type: "number", default: null },
  { key: "notes", field: "notes", type: "notes", default: null },
];

const TYPES = {
  text: {
    read: (text) => text,
    write: (value) => value,
  },
  count: {
    read: (text) => (/^\d{1,7}$/.test(text) ? Number(text) : undefined),
    write: (value) => String(value),
  },
  choice: {
    read: (text, entry) => (entry.options.includes(text) ? text : undefined),
    write: (value) => value,
  },
  number: {
    read: (text) => (text !== "" && Number.isFinite(Number(text)) ? Number(text) : undefined),
    write: (value) => String(value),
  },
  notes: {
    read: (text) => {
      try {
        const notes = JSON.parse(text);
        const ok = notes && typeof notes === "object" && !Array.isArray(notes)
          && Object.entries(notes).every(([k, v]) => /^\d{1,7}$/.test(k) && typeof v === "string");
        return ok ? notes : undefined;
      } catch {
        return undefined;
      }
    },
    write: (value) => JSON.stringify(value),
  },
  list: {
    read: (text) => text.split("|").filter(Boolean).slice(0, 200),
    write: (value) => value.join("|"),
  },
  values: {
    read: (text) => {
      const values = {};
      for (const item of text.split(",").filter(Boolean)) {
        const [name, number] = item.split(":");
        if (!NAME.test(name ?? "") || !Number.isFinite(Number(number)) || number === "") return undefined;
        values[name] = Number(number);
      }
      return values;
    },
    write: (value) => Object.entries(value).map(([name, number]) => `${name}:${number}`).join(","),
  },
  view: {
    read: (text) => {
      const numbers = text.split(",").map(Number);
      return numbers.length === 3 && numbers.every(Number.isFinite) && numbers[0] > 0 ? numbers : undefined;
    },
    write: (value) => value.map((n) => Number(n.toFixed(3))).join(","),
  },
};

function isDefault(value, fallback) {
  return JSON.stringify(value) === JSON.stringify(fallback);
}

/** The URL query for a state (defaults left out, so links stay short and readable). */
export function encode(state) {
  const params = new URLSearchParams({ v: String(STATE_VERSION) });
  for (const entry of FIELDS) {
    const value = state[entry.field];
    if (value === null || value === undefined || isDefault(value, entry.default)) continue;
    if (entry.key === "preset" && state.source !== null && state.source !== undefined) continue;
    params.set(entry.key, TYPES[entry.type].write(value, entry));
  }
  return params.toString();
}

/** A state from a URL query, and a notice for each part that could not be read (never an exception). */
export function decode(query) {
  const params = new URLSearchParams(query);
  const state = {};
  const notices = [];
  const version = params.get("v");
  if (version !== null && version !== String(STATE_VERSION)) {
    notices.push(`This link has format version ${version.slice(0, 8)}; it was read as version ${STATE_VERSION}.`);
  }
  for (const entry of FIELDS) {
    const text = params.get(entry.key);
    if (text === null) {
      state[entry.field] = structuredClone(entry.default);
      continue;
    }
    const value = TYPES[entry.type].read(text, entry);
    if (value === undefined) {
      notices.push(`The link's ${entry.key} (${JSON.stringify(text.slice(0, 24))}) was not understood and is ignored.`);
      state[entry.field] = structuredClone(entry.default);
    } else {
      state[entry.field] = value;
    }
  }
  return { state, notices };
}
