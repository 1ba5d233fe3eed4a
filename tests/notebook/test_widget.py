"""show() and export_html() from Python: the widget's traits, the layout with and without dot, the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.notebook import GraphError, export_html, show, widget
from app.notebook.response import build_response
from engine import Tensor, Value
from tests.notebook.micrograd_style import Micro, readme_expression


def neuron() -> Value:
    x, w, b = Value(2.0, name="x"), Value(-3.0, name="w"), Value(1.0, name="b")
    out = (x * w + b).tanh()
    out.name = "out"
    return out


@pytest.fixture()
def no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine, as one without Graphviz would look to the notebook package."""
    monkeypatch.setattr("app.notebook.response.shutil.which", lambda name: None)
    monkeypatch.setattr("app.notebook.shutil.which", lambda name: None)


def test_show_sends_the_response_the_lab_draws_with_dots_layout() -> None:
    shown = show(neuron(), title="A neuron")
    assert shown._esm == widget.BUNDLE.read_text(encoding="utf-8") and "--value: #0072B2" in shown._esm  # its styles
    assert {"trace", "narration", "view", "layout", "inputs"} <= set(shown.response)
    assert set(shown.response["layout"]["items"]) == set(shown.response["view"]["items"])
    assert shown.player_options == {"height": 420, "title": "A neuron"}


def test_without_dot_the_browser_gets_the_dot_text_its_ids_and_the_servers_key(no_dot: None) -> None:
    request = show(neuron()).response["layout"]
    server = build_response(neuron(), browser_layout=False)["layout"]
    assert request["dot"].startswith("digraph") and request["key"] == server["key"]
    assert sorted(request["ids"].values()) == sorted(server["items"])


def test_a_micrograd_style_graph_and_a_tensor_graph_are_shown_too() -> None:
    _a, _b, g = readme_expression(Micro)
    assert show(g).response["trace"]["nodes"][-1]["value"] == pytest.approx(24.7041, abs=5e-5)
    x = Tensor([[1.0, -2.0]], name="x")
    assert show((x @ Tensor([[0.5], [0.25]], name="W")).relu()).response["trace"]["kind"] == "tensor"


def test_a_missing_bundle_names_the_command_that_builds_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(widget, "BUNDLE", tmp_path / "bundle.js")
    with pytest.raises(FileNotFoundError, match="make vendor"):
        show(neuron())


def test_export_html_writes_one_page_that_holds_the_trace_and_the_player(tmp_path: Path) -> None:
    page = export_html(neuron(), tmp_path / "neuron.html", title="A neuron").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<title>A neuron</title>" in page
    assert '"label":"out"' in page and "const mount =" in page


def test_without_dot_export_html_takes_the_layout_a_displayed_widget_sent_back(no_dot: None, tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="display"):
        export_html(neuron(), tmp_path / "neuron.html")
    shown = show(neuron())
    with pytest.raises(RuntimeError, match="not been displayed"):
        export_html(shown, tmp_path / "neuron.html")
    # what the front end sends back once it has laid the graph out: the server's layout, to the tests' tolerance
    shown.browser_layout = build_response(neuron(), browser_layout=False)["layout"]
    page = export_html(shown, tmp_path / "neuron.html").read_text(encoding="utf-8")
    assert '"dot":' not in page and '"edges":' in page
