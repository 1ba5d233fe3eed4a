// Numbers and labels as the lab shows them: plain text for people and screen readers, LaTeX for KaTeX.

const MINUS = "\u2212";

/** A number for display: up to `digits` significant digits, a real minus sign, inf and nan spelled out. */
export function formatNumber(x, digits = 4) {
  if (x === null || x === undefined) return "";
  if (x === "inf" || x === Infinity) return "∞";
  if (x === "-inf" || x === -Infinity) return `${MINUS}∞`;
  if (x === "nan" || Number.isNaN(x)) return "NaN";
  if (Array.isArray(x)) return "[…]";
  if (Object.is(x, -0)) x = 0;
  let text;
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) {
    text = x.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, "e");
  } else {
    text = String(Number(x.toPrecision(digits)));
  }
  return text.replaceAll("-", MINUS);  // the exponent's sign too: 1.5e−4
}

/** The same number inside a formula: negatives wrapped in parentheses. */
export function operand(x, digits = 4) {
  const text = formatNumber(x, digits);
  return text.startsWith(MINUS) ? `(${text})` : text;
}

/** A number as LaTeX. */
export function texNumber(x, digits = 4) {
  if (x === "inf") return "\\infty";
  if (x === "-inf") return "-\\infty";
  if (x === "nan") return "\\mathrm{NaN}";
  const text = formatNumber(x, digits).replaceAll(MINUS, "-");
  const match = /^(-?[\d.]+)e([+-]?\d+)$/.exec(text);
  return match ? `${match[1]}\\times 10^{${Number(match[2])}}` : text;
}

export function texOperand(x, digits = 4) {
  const tex = texNumber(x, digits);
  return tex.startsWith("-") ? `\\left(${tex}\\right)` : tex;
}

const TEXT_ESCAPES = { "\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", $: "\\$", "&": "\\&", "#": "\\#",
  "^": "\\textasciicircum{}", _: "\\_", "%": "\\%", "~": "\\textasciitilde{}" };

/** A variable name as LaTeX: w0 → w_{0}, long names upright-italic with escaped underscores. */
export function texName(label) {
  if (/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(label)) return texNumber(Number(label));
  const sub = /^([A-Za-z])(\d+)$/.exec(label);
  if (sub) return `${sub[1]}_{${sub[2]}}`;
  if (/^[A-Za-z]$/.test(label)) return label;
  if (label === "pi") return "\\pi";
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) return `\\mathit{${label.replace(/_/g, "\\_")}}`;
  // a label is any text (micrograd's label='x1*w1'): set as text, every character TeX reads specially escaped
  return `\\text{${label.replace(/[\\{}$&#^_%~]/g, (ch) => TEXT_ESCAPES[ch])}}`;
}

/** True for the JSON spellings of non-finite numbers, anywhere inside nested lists. */
export function isNonFinite(x) {
  if (Array.isArray(x)) return x.some(isNonFinite);
  return x === "inf" || x === "-inf" || x === "nan";
}

/** Flatten nested lists of numbers; non-finite spellings become NaN. */
export function flatten(x, out = []) {
  if (Array.isArray(x)) {
    for (const item of x) flatten(item, out);
  } else {
    out.push(typeof x === "number" ? x : x === "inf" ? Infinity : x === "-inf" ? -Infinity : NaN);
  }
  return out;
}
