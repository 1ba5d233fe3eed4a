"""The graph as a class sees it: big enough on a projector, no text over text, nothing jumping."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from app.presets import PRESETS
from tests.browser.lab import open_lab

pytestmark = pytest.mark.browser

# Every visible, non-empty text element of the graph: its screen box and its font size on screen.
TEXTS = """() => {
  const out = [];
  for (const t of document.querySelectorAll('#graph text')) {
    if (!t.textContent.trim() || t.closest('[display=none]') || getComputedStyle(t).display === 'none') continue;
    const r = t.getBoundingClientRect();
    if (!r.width) continue;
    out.push({text: t.textContent, cls: t.getAttribute('class') || '', x: r.left, y: r.top, w: r.width, h: r.height,
              px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a});
  }
  return out;
}"""
NUMBER_CLASSES = {"value", "grad", "cell", "range"}


def overlapping(texts: list[dict[str, Any]], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes cover each other by more than `slack` px both ways."""
    found = []
    ordered = sorted(texts, key=lambda t: t["x"])
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b["x"] >= a["x"] + a["w"] - slack:
                break
            if min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > slack:
                found.append((a["text"], b["text"]))
    return found


def smallest_number(texts: list[dict[str, Any]]) -> float:
    sizes = [t["px"] for t in texts if NUMBER_CLASSES & set(t["cls"].split())]
    return min(sizes) if sizes else float("inf")


def graph_box(page: Any) -> dict[str, float]:
    return page.eval_on_selector(
        "#graph", "g => { const r = g.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; }"
    )


@pytest.mark.parametrize("preset", [p.id for p in PRESETS])
def test_no_text_covers_text_at_any_step_and_the_graph_keeps_its_size(page: Any, preset: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    total = open_lab(page, f"preset={preset}")
    first = graph_box(page)
    for position in range(total + 1):
        page.evaluate(f"window.backpropLab.go({position})")
        texts = page.evaluate(TEXTS)
        assert not overlapping(texts), f"step {position}: {overlapping(texts)[:3]}"
        assert graph_box(page) == first, f"the graph moved at step {position}"


def test_the_sigmoid_neuron_is_readable_in_the_lab_at_1366_by_768(page: Any, artifacts: Path) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    total = open_lab(page, "preset=sigmoid-neuron")
    page.evaluate(f"window.backpropLab.go({total - 3})")
    assert smallest_number(page.evaluate(TEXTS)) >= 12
    page.screenshot(path=str(artifacts / "lab-sigmoid-1366x768.png"))


def test_the_cs231n_circuit_fills_a_720p_projector_in_present_mode(page: Any, artifacts: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    total = open_lab(page, "preset=cs231n&mode=present")
    for position in range(total + 1):
        page.evaluate(f"window.backpropLab.go({position})")
        texts = page.evaluate(TEXTS)
        assert smallest_number(texts) >= 20, f"step {position}"
        assert not overlapping(texts), f"step {position}: {overlapping(texts)[:3]}"
    page.evaluate("window.backpropLab.go(8)")
    page.screenshot(path=str(artifacts / "present-cs231n-1280x720.png"))


def test_zoomed_far_out_numbers_give_way_to_colour_and_come_back(page: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    total = open_lab(page, "preset=sigmoid-neuron")
    page.evaluate(f"window.backpropLab.go({total})")
    assert page.evaluate("document.querySelector('#graph').classList.contains('far')") is False
    for _ in range(8):
        page.click("#zoom-out")
    page.wait_for_function("document.querySelector('#graph').classList.contains('far')")
    assert page.evaluate(TEXTS) == []  # no unreadable specks
    page.click("#fit")
    page.wait_for_function("!document.querySelector('#graph').classList.contains('far')")
    assert smallest_number(page.evaluate(TEXTS)) >= 12


BIG = (
    "a = [1, 2, 3, 4, 5]\nb = [[1], [-1], [2], [-2], [0.5]]\nc = a * b\n"
    "s = sum(c * c) + sum(c)\n"
)  # c is 5 × 5: its steps carry summaries, the inspector fetches them


def test_a_small_tensor_shows_its_numbers_and_a_large_one_its_range(page: Any) -> None:
    open_lab(page, "preset=tensor-mlp")
    total = page.evaluate("window.backpropLab.state.response.trace.steps.length")
    page.evaluate(f"window.backpropLab.go({total})")
    w1 = page.evaluate("window.backpropLab.state.response.trace.nodes.find(n => n.name === 'W1')")
    cells = page.eval_on_selector(
        f"#graph .node[data-id='{w1['id']}']", "g => [...g.querySelectorAll('text.value.cell')].map(t => t.textContent)"
    )
    expected = [f"{v:.4g}".replace("-", "\u2212") for row in w1["value"] for v in row]
    assert cells == expected
    loss = page.evaluate("window.backpropLab.state.response.trace.nodes.at(-1)")
    shown = page.text_content(f"#graph .node[data-id='{loss['id']}'] text.value")
    assert shown == f"{loss['value']:.4g}"  # a scalar result shows its value, not "(scalar)"
    open_lab(page, "source=" + quote(BIG))
    page.evaluate("window.backpropLab.go(window.backpropLab.state.response.trace.steps.length)")
    c = page.evaluate("window.backpropLab.state.response.trace.nodes.find(n => n.name === 'c')")
    ranges = page.eval_on_selector_all(
        f"#graph .node[data-id='{c['id']}'] text.range", "ts => ts.map(t => t.textContent)"
    )
    assert ranges == ["±10", "±21"]  # max |c| = 10, and ∂s/∂c = 2c + 1 is largest at c = 10


def test_the_inspector_shows_a_tensors_matrices_and_the_steps_arrays_in_full(page: Any, server_url: str) -> None:
    open_lab(page, "source=" + quote(BIG))
    trace = page.evaluate("window.backpropLab.state.response.trace")
    c = next(node for node in trace["nodes"] if node.get("name") == "c")
    index = next(k for k, step in enumerate(trace["steps"]) if step.get("input") == c["id"])
    page.evaluate(f"window.backpropLab.go({index + 1})")
    page.click(f"#graph .node[data-id='{c['id']}']")
    page.wait_for_selector("#inspector:not([hidden]) table.matrix >> nth=2")
    tables = page.eval_on_selector_all(
        "#inspector table.matrix",
        "ts => ts.map(t => [t.caption.textContent, [...t.querySelectorAll('td')].map(td => Number(td.title))])",
    )
    assert tables[0][1] == [v for row in c["value"] for v in row]
    body = json.dumps({"source": BIG, "values": {}, "step": index}).encode()
    request = urllib.request.Request(
        f"{server_url}/api/trace/step", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
        full = json.loads(response.read())
    contribution = next(cells for caption, cells in tables if caption.startswith("contribution"))
    assert contribution == [v for row in full["contribution"] for v in row]
