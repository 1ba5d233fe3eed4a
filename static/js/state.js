// Each page's state in its URL: one declarative table (url-state.json, which the server reads too),
// one encoder, one decoder. Pure: no DOM.
//
// Format version 1: ?v=1&source=…&values=x:1.5,y:-2&step=7&node=3&folded=a|b&theme=dark&view=1.5,20,-4&mode=lab
//                   &train=w0|w1&lr=0.5&momentum=0.9&notes={"6":"ask the class first"}
// Old links keep working: a version-1 reader ignores keys it does not know, and fills missing ones
// with their defaults; a later version adds keys and bumps v only if a key changes meaning.

import TABLE from "./url-state.json" with { type: "json" };

export const STATE_VERSION = TABLE.version;
/** The lab's fields (the default table) and the network page's. */
export const FIELDS = TABLE.pages.lab;
export const NETWORK_FIELDS = TABLE.pages.network;

const NAME = new RegExp(TABLE.patterns.name);
const NUMBER = new RegExp(TABLE.patterns.number);
const COUNT = new RegExp(TABLE.patterns.count);

/** A notice from the table's wording: notice("field", { key, text }). */
export function notice(kind, values) {
  return TABLE.notices[kind].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

/** The first `n` characters (code points, as the server counts them). */
function head(text, n) {
  return [...text].slice(0, n).join("");
}

/** A number written with ASCII digits only (no hex, no spaces, no Infinity), within the entry's bounds. */
function readNumber(text, entry = {}) {
  if (!NUMBER.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) && inBounds(number, entry) ? number : undefined;
}

function readCount(text, entry = {}) {
  return COUNT.test(text) && inBounds(Number(text), entry) ? Number(text) : undefined;
}

function inBounds(number, { min, max, above, below }) {
  return !(number < min || number > max || number <= above || number >= below);
}

const TYPES = {
  text: {
    read: (text) => text,
    write: (value) => value,
  },
  count: {
    read: readCount,
    write: (value) => String(value),
  },
  counts: {
    read: (text, entry) => {
      const counts = text.split(",").map((item) => item.trim()).filter(Boolean).map((item) => readCount(item, entry));
      return counts.length <= entry.most && !counts.includes(undefined) ? counts : undefined;
    },
    write: (value) => value.join(","),
  },
  flag: {
    read: (text) => (text === "1" ? true : text === "0" ? false : undefined),
    write: (value) => (value ? "1" : "0"),
  },
  choice: {
    read: (text, entry) => (entry.options.includes(text) ? text : undefined),
    write: (value) => value,
  },
  number: {
    read: readNumber,
    write: (value) => String(value),
  },
  notes: {
    read: (text) => {
      try {
        const notes = JSON.parse(text);
        const ok = notes && typeof notes === "object" && !Array.isArray(notes)
          && Object.entries(notes).every(([k, v]) => COUNT.test(k) && typeof v === "string");
        return ok ? notes : undefined;
      } catch {
        return undefined;
      }
    },
    write: (value) => JSON.stringify(value),
  },
  list: {
    read: (text) => text.split("|").filter(Boolean).slice(0, TABLE.limits.list),
    write: (value) => value.join("|"),
  },
  values: {
    read: (text) => {
      const values = {};
      for (const item of text.split(",").filter(Boolean)) {
        const colon = item.indexOf(":");
        const name = item.slice(0, colon);
        const number = readNumber(item.slice(colon + 1));
        if (colon < 0 || !NAME.test(name) || number === undefined) return undefined;
        values[name] = number;
      }
      return values;
    },
    write: (value) => Object.entries(value).map(([name, number]) => `${name}:${number}`).join(","),
  },
  view: {
    read: (text) => {
      const numbers = text.split(",").map((item) => readNumber(item));
      return numbers.length === 3 && !numbers.includes(undefined) && numbers[0] > 0 ? numbers : undefined;
    },
    write: (value) => value.map((n) => Number(n.toFixed(3))).join(","),
  },
};

/** One field's value from its text, or undefined when the text does not fit the field's type. */
export function readField(entry, text) {
  return TYPES[entry.type].read(text, entry);
}

/** One field's value as URL text. */
export function writeField(entry, value) {
  return TYPES[entry.type].write(value, entry);
}

function isDefault(value, fallback) {
  return JSON.stringify(value) === JSON.stringify(fallback);
}

/** The URL query for a state (defaults left out, so links stay short and readable). */
export function encode(state, fields = FIELDS) {
  const params = new URLSearchParams({ v: String(STATE_VERSION) });
  for (const entry of fields) {
    const value = state[entry.field];
    if (value === null || value === undefined || isDefault(value, entry.default)) continue;
    params.set(entry.key, writeField(entry, value));
  }
  return params.toString();
}

/** The query's key=value pairs, at most the table's limit of them; the first of a repeated key counts. */
function pairsOf(query, notices) {
  const parts = query.replace(/^\?/, "").split("&").filter(Boolean);
  if (parts.length > TABLE.limits.pairs) notices.push(notice("pairs", { limit: TABLE.limits.pairs }));
  const params = new Map();
  for (const [key, text] of new URLSearchParams(parts.slice(0, TABLE.limits.pairs).join("&"))) {
    if (!params.has(key)) params.set(key, text);
  }
  return params;
}

/** A state from a URL query, and a notice for each part that could not be read (never an exception). */
export function decode(query, fields = FIELDS) {
  const notices = [];
  const params = pairsOf(query, notices);
  const state = {};
  const version = params.get("v");
  if (version !== undefined && version !== String(STATE_VERSION)) {
    notices.push(notice("version", { version: head(version, TABLE.limits.version), current: STATE_VERSION }));
  }
  for (const entry of fields) {
    const text = params.get(entry.key);
    const value = text === undefined ? undefined : readField(entry, text);
    if (text !== undefined && value === undefined) {
      notices.push(notice("field", { key: entry.key, text: JSON.stringify(head(text, TABLE.limits.quoted)) }));
    }
    state[entry.field] = value === undefined ? structuredClone(entry.default) : value;
  }
  return { state, notices };
}
