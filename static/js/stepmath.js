// The current step as LaTeX (for KaTeX) and as a plain sentence, built from the trace's fields.

import { formatNumber, operand, texName, texNumber, texOperand } from "./format.js";

/** The op applied to already-typeset arguments, from the op's LaTeX template in the trace (engine/ops):
 * {0}, {1} stand for the inputs, then for the node's number argument (pow's constant exponent,
 * leaky_relu's slope). */
export function texOp(trace, op, args, arg) {
  const filled = typeof arg === "number" ? [...args, texOperand(arg)] : args;
  return trace.ops[op].latex.replace(/\{(\d)\}/g, (_, k) => filled[Number(k)] ?? "");
}

function partial(top, bottom) {
  return `\\frac{\\partial ${top}}{\\partial ${bottom}}`;
}

// An op written as a function call ("tanh({0})") needs no parentheses as the variable of a derivative;
// one written with an operator does, ∂(q·z)/∂q.
const CALL = /^\w+\(.*\)$/;
const ADD_TO = "\\mathrel{+}\\nobreak=";  // "+=" that a line break never splits
const MANY = 8;  // a longer sum shows its first 3 and last 2 terms around "⋯"

/** Node's expression in its inputs' labels, ready to stand after ∂ (a quotient inline: no fraction
 * inside the fraction). */
function texExpression(trace, node) {
  const symbols = node.inputs.map((id) => texName(trace.nodes[id].label));
  if (node.op === "div") return `(${symbols[0]} / ${symbols[1]})`;
  const written = texOp(trace, node.op, symbols, node.arg);
  return CALL.test(trace.ops[node.op].formula) ? written : `(${written})`;
}

/** ∂out/∂child as the sum of its contributions so far; a long sum is elided in the middle and
 * breaks after any top-level "+" or "=" (KaTeX wraps inline math there). */
function texSum(out, child, parts, grad) {
  if (parts.length < 2) return "";
  const terms = parts.length > MANY
    ? [...parts.slice(0, 3).map((c) => texOperand(c.value)),
      `\\underset{\\text{${parts.length} terms}}{\\cdots}`,
      ...parts.slice(-2).map((c) => texOperand(c.value))]
    : parts.map((c) => texOperand(c.value));
  return ` \\qquad\\allowbreak ${partial(out, child)} = ${terms.join(" + ")} = ${texNumber(grad)}`;
}

/** LaTeX for one step (null for steps without arithmetic to show). */
export function stepTex(trace, step, frame, hidden = false) {
  const nodes = trace.nodes;
  const node = nodes[step.node];
  const name = texName(node.label);
  const tensor = trace.kind === "tensor";
  if (step.pass === "forward") {
    if (!node.inputs.length) {
      return tensor ? `${name} \\in \\mathbb{R}^{${node.shape.join("\\times") || 1}}` : `${name} = ${texNumber(node.value)}`;
    }
    const symbols = node.inputs.map((id) => texName(nodes[id].label));
    const written = texOp(trace, node.op, symbols, node.arg);
    if (tensor) return `${name} = ${written}`;
    const numbers = node.inputs.map((id) => texOperand(nodes[id].value));
    return `${name} = ${written} = ${texOp(trace, node.op, numbers, node.arg)} = ${texNumber(node.value)}`;
  }
  const out = texName(nodes[trace.output].label);
  if (step.seed) return `${partial(out, out)} = 1`;
  const child = texName(nodes[step.input].label);
  // into the output, ∂f/∂f · ∂f/∂q would explain ∂f/∂q by itself: differentiate f's expression instead
  const variable = step.node === trace.output ? texExpression(trace, node) : name;
  const chain = `${partial(out, child)} ${ADD_TO} ${partial(out, name)} \\cdot ${partial(variable, child)}`;
  if (tensor) return chain;
  if (hidden && !("upstream" in step)) return `${chain} = \\;?`;  // withheld: not reached yet
  const product = `${texOperand(step.upstream)} \\cdot ${texOperand(step.local)}`;
  if (hidden) return `${chain} = ${product} = \\;?`;
  const parts = frame.contributions[step.input].filter((c) => c.step <= frame.position - 1);
  return `${chain} = ${product} = ${texNumber(step.contribution)}${texSum(out, child, parts, step.grad)}`;
}

/** A plain-language line for screen readers and the step panel. */
export function stepSentence(trace, step, frame) {
  const nodes = trace.nodes;
  const node = nodes[step.node];
  if (step.pass === "forward") {
    if (!node.inputs.length) {
      return trace.kind === "tensor" ? `${node.label} is an input of shape (${node.shape.join(", ")}).`
        : `${node.label} is ${node.op === "const" ? "the constant" : "an input with value"} ${formatNumber(node.value)}.`;
    }
    if (trace.kind === "tensor") return `Forward: ${step.text}.`;
    return `Forward: ${node.label} = ${formatNumber(node.value)}, computed as ${step.text.split(" = ")[1]}.`;
  }
  const out = nodes[trace.output].label;
  if (step.seed) return `Backward starts: the gradient of ${out} with respect to itself is 1.`;
  const child = nodes[step.input].label;
  if (trace.kind === "tensor") {
    return `Backward: ∂${out}/∂${child} receives ∂${out}/∂${node.label} times the local derivative, ${step.rule}.`;
  }
  const count = frame.contributions[step.input].length;
  const sum = count > 1 ? ` This is contribution ${count}, so the gradient is now the sum: ${formatNumber(step.grad)}.` : "";
  return `Backward: ∂${out}/∂${child} += ${operand(step.upstream)} × ${operand(step.local)} = ${formatNumber(step.contribution)}.${sum}`;
}
