"""The lab's animated graph inside a notebook (JupyterLab, Jupyter Notebook, VS Code): `show(root)`.

    from app.notebook import show
    show(g)        # g: an engine Value or Tensor, or any micrograd-style Value

needs the `notebook` extra (anywidget) and the front end built by `make vendor`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .convert import GraphError
from .response import build_response

if TYPE_CHECKING:
    from .widget import GraphWidget

__all__ = ["GraphError", "export_html", "show"]

DEFAULT_OPTIONS: dict[str, Any] = {"height": 420}  # the graph pane, in CSS pixels


def show(root: object, *, folded: list[str] | None = None, **options: Any) -> GraphWidget:
    """A widget that plays the graph ending at `root` forward and backward, as the lab does.

    `folded` lists the groups drawn as one box (None: the lab's default, folding only large graphs);
    `height` is the graph pane's in CSS pixels (420 unless given); other options go to the player
    as they are: `title`, `position`, `speed`, `theme`, `autoplay`.
    """
    widget_class = _widget_class()
    return widget_class(build_response(root, folded), {**DEFAULT_OPTIONS, **options})


def export_html(root: object, path: str | Path, title: str = "Backprop Lab") -> Path:
    """Write the graph as one self-contained HTML file that plays without a server or a network.

    `root` is a graph's output or a widget `show()` returned. The file needs a finished layout: from
    Graphviz's `dot` when it is on PATH, else from a displayed widget, whose browser made one.
    """
    from ..export import export_html as render  # the page shell and the bundled player

    if _is_widget(root):
        response = root.laid_out()  # type: ignore[attr-defined]
    elif shutil.which("dot") is None:
        raise GraphError(
            "Graphviz's `dot` is not on PATH, so the layout must come from the browser: display "
            "`w = show(root)` first, then call export_html(w, path)"
        )
    else:
        response = build_response(root)
    target = Path(path)
    target.write_text(render(response, title), encoding="utf-8")
    return target


def _widget_class() -> type[GraphWidget]:
    try:
        from .widget import GraphWidget
    except ImportError as error:
        raise ImportError(
            f"show() needs anywidget ({error.name} is missing): pip install 'backprop-lab[notebook]'"
        ) from error
    return GraphWidget


def _is_widget(obj: object) -> bool:
    try:
        from .widget import GraphWidget
    except ImportError:
        return False
    return isinstance(obj, GraphWidget)
