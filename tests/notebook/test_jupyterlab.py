"""The widget in a real JupyterLab without Graphviz: micrograd's README example, drawn, stepped and played.

The kernel runs the README's expression with our engine and calls show(g); the browser lays the graph out
with Graphviz in WebAssembly (the server's PATH has no dot) and plays it with the lab's player.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.notebook.conftest import Lab, chromium, in_own_thread

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # on failure: the page as it was, and its console
# The README's picture, static/img/notebook.png, is a copy of this (as the lab's pictures are of theirs).
SCREENSHOT = ARTIFACTS / "notebook-1280x720.png"
WIDGET_TIMEOUT = 30_000  # ms: a cold kernel, the first import of numpy, and compiling the WebAssembly

SETUP = """\
import shutil
from engine import Value
from app.notebook import show
print("dot on PATH:", shutil.which("dot"))"""

README_EXAMPLE = """\
a = Value(-4.0, name="a")
b = Value(2.0, name="b")
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
g.name = "g"
print(f"{g.data:.4f}")"""


def write_notebook(folder: Path) -> str:
    """micrograd's README example as a notebook: set-up, the expression, and show(g)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("## micrograd's README example, in Backprop Lab's engine"),
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_code_cell(README_EXAMPLE),
        nbformat.v4.new_code_cell("w = show(g, height=290)\nw"),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "readme.ipynb")
    return "readme.ipynb"


def node_label(page: Any, name: str) -> str:
    """The accessible name of the box labelled `name` (e.g. 'a, input: value −4, gradient 138.834')."""
    return str(
        page.locator(
            f'.bp-player .node[aria-label^="{name} "], .bp-player .node[aria-label^="{name},"]'
        ).first.get_attribute("aria-label")
    )


@pytest.mark.browser
def test_show_draws_steps_and_plays_the_readme_example_in_jupyterlab_without_dot(lab: Lab) -> None:
    name = write_notebook(lab.root)
    in_own_thread(lambda: drive(lab, name))


def drive(lab: Lab, name: str) -> None:
    """Open the notebook in Chromium, run every cell, and check the widget (in a thread: see chromium())."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        check_widget(context, lab, name)


def check_widget(context: Any, lab: Lab, name: str) -> None:
    """The README example's widget: numbers, keyboard and buttons, the picture, and no console errors."""
    page = context.new_page()
    problems: list[str] = []
    log: list[str] = []
    page.on("console", lambda message: log.append(f"{message.type}: {message.text}"))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(lab.notebook_url(name))
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=WIDGET_TIMEOUT)  # the kernel is up
        page.keyboard.press("Control+b")  # fold the file browser away: the notebook gets the width
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.locator('[data-command="runmenu:run-all"]').click()
        player = page.locator(".bp-player")
        player.locator(".node").first.wait_for(timeout=WIDGET_TIMEOUT)

        outputs = page.locator(".jp-OutputArea-output")
        assert "dot on PATH: None" in outputs.nth(0).inner_text()  # the kernel really has no dot
        assert outputs.nth(1).inner_text().strip() == "24.7041"
        assert player.locator(".node").count() >= 30  # the README expression's boxes, constants too
        assert re.match(r"Ready: \d+ steps", player.locator(".bp-counter").inner_text())
        # the bundle's styles are on the page: boxes are the player's white, not SVG's default black
        assert player.locator(".node rect").first.evaluate("box => getComputedStyle(box).fill") == "rgb(255, 255, 255)"

        step_with_keys_and_buttons(page, player)
        player.get_by_role("button", name="End »").click()
        assert "value 24.7041, gradient 1" in node_label(page, "g")
        assert "value −4, gradient 138.834" in node_label(page, "a")
        assert "value 2, gradient 645.577" in node_label(page, "b")

        take_screenshot(page, player)
        export_with_the_browsers_layout(page)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "notebook-failure.png"))
        (ARTIFACTS / "notebook-console.txt").write_text("\n".join(log), encoding="utf-8")
        raise
    finally:
        context.close()
    assert not problems, f"console errors: {problems}"


def step_with_keys_and_buttons(page: Any, player: Any) -> None:
    """→ and ← step (the notebook keeps its own shortcuts away), the buttons step, End ends."""
    counter = player.locator(".bp-counter")
    total = int(re.search(r"Ready: (\d+) steps", counter.inner_text()).group(1))  # type: ignore[union-attr]
    player.locator(".bp-graph").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert counter.inner_text().startswith("Step 2 of")
    page.keyboard.press("ArrowLeft")
    assert counter.inner_text().startswith("Step 1 of")
    player.get_by_role("button", name="Step ▶").click()
    assert counter.inner_text().startswith("Step 2 of")
    player.get_by_role("button", name="Backward »").click()
    assert "backward pass" in counter.inner_text()
    page.keyboard.press("Home")
    page.keyboard.press("b")  # the player's, not the notebook's "insert a cell below"
    assert "backward pass" in counter.inner_text()
    assert page.locator(".jp-Notebook .jp-Cell").count() == 4
    page.keyboard.press("End")
    assert counter.inner_text().startswith(f"Step {total} of {total}")
    page.keyboard.press("Space")  # plays again from the start
    page.wait_for_function("() => /Pause/.test(document.querySelector('.bp-play').textContent)")
    page.keyboard.press("Space")
    assert player.locator(".bp-play").inner_text() == "Play"
    player.get_by_role("button", name="« Start").click()
    assert counter.inner_text().startswith("Ready")


# Typed into a new cell once the widget has drawn: the kernel has no dot, so the export's layout is the one
# the browser made and sent back.
EXPORT = "\n".join(
    [
        "from app.notebook import export_html",
        'page = export_html(w, "readme.html").read_text()',
        "print(sorted(w.browser_layout), '\"dot\":' in page, '\"edges\":' in page)",
    ]
)


def export_with_the_browsers_layout(page: Any) -> None:
    """A cell typed after the widget drew exports it to HTML with the layout the browser sent back."""
    page.locator(".jp-Notebook .jp-Cell").nth(3).locator(".jp-InputPrompt").click()  # command mode, on show's cell
    page.keyboard.press("b")  # a new cell below
    page.keyboard.press("Enter")
    page.keyboard.type(EXPORT)
    page.keyboard.press("Shift+Enter")
    output = page.locator(".jp-Notebook .jp-Cell").nth(4).locator(".jp-OutputArea-output")
    output.wait_for(timeout=WIDGET_TIMEOUT)
    assert output.inner_text().strip() == "['edges', 'height', 'items', 'key', 'width'] False True"


def take_screenshot(page: Any, player: Any) -> None:
    """The README's picture: the widget mid-backward, below the cell that made it."""
    player.get_by_role("button", name="Backward »").click()
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    page.locator(".jp-Notebook .jp-Cell").nth(3).evaluate("cell => cell.scrollIntoView({ block: 'start' })")
    page.evaluate("document.activeElement.blur()")  # no focus ring in the picture
    page.wait_for_timeout(300)  # the graph pane's smooth scroll to the active node
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
