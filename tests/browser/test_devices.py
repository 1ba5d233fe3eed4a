"""The lab on a phone (390×844, touch) and a tablet (768×1024): no sideways scrolling, the graph first
and readable, every control reachable and uncovered, pinch, pan and swipe."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

DEVICES = {"phone": (390, 844), "tablet": (768, 1024)}

# The element really under the middle of each control, once it is scrolled into view: itself (or a
# child), never another element lying over it.
UNCOVERED = """(id) => {
  const element = document.getElementById(id);
  element.scrollIntoView({ block: "center" });
  const box = element.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return { covered: !(hit === element || element.contains(hit) || hit?.control === element),
    inside: box.left >= 0 && box.right <= innerWidth, width: box.width, height: box.height };
}"""
# Every number the graph shows, in screen pixels: its font size times the zoom on screen.
NUMBER_SIZES = """() => [...document.querySelectorAll("#graph .node :is(text.value, text.grad, text.cell, text.range)")]
  .filter((t) => t.textContent && getComputedStyle(t).display !== "none")
  .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""


@pytest.fixture(params=list(DEVICES))
def device(request: Any, browser: Any, server_url: str) -> Iterator[Any]:
    width, height = DEVICES[request.param]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        base_url=server_url,
    )
    page = context.new_page()
    page.device = request.param
    yield page
    context.close()


def scale_of(page: Any) -> float:
    transform = page.evaluate("document.getElementById('stage').style.transform")
    return float(re.search(r"scale\(([\d.]+)\)", transform).group(1))


def test_no_sideways_scrolling_the_graph_first_and_every_control_reachable(device: Any) -> None:
    for query in ("preset=cs231n&step=6", "preset=sigmoid-neuron&step=5", "preset=tensor-mlp"):
        device.goto(f"/?{query}")
        device.wait_for_selector("#graph .node[data-id]", state="attached")
        device.wait_for_timeout(300)
        width = device.evaluate("innerWidth")
        assert width == DEVICES[device.device][0]
        assert device.evaluate("document.documentElement.scrollWidth") <= width, query
        graph_top = device.evaluate("document.getElementById('graph-pane').getBoundingClientRect().top")
        for later in ("step-pane", "source", "run", "inputs"):
            top = device.evaluate(f"document.getElementById('{later}').getBoundingClientRect().top")
            assert top > graph_top, f"{later} comes before the graph"
        for control in ("source", "run", "play", "forward", "back", "lr", "train"):
            seen = device.evaluate(UNCOVERED, control)
            assert not seen["covered"] and seen["inside"], (query, control, seen)
            if control not in ("source", "lr"):
                assert seen["height"] >= 40, (control, seen)  # a finger's width
        assert device.evaluate("document.documentElement.scrollWidth") <= width, query


def test_numbers_on_the_graph_are_at_least_12_px(device: Any) -> None:
    for query in (
        "preset=cs231n&step=14",
        "preset=sigmoid-neuron&step=9",
        "preset=tanh-neuron&step=20",
        "preset=tensor-mlp&step=99",
    ):
        device.goto(f"/?{query}")
        device.wait_for_selector("#graph .node[data-id]", state="attached")
        device.wait_for_timeout(400)
        sizes = device.evaluate(NUMBER_SIZES)
        assert sizes, query
        assert min(sizes) >= 12, (query, min(sizes))
        # the node the step is about is on screen, inside the graph pane
        inside = device.evaluate("""() => {
          const node = document.querySelector('#graph .node.active').getBoundingClientRect();
          const pane = document.getElementById('viewport').getBoundingClientRect();
          return node.left >= pane.left - 1 && node.right <= pane.right + 1
            && node.top >= pane.top - 1 && node.bottom <= pane.bottom + 1;
        }""")
        assert inside, query


def touch(page: Any, kind: str, points: list[tuple[float, float]]) -> None:
    """A touch event from the browser's own input layer (as a finger makes: pointer and touch events)."""
    if not hasattr(page, "cdp"):
        page.cdp = page.context.new_cdp_session(page)
    page.cdp.send(
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
    )


def test_pinch_zooms_the_graph_and_one_finger_pans_it(device: Any) -> None:
    device.goto("/?preset=cs231n")
    device.wait_for_selector("#graph .node[data-id]", state="attached")
    device.wait_for_timeout(300)
    box = device.locator("#viewport").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = scale_of(device)
    touch(device, "touchStart", [(cx - 30, cy), (cx + 30, cy)])
    for spread in range(40, 130, 10):
        touch(device, "touchMove", [(cx - spread, cy), (cx + spread, cy)])
    touch(device, "touchEnd", [])
    device.wait_for_timeout(300)
    assert scale_of(device) > before * 1.5
    transform = device.evaluate("document.getElementById('stage').style.transform")
    touch(device, "touchStart", [(cx, cy)])
    for step in range(1, 8):
        touch(device, "touchMove", [(cx - 10 * step, cy + 4 * step)])
    touch(device, "touchEnd", [])
    device.wait_for_timeout(300)
    assert device.evaluate("document.getElementById('stage').style.transform") != transform


def test_a_swipe_across_the_step_panel_steps(device: Any) -> None:
    device.goto("/?preset=cs231n&step=3")
    device.wait_for_selector("#graph .node[data-id]", state="attached")
    device.locator("#step-pane").scroll_into_view_if_needed()
    box = device.locator("#step-pane").bounding_box()
    y = box["y"] + box["height"] / 2
    right, left = box["x"] + box["width"] * 0.85, box["x"] + box["width"] * 0.15
    for start, end, expected in ((right, left, 4), (right, left, 5), (left, right, 4)):
        touch(device, "touchStart", [(start, y)])
        for k in range(1, 6):
            touch(device, "touchMove", [(start + (end - start) * k / 5, y)])
        touch(device, "touchEnd", [])
        device.wait_for_function("p => window.backpropLab.state.position === p", arg=expected, timeout=3000)
