"""micrograd programs, exactly as their users paste them, with the values and gradients to check."""

from __future__ import annotations

# micrograd's README example, its lines unchanged
README = """from micrograd.engine import Value

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

# the lecture's single tanh neuron
NEURON = """# inputs x1,x2
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

METHODS = """import micrograd
x = Value(0.7, label='x')
y = Value(-1.3, label='y')
f = x.relu() + y.relu() + x.tanh() * y.exp() + x.log() - y.sigmoid()
f.backward()
"""

POWERS = """x = Value(1.7)
f = x ** 3 + x ** -1 + x ** 0.5 - 2 * x**2
f.backward()
"""

AUGMENTED = """a = Value(1.5); b = Value(-0.4)
c = a + b
c += a
c -= b * 2
c *= a
c /= b + 3
c.backward()
"""

CONSTANTS = """e = Value(1.5)
pi = Value(0.5)
f = e * pi + e ** 2
f.backward()
"""

# the names whose values and gradients each program is checked on; the output is "out"
CHECKED = {
    "readme": (README, ("a", "b", "g")),
    "neuron": (NEURON, ("x1", "x2", "w1", "w2", "b", "n", "o")),
    "methods": (METHODS, ("x", "y", "f")),
    "powers": (POWERS, ("x", "f")),
    "augmented": (AUGMENTED, ("a", "b", "c")),
    "constants": (CONSTANTS, ("e", "pi", "f")),
}
