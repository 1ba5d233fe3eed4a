"""The network page in a real Chromium against the real live trainer: play, pause, step, a mid-run change,
charts with axes, a weight opening the lab at its gradient, links that reproduce a run, and the layout
on a projector and a phone."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.browser

QUICK = "/network?dataset=xor&features=x1|x2|x1x2&hidden=3,2&lr=0.1"


def open_network(page: Any, query: str = QUICK) -> None:
    """Open the page and wait for the trainer's data and first frame."""
    page.goto(query)
    page.wait_for_function("() => window.backpropNetwork.frame !== null && window.backpropNetwork.data !== null")


def epoch(page: Any) -> int:
    return int(page.evaluate("window.backpropNetwork.frame.epoch"))


def wait_for_epoch(page: Any, at_least: int) -> None:
    page.wait_for_function(f"() => window.backpropNetwork.frame.epoch >= {at_least}", timeout=20000)


def pause(page: Any) -> None:
    page.click("#play")
    page.wait_for_function("() => !window.backpropNetwork.playing && window.backpropNetwork.frame.playing === false")


def test_play_trains_live_pause_stops_it_and_step_adds_one_epoch(page: Any) -> None:
    open_network(page)
    first = page.evaluate("window.backpropNetwork.frame")
    assert first["epoch"] == 0 and page.text_content("#epoch") == "000000"
    page.click("#play")
    assert page.get_attribute("#play", "aria-pressed") == "true"
    wait_for_epoch(page, 40)
    received = page.evaluate("window.backpropNetwork.stats.received")
    assert received >= 10, "frames stream while playing"
    pause(page)
    now = page.evaluate("window.backpropNetwork.frame")
    assert now["train_loss"] < first["train_loss"] * 0.8
    shown_epoch = int(page.text_content("#epoch"))
    assert shown_epoch == now["epoch"] >= 40
    assert page.text_content("#train-loss") == f"{now['train_loss']:.3f}"
    assert page.text_content("#test-loss") == f"{now['test_loss']:.3f}"
    time.sleep(0.4)
    assert epoch(page) == now["epoch"], "a paused run stays where it is"
    page.click("#step")
    page.wait_for_function(f"() => window.backpropNetwork.frame.epoch === {now['epoch'] + 1}")
    assert int(page.text_content("#epoch")) == now["epoch"] + 1
    assert f"epoch={now['epoch'] + 1}" in page.url


def test_a_learning_rate_of_zero_set_mid_run_freezes_the_loss(page: Any) -> None:
    open_network(page)
    page.click("#play")
    wait_for_epoch(page, 10)
    page.select_option("select[name=lr]", "0")
    start = epoch(page)
    wait_for_epoch(page, start + 5)  # the change takes effect from the next step on
    frozen = page.evaluate("window.backpropNetwork.frame")
    wait_for_epoch(page, frozen["epoch"] + 10)
    later = page.evaluate("window.backpropNetwork.frame")
    assert later["train_loss"] == frozen["train_loss"] and later["weights"] == frozen["weights"]
    assert "lr=0" in page.url


