"""The shared URL corpus, decoded by the server: the fields it reads, and the notices about them, as the browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.models import LiveSettingsIn
from app.presets import PRESETS
from app.urlstate import SERVER_FIELDS, TABLE, decode, read_state

CORPUS = json.loads((Path(__file__).resolve().parents[1] / "urlstate/corpus.json").read_text("utf-8"))["cases"]
LAB = [case for case in CORPUS if case["page"] == "lab"]
SERVER_KEYS = {entry["key"] for entry in SERVER_FIELDS}


def _server_part(case: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    """What the server should make of a case: its fields, and the notices about them or the whole link."""
    state = {entry["field"]: case["state"][entry["field"]] for entry in SERVER_FIELDS}
    notices = [(n["key"], n["text"]) for n in case["notices"] if n["key"] in SERVER_KEYS | {None, "v"}]
    return state, notices


@pytest.mark.parametrize("case", LAB, ids=[case["name"] for case in LAB])
def test_the_server_decodes_each_link_as_the_browser_does(case: dict[str, Any]) -> None:
    expected_state, expected_notices = _server_part(case)
    state, notices = decode(case["query"])
    assert state == expected_state
    assert [(n.key, n.text) for n in notices] == expected_notices


def test_the_corpus_covers_every_server_field_and_the_whole_link_notices() -> None:
    refused = {n["key"] for case in LAB for n in case["notices"]}
    assert {"values", "theme", "mode", "step", "quiz", "revealed", "v", None} <= refused
    assert all(any(case["state"][entry["field"]] != entry["default"] for case in LAB) for entry in SERVER_FIELDS)


def test_a_link_read_for_its_page_keeps_the_decoded_notices_and_fills_in_the_program() -> None:
    state = read_state("v=7&values=x:abc&node=zz")  # the node is the browser's to read
    assert state.preset == PRESETS[0].id and state.source == PRESETS[0].source and state.values == {}
    assert state.notices == [
        TABLE["notices"]["version"].replace("{version}", "7").replace("{current}", "1"),
        TABLE["notices"]["field"].replace("{key}", "values").replace("{text}", '"x:abc"'),
    ]


def test_a_link_read_for_its_page_keeps_its_step_and_quiz() -> None:
    state = read_state("v=1&preset=fan-out&step=12&quiz=1&revealed=7,9")
    assert (state.position, state.quiz, state.revealed) == (12, True, [7, 9])
    assert (read_state("").position, read_state("").quiz, read_state("").revealed) == (0, False, [])


def test_a_link_with_its_own_program_has_no_preset_and_embed_mode_is_the_routes_to_set() -> None:
    state = read_state("source=x%20%3D%202&preset=nope&mode=present", mode="embed")
    assert (state.source, state.preset, state.mode) == ("x = 2", None, "embed")


PAGE_ONLY = {"show_test", "epoch"}  # the page's own: what it draws, and the epoch a link trains to


def test_the_network_pages_link_accepts_exactly_what_the_live_api_accepts() -> None:
    properties = LiveSettingsIn.model_json_schema()["properties"]
    entries = [entry for entry in TABLE["pages"]["network"] if entry["key"] not in PAGE_ONLY]
    assert {entry["key"] for entry in entries} == set(properties)
    for entry in entries:
        schema = properties[entry["key"]]
        assert entry["default"] == schema["default"], entry["key"]
        if entry["type"] == "list":  # features: the table reads names; the API checks each against its choices
            continue
        bounds = schema.get("items", schema)
        lowest = 0 if entry["type"] in ("count", "counts") else None  # a count has no sign
        table = (
            entry.get("options"),
            entry.get("min", lowest),
            entry.get("max"),
            entry.get("above"),
            entry.get("below"),
            entry.get("most"),
        )
        api = (
            bounds.get("enum"),
            bounds.get("minimum"),
            bounds.get("maximum"),
            bounds.get("exclusiveMinimum"),
            bounds.get("exclusiveMaximum"),
            schema.get("maxItems"),
        )
        assert table == api, entry["key"]
