// state.js against the shared URL corpus (tests/urlstate/corpus.json, which the server's tests read too).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import corpus from "../urlstate/corpus.json" with { type: "json" };
import { FIELDS, NETWORK_FIELDS, STATE_VERSION, decode, encode, notice } from "../../static/js/state.js";

const PAGES = { lab: FIELDS, network: NETWORK_FIELDS };
const defaults = (fields) => Object.fromEntries(fields.map((entry) => [entry.field, structuredClone(entry.default)]));

describe("the shared corpus", () => {
  for (const { name, page, query, state, notices } of corpus.cases) {
    test(`${page}: ${name}`, () => {
      const decoded = decode(query, PAGES[page]);
      assert.deepEqual(decoded.state, state);
      assert.deepEqual(decoded.notices, notices.map((n) => n.text));
    });
  }
});

describe("encode", () => {
  test("a state's link decodes to the same state, without notices", () => {
    for (const { page, state } of corpus.cases) {
      const again = decode(encode(state, PAGES[page]), PAGES[page]);
      assert.deepEqual(again, { state, notices: [] });
    }
  });

  test("defaults are left out, so the default state's link is its version alone", () => {
    assert.equal(encode(defaults(FIELDS)), `v=${STATE_VERSION}`);
    assert.equal(encode(defaults(NETWORK_FIELDS), NETWORK_FIELDS), `v=${STATE_VERSION}`);
  });

  test("a short link keeps the example's name beside its program (the page shows the example while they agree)", () => {
    const query = encode({ ...defaults(FIELDS), preset: "cs231n", source: "x = 1" });
    assert.equal(new URLSearchParams(query).get("preset"), "cs231n");
    assert.equal(new URLSearchParams(query).get("source"), "x = 1");
  });

  test("a view is written to three decimals", () => {
    assert.equal(new URLSearchParams(encode({ view: [1.23456, -0.0004, 20] })).get("view"), "1.235,0,20");
  });
});

describe("decode", () => {
  test("no non-ASCII decimal digit is a number", () => {
    const digits = [];
    for (let code = 0x80; code <= 0x1ffff; code += 1) {
      const character = String.fromCodePoint(code);
      if (/\p{Nd}/u.test(character)) digits.push(character);
    }
    assert.ok(digits.length > 600);
    for (const digit of digits) {
      const { state, notices } = decode(`values=x:${encodeURIComponent(`1${digit}`)}&step=${encodeURIComponent(digit)}`);
      assert.deepEqual([state.values, state.position, notices.length], [{}, 0, 2], `U+${digit.codePointAt(0).toString(16)}`);
    }
  });

  test("any query decodes to a state of the table's fields, never an exception", () => {
    let seed = 7;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    const alphabet = "v=&%:|,.-+e0123456789abxyz{}\"[]٣😀 \n";
    for (let k = 0; k < 2000; k += 1) {
      const query = Array.from({ length: Math.floor(random() * 60) }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
      const { state, notices } = decode(query);
      assert.deepEqual(Object.keys(state), FIELDS.map((entry) => entry.field));
      assert.ok(notices.every((text) => typeof text === "string"));
    }
  });

  test("a leading question mark is the browser's location.search and is read past", () => {
    assert.deepEqual(decode("?theme=dark").state.theme, "dark");
  });

  test("each decode returns its own copies of the defaults", () => {
    decode("").state.values.x = 1;
    assert.deepEqual(decode("").state.values, {});
  });
});

test("notices fill the table's wording", () => {
  assert.equal(notice("past_end", { position: 12, total: 10 }), "The link's step 12 is past the end (10).");
});
