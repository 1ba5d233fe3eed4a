"""The notebook widget: an anywidget whose front end is the lab's player, bundled by `make vendor`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

BUNDLE = Path(__file__).with_name("bundle.js")


def bundle() -> Path:
    """The built front end; a clear error naming the command that builds it when it is missing."""
    if not BUNDLE.is_file() or BUNDLE.stat().st_size < 1000:  # the 41-byte placeholder is not a build
        raise FileNotFoundError(
            f"the notebook widget's front end {BUNDLE} is not built: run `make vendor` (or `make notebook`) "
            "in the Backprop Lab checkout"
        )
    return BUNDLE


class GraphWidget(anywidget.AnyWidget):  # type: ignore[misc]
    """One graph, played forward and backward inline. `response` is what the lab's page draws; when it
    carries DOT text instead of a layout, the browser lays it out and sends the result back in `browser_layout`."""

    # the front end (with its styles), given per instance so that importing this module needs no build
    _esm = traitlets.Unicode().tag(sync=True)
    response = traitlets.Dict().tag(sync=True)
    player_options = traitlets.Dict().tag(sync=True)
    # the layout the browser made, when it made one (not `layout`: every DOM widget has that trait)
    browser_layout = traitlets.Dict().tag(sync=True)

    def __init__(self, response: dict[str, Any], options: dict[str, Any]) -> None:
        esm = bundle().read_text(encoding="utf-8")
        super().__init__(_esm=esm, response=response, player_options=options)

    def laid_out(self) -> dict[str, Any]:
        """The response with a finished layout: dot's, or the one the browser made and sent back."""
        if "dot" not in self.response["layout"]:
            return dict(self.response)
        if not self.browser_layout:
            raise RuntimeError(
                "this machine has no Graphviz `dot` and the widget has not been displayed yet: display it "
                "first (its browser lays the graph out and sends the layout back), then export"
            )
        return {**self.response, "layout": self.browser_layout}
