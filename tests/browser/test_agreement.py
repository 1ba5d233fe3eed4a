"""The page agrees with itself and with its links: fields after training, sliders and program text, a
failed run, links that reproduce every field of the frame, unknown links and examples, the embed view."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.browser.lab import open_lab

pytestmark = pytest.mark.browser

TABLE = json.loads((Path(__file__).resolve().parents[2] / "static/js/url-state.json").read_text("utf-8"))
FIELDS = [entry["field"] for entry in TABLE["pages"]["lab"]]
SHOWN = f"() => Object.fromEntries({json.dumps(FIELDS)}.map((f) => [f, window.backpropLab.state[f]]))"

# One value other than the default for every field of the lab's URL (the sigmoid neuron has a group "s").
EACH_FIELD = {
    "preset": ("preset=fan-out", {"preset": "fan-out"}),
    "source": ("source=" + quote("a = 2\nb = a * 3"), {"source": "a = 2\nb = a * 3"}),
    "values": ("preset=cs231n&values=x:1.5", {"values": {"x": 1.5}}),
    "position": ("preset=cs231n&step=4", {"position": 4}),
    "selected": ("preset=cs231n&node=2", {"selected": 2}),
    "folded": ("preset=sigmoid-neuron&folded=" + quote("s (line 6)"), {"folded": ["s (line 6)"]}),
    "theme": ("theme=dark", {"theme": "dark"}),
    "view": ("preset=cs231n&view=1.5,40,-20", {"view": [1.5, 40, -20]}),
    "mode": ("mode=present", {"mode": "present"}),
    "train": ("preset=cs231n&train=x|z", {"train": ["x", "z"]}),
    "lr": ("lr=0.25", {"lr": 0.25}),
    "momentum": ("momentum=0.5", {"momentum": 0.5}),
    "notes": ("preset=cs231n&step=2&notes=" + quote('{"2":"ask first"}'), {"notes": {"2": "ask first"}}),
    "quiz": ("preset=cs231n&quiz=1", {"quiz": True}),
    "revealed": ("preset=cs231n&quiz=1&step=7&revealed=7", {"revealed": [7]}),
}


def test_the_table_of_fields_is_covered() -> None:
    assert set(EACH_FIELD) == set(FIELDS)


@pytest.mark.parametrize("field", list(EACH_FIELD))
def test_each_url_field_opens_as_written_in_a_fresh_browser(browser: Any, server_url: str, field: str) -> None:
    query, expected = EACH_FIELD[field]
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=server_url)
    try:
        page = context.new_page()
        open_lab(page, f"v=1&{query}")
        page.wait_for_timeout(300)  # the view is applied after the graph's own first frame
        shown = page.evaluate(SHOWN)
        for name, value in expected.items():
            assert shown[name] == value, name
        if field == "view":
            scale, x, y = expected["view"]
            transform = page.evaluate("document.getElementById('stage').style.transform")
            assert transform == f"scale({scale}) translate({x}px, {y}px)"
        assert page.is_hidden("#notice"), page.text_content("#notice")
    finally:
        context.close()


def test_a_short_link_reproduces_every_field_of_the_frame(browser: Any, server_url: str) -> None:
    query = (
        "v=1&preset=sigmoid-neuron&values=x0:1.5&step=21&node=3&folded="
        + quote("s (line 6)")
        + "&theme=dark&view=1.25,30,-10"
        "&train=w0|w1&lr=0.5&momentum=0.9&quiz=1&revealed=21&notes=" + quote('{"21":"ask the class first"}')
    )
    teacher = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=server_url)
    fresh = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=server_url)
    try:
        page = teacher.new_page()
        open_lab(page, query)
        page.wait_for_timeout(300)
        before = page.evaluate(SHOWN)
        summary = page.text_content("#summary")
        page.click("#share")
        page.wait_for_selector("#share-box:not([hidden])")
        link = page.input_value("#share-link")
        assert re.search(r"/s/[A-Za-z0-9_-]+$", link), link
        other = fresh.new_page()
        other.goto(link)
        other.wait_for_selector("#graph .node[data-id]")
        other.wait_for_timeout(300)
        after = other.evaluate(SHOWN)
        assert {k: v for k, v in after.items() if k != "source"} == {k: v for k, v in before.items() if k != "source"}
        assert other.input_value("#source") == page.input_value("#source")
        assert other.input_value("#preset") == "sigmoid-neuron"
        assert other.text_content("#summary") == summary and summary
        assert other.is_visible("#tour")  # the example's walkthrough came along
        assert other.text_content("#counter") == page.text_content("#counter")
    finally:
        teacher.close()
        fresh.close()


def test_after_an_update_step_and_training_the_fields_show_the_graphs_values(page: Any) -> None:
    open_lab(page, "source=" + quote("w = param(1)\nL = (w - 3) ** 2"))
    page.fill("#lr", "0.1")
    page.click("#to-end")
    page.click("#update-step")
    page.wait_for_function("() => window.backpropLab.state.response.inputs[0].value !== 1")
    graph_w = page.evaluate("window.backpropLab.state.response.inputs[0].value")
    assert graph_w == pytest.approx(1 + 0.1 * 2 * (3 - 1))  # w − lr·2(w − 3) from w = 1
    assert float(page.input_value("#input-w")) == pytest.approx(graph_w)
    assert float(page.input_value("#slider-w")) == pytest.approx(graph_w, abs=0.05)
    page.fill("#train-steps", "20")
    page.click("#train")
    page.wait_for_selector("#train-scrub:not([hidden])")
    page.wait_for_function("() => Math.abs(window.backpropLab.state.response.inputs[0].value - 3) < 0.1")
    trained = page.evaluate("window.backpropLab.state.response.inputs[0].value")
    assert float(page.input_value("#input-w")) == pytest.approx(trained)
    assert page.is_visible("#overrides")  # the program still says 1: the page says the graph's w is not it
    assert "the program says 1" in page.text_content("#overrides")


def test_a_slider_says_it_overrides_the_program_and_can_write_its_value_in(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    assert page.is_hidden("#overrides")
    page.fill("#input-x", "1.5")
    page.press("#input-x", "Enter")
    page.wait_for_function("() => window.backpropLab.state.response.inputs[0].value === 1.5")
    assert page.is_visible("#overrides")
    assert "x = 1.5 (the program says −2)" in page.text_content("#overrides")
    page.click("#write-values")
    page.wait_for_function("() => document.getElementById('source').value.includes('\\nx = 1.5\\n')")
    page.wait_for_function("() => document.getElementById('overrides').hidden")
    assert page.evaluate("window.backpropLab.state.values") == {}
    assert page.evaluate("window.backpropLab.state.response.inputs[0].value") == 1.5


def test_the_slider_range_widens_around_a_typed_value(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    page.fill("#input-x", "100")
    page.press("#input-x", "Enter")
    page.wait_for_function("() => window.backpropLab.state.response.inputs[0].value === 100")
    assert float(page.get_attribute("#slider-x", "max")) >= 100
    assert float(page.input_value("#slider-x")) == 100
    page.focus("#slider-x")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => window.backpropLab.state.values.x !== 100")
    assert 98 <= page.evaluate("window.backpropLab.state.values.x") < 100  # one step down, not 4.975


def test_a_failed_run_dims_the_previous_graph_and_says_whose_it_is(page: Any) -> None:
    page.expected_console_errors = ["status of 400"]  # the browser logs the refused program itself
    open_lab(page, "preset=cs231n")
    assert page.is_hidden("#graph-message")
    page.fill("#source", "x = 2\ny = x +")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    assert "graph-pane stale" in page.get_attribute("#graph-pane", "class")
    assert "previous program" in page.text_content("#graph-message")
    assert float(page.evaluate("getComputedStyle(document.getElementById('viewport')).opacity")) < 0.5
    page.fill("#source", "x = 2\ny = x + 1")
    page.click("#run")
    page.wait_for_selector("#error", state="hidden")
    assert "stale" not in page.get_attribute("#graph-pane", "class")
    assert page.is_hidden("#graph-message")


def test_an_unknown_short_link_is_a_404_page_with_a_json_twin(page: Any) -> None:
    page.expected_console_errors = ["status of 404"]  # the browser logs the page's own status
    response = page.goto("/s/NoSuchLink1")
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Backprop Lab" in page.text_content("h1")
    assert page.get_attribute("link[rel=alternate]", "href") == "/api/share/NoSuchLink1"
    assert page.get_by_role("link", name=re.compile("lab", re.I)).count() >= 1
    twin = page.request.get("/api/share/NoSuchLink1")
    assert twin.status == 404 and twin.json()["error"]["kind"] == "not-found"


def test_an_unknown_example_opens_with_a_notice(page: Any) -> None:
    open_lab(page, "preset=nonexistent")
    assert page.is_visible("#notice")
    assert "nonexistent" in page.text_content("#notice")
    assert page.input_value("#preset") == "cs231n"


def test_the_embed_view_hides_what_an_embedded_viewer_cannot_use(page: Any) -> None:
    page.goto("/embed?preset=cs231n")
    page.wait_for_selector("#graph .node[data-id]")
    for selector in ("#live", "#share", "#present", ".notes", ".editor-pane", "#preset"):
        assert page.is_hidden(selector), selector
    for selector in ("#play", "#forward", "#fit"):
        assert page.is_visible(selector), selector


def test_each_train_checkbox_says_which_input_it_trains(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    for name in ("x", "y", "z"):
        assert page.get_by_role("checkbox", name=f"train {name}", exact=True).count() == 1
