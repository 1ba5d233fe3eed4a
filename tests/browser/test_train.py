"""Training in a real Chromium: one update step's arithmetic, and a network learning XOR."""

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


def test_the_xor_network_learns_and_shows_its_accuracy(page: Any, artifacts: Path) -> None:
    page.goto("/network?dataset=xor&steps=600&seed=0")
    page.wait_for_function(
        "() => (document.querySelector('#accuracy').textContent || '').startsWith('Step 600')", timeout=30000
    )
    result = page.evaluate("window.backpropNetwork.result")
    assert result["losses"][-1] < result["losses"][0] / 10
    assert page.text_content("#accuracy").endswith("accuracy 100%")
    page.fill("#frame", "3")
    page.dispatch_event("#frame", "input")
    page.screenshot(path=str(artifacts / "network-mid-training.png"))
    assert page.text_content("#accuracy").startswith("Step 240")


def test_a_network_page_link_asking_for_too_much_training_gets_the_apis_refusal(page: Any) -> None:
    page.expected_console_errors = ["status of 400"]  # the browser logs the refused request itself
    page.goto("/network?dataset=spiral&points=1000&hidden=96,96&steps=5000&seed=0")
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.startsWith('Could not train')", timeout=15000
    )
    status = page.text_content("#status")
    assert "needs about" in status and "one request may use" in status
    assert page.evaluate("window.backpropNetwork.result") is None
