"""A room's links lead students' devices to the server: never to their own loopback, unless nothing else can."""

from __future__ import annotations

import io
import ipaddress
import json
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import segno
from fastapi.testclient import TestClient

import app.roomlinks
from app.roomlinks import LOOPBACK_ONLY, NO_NETWORK
from tests import servers


def use_settings(monkeypatch: pytest.MonkeyPatch, **changes: object) -> None:
    monkeypatch.setattr(app.roomlinks, "SETTINGS", app.roomlinks.SETTINGS.model_copy(update=changes))


def new_room(client: TestClient, page: str) -> dict:
    """A room started from a teacher's page at `page` (its scheme, host and port)."""
    response = client.post(f"{page}/api/rooms", json={"state": "v=1&preset=cs231n"})
    assert response.status_code == 201
    return response.json()


def reachable_ipv4() -> set[str]:
    """This machine's IPv4 addresses that are neither loopback nor link-local, read afresh."""
    return {
        entry.address
        for addresses in psutil.net_if_addrs().values()
        for entry in addresses
        if entry.family == socket.AF_INET
        and not ipaddress.ip_address(entry.address).is_loopback
        and not ipaddress.ip_address(entry.address).is_link_local
    }


def qr_svg(url: str) -> bytes:
    svg = io.BytesIO()
    segno.make(url, error="m").save(svg, kind="svg", scale=6, border=2, dark="#111", light="#fff")
    return svg.getvalue()


def test_a_server_on_loopback_offers_its_one_link_and_says_why_students_cannot_use_it(tmp_path: Path) -> None:
    with servers.running(tmp_path / "links.sqlite3") as live:  # as `make run` starts it: 127.0.0.1
        request = urllib.request.Request(
            f"{live.url}/api/rooms", data=b'{"state": "v=1"}', headers={"content-type": "application/json"}
        )
        room = json.loads(urllib.request.urlopen(request, timeout=10).read())  # noqa: S310 - loopback
    assert room["links"] == [{"url": f"{live.url}/?room={room['code']}", "kind": "page"}]
    assert room["warning"] == LOOPBACK_ONLY
    assert "make run HOST=0.0.0.0" in room["warning"] and "BACKPROP_PUBLIC_URL" in room["warning"]
    assert room["url"] == f"/?room={room['code']}" and room["qr"] == f"/api/rooms/{room['code']}/qr.svg"


@pytest.mark.parametrize("page", ["http://127.0.0.1:8123", "http://localhost:8123", "http://[::1]:8123"])
def test_a_server_on_every_interface_offers_its_network_addresses_and_no_loopback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    use_settings(monkeypatch, host="0.0.0.0", public_url="")
    room = new_room(client, page)
    if not reachable_ipv4():  # a machine on no network: the one link there is, and why
        assert room["links"] == [{"url": f"{page}/?room={room['code']}", "kind": "page"}]
        assert room["warning"] == NO_NETWORK
        return
    assert room["warning"] is None
    hosts = [urlsplit(link["url"]).hostname for link in room["links"]]
    assert all(link["kind"] == "lan" for link in room["links"])
    assert reachable_ipv4() <= set(hosts) and len(hosts) == len(set(hosts))
    for link in room["links"]:
        parts = urlsplit(link["url"])
        address = ipaddress.ip_address(parts.hostname or "")
        assert not address.is_loopback and not address.is_link_local
        assert parts.port == 8123 and f"{parts.path}?{parts.query}" == f"/?room={room['code']}"


def test_the_teachers_own_address_comes_first_when_others_can_reach_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, host="0.0.0.0", public_url="")
    room = new_room(client, "http://lab-laptop.local:8123")
    assert room["links"][0] == {"url": f"http://lab-laptop.local:8123/?room={room['code']}", "kind": "page"}
    assert {link["kind"] for link in room["links"][1:]} <= {"lan"} and room["warning"] is None
    use_settings(monkeypatch, host="127.0.0.1", public_url="")  # behind a proxy that forwards the Host
    room = new_room(client, "https://lab.school.example")
    assert room["links"] == [{"url": f"https://lab.school.example/?room={room['code']}", "kind": "page"}]
    assert room["warning"] is None


def test_a_public_url_is_the_only_link(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, host="0.0.0.0", public_url="https://lab.example.org")
    room = new_room(client, "http://127.0.0.1:8123")
    assert room["links"] == [{"url": f"https://lab.example.org/?room={room['code']}", "kind": "public"}]
    assert room["warning"] is None


def test_each_qr_code_encodes_its_link_and_bad_numbers_are_clean_errors(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, host="0.0.0.0", public_url="")
    page = "http://lab-laptop.local:8123"
    room = new_room(client, page)
    links = [link["url"] for link in room["links"]]
    assert len(links) >= 2 or not reachable_ipv4()
    codes = [client.get(f"{page}{room['qr']}?link={n}") for n in range(len(links))]
    assert all(code.headers["content-type"] == "image/svg+xml" for code in codes)
    assert [code.content for code in codes] == [qr_svg(link) for link in links]
    assert len({code.content for code in codes}) == len(links)
    assert client.get(f"{page}{room['qr']}").content == codes[0].content
    beyond = client.get(f"{page}{room['qr']}?link={len(links)}")
    assert beyond.status_code == 404 and f"no link {len(links)}" in beyond.json()["error"]["message"]
    for bad in ("abc", "-1", "1.5", ""):
        refused = client.get(f"{page}{room['qr']}", params={"link": bad})
        assert refused.status_code == 422 and refused.json()["error"]["kind"] == "bad-request"
