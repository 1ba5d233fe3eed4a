"""POST /api/export.html: one HTML file that plays a program's animation offline, under a strict policy."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import export
from app.presets import BY_ID

# The README's example (with relu(...) written as a call: the language's spelling today).
README_PROGRAM = """a = -4.0
b = 2.0
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + relu(b + a)"""
HOSTILE = "</script><img src=x onerror=alert(1)><!--"
SIZE_BOUND = 400_000  # bytes: the player bundle (mostly the math typesetter) and a small trace


class Page(HTMLParser):
    """The elements of a page with their attributes, and the text of each script and style element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.texts:
            self._open = tag
            self.texts[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self.texts[self._open][-1] += data


def exported(client: TestClient, body: dict[str, Any]) -> str:
    """POST /api/export.html, insist on 200, and return the page."""
    response = client.post("/api/export.html", json=body)
    assert response.status_code == 200, response.text
    return response.text


def parsed(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def outside_the_player(text: str) -> str:
    """The page without the player bundle's own code (a library's source may spell any markup in its strings)."""
    return text.replace(export.player_module(), "")


def csp_of(page: Page) -> str:
    policies = [a for tag, a in page.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    [content] = [attrs["content"] for attrs in policies]
    assert content is not None
    return content


def sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_export_answers_an_html_file_to_download(client: TestClient) -> None:
    response = client.post("/api/export.html", json={"source": README_PROGRAM})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="backprop-program.html"'
    page = parsed(response.text)
    assert ("main", {"id": "backprop-player", "class": "bp-player"}) in page.tags
    assert response.text.startswith("<!doctype html>")


def test_a_preset_names_the_file_while_its_program_is_unchanged(client: TestClient) -> None:
    preset = BY_ID["tensor-mlp"]
    named = client.post("/api/export.html", json={"source": preset.source, "preset": preset.id})
    assert named.headers["content-disposition"] == 'attachment; filename="backprop-tensor-mlp.html"'
    assert f"<title>Backprop Lab: {preset.title}</title>" in named.text
    edited = client.post("/api/export.html", json={"source": preset.source + "\nM = L * 2", "preset": preset.id})
    assert edited.headers["content-disposition"] == 'attachment; filename="backprop-program.html"'


def test_the_file_refers_to_nothing_outside_itself(client: TestClient) -> None:
    text = exported(client, {"source": README_PROGRAM})
    page = parsed(text)
    assert [tag for tag, _ in page.tags if tag in {"link", "img", "iframe", "object", "embed", "base"}] == []
    assert all("src" not in attrs and "href" not in attrs for _, attrs in page.tags)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?:""", text, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", "".join(page.texts["style"]), re.IGNORECASE)
    assert not re.search(r"@import|@font-face", "".join(page.texts["style"]))


def test_its_policy_allows_only_its_own_inline_script_and_style(client: TestClient) -> None:
    page = parsed(exported(client, {"source": README_PROGRAM}))
    policy = dict(part.strip().split(" ", 1) for part in csp_of(page).split(";"))
    [style] = page.texts["style"]
    module = [
        text
        for (tag, attrs), text in zip([t for t in page.tags if t[0] == "script"], page.texts["script"])
        if attrs.get("type") == "module"
    ]
    assert len(module) == 1
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'none'"
    assert policy["script-src"] == f"'{sha256(module[0])}'"
    assert policy["style-src"] == f"'{sha256(style)}'"
    assert "unsafe-eval" not in csp_of(page)


def test_the_embedded_response_is_the_trace_route_answer(client: TestClient) -> None:
    page = parsed(exported(client, {"source": README_PROGRAM}))
    [data] = [
        text
        for (tag, attrs), text in zip([t for t in page.tags if t[0] == "script"], page.texts["script"])
        if attrs.get("id") == "backprop-trace"
    ]
    embedded = json.loads(data)
    assert embedded["title"] == "Backprop Lab: a program"
    assert embedded["response"] == client.post("/api/trace", json={"source": README_PROGRAM}).json()


def test_hostile_text_in_the_program_cannot_end_the_script_element(client: TestClient) -> None:
    source = f"# {HOSTILE}\nx = 2\ny = x * x"
    text = exported(client, {"source": source})
    rest = outside_the_player(text)
    assert "<img" not in rest and "<!--" not in rest
    assert rest.count("</script>") == 2  # the data block's and the module's own end tags, nothing else
    page = parsed(text)
    assert [tag for tag, _ in page.tags].count("script") == 2
    assert json.loads(page.texts["script"][0])["response"]["source"] == source


def test_hostile_labels_and_titles_are_escaped_by_export_html() -> None:
    response = {"source": "x", "trace": {"nodes": [{"label": HOSTILE, "name": HOSTILE}]}}
    text = export.export_html(response, HOSTILE)
    rest = outside_the_player(text)
    assert "<img" not in rest and "<!--" not in rest and rest.count("</script>") == 2
    page = parsed(text)
    assert json.loads(page.texts["script"][0]) == {"response": response, "title": HOSTILE}
    assert [tag for tag, _ in page.tags if tag == "title"] == ["title"]


@pytest.mark.parametrize(
    "source",
    ["x = 2\ny = x +* 3", "y = x * 2", "x = 2\ny = log(x - 2) * (", "x = 1\ny = x @ x"],
    ids=["syntax", "undefined-name", "unclosed", "bad-operands"],
)
def test_a_program_that_cannot_run_is_refused_exactly_as_the_trace_route_refuses_it(
    client: TestClient, source: str
) -> None:
    trace = client.post("/api/trace", json={"source": source})
    page = client.post("/api/export.html", json={"source": source})
    assert trace.status_code >= 400
    assert (page.status_code, page.json()) == (trace.status_code, trace.json())
    assert set(page.json()["error"]) == {"kind", "message", "line", "column"}


def test_a_malformed_request_is_refused_as_the_trace_route_refuses_it(client: TestClient) -> None:
    for body in ['{"source": 3}', "{oops", '{"source": "x = 1", "extra": true}']:
        headers = {"content-type": "application/json"}
        trace = client.post("/api/trace", content=body, headers=headers)
        page = client.post("/api/export.html", content=body, headers=headers)
        assert page.status_code == trace.status_code == 422
        assert page.json() == trace.json()


def test_the_export_stays_small(client: TestClient) -> None:
    readme = exported(client, {"source": README_PROGRAM}).encode()
    mlp = exported(client, {"source": BY_ID["tensor-mlp"].source, "preset": "tensor-mlp"}).encode()
    assert len(readme) < SIZE_BOUND and len(mlp) < SIZE_BOUND
    bundle = export.BUNDLE.stat().st_size
    assert len(readme) - bundle < 40_000  # styles, page and the trace itself


def test_an_unbuilt_player_says_to_run_make_vendor(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "BUNDLE", Path("/nonexistent/player.js"))
    with pytest.raises(export.BundleMissing, match="run make vendor"):
        export.export_html({}, "t")
    response = client.post("/api/export.html", json={"source": "x = 2"})
    assert response.status_code == 503
    assert response.json()["error"]["kind"] == "not-built"
    assert "run make vendor" in response.json()["error"]["message"]


def test_openapi_describes_the_export_route_like_the_trace_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    operation = paths["/api/export.html"]["post"]
    assert "text/html" in operation["responses"]["200"]["content"]
    assert {"400", "413", "422", "429", "503"} <= set(operation["responses"])
    for status in ["400", "422", "503"]:  # errors answer JSON, as the trace route's do
        assert operation["responses"][status]["content"] == paths["/api/trace"]["post"]["responses"][status]["content"]
    assert operation["requestBody"] == paths["/api/trace"]["post"]["requestBody"]
