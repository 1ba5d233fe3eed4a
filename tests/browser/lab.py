"""Opening the lab in the browser, the way every browser test does."""

from __future__ import annotations

from typing import Any


def open_lab(page: Any, query: str = "") -> int:
    """Open the lab at `/?query`, wait until its graph is drawn, and return how many steps it has."""
    page.goto(f"/?{query}" if query else "/")
    page.wait_for_selector("#graph .node[data-id]")
    return int(page.evaluate("window.backpropLab.state.response.trace.steps.length"))