def tick_labels(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(f"{selector} text", "nodes => nodes.map((node) => node.textContent.trim())")


def test_the_boundary_and_loss_charts_have_axes_with_numbers_and_a_colour_key(page: Any) -> None:
    open_network(page)
    page.click("#play")
    wait_for_epoch(page, 30)
    pause(page)
    plane = tick_labels(page, "#boundary-axes")
    assert {"−4", "−2", "0", "2", "4", "x₁", "x₂"} <= set(plane)
    loss = tick_labels(page, "#loss-chart")
    assert "epoch" in loss and "loss" in loss
    assert sum(re.fullmatch(r"[0-9.]+", text) is not None for text in loss) >= 4, loss
    assert {"train", "test"} <= set(page.inner_text("#loss-chart").split())
    key = tick_labels(page, "#score-key")
    assert {"0.0", "0.5", "1.0"} <= set(key) or {"0.0", "1.0"} <= set(key), key


def trace(server_url: str, source: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server_url}/api/trace",
        data=json.dumps({"source": source}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
        return json.loads(response.read())


def lab_number(x: float) -> str:
    """A number as the lab prints it: 4 significant digits, a real minus sign."""
    return f"{x:.4g}".replace("-", "\u2212")


def test_a_weight_chosen_by_keyboard_opens_the_lab_whose_first_stop_is_its_gradient(
    page: Any, server_url: str, artifacts: Path
) -> None:
    open_network(page)
    for k in range(3):
        page.click("#step")
        page.wait_for_function(f"() => window.backpropNetwork.frame.epoch === {k + 1}")
    weight = page.get_by_role("button", name=re.compile(r"^weight w2_1_1 = −?[0-9.]+$"))
    value = page.evaluate("window.backpropNetwork.frame.weights[1][0][0]")
    assert weight.get_attribute("aria-label") == f"weight w2_1_1 = {value:.2f}".replace("-", "\u2212")
    page.fill("#point", "2")
    page.dispatch_event("#point", "change")
    weight.focus()
    assert "w2_1_1" in page.text_content("#inspect")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/s/"), timeout=20000)
    page.wait_for_selector("#graph .node[data-id]")
    source = page.input_value("#source")
    assert source.startswith("# tour: w2_1_1\n")
    page.click("#tour-next")
    lab = page.evaluate("window.backpropLab.state")
    first = lab["response"]["tour"][0]
    assert lab["position"] == first["position"]
    document = trace(server_url, source)["trace"]
    node = next(node for node in reversed(document["nodes"]) if node.get("name") == "w2_1_1")
    step = document["steps"][first["position"] - 1]
    assert step["pass"] == "backward" and step["input"] == node["id"]
    assert lab_number(node["grad"]) in page.text_content("#tour-note")
    assert lab_number(node["grad"]) in page.text_content("#step-pane")
    page.screenshot(path=str(artifacts / "lab-from-weight.png"))


def test_a_neuron_clicked_with_the_pointer_opens_its_gradient_on_the_chosen_point(page: Any) -> None:
    open_network(page)
    page.click("#boundary", position={"x": 200, "y": 60})  # a click on the plane chooses the nearest point
    chosen = page.evaluate("window.backpropNetwork.chosen")
    assert page.input_value("#point") == str(chosen)
    page.click("button.neuron[data-name=h1_2]")
    page.wait_for_url(re.compile(r"/s/"), timeout=20000)
    page.wait_for_selector("#graph .node[data-id]")
    source = page.input_value("#source")
    assert source.startswith("# tour: h1_2\n")


def test_the_url_reproduces_the_run_up_to_its_epoch(page: Any, browser: Any, server_url: str) -> None:
    query = (
        "/network?v=1&dataset=gauss&seed=5&noise=0.1&test_ratio=0.3&features=x1|x2|sin1&hidden=3"
        "&activation=relu&lr=0.01&l2=0.001&batch=5&epoch=7"
    )
    open_network(page, query)
    page.wait_for_function("() => window.backpropNetwork.frame.epoch === 7 && window.backpropNetwork.target === 0")
    form = {name: page.input_value(f"[name={name}]") for name in ("dataset", "activation", "lr", "l2", "batch")}
    assert form == {"dataset": "gauss", "activation": "relu", "lr": "0.01", "l2": "0.001", "batch": "5"}
    assert page.get_attribute("[data-feature=sin1]", "aria-pressed") == "true"
    data = page.evaluate("window.backpropNetwork.data")
    assert (len(data["train"]), len(data["test"]), data["layers"]) == (140, 60, [3, 3, 1])
    assert unquote(page.url).endswith(query)
    loss = page.evaluate("window.backpropNetwork.frame.train_loss")
    again = browser.new_page(base_url=server_url)
    try:
        open_network(again, query)
        again.wait_for_function("() => window.backpropNetwork.frame.epoch === 7")
        assert again.evaluate("window.backpropNetwork.frame.train_loss") == loss
    finally:
        again.close()


def test_a_link_far_into_training_is_replayed_in_a_few_steps_past_the_rate_limit(page: Any) -> None:
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    open_network(page, "/network?v=1&dataset=xor&hidden=4&batch=20&epoch=300")
    page.wait_for_function("() => window.backpropNetwork.frame.epoch === 300", timeout=60000)
    steps = [message for message in sent if '"step"' in message]
    assert 40 <= len(steps) <= 60  # some 50 messages of 6 epochs, not 300 of one (40 a burst, 20 a second)
    assert "The trainer says" not in (page.text_content("#status") or "")


def test_changing_the_architecture_reconfigures_and_is_kept_in_the_url(page: Any) -> None:
    open_network(page)
    page.click("#add-layer")
    page.wait_for_function("() => window.backpropNetwork.data.layers.length === 5")
    page.click("button[aria-label='add a neuron to hidden layer 1']")
    page.wait_for_function("() => window.backpropNetwork.data.layers[1] === 4")
    page.click("[data-feature=x1x2]")
    page.wait_for_function("() => window.backpropNetwork.data.layers[0] === 2")
    assert "hidden=4%2C2%2C2" in page.url or "hidden=4,2,2" in page.url
    assert page.locator("g.weight").count() == 2 * 4 + 4 * 2 + 2 * 2 + 2 * 1


def text_sizes_and_overflow(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
        const small = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const node = walker.currentNode;
          const parent = node.parentElement;
          if (!node.textContent.trim() || !parent || parent.closest('[hidden], style, script, option')) continue;
          const rect = parent.getBoundingClientRect();
          if (!rect.width || !rect.height) continue;
          const size = parseFloat(getComputedStyle(parent).fontSize);
          if (size < 12) small.push(`${node.textContent.trim().slice(0, 20)} ${size}px`);
        }
        const box = (selector) => document.querySelector(selector).getBoundingClientRect().toJSON();
        return { small, scrollWidth: document.documentElement.scrollWidth,
                 sections: ['.run', '.data', '.network-pane', '.output'].map(box) };
    }"""
    )


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    across = a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1
    return across and a["top"] < b["bottom"] - 1 and b["top"] < a["bottom"] - 1


def test_on_a_1280_by_720_projector_the_three_columns_fit_without_overlap(page: Any, artifacts: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    open_network(page)
    page.click("#play")
    wait_for_epoch(page, 30)
    page.screenshot(path=str(artifacts / "network-1280x720.png"))
    found = text_sizes_and_overflow(page)
    assert found["small"] == [] and found["scrollWidth"] <= 1280
    sections = found["sections"]
    assert all(not overlaps(a, b) for k, a in enumerate(sections) for b in sections[k + 1 :])
    run, data, network, output = sections
    assert data["right"] <= network["left"] and network["right"] <= output["left"], "data, network, output side by side"
    assert output["bottom"] <= 720 + 2, "the output and its loss chart are on the screen"


def test_on_a_390_by_844_phone_everything_is_one_column_without_horizontal_scroll(page: Any, artifacts: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_network(page)
    page.click("#play")
    wait_for_epoch(page, 10)
    page.screenshot(path=str(artifacts / "network-390x844.png"), full_page=True)
    found = text_sizes_and_overflow(page)
    assert found["small"] == [] and found["scrollWidth"] <= 390
    sections = sorted(found["sections"], key=lambda box: box["top"])
    assert all(box["left"] >= 0 and box["right"] <= 390 for box in sections)
    assert all(a["bottom"] <= b["top"] + 1 for a, b in zip(sections, sections[1:])), "stacked, one under another"
