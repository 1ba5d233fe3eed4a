"""Training in the lab in a real Chromium: one update step's arithmetic, and the loss curve with its axes."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from app.presets import BY_ID
from tests.browser.lab import open_lab

pytestmark = pytest.mark.browser


def api(server_url: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{server_url}{path}", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
        return json.loads(response.read())


def shown(x: float) -> str:
    """A number as the page prints it (4 significant digits, a real minus sign)."""
    text = f"{x:.4g}"
    return text.replace("-", "\u2212")


def test_update_step_on_the_sigmoid_neuron_shows_w_minus_lr_times_grad(page: Any, server_url: str) -> None:
    open_lab(page, "preset=sigmoid-neuron")
    page.select_option("#speed", "16")
    page.click("#update-step")  # plays forward and backward first, then updates
    page.wait_for_function("() => document.querySelector('#updates').textContent.includes('w2')", timeout=20000)
    preset = BY_ID["sigmoid-neuron"]
    step = api(server_url, "/api/train", {"source": preset.source, "lr": 0.5, "steps": 1})
    lines = page.text_content("#updates").split("\n")
    for name, line in zip(step["trainable"], lines):
        old, grad, new = step["params"][name][0], step["grads"][name][0], step["final"][name]
        grad_text = f"({shown(grad)})" if grad < 0 else shown(grad)
        assert line == f"{name}: {shown(old)} − 0.5 × {grad_text} = {shown(new)}"
    assert new == old - 0.5 * grad
    page.wait_for_function("() => window.backpropLab.state.values.w2 !== undefined")
    assert page.input_value("#input-w0") == str(step["final"]["w0"])


def test_training_the_sigmoid_neuron_draws_a_falling_loss_curve_and_scrubs_back(page: Any) -> None:
    open_lab(page, "preset=sigmoid-neuron")
    page.click("#train")
    page.wait_for_selector("#loss-curve:not([hidden])")
    status = page.text_content("#train-status")
    first, last = (float(part.replace("\u2212", "-")) for part in status.split("loss ")[1].rstrip(".").split(" → "))
    assert last < first
    page.fill("#train-scrub", "0")
    page.dispatch_event("#train-scrub", "input")
    page.wait_for_function("() => window.backpropLab.state.values.w0 === 2")


def test_the_lab_loss_curve_has_axes_with_numbers(page: Any) -> None:
    open_lab(page, "preset=sigmoid-neuron")
    page.click("#train")
    page.wait_for_selector("#loss-curve:not([hidden]) [aria-label='y-axis tick label'] text")
    labels = page.eval_on_selector_all("#loss-curve text", "nodes => nodes.map((node) => node.textContent)")
    assert "loss" in labels and "step" in labels
    assert sum(label.replace(".", "").isdigit() for label in labels) >= 4, labels
    assert page.get_attribute("#loss-curve", "aria-label").startswith("loss from ")


def test_a_dead_relus_flat_loss_curve_sits_mid_chart_not_pinned_to_the_top(page: Any, artifacts: Path) -> None:
    open_lab(page, "preset=pitfall-dead-relu")
    page.click("#train")
    page.wait_for_selector("#loss-curve:not([hidden]) [aria-label='line'] path", state="attached")
    ys = page.eval_on_selector(
        "#loss-curve [aria-label='line'] path",
        "path => [...path.getAttribute('d').matchAll(/[ML][0-9.]+,([0-9.]+)/g)].map((m) => Number(m[1]))",
    )
    height = float(page.get_attribute("#loss-curve", "viewBox").split()[3])
    assert max(ys) - min(ys) < 1, "the curve is flat"
    middle = ys[0] / height
    assert 0.25 < middle < 0.75, f"the flat curve sits at {middle:.0%} of the chart's height, from the top"
    page.locator("#loss-curve").screenshot(path=str(artifacts / "dead-relu-loss-curve.png"))
