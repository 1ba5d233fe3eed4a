"""The built-in example programs, each with a title and a sentence on what it shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    summary: str
    source: str
    train: dict[str, Any] = field(default_factory=dict)  # suggested learning rate, steps, momentum

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# micrograd's README example, its lines unchanged
MICROGRAD_README = """from micrograd.engine import Value

a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f'{g.data:.4f}') # prints 24.7041, the outcome of this forward pass
g.backward()
print(f'{a.grad:.4f}') # prints 138.8338, i.e. the numerical value of dg/da
print(f'{b.grad:.4f}') # prints 645.5773, i.e. the numerical value of dg/db
"""
# the single tanh neuron of micrograd's lecture, as the lecture writes it
MICROGRAD_NEURON = """# inputs x1,x2
x1 = Value(2.0, label='x1')
x2 = Value(0.0, label='x2')
# weights w1,w2
w1 = Value(-3.0, label='w1')
w2 = Value(1.0, label='w2')
# bias of the neuron
b = Value(6.8813735870195432, label='b')
# x1*w1 + x2*w2 + b
x1w1 = x1*w1; x1w1.label = 'x1*w1'
x2w2 = x2*w2; x2w2.label = 'x2*w2'
x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
n = x1w1x2w2 + b; n.label = 'n'
o = n.tanh(); o.label = 'o'
o.backward()
"""

PRESETS = [
    Preset(
        "cs231n",
        "The CS231n circuit: f = (x + y) · z",
        "The add gate hands its gradient to both inputs; the multiply gate swaps its inputs' values.",
        "# the CS231n circuit\nx = -2\ny = 5\nz = -4\nq = x + y      # an intermediate node named q\n"
        "f = q * z      # the output: its gradient starts the backward pass\n",
    ),
    Preset(
        "sigmoid-neuron",
        "A sigmoid neuron, gate by gate",
        "2-D neuron σ(w0·x0 + w1·x1 + w2) built from exp, add, negate and divide gates.",
        "w0 = param(2)\nx0 = -1\nw1 = param(-3)\nx1 = -2\nw2 = param(-3)\ns = w0*x0 + w1*x1 + w2\n"
        "f = 1 / (1 + exp(-s))\n",
        {"lr": 0.5, "steps": 50},
    ),
    Preset(
        "fan-out",
        "Fan-out: one value feeds two nodes",
        "x is used twice, so its gradient is the sum of two contributions (that is why gradients use +=).",
        "x = 3\ny = -2\na = x * y\nb = x + y\nf = a * b\n",
    ),
    Preset(
        "composite",
        "A composite function: f = A(B(C(x)))",
        "The chain rule, node by node: ∂f/∂x = A'(B(C(x))) · B'(C(x)) · C'(x).",
        "x = 0.5\nc = x ** 2      # C\nb = sin(c)      # B\nf = exp(b)      # A\n",
    ),
    Preset(
        "tanh-neuron",
        "micrograd's tanh neuron",
        "o = tanh(x1·w1 + x2·w2 + b), the neuron from micrograd's lecture, with its published numbers.",
        "x1 = 2\nx2 = 0\nw1 = -3\nw2 = 1\nb = 6.8813735870195432\nn = x1*w1 + x2*w2 + b\no = tanh(n)\n",
    ),
    Preset(
        "micrograd-readme",
        "micrograd's README example, pasted as it is",
        "The example from micrograd's README, line for line: += makes new nodes, a and b fan out everywhere, and "
        "the prints show g = 24.7041, ∂g/∂a = 138.8338 and ∂g/∂b = 645.5773 under the editor.",
        MICROGRAD_README,
    ),
    Preset(
        "micrograd-neuron",
        "The lecture's tanh neuron, in micrograd's own code",
        "x1·w1 + x2·w2 + b through tanh, written as the lecture writes it: Value(…, label=…), a label on each node, "
        "and o.backward().",
        MICROGRAD_NEURON,
    ),
    Preset(
        "tensor-mlp",
        "A 2-layer tensor MLP with a loss",
        "Four points, a hidden tanh layer of three units, a linear output, and the mean squared error.",
        "X = [[0, 0], [0, 1], [1, 0], [1, 1]]\n"
        "W1 = [[0.5, -0.4, 0.3], [-0.2, 0.6, 0.1]]\nb1 = [0.1, -0.1, 0.05]\n"
        "W2 = [[0.7], [-0.5], [0.2]]\nb2 = [0.1]\ny = [[0], [1], [1], [0]]\n"
        "h = tanh(X @ W1 + b1)\np = h @ W2 + b2\nL = mse(p, y)\n",
    ),
    Preset(
        "max-gate",
        "The max gate routes the gradient",
        "max passes its whole gradient to the larger input and nothing to the other.",
        "a = 4\nb = 2\nc = -1\nm = max(a, b)\nf = m * c\n",
    ),
]
PITFALLS = [
    Preset(
        "pitfall-dead-relu",
        "Pitfall: a dead ReLU",
        "The ReLU's input is negative, so its local derivative is 0: no gradient reaches w or b, "
        "and training cannot move them, however long it runs.",
        "w = param(-2)\nb = param(-1)\nx = 1\nh = relu(w * x + b)\nL = (h - 1) ** 2\n",
        {"lr": 0.1, "steps": 20},
    ),
    Preset(
        "pitfall-exploding",
        "Pitfall: exploding with a large learning rate",
        "Each step overshoots the minimum by more than it corrects, so the loss grows until it overflows; "
        "the node that blew up is flagged.",
        "w = param(1)\nx = 3\nL = (w * x - 2) ** 4\n",
        {"lr": 1.5, "steps": 30},
    ),
    Preset(
        "pitfall-vanishing",
        "Pitfall: vanishing gradients through sigmoids",
        "Every sigmoid multiplies the gradient by at most 1/4, so after five of them almost nothing is left "
        "for x: it barely moves.",
        "x = param(1)\na = sigmoid(x)\nb = sigmoid(a)\nc = sigmoid(b)\nd = sigmoid(c)\nf = sigmoid(d)\n"
        "L = (f - 1) ** 2\n",
        {"lr": 1.0, "steps": 20},
    ),
    Preset(
        "pitfall-no-zero-grad",
        "Pitfall: forgetting to zero the gradients",
        "Without zero_grad the gradients of all earlier steps keep adding up, so each step is larger than the "
        "last and training overshoots (train with 'zero gradients' unticked).",
        "w = param(0)\nx = 1\nL = (w * x - 1) ** 2\n",
        {"lr": 0.3, "steps": 12, "zero_grad": False},
    ),
]
PRESETS += PITFALLS
BY_ID = {preset.id: preset for preset in PRESETS}
