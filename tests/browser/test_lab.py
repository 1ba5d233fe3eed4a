"""The lab in a real Chromium: type a program, play both passes, step with the keyboard."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab import open_lab

pytestmark = pytest.mark.browser

CS231N = "x = -2\ny = 5\nz = -4\nq = x + y\nf = q * z\n"
LABEL = re.compile(r"^(?P<head>.*): value (?P<value>[^,]+), gradient (?P<grad>.+)$")


def api_trace(server_url: str, source: str, values: dict[str, float] | None = None) -> dict[str, Any]:
    body = json.dumps({"source": source, "values": values or {}}).encode()
    request = urllib.request.Request(f"{server_url}/api/trace", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
        return json.loads(response.read())


def shown_number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace("∞", "inf"))


def node_labels(page: Any) -> dict[int, dict[str, str]]:
    labels = page.eval_on_selector_all(
        "#graph .node[data-id]", "nodes => nodes.map(n => [Number(n.dataset.id), n.getAttribute('aria-label')])"
    )
    return {node_id: LABEL.match(label).groupdict() for node_id, label in labels}


def counter(page: Any) -> str:
    return page.text_content("#counter") or ""


def test_typed_program_plays_both_passes_and_shows_the_apis_gradients(page: Any, server_url: str) -> None:
    source = "a = 1.5\nb = -0.5\nc = a * b + exp(a)\nf = tanh(c) * a\n"
    page.goto("/")
    page.wait_for_selector("#graph .node")
    page.fill("#source", source)
    page.click("#run")
    expected = api_trace(server_url, source)["trace"]
    page.wait_for_function(
        "n => document.querySelectorAll('#graph .node[data-id]').length === n", arg=len(expected["nodes"])
    )
    page.select_option("#speed", "16")
    page.click("#play")
    total = len(expected["steps"])
    page.wait_for_function(
        "t => document.querySelector('#counter').textContent.startsWith(`Step ${t} of ${t}`)", arg=total, timeout=20000
    )
    shown = node_labels(page)
    for node in expected["nodes"]:
        if node["op"] == "const":
            continue
        label = shown[node["id"]]
        assert shown_number(label["value"]) == pytest.approx(node["value"], rel=1e-5, abs=1e-9)
        assert shown_number(label["grad"]) == pytest.approx(node["grad"], rel=1e-5, abs=1e-9)


def test_cs231n_gradients_are_the_textbook_ones_after_the_backward_pass(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    page.locator("#graph").click(position={"x": 5, "y": 5})
    page.keyboard.press("End")
    labels = {label["head"].split(" ")[0].rstrip(","): label for label in node_labels(page).values()}
    assert {name: shown_number(labels[name]["grad"]) for name in "xyzqf"} == {"x": -4, "y": -4, "z": 3, "q": -4, "f": 1}
    assert labels["q"]["head"] == "q = x + y"


def test_keyboard_steps_forward_back_and_jumps_home_and_end(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    page.locator("#graph").click(position={"x": 5, "y": 5})
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert counter(page).startswith("Step 3 of 10")
    page.keyboard.press("ArrowLeft")
    assert counter(page).startswith("Step 2 of 10")
    page.keyboard.press("End")
    assert counter(page).startswith("Step 10 of 10")
    page.keyboard.press("Home")
    assert counter(page).startswith("Ready")
    page.keyboard.press("b")
    assert counter(page) == "Step 6 of 10 · backward pass"
    assert page.text_content("#sentence") == (
        "Backward starts at the output: the gradient of f with respect to itself is 1."
    )
    page.keyboard.press(" ")
    assert page.get_attribute("#play", "aria-pressed") == "true"
    page.keyboard.press(" ")
    assert page.get_attribute("#play", "aria-pressed") == "false"


def test_backward_edge_shows_upstream_times_local_and_highlights_the_source_line(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    page.locator("#graph").click(position={"x": 5, "y": 5})
    for _ in range(9):  # 5 forward, the seed, then f→q, f→z, q→x
        page.keyboard.press("ArrowRight")
    assert page.text_content("#graph .edge-label") == "(−4) × 1 = −4"
    assert page.locator("#graph .edge.active").count() == 1
    assert page.text_content("#backdrop .current-line") == "x = -2"
    assert page.text_content("#sentence").startswith("The add gate hands the same gradient to both inputs")
    assert "So ∂f/∂x receives (−4) × 1 = −4." in page.text_content("#sentence")
    assert page.locator("#math .katex").count() == 1


def test_fan_out_shows_the_gradient_accumulating(page: Any) -> None:
    open_lab(page, "preset=fan-out")
    page.locator("#graph").click(position={"x": 5, "y": 5})
    page.keyboard.press("End")
    x = next(label for label in node_labels(page).values() if label["head"].startswith("x,"))
    # x = 3, y = -2: a = x*y = -6, b = x+y = 1, f = a*b; ∂f/∂x = b·y + a·1 = -2 + (-6)
    assert shown_number(x["grad"]) == -8
    assert page.text_content("#graph .node[data-id='0'] .parts") == "Σ2"  # two contributions added up


def test_value_slider_reruns_the_trace_without_a_new_layout(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    key = page.evaluate("window.backpropLab.state.response.layout.key")
    page.fill("#input-x", "1")
    page.press("#input-x", "Enter")
    page.wait_for_function("() => window.backpropLab.state.response.trace.nodes[0].value === 1")
    assert page.evaluate("window.backpropLab.state.response.layout.key") == key
    page.locator("#graph").click(position={"x": 5, "y": 5})
    page.keyboard.press("End")
    f = next(label for label in node_labels(page).values() if label["head"].startswith("f ="))
    assert shown_number(f["value"]) == -24  # (1 + 5) * -4


def test_a_program_error_says_line_and_column(page: Any) -> None:
    page.expected_console_errors = ["the server responded with a status of 400"]  # the API's answer
    page.goto("/")
    page.wait_for_selector("#graph .node")
    page.fill("#source", "x = 2\ny = x +* 3\n")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error").startswith("Line 2, column 8:")


def test_folding_a_statement_collapses_it_into_one_box_and_a_click_unfolds_it(page: Any) -> None:
    open_lab(page, "preset=sigmoid-neuron")
    before = page.locator("#graph .node").count()
    page.click("#fold")
    page.wait_for_selector("#graph .node.group")
    assert page.locator("#graph .node").count() < before
    groups = page.locator("#graph .node.group").count()  # counted before the click: the unfold may be quick
    page.click("#graph .node.group >> nth=0")
    page.wait_for_function("n => document.querySelectorAll('#graph .node.group').length === n - 1", arg=groups)


def test_theme_toggle_and_nodes_in_topological_tab_order(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    before = page.get_attribute("html", "data-theme")
    page.click("#theme")
    assert page.get_attribute("html", "data-theme") == {"light": "dark", "dark": "light"}[before]
    page.click("#theme")
    assert page.get_attribute("html", "data-theme") == before
    ids = page.eval_on_selector_all("#graph .node[data-id]", "nodes => nodes.map(n => Number(n.dataset.id))")
    assert ids == sorted(ids)


def test_screenshot_of_cs231n_mid_backward_pass(page: Any, artifacts: Path) -> None:
    open_lab(page, "preset=cs231n")
    page.locator("#graph").click(position={"x": 5, "y": 5})
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    path = artifacts / "cs231n-mid-backward.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000
    assert page.locator("#graph .node.active").count() >= 1


def test_openapi_docs_render_from_our_own_origin(page: Any) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 3
    origin = page.url.split("/docs")[0]
    assert all(url.startswith(origin) or url.startswith("data:") for url in requests), requests
