"""compose.yaml, the several-servers deployment, cannot run here (no container engine): these tests hold
it to the app. Every variable it gives the app servers is a setting the app accepts, both servers share
one PostgreSQL and one Redis that are where their URLs say, and the proxy balances the two on their port,
WebSockets included, sending nothing to a server whose /readyz fails."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import AliasChoices

from app.routes import live
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
APPS = ("app1", "app2")
UVICORN_VARIABLES = {"FORWARDED_ALLOW_IPS"}  # read by uvicorn itself: whose X-Forwarded-For to believe


def environment(service: str) -> dict[str, str]:
    """A service's environment as its container gets it (compose takes a mapping or NAME=value items)."""
    given = SERVICES[service].get("environment", {})
    if isinstance(given, list):
        given = dict(item.split("=", 1) for item in given)
    return {name: str(value) for name, value in given.items()}


def setting_variables() -> dict[str, str]:
    """Each environment variable Settings reads → its field: a field's aliases, else BACKPROP_<FIELD>."""
    variables = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names = alias.choices if isinstance(alias, AliasChoices) else [alias or f"BACKPROP_{field.upper()}"]
        variables.update({str(name).upper(): field for name in names})
    return variables


def caddy_directives() -> list[list[str]]:
    """deploy/Caddyfile as lines of tokens, without comments and braces."""
    lines = (line.split("#", 1)[0].split() for line in (ROOT / "deploy" / "Caddyfile").read_text().splitlines())
    directives = ([token for token in tokens if token not in ("{", "}")] for tokens in lines)
    return [tokens for tokens in directives if tokens]


def caddy_arguments(directive: str) -> list[list[str]]:
    return [tokens[1:] for tokens in caddy_directives() if tokens[0] == directive]


def app_port() -> int:
    return int(environment("app1")["BACKPROP_PORT"])


def test_the_deployment_runs_two_app_servers_postgres_redis_and_a_proxy() -> None:
    assert {"app1", "app2", "postgres", "redis", "proxy"} <= set(SERVICES)
    for name in APPS:
        assert SERVICES[name]["build"] in (".", {"context": "."}) and (ROOT / "Dockerfile").is_file()
    assert SERVICES["postgres"]["image"].startswith("postgres:") and SERVICES["redis"]["image"].startswith("redis:")
    assert SERVICES["proxy"]["image"].startswith("caddy:")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in SERVICES["proxy"]["volumes"]


@pytest.mark.parametrize("service", APPS)
def test_every_variable_of_an_app_server_is_a_setting_with_a_value_the_app_accepts(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    given, known = environment(service), setting_variables()
    assert set(given) - set(known) - UVICORN_VARIABLES == set(), "not a variable the app or uvicorn reads"
    for variable in known:  # only what compose sets: nothing from this test run's environment
        monkeypatch.delenv(variable, raising=False)
    for variable, value in given.items():
        monkeypatch.setenv(variable, value)
    settings = Settings()  # raises if a value is not valid
    for variable, value in given.items():
        if variable in known:
            assert str(getattr(settings, known[variable])) == value, variable


def test_both_app_servers_share_one_database_and_one_redis() -> None:
    first, second = environment("app1"), environment("app2")
    assert first["DATABASE_URL"] == second["DATABASE_URL"] and first["REDIS_URL"] == second["REDIS_URL"]
    assert first == second


@pytest.mark.parametrize(
    ("variable", "service", "default_port"), [("DATABASE_URL", "postgres", 5432), ("REDIS_URL", "redis", 6379)]
)
def test_the_database_and_redis_urls_point_at_their_services(variable: str, service: str, default_port: int) -> None:
    url = urlsplit(environment("app1")[variable])
    assert url.hostname == service and url.port == default_port
    assert str(url.port) in SERVICES[service]["expose"]
    assert "healthcheck" in SERVICES[service]
    for name in APPS:
        assert SERVICES[name]["depends_on"][service] == {"condition": "service_healthy"}


def test_postgres_is_made_with_the_user_password_and_database_of_database_url() -> None:
    url, made = urlsplit(environment("app1")["DATABASE_URL"]), environment("postgres")
    assert (made["POSTGRES_USER"], made["POSTGRES_PASSWORD"], made["POSTGRES_DB"]) == (
        url.username,
        url.password,
        url.path.lstrip("/"),
    )


def test_the_proxy_balances_both_app_servers_on_their_port() -> None:
    (upstreams,) = caddy_arguments("reverse_proxy")
    assert upstreams == [f"{name}:{app_port()}" for name in APPS]
    assert caddy_arguments("lb_policy") == [["least_conn"]]


def test_the_proxy_passes_websockets_on_every_path_the_app_serves_them() -> None:
    """Caddy passes a WebSocket's Upgrade and Connection headers on by itself: the proxy must send /ws/
    to the servers (its reverse_proxy has no path matcher) and drop neither header."""
    websocket_paths = [getattr(route, "path", "") for route in live.router.routes]
    assert websocket_paths and all(path.startswith("/ws/") for path in websocket_paths)
    (upstreams,) = caddy_arguments("reverse_proxy")
    assert all(re.fullmatch(r"[\w.-]+:\d+", upstream) for upstream in upstreams), "no matcher: every path"
    stripped = [arguments for arguments in caddy_arguments("header_up") if arguments[0].startswith("-")]
    assert not [arguments for arguments in stripped if arguments[0][1:].lower() in ("upgrade", "connection")]
    intercepted = [arguments[0] for arguments in caddy_arguments("respond")]
    assert intercepted == ["/metrics"], "only the metrics stay off the public address"


def test_the_proxy_and_compose_check_readiness_on_the_app_port() -> None:
    assert caddy_arguments("health_uri") == [["/readyz"]]
    assert caddy_arguments("health_status") == [["200"]]
    for name in APPS:
        probe = " ".join(SERVICES[name]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{app_port()}/readyz" in probe


def test_the_public_url_is_the_address_the_proxy_publishes() -> None:
    public = urlsplit(environment("app1")["BACKPROP_PUBLIC_URL"])
    published = {int(mapping.split(":")[-2]): int(mapping.split(":")[-1]) for mapping in SERVICES["proxy"]["ports"]}
    assert published.get(public.port or 80) == 80 and caddy_directives()[0] == [":80"]


def test_the_app_servers_believe_the_forwarded_client_address() -> None:
    """Per-client quotas and the access log need the client's address, which only the proxy knows; the
    app servers publish no port, so only the proxy (and the other services) can reach them."""
    for name in APPS:
        assert environment(name)["FORWARDED_ALLOW_IPS"] == "*" and "ports" not in SERVICES[name]
