"""A room's scalar trace as its class may see it: without the backward numbers the teacher has not
shown yet.

A student's page gets the room's trace from the server, cut at the teacher's frontier, so a quiz
started at any moment finds no answer already on a student's device. In a quiz the teacher stops on a
backward edge and the class works out its contribution before the reveal: that edge is still cut. The
trace is cut at step k, the first backward edge whose numbers the class may not see (never before the
first edge: the forward pass and the seed give nothing away, and one cut serves every forward step).
From k on, each backward edge loses the numbers computed from gradients (its contribution and the
running gradient sum); past k it also loses its upstream gradient and local derivative, which step k
keeps because its question shows them. No node carries its final gradient, and the sentences about
steps from k on say only that their numbers are hidden. A step's `text` stays: it is the chain rule in
symbols, with no computed number.
"""

from __future__ import annotations

from typing import Any

HIDDEN_STEP = "This step's numbers stay hidden until the teacher reveals them."
HIDDEN_STOP = "This stop's numbers stay hidden until the teacher reveals them."
FROM_GRADIENTS = ("contribution", "grad")  # hidden from step k on
QUESTION = ("upstream", "local")  # what step k's question shows: hidden only after it


def is_edge(step: dict[str, Any]) -> bool:
    """A backward step along one edge (the seed, ∂f/∂f = 1, gives nothing away)."""
    return step["pass"] == "backward" and not step.get("seed")


def cutoff(steps: list[dict[str, Any]], position: int, revealed: list[int], quiz: bool = True) -> int:
    """The first step the class may not see in full: the current step (at `position`, 1-based) if it
    is an edge a quiz has not revealed yet, else the one after it; never before the first edge."""
    p = min(position, len(steps))
    hidden = quiz and p > 0 and is_edge(steps[p - 1]) and p not in revealed
    first_edge = next((index for index, step in enumerate(steps) if is_edge(step)), len(steps))
    return max(p - 1 if hidden else p, first_edge)


HIDDEN_PRINT = "(printed once the class has seen the whole backward pass)"


def withhold(response: dict[str, Any], position: int, revealed: list[int], quiz: bool = True) -> dict[str, Any]:
    """`response` (build_trace's) as a room's students may see it, with `withheld`: {"from": k}, or
    None for a tensor trace (its steps hold arrays, and the quiz asks about scalars only)."""
    trace = response["trace"]
    if trace["kind"] != "scalar":
        return {**response, "withheld": None}
    k = cutoff(trace["steps"], position, revealed, quiz)
    return {
        **response,
        "trace": {
            **trace,
            "nodes": [_without_gradient(node) for node in trace["nodes"]],
            "steps": [_step_as_shown(step, index, k) for index, step in enumerate(trace["steps"])],
        },
        "narration": [text if index < k else HIDDEN_STEP for index, text in enumerate(response["narration"])],
        "tour": [stop if stop["position"] <= k else {**stop, "note": HIDDEN_STOP} for stop in response["tour"]],
        "console": [
            {**line, "text": HIDDEN_PRINT} if line["gradients"] and k < len(trace["steps"]) else line
            for line in response.get("console", [])
        ],
        "withheld": {"from": k},
    }


def _step_as_shown(step: dict[str, Any], index: int, k: int) -> dict[str, Any]:
    if index < k or not is_edge(step):
        return step
    hidden = FROM_GRADIENTS + (QUESTION if index > k else ())
    return {name: value for name, value in step.items() if name not in hidden}


def _without_gradient(node: dict[str, Any]) -> dict[str, Any]:
    """A node without its gradient, nor the flag that would say the gradient is not finite."""
    shown = {name: value for name, value in node.items() if name not in ("grad", "flags")}
    flags = [flag for flag in node.get("flags", []) if flag != "nonfinite-grad"]
    return shown | ({"flags": flags} if flags else {})
