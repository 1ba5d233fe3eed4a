"""The language's front door under hostile input: how long parsing and refusing take."""

from __future__ import annotations

from bench.report import Table, best_time, duration, verdict
from engine import lang

CASES = [
    ("9**9**9 (float overflow, not a big integer)", "f = 9**9**9", 1e-3),
    ("200,001 characters of parentheses", "(" * 100000 + "1" + ")" * 100000, 1e-3),
    ("100 nested parentheses (depth limit)", "(" * 100 + "1" + ")" * 100, 1e-3),
    ("a 3,990-term sum (node limit)", "x = 1\ny = " + "x+" * 3990 + "x", 0.1),
    ("5,000-digit number", "9" * 5000, 1e-3),
    (
        "the sigmoid neuron, parsed and built",
        "w0 = 2\nx0 = -1\nw1 = -3\nx1 = -2\nw2 = -3\nf = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
        1e-3,
    ),
]


def attempt(source: str) -> None:
    try:
        lang.run(source)
    except lang.SourceError:
        pass


def run_table() -> Table:
    table = Table("The language: parse, build or refuse (best of repeats)", ["input", "time", "goal", "result"])
    for name, source, goal in CASES:
        seconds = best_time(lambda source=source: attempt(source), repeats=7, number=20)
        table.rows.append([name, duration(seconds), f"< {duration(goal)}", verdict(seconds < goal)])
    return table


def run() -> list[Table]:
    return [run_table()]
