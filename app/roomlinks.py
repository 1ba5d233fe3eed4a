"""Where students can reach a live room: its links, best first, and a warning when only this computer can.

A teacher who opened the lab at http://127.0.0.1:8000 would otherwise show the class a link (and a QR
code) that leads every student's device to itself. So the links come from what can be reached: the
public address if one is set, else the address the teacher's page used unless it is a loopback one,
then, when the server listens on every interface, each address of this machine's network interfaces.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Literal

import psutil
from starlette.datastructures import URL

from .settings import SETTINGS

WILDCARDS = ("0.0.0.0", "::", "")  # the hosts that mean "listen on every interface"
LOOPBACK_ONLY = (
    "This link only works on this computer, because the server listens on a loopback address that other "
    "devices cannot reach: restart it with `make run HOST=0.0.0.0` so students on your network can join, "
    "or set BACKPROP_PUBLIC_URL to its public address if it runs behind a proxy."
)
NO_NETWORK = (
    "This link only works on this computer, because it has no network address other devices can reach: "
    "connect it to the classroom's network and start the session again, or set BACKPROP_PUBLIC_URL to "
    "its public address if it runs behind a proxy."
)


@dataclass(frozen=True)
class RoomLink:
    url: str
    kind: Literal["public", "page", "lan"]


def room_links(code: str, page: URL) -> tuple[list[RoomLink], str | None]:
    """The room's links in the order to offer them (the first goes in the QR code), and a warning
    when none of them can be reached from another device. `page` is the teacher's page's base URL."""
    path = f"/?room={code}"
    if SETTINGS.public_url:
        return [RoomLink(SETTINGS.public_url + path, "public")], None
    own = RoomLink(str(page).rstrip("/") + path, "page")
    links = [] if is_local(page.hostname or "") else [own]
    if SETTINGS.host in WILDCARDS:
        port = f":{page.port}" if page.port else ""
        for host in network_hosts():
            link = RoomLink(f"{page.scheme}://{host}{port}{path}", "lan")
            if link.url not in {known.url for known in links}:
                links.append(link)
    if links:
        return links, None
    return [own], NO_NETWORK if SETTINGS.host in WILDCARDS else LOOPBACK_ONLY


def is_local(host: str) -> bool:
    """Whether a host name leads back to the machine that uses it (so it is no use to anyone else)."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def network_hosts() -> list[str]:
    """This machine's addresses that another device may reach, as URL hosts: IPv4 first (shorter in
    a QR code, and what a classroom's network most often routes), then global IPv6 in brackets."""
    ipv4, ipv6 = [], []
    for addresses in psutil.net_if_addrs().values():
        for entry in addresses:
            if entry.family == socket.AF_INET:
                address = ipaddress.IPv4Address(entry.address)
                if not (address.is_loopback or address.is_link_local or address.is_unspecified):
                    ipv4.append(str(address))
            elif entry.family == socket.AF_INET6:
                v6 = ipaddress.IPv6Address(entry.address.split("%")[0])
                if v6.is_global:
                    ipv6.append(f"[{v6}]")
    return ipv4 + ipv6
