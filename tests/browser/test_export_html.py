"""The exported HTML file in a real Chromium, opened from disk with the network cut off: it plays to the end."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from app.export import player_module, styles
from app.service import encode
from tests.browser.lab import open_lab

pytestmark = pytest.mark.browser

# The README's example, with relu(...) written as a call (the language's spelling today).
PROGRAM = """a = -4.0
b = 2.0
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + relu(b + a)
"""
PLAYER = "#backprop-player"
NODES = f"{PLAYER} svg .node[data-id]"
READABLE = 12  # px: the smallest number the export may show at 1280×720


def export_file(server_url: str, directory: Path, body: dict[str, Any]) -> Path:
    """POST /api/export.html and write the answer to a file, as a browser's download would."""
    request = urllib.request.Request(
        f"{server_url}/api/export.html", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        path = directory / "backprop-program.html"
        path.write_bytes(response.read())
    return path


class Offline:
    """A browser tab that may read files and nothing else; it records what it refused and every console error."""

    def __init__(self, browser: Any, width: int, height: int, scheme: str = "light") -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
        self.refused: list[str] = []
        self.problems: list[str] = []
        self.context.route("**/*", self._only_files)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.problems.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))

    def _only_files(self, route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    def open(self, path: Path, ready: str = NODES) -> Any:
        self.page.goto(path.as_uri())
        self.page.wait_for_selector(ready)
        return self.page

    def close(self) -> None:
        self.context.close()
        assert self.refused == [], f"the export asked the network for {self.refused}"
        assert self.problems == [], f"console errors: {self.problems}"


@pytest.fixture()
def exported(server_url: str, tmp_path: Path) -> Path:
    return export_file(server_url, tmp_path, {"source": PROGRAM})


@pytest.fixture()
def offline(browser: Any) -> Iterator[Offline]:
    tab = Offline(browser, 1280, 720)
    yield tab
    tab.close()


def labels(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "nodes => nodes.map(n => n.getAttribute('aria-label'))")


def counter(page: Any) -> str:
    return page.text_content(f"{PLAYER} .bp-counter") or ""


def computed(page: Any) -> int:
    return page.locator(f"{NODES}.computed").count()


def test_the_export_plays_forward_then_backward_with_the_keyboard(offline: Offline, exported: Path) -> None:
    page = offline.open(exported)
    total = int(page.get_attribute(f"{PLAYER} .bp-slider", "max") or 0)
    assert counter(page).startswith(f"Ready: {total} steps")
    assert computed(page) == 0
    page.click(f"{PLAYER} .bp-graph")  # a click on the graph gives the player the keyboard
    shown = []
    for _ in range(4):
        page.keyboard.press("ArrowRight")
        shown.append(computed(page))
    assert shown == [1, 2, 3, 4]  # forward: values appear node by node
    assert counter(page) == f"Step 4 of {total} · forward pass"
    page.keyboard.press("ArrowLeft")
    assert computed(page) == 3
    page.keyboard.press("End")
    assert counter(page) == f"Step {total} of {total} · backward pass"
    page.keyboard.press("Home")
    assert counter(page).startswith("Ready")
    page.keyboard.press(" ")
    # (expect polls from outside the page: the export's policy forbids evaluating strings inside it)
    expect(page.locator(f"{PLAYER} .bp-play")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"{NODES}.computed").nth(1)).to_be_attached()
    page.keyboard.press(" ")
    assert page.get_attribute(f"{PLAYER} .bp-play", "aria-pressed") == "false"
    assert page.text_content(f"{PLAYER} .bp-play") == "Play"


def test_the_export_plays_to_the_end_with_its_buttons_and_shows_every_gradient(
    offline: Offline, exported: Path
) -> None:
    page = offline.open(exported)
    total = int(page.get_attribute(f"{PLAYER} .bp-slider", "max") or 0)
    playback = page.get_by_role("navigation", name="Playback")
    playback.get_by_role("button", name="Step ▶").click()
    playback.get_by_role("button", name="Step ▶").click()
    playback.get_by_role("button", name="◀ Back").click()
    assert counter(page) == f"Step 1 of {total} · forward pass"
    playback.get_by_role("button", name="Backward »").click()
    assert "backward pass" in counter(page)
    sentence = page.text_content(f"{PLAYER} .bp-sentence") or ""
    assert sentence and not sentence.startswith("Press")  # the recorded narration of the seed step
    playback.get_by_role("button", name="Play").click()
    expect(page.locator(f"{PLAYER} .bp-counter")).to_have_text(
        f"Step {total} of {total} · backward pass", timeout=30_000
    )
    assert page.text_content(f"{PLAYER} .bp-play") == "Play"  # playback stops at the end
    final = labels(page, NODES)
    # every node but a constant (the lab sends no gradient into those) shows its gradient
    assert final and all("not yet computed" not in label for label in final if ", constant:" not in label)
    # the output d = t4 + t6 is −8 + 0 + ... : every box shows its value and its gradient as numbers
    values = page.eval_on_selector_all(f"{NODES} text.value", "ts => ts.map(t => t.textContent)")
    grads = page.eval_on_selector_all(f"{NODES} text.grad", "ts => ts.map(t => t.textContent)")
    assert values and all(re.fullmatch(r"−?[\d.e−]+", value) for value in values)
    assert grads and all(re.fullmatch(r"∇ −?[\d.e−]+", grad) for grad in grads)
    assert page.locator(f"{PLAYER} .bp-math math").count() == 1  # the step's formula, typeset as MathML
    playback.get_by_role("button", name="« Start").click()
    assert computed(page) == 0
    playback.get_by_role("button", name="End »").click()
    assert labels(page, NODES) == final


