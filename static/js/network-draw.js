// The network page's pictures as numbers: the server's base64 grids, the diverging colour scale, the
// input features' pictures, the weight edges' styling and the names of weights, biases and neurons.
// Pure: no DOM (the page puts the RGBA arrays these return on its canvases).

/** The colour scale's ends and middle (TensorFlow Playground's): orange is class 0 or −1, blue class 1 or +1. */
export const LOW = [245, 147, 34];
export const MIDDLE = [232, 234, 235];
export const HIGH = [8, 119, 189];

/** The colour for a score 0..255 (128 is the middle), as [r, g, b]. */
export function scoreColour(score) {
  const t = Math.max(0, Math.min(255, score)) / 255;
  const [from, to, s] = t < 0.5 ? [LOW, MIDDLE, t * 2] : [MIDDLE, HIGH, t * 2 - 1];
  return from.map((channel, k) => Math.round(channel + (to[k] - channel) * s));
}

/** All 256 colours as RGBA, four bytes a score, so that a picture costs one lookup a cell. */
export const PALETTE = (() => {
  const table = new Uint8ClampedArray(256 * 4);
  for (let score = 0; score < 256; score += 1) {
    table.set([...scoreColour(score), 255], score * 4);
  }
  return table;
})();

/** CSS for a score 0..255. */
export function scoreCss(score) {
  return `rgb(${scoreColour(score).join(", ")})`;
}

/** The bytes of a base64 string (the server's G×G uint8 grids). */
export function decodeGrid(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k += 1) bytes[k] = text.charCodeAt(k);
  return bytes;
}

/** A size×size grid (row 0 = the lowest y) as RGBA rows for a canvas (row 0 = the top), `alpha` 0..255. */
export function gridPixels(bytes, size, alpha = 255) {
  const pixels = new Uint8ClampedArray(size * size * 4);
  for (let row = 0; row < size; row += 1) {
    const top = (size - 1 - row) * size;
    for (let column = 0; column < size; column += 1) {
      const at = (top + column) * 4;
      const colour = bytes[row * size + column] * 4;
      pixels[at] = PALETTE[colour];
      pixels[at + 1] = PALETTE[colour + 1];
      pixels[at + 2] = PALETTE[colour + 2];
      pixels[at + 3] = alpha;
    }
  }
  return pixels;
}

/** The input features Playground offers: key (as the server names it), label, and its value at (x1, x2). */
export const FEATURES = [
  { key: "x1", label: "x₁", value: (x1) => x1 },
  { key: "x2", label: "x₂", value: (x1, x2) => x2 },
  { key: "x1sq", label: "x₁²", value: (x1) => x1 * x1 },
  { key: "x2sq", label: "x₂²", value: (x1, x2) => x2 * x2 },
  { key: "x1x2", label: "x₁x₂", value: (x1, x2) => x1 * x2 },
  { key: "sin1", label: "sin x₁", value: (x1) => Math.sin(x1) },
  { key: "sin2", label: "sin x₂", value: (x1, x2) => Math.sin(x2) },
];

/** A feature's picture over the square [lo, hi]²: a size×size grid of 0..255 (its own range spread over
 * the scale, 128 at zero), row 0 = the lowest x2, as the server's neuron pictures are. */
export function featureGrid(feature, [lo, hi], size) {
  const values = new Float64Array(size * size);
  const at = (k) => lo + ((k + 0.5) / size) * (hi - lo);
  for (let row = 0; row < size; row += 1) {
    for (let column = 0; column < size; column += 1) values[row * size + column] = feature.value(at(column), at(row));
  }
  const largest = Math.max(1e-12, ...values.map(Math.abs));
  return Uint8Array.from(values, (v) => Math.round(127.5 + 127.5 * (v / largest)));
}

/** The look of a weight's edge: width 0.5..`widest` px by |w| against the largest |w| in the network,
 * blue for positive, orange for negative (as the scale's ends). */
export function edgeStyle(weight, largest, widest = 7) {
  const size = largest > 0 ? Math.min(1, Math.abs(weight) / largest) : 0;
  const colour = weight >= 0 ? HIGH : LOW;
  return { width: 0.5 + size * (widest - 0.5), colour: `rgb(${colour.join(", ")})`, opacity: 0.35 + 0.65 * size };
}

/** The largest |w| over every layer's weights (rows × columns). */
export function largestWeight(weights) {
  let largest = 0;
  for (const layer of weights) for (const row of layer) for (const w of row) largest = Math.max(largest, Math.abs(w));
  return largest;
}

/** Names the server's programs use: layer L is 1-based (the inputs are layer 0), units are 1-based. */
export const weightName = (layer, from, to) => `w${layer}_${from}_${to}`;
export const biasName = (layer, unit) => `b${layer}_${unit}`;
export const neuronName = (layer, unit, layers) => (layer === layers ? "out" : `h${layer}_${unit}`);

/** A number as people read it on the page: 2 decimals, a real minus sign. */
export function shortNumber(value) {
  const text = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
  return text.replace(/^-/, "−");
}
