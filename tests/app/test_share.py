"""Short links and shareable pages: ids, storage, limits, embed framing, link previews."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app.store import ID_PATTERN, SQLiteStore

STATE = "v=1&source=" + quote("x = 2\ny = x * x\n") + "&step=4"


def initial_of(html: str) -> dict:
    match = re.search(r'<script id="initial" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries its first trace"
    return json.loads(match.group(1))


def test_sharing_a_state_returns_a_random_unguessable_id_and_the_same_state_keeps_it(client: TestClient) -> None:
    first = client.post("/api/share", json={"state": STATE})
    assert first.status_code == 201
    link = first.json()
    assert ID_PATTERN.match(link["id"]) and link["url"] == f"/s/{link['id']}"
    again = client.post("/api/share", json={"state": STATE})
    assert again.status_code == 200 and again.json()["id"] == link["id"]
    ids = {client.post("/api/share", json={"state": f"v=1&step={k}"}).json()["id"] for k in range(50)}
    assert len(ids) == 50 and all(ID_PATTERN.match(i) for i in ids)


def test_a_short_link_opens_the_shared_frame_and_has_a_json_twin(client: TestClient) -> None:
    link = client.post("/api/share", json={"state": STATE}).json()
    page = client.get(link["url"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    initial = initial_of(page.text)
    assert initial["query"] == STATE and initial["response"]["trace"]["nodes"][-1]["value"] == 4
    assert f'href="/api/share/{link["id"]}"' in page.text
    twin = client.get(f"/api/share/{link['id']}").json()
    assert twin["state"] == STATE


def test_shared_pages_carry_open_graph_tags(client: TestClient) -> None:
    link = client.post("/api/share", json={"state": STATE}).json()
    html = client.get(link["url"]).text
    for tag in ("og:title", "og:description", "og:url", "og:type"):
        assert f'property="{tag}"' in html
    assert "a computational graph of 2 nodes" in html  # x, and y = x * x


MALFORMED = ["abc", "A" * 21 + "!", "a" * 10_000, "../../etc/passwd", "%00" * 8]
UNKNOWN = "Q" * 22


@pytest.mark.parametrize("link_id", MALFORMED)
def test_malformed_or_huge_ids_are_404(client: TestClient, link_id: str) -> None:
    assert client.get(f"/s/{link_id}").status_code == 404
    response = client.get(f"/api/share/{link_id}")
    assert response.status_code == 404
    assert response.json()["error"]["kind"] == "not-found"


@pytest.mark.parametrize("link_id", [UNKNOWN, "abc", "A" * 21 + "!", "a" * 10_000])
@pytest.mark.parametrize("embed", ["", "?embed=1"])
def test_a_short_link_that_leads_nowhere_is_a_404_page_pointing_at_the_lab_and_its_json_twin(
    client: TestClient, link_id: str, embed: str
) -> None:
    page = client.get(f"/s/{link_id}{embed}", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Backprop Lab</h1>" in page.text and '<a href="/">' in page.text
    assert "mistyped" in page.text and "another Backprop Lab server" in page.text
    twin = re.search(r'<link rel="alternate" type="application/json" href="([^"]*)">', page.text)
    assert twin and twin.group(1) == f"/api/share/{quote(link_id[:64], safe='')}"
    assert client.get(twin.group(1)).status_code == 404
    assert client.get(twin.group(1)).json()["error"]["kind"] == "not-found"
    framing = page.headers["content-security-policy"]
    assert ("frame-ancestors *" in framing) == bool(embed)


@pytest.mark.parametrize(
    ("accept", "json_answer"),
    [
        ("application/json", True),
        ("application/json, */*;q=0.5", True),
        ("application/json, text/html;q=0", True),
        ("application/json, text/html", False),
        ("text/html", False),
        ("*/*", False),
        ("", False),
    ],
)
def test_a_client_asking_for_json_only_gets_the_json_404(client: TestClient, accept: str, json_answer: bool) -> None:
    response = client.get(f"/s/{UNKNOWN}", headers={"accept": accept})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json" if json_answer else "text/html")
    if json_answer:
        assert response.json()["error"] == {
            "kind": "not-found",
            "message": "no link with this id: it may have been mistyped",
            "line": 1,
            "column": 1,
        }


def test_an_unknown_id_is_404(client: TestClient) -> None:
    assert client.get(f"/s/{UNKNOWN}").status_code == 404
    assert client.get(f"/api/share/{UNKNOWN}").status_code == 404


def test_a_state_over_16_kib_is_413_and_not_a_query_is_422(client: TestClient) -> None:
    big = client.post("/api/share", json={"state": "v=1&source=" + "x" * 17_000})
    assert big.status_code == 413 and big.json()["error"]["kind"] == "too-large"
    assert client.post("/api/share", json={"state": "&&=&"}).status_code == 422
    assert client.post("/api/share", json={"state": 5}).status_code == 422


def test_embeds_may_be_framed_and_other_pages_may_not(client: TestClient) -> None:
    embed = client.get("/embed?preset=cs231n")
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    assert 'data-mode="embed"' in embed.text
    link = client.post("/api/share", json={"state": STATE}).json()
    framed = client.get(link["url"] + "?embed=1")
    assert "frame-ancestors *" in framed.headers["content-security-policy"] and 'data-mode="embed"' in framed.text
    for path in ("/", link["url"], "/docs"):
        response = client.get(path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"


def test_a_readable_link_opens_the_lab_with_that_program(client: TestClient) -> None:
    page = client.get("/?source=" + quote("a = 3\nb = a * a\n"))
    initial = initial_of(page.text)
    assert initial["response"]["trace"]["nodes"][-1]["value"] == 9
    assert initial["error"] is None


@pytest.mark.parametrize(
    "query",
    [
        "v=1&source=x%20%3D",
        "v=9&step=zz&values=x:oops,&folded=%00",
        "values=nope:1",
        "source=" + "(" * 9000,
        "%ff%fe=1&mode=<script>",
    ],
)
def test_tampered_or_truncated_links_open_with_a_message_not_an_error_page(client: TestClient, query: str) -> None:
    page = client.get(f"/?{query}")
    assert page.status_code == 200
    initial = initial_of(page.text)
    assert initial["response"] is not None or initial["error"]["message"]
    assert initial["error"] is not None or initial["notices"] or initial["response"]
    assert "<script>" not in page.text.split('<script id="initial"')[0]


def test_the_store_survives_reopening_and_rejects_bad_ids(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = SQLiteStore(tmp_path / "links.sqlite3")
    link_id, created = store.put("v=1&step=1")
    assert created
    reopened = SQLiteStore(tmp_path / "links.sqlite3")
    assert reopened.get(link_id) == "v=1&step=1"
    assert reopened.get("x" * 40) is None
    mode = reopened._connection().execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert reopened._connection().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
