// Graphviz's `plain` output → the lab's layout (what app/layout.py's _parse_plain makes on the server), for
// a notebook whose machine has no `dot`: the browser runs Graphviz compiled to WebAssembly and reads it here.

const POINTS_PER_INCH = 72;

/**
 * Python's round(x, 1): the nearest tenth of the double's exact value, a tie going to the even tenth.
 * toFixed rounds the exact value too, but sends ties up; a tie is exactly representable only as a
 * quarter (x·4 an odd integer), so those few are settled here.
 */
export function roundTenth(x) {
  const quarters = x * 4;  // exact: a power of two
  if (Number.isInteger(quarters) && quarters % 2 !== 0) {
    const below = Math.floor(x * 10);  // x·10 is exact for a quarter
    return (below % 2 === 0 ? below : below + 1) / 10;
  }
  return Number(x.toFixed(1));
}

/** A word of the plain format: an id may come quoted. */
function unquote(word) {
  return word.length > 1 && word.startsWith('"') && word.endsWith('"') ? word.slice(1, -1) : word;
}

/**
 * Read `plain` output: 'graph scale w h', 'node id x y w h …', 'edge tail head n x1 y1 … xn yn …'.
 * `ids` maps dot's ids back to the view's keys. Positions in CSS pixels with a top-left origin:
 * {width, height, items: {key: [x, y, w, h]}, edges: [[tail, head, [x1, y1, …]]]}, each number a tenth.
 */
export function parsePlain(text, ids) {
  const result = { width: 0, height: 0, items: {}, edges: [] };
  let height = 0;
  const px = (word) => roundTenth(parseFloat(word) * POINTS_PER_INCH);
  const flipped = (word) => roundTenth((height - parseFloat(word)) * POINTS_PER_INCH);
  const key = (word) => {
    const found = ids[unquote(word)];
    if (found === undefined) throw new Error(`the layout names a node the graph does not have: ${word}`);
    return found;
  };
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] === "graph") {
      [result.width, result.height] = [px(parts[2]), px(parts[3])];
      height = parseFloat(parts[3]);
    } else if (parts[0] === "node") {
      result.items[key(parts[1])] = [px(parts[2]), flipped(parts[3]), px(parts[4]), px(parts[5])];
    } else if (parts[0] === "edge") {
      const count = parseInt(parts[3], 10);
      const points = [];
      for (let k = 0; k < count; k += 1) points.push(px(parts[4 + 2 * k]), flipped(parts[5 + 2 * k]));
      result.edges.push([key(parts[1]), key(parts[2]), points]);
    }
  }
  return result;
}

/**
 * The layout for a request {dot, ids, key} that Python sent instead of one: `graphviz` is a loaded
 * @hpcc-js/wasm-graphviz instance. The result has the server layout's fields, with the same key.
 */
export function layOut(graphviz, request) {
  const plain = graphviz.layout(request.dot, "plain", "dot");
  return { ...parsePlain(plain, request.ids), key: request.key };
}