def test_the_export_names_nodes_and_controls_as_the_lab_does(page: Any, exported: Path, offline: Offline) -> None:
    steps = open_lab(page, f"source={quote(PROGRAM)}")
    page.keyboard.press("End")
    page.wait_for_function(f"document.querySelector('#counter').textContent.startsWith('Step {steps} of')")
    lab_nodes = labels(page, "#graph .node[data-id]")
    lab_controls = page.eval_on_selector_all("nav.controls button", "bs => bs.map(b => b.textContent.trim())")
    player = offline.open(exported)
    player.click(f"{PLAYER} .bp-graph")
    player.keyboard.press("End")
    assert labels(player, NODES) == lab_nodes
    names = player.eval_on_selector_all(f"{PLAYER} nav button", "bs => bs.map(b => b.textContent.trim())")
    assert names == lab_controls
    assert player.get_attribute(f"{PLAYER} svg", "aria-label") == page.get_attribute("#graph", "aria-label")


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_the_export_is_readable_and_fits_the_screen(
    browser: Any, server_url: str, tmp_path: Path, artifacts: Path, width: int, height: int
) -> None:
    for name, body in [("program", {"source": PROGRAM}), ("tensor-mlp", {"source": mlp_source(server_url)})]:
        for scheme in ["light", "dark"]:
            tab = Offline(browser, width, height, scheme)
            page = tab.open(export_file(server_url, tmp_path, body))
            page.click(f"{PLAYER} .bp-graph")
            for _ in range(int(page.get_attribute(f"{PLAYER} .bp-slider", "max") or 0) - 2):
                page.keyboard.press("ArrowRight")
            page.wait_for_timeout(500)  # the smooth scroll to the step's boxes
            page.screenshot(path=str(artifacts / f"export-{name}-{width}x{height}-{scheme}.png"))
            smallest = page.eval_on_selector_all(
                f"{NODES} text.value, {NODES} text.grad",
                "ts => Math.min(...ts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))",
            )
            assert smallest >= READABLE - 0.01, f"{name}: a number is {smallest:.1f} px"
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways page scroll
            background = page.evaluate(f"getComputedStyle(document.querySelector('{PLAYER}')).backgroundColor")
            assert (background == "rgb(18, 19, 23)") == (scheme == "dark")
            tab.close()


def test_two_players_on_one_page_play_apart(browser: Any, server_url: str, tmp_path: Path) -> None:
    traces = [api_trace(server_url, PROGRAM), api_trace(server_url, "x = -2\ny = 5\nz = -4\nq = x + y\nf = q * z")]
    blocks = "".join(f'<script id="r{i}" type="application/json">{encode(t)}</script>' for i, t in enumerate(traces))
    start = (
        "const read = (id) => JSON.parse(document.getElementById(id).textContent);\n"
        'mount(document.getElementById("one"), read("r0"), { title: "first" });\n'
        'mount(document.getElementById("two"), read("r1"), { title: "second", theme: "dark", position: 2 });\n'
    )
    notebook = tmp_path / "notebook.html"
    notebook.write_text(
        f'<!doctype html><meta charset="utf-8"><style>{styles()}</style><div id="one"></div><div id="two"></div>'
        f'{blocks}<script type="module">{player_module()}\n{start}</script>',
        encoding="utf-8",
    )
    tab = Offline(browser, 1280, 720)
    page = tab.open(notebook, "#two svg .node[data-id]")
    one, two = page.locator("#one"), page.locator("#two")
    expect(two.locator(".bp-counter")).to_have_text(f"Step 2 of {len(traces[1]['trace']['steps'])} · forward pass")
    one.locator(".bp-graph").click()
    page.keyboard.press("End")  # keys go to the player that has the focus, and to it alone
    expect(one.locator(".bp-counter")).to_have_text(re.compile(r"^Step (\d+) of \1 · backward pass$"))
    expect(two.locator(".bp-counter")).to_have_text(re.compile(r"^Step 2 of"))
    assert one.locator("svg .node[data-id]").count() == len(traces[0]["view"]["items"])
    assert two.locator("svg .node[data-id]").count() == len(traces[1]["view"]["items"])
    assert page.get_by_role("region", name="Backprop player: second").count() == 1
    tab.close()


def api_trace(server_url: str, source: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server_url}/api/trace",
        data=json.dumps({"source": source}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
        return dict(json.loads(response.read()))


def mlp_source(server_url: str) -> str:
    with urllib.request.urlopen(f"{server_url}/api/presets/tensor-mlp") as response:  # noqa: S310 - loopback
        return str(json.loads(response.read())["source"])
