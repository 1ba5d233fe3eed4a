"""One self-contained HTML file that plays a trace offline: the player bundle, its styles and the trace inline."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .service import build_trace_json, encode

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "static" / "vendor" / "player.js"
PLAYER_CSS = ROOT / "static" / "css" / "player.css"
GRAPH_CSS = ROOT / "static" / "css" / "graph.css"  # the graph's rules, shared with the lab's pages

# The bundle is an ES module ending in `export{<local> as mount}`: a page's inline module cannot import
# from another inline module, so the export statement becomes a constant the start-up line can call.
EXPORT_STATEMENT = re.compile(r"export\s*\{\s*([A-Za-z_$][\w$]*)(?:\s+as\s+mount)?\s*\}\s*;?")
# Text that would end the <script> element early (or enter its escaped state) if it occurred in the bundle.
SCRIPT_BREAKERS = re.compile(r"</script|<!--", re.IGNORECASE)
# The page's own start-up: read the embedded trace (a data block: JSON.parse, never evaluated) and mount.
START = (
    'const data = JSON.parse(document.getElementById("backprop-trace").textContent);\n'
    'mount(document.getElementById("backprop-player"), data.response, { title: data.title });\n'
)


class BundleMissing(RuntimeError):
    """The player bundle has not been built."""


def export_html(response: dict[str, Any], title: str) -> str:
    """The page: a strict policy (only this page's own script and style, no connections), the styles,
    the trace as a JSON data block and the player with its start-up line, all inline."""
    style = styles()
    script = f"{player_module()}\n{START}"
    data = encode({"response": response, "title": title})  # <, >, & and ' escaped: it cannot end the element
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy(script, style)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{style}</style>\n"
        '</head>\n<body class="bp-page">\n'
        '<main id="backprop-player" class="bp-player"></main>\n'
        f'<script id="backprop-trace" type="application/json">{data}</script>\n'
        f'<script type="module">{script}</script>\n'
        "</body>\n</html>\n"
    )


def policy(script: str, style: str) -> str:
    """The Content-Security-Policy: nothing from anywhere, but the inline script and style with these hashes."""
    return (
        f"default-src 'none'; script-src '{digest(script)}'; style-src '{digest(style)}'; img-src data:; "
        "connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )


def digest(text: str) -> str:
    """A CSP source expression for exactly this inline text."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def player_module() -> str:
    """The player bundle as inline module code that defines `mount` (a page's own lines then call it)."""
    if not BUNDLE.exists():
        raise BundleMissing(f"the player bundle {BUNDLE} is missing: run make vendor")
    return _module(BUNDLE.stat().st_mtime_ns)


@lru_cache(maxsize=1)
def _module(modified: int) -> str:
    """player_module's work, done again only when the bundle is rebuilt (`modified` is its mtime)."""
    bundle = BUNDLE.read_text(encoding="utf-8")
    exported = EXPORT_STATEMENT.search(bundle)
    if exported is None:
        raise BundleMissing(f"{BUNDLE} does not export mount: run make vendor")
    if SCRIPT_BREAKERS.search(bundle):
        raise BundleMissing(f"{BUNDLE} holds text that would end an inline script")
    local = exported.group(1)
    module = f"{bundle[: exported.start()]}const mount = {local};{bundle[exported.end() :]}"
    return module


def styles() -> str:
    """The player's stylesheet and the graph's rules (the export draws math as MathML: no KaTeX fonts)."""
    return f"{graph_styles()}\n{PLAYER_CSS.read_text(encoding='utf-8')}"


def graph_styles() -> str:
    """The graph's rules, as the lab's pages load them."""
    return GRAPH_CSS.read_text(encoding="utf-8")


def build_export_html(
    source: str, values: dict[str, Any], folded: list[str] | None, preset: str | None, title: str
) -> str:
    """POST /api/export.html's work, in a compute worker: the trace exactly as /api/trace gives it
    (with its budgets and errors), then the page."""
    return export_html(json.loads(build_trace_json(source, values, folded, preset)), title)
