"""Sharing in a real Chromium: URLs and short links reproduce the exact frame; exports open."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from engine import trace_schema
from tests.browser.lab import open_lab
from tests.servers import free_port, start

pytestmark = pytest.mark.browser
PROGRAM = "a = 2\nb = -3\nc = a * b + a\nf = tanh(c / 4) * b\n"


def frame_of(page: Any) -> dict[str, Any]:
    """What a viewer sees: every node's accessible name, the step counter and sentence, the formula."""
    return {
        "nodes": page.eval_on_selector_all("#graph .node", "ns => ns.map(n => n.getAttribute('aria-label'))"),
        "counter": page.text_content("#counter"),
        "sentence": page.text_content("#sentence"),
        "theme": page.get_attribute("html", "data-theme"),
    }


def prepare_frame(page: Any) -> None:
    """Type a program, change an input, and step to the middle of the backward pass."""
    page.goto("/")
    page.wait_for_selector("#graph .node[data-id]")
    page.fill("#source", PROGRAM)
    page.click("#run")
    page.wait_for_function("source => window.backpropLab.state.response.source === source", arg=PROGRAM)
    page.fill("#input-a", "1.25")
    page.press("#input-a", "Enter")
    page.wait_for_function("() => window.backpropLab.state.response.trace.nodes[0].value === 1.25")
    page.locator("#viewport").click(position={"x": 5, "y": 5})
    page.keyboard.press("b")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.click("#theme")
    page.wait_for_function("() => location.search.includes('step=') && location.search.includes('theme=')")


def test_a_copied_url_reproduces_the_frame_in_another_browser(
    page: Any, browser: Any, server_url: str, artifacts: Path
) -> None:
    prepare_frame(page)
    url = page.url
    assert "values=a%3A1.25" in url and "source=" in url
    before = frame_of(page)
    assert "backward" in before["counter"]
    page.screenshot(path=str(artifacts / "share-url-before.png"))
    other = browser.new_context(viewport={"width": 1400, "height": 860})
    try:
        fresh = other.new_page()
        fresh.goto(url)
        fresh.wait_for_selector("#graph .node[data-id]")
        fresh.screenshot(path=str(artifacts / "share-url-after.png"))
        assert frame_of(fresh) == before
    finally:
        other.close()


def test_a_short_link_reproduces_the_frame_after_the_app_restarts(
    browser: Any, tmp_path: Path, artifacts: Path
) -> None:
    db, port = tmp_path / "links.sqlite3", free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(db, port)
    first = browser.new_context(viewport={"width": 1400, "height": 860}, base_url=base)
    try:
        page = first.new_page()
        prepare_frame(page)
        before = frame_of(page)
        page.click("#share")
        page.wait_for_selector("#share-box:not([hidden])")
        link = page.input_value("#share-link")
        assert link.startswith(f"{base}/s/")
    finally:
        first.close()
        server.terminate()
        server.wait(timeout=10)
    server = start(db, port)
    second = browser.new_context(viewport={"width": 1400, "height": 860})
    try:
        page = second.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.goto(link)
        page.wait_for_selector("#graph .node[data-id]")
        page.screenshot(path=str(artifacts / "share-short-link-after-restart.png"))
        assert frame_of(page) == before
        assert not problems
    finally:
        second.close()
        server.terminate()
        server.wait(timeout=10)


def png_pixels(data: bytes) -> tuple[int, int]:
    """Check a PNG file chunk by chunk (CRCs, then the inflated image size); return its width, height."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        assert struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            header = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    assert header is not None
    width, height, depth, color = header
    channels = {2: 3, 6: 4, 0: 1, 4: 2}[color]
    assert len(zlib.decompress(idat)) == height * (1 + width * channels * depth // 8)
    return width, height


def test_exports_open_as_svg_png_json_and_latex(page: Any) -> None:
    open_lab(page, "preset=cs231n&step=8")
    with page.expect_download() as svg:
        page.click("#export-svg")
    root = ET.parse(svg.value.path()).getroot()
    assert root.tag.endswith("svg") and len(root.findall(".//{http://www.w3.org/2000/svg}rect")) >= 5
    with page.expect_download() as png:
        page.click("#export-png")
    width, height = png_pixels(Path(png.value.path()).read_bytes())
    assert width > 100 and height > 100
    with page.expect_download() as trace:
        page.click("#export-json")
    document = json.loads(Path(trace.value.path()).read_text())
    jsonschema.validate(document, trace_schema())
    page.click("#copy-latex")
    assert page.input_value("#latex").startswith("\\frac{\\partial f}{\\partial z}")


def test_a_tampered_link_opens_with_a_clear_message(page: Any) -> None:
    open_lab(page, "v=7&preset=cs231n&step=zz&node=-1&view=0,x&theme=neon&values=x:abc")
    notice = page.text_content("#notice")
    assert "step" in notice and "version 7" in notice and "x:abc" in notice
    assert page.text_content("#counter").startswith("Ready")


def test_a_link_to_a_broken_program_shows_the_error_without_a_failed_request(page: Any) -> None:
    page.goto("/?source=x%20%3D%202%0Ay%20%3D%20x%20%2B")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error").startswith("Line 2, column 8")
    assert page.is_visible("#graph-message")


def test_presenter_mode_hides_the_editor_and_a_clicker_steps(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    page.locator("#viewport").click(position={"x": 5, "y": 5})
    page.keyboard.press("p")
    assert page.get_attribute("html", "data-mode") == "present"
    assert not page.is_visible("#source")
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    page.keyboard.press("PageUp")
    assert page.text_content("#counter").startswith("Step 1 of 10")
    page.wait_for_function("() => location.search.includes('mode=present')")


def test_the_embed_page_shows_graph_and_controls_without_the_editor(page: Any) -> None:
    page.goto("/embed?preset=fan-out&step=3")
    page.wait_for_selector("#graph .node[data-id]")
    assert not page.is_visible("#source") and page.is_visible("#play")
    assert page.text_content("#counter").startswith("Step 3 of")
