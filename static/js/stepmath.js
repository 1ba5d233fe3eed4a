// The current step as LaTeX (for KaTeX) and as a plain sentence, built from the trace's fields.

import { formatNumber, operand, texName, texNumber, texOperand } from "./format.js";

const FUNCTIONS = {
  tanh: "\\tanh", exp: "\\exp", log: "\\log", sin: "\\sin", cos: "\\cos", sigmoid: "\\sigma",
  relu: "\\operatorname{relu}", abs: "\\operatorname{abs}", sqrt: null, max: "\\max", min: "\\min",
  sum: "\\operatorname{sum}", mean: "\\operatorname{mean}", softmax: "\\operatorname{softmax}",
  mse: "\\operatorname{mse}", cross_entropy: "\\operatorname{CE}", reshape: "\\operatorname{reshape}",
};

/** The op applied to already-typeset arguments. */
export function texOp(op, args, arg) {
  const [a, b] = args;
  switch (op) {
    case "add": return `${a} + ${b}`;
    case "sub": return `${a} - ${b}`;
    case "mul": return `${a} \\cdot ${b}`;
    case "div": return `\\frac{${a}}{${b}}`;
    case "pow": return `{${a}}^{${b ?? texOperand(arg)}}`;
    case "neg": return `-${a}`;
    case "matmul": return `${a}\\,${b}`;
    case "transpose": return `{${a}}^{\\top}`;
    case "sqrt": return `\\sqrt{${a}}`;
    default: return `${FUNCTIONS[op] ?? `\\operatorname{${op}}`}\\left(${args.join(", ")}\\right)`;
  }
}

function partial(top, bottom) {
  return `\\frac{\\partial ${top}}{\\partial ${bottom}}`;
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
    const written = texOp(node.op, symbols, node.arg);
    if (tensor) return `${name} = ${written}`;
    const numbers = node.inputs.map((id) => texOperand(nodes[id].value));
    return `${name} = ${written} = ${texOp(node.op, numbers, node.arg)} = ${texNumber(node.value)}`;
  }
  const out = texName(nodes[trace.output].label);
  if (step.seed) return `${partial(out, out)} = 1`;
  const child = texName(nodes[step.input].label);
  const chain = `${partial(out, child)} \\mathrel{+}= ${partial(out, name)} \\cdot ${partial(name, child)}`;
  if (tensor) return chain;
  const arithmetic = `${texOperand(step.upstream)} \\cdot ${texOperand(step.local)} = ${texNumber(step.contribution)}`;
  if (hidden) return `${chain} = ${texOperand(step.upstream)} \\cdot ${texOperand(step.local)} = \\;?`;
  const parts = frame.contributions[step.input].filter((c) => c.step <= frame.position - 1);
  const total = parts.length > 1
    ? ` \\qquad ${partial(out, child)} = ${parts.map((c) => texOperand(c.value)).join(" + ")} = ${texNumber(step.grad)}`
    : "";
  return `${chain} = ${arithmetic}${total}`;
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
