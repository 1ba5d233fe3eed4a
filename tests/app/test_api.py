"""The JSON API and the pages: presets trace to schema-valid strict JSON, layouts are cached by structure."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

import app.layout
from app.layout import layout
from app.presets import BY_ID, PRESETS
from app.service import build_trace
from app.settings import SETTINGS
from app.view import SIZES, default_folds, group_paths, visible_graph
from tests.app.conftest import strict_json

PRESET_IDS = [preset.id for preset in PRESETS]
CS231N = BY_ID["cs231n"].source
TENSOR_MLP = BY_ID["tensor-mlp"].source


def post_trace(
    client: TestClient, source: str, values: dict[str, Any] | None = None, folded: list[str] | None = None
) -> dict[str, Any]:
    """POST /api/trace, insist on 200 and strict JSON, and return the parsed body."""
    response = client.post("/api/trace", json={"source": source, "values": values or {}, "folded": folded})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return strict_json(response.text)


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["name"]: node for node in body["trace"]["nodes"] if "name" in node}


# -- traces -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset_id", PRESET_IDS)
def test_every_preset_traces_to_a_schema_valid_document_in_strict_json(
    client: TestClient, trace_validator: Draft202012Validator, preset_id: str
) -> None:
    body = post_trace(client, BY_ID[preset_id].source)
    assert set(body) == {"source", "trace", "narration", "tour", "console", "inputs", "view", "layout"}
    assert body["source"] == BY_ID[preset_id].source
    trace_validator.validate(body["trace"])
    assert body["trace"]["output"] == len(body["trace"]["nodes"]) - 1


def test_strict_json_parsing_refuses_the_non_standard_number_tokens() -> None:
    for text in ('{"a": NaN}', "[Infinity]", "[-Infinity]"):
        with pytest.raises(ValueError, match="not a JSON value"):
            strict_json(text)
    assert strict_json('{"a": 1e308, "b": "nan"}') == {"a": 1e308, "b": "nan"}


@pytest.mark.parametrize(
    ("source", "spelled"), [("f = 9**9**9", "inf"), ("x = 0\nf = log(x)", "-inf"), ("f = sqrt(-1)", "nan")]
)
def test_non_finite_results_are_spelled_out_as_strings_and_flagged(
    client: TestClient, trace_validator: Draft202012Validator, source: str, spelled: str
) -> None:
    body = post_trace(client, source)
    trace_validator.validate(body["trace"])
    output = body["trace"]["nodes"][-1]
    assert output["value"] == spelled
    assert "nonfinite-value" in output["flags"]


def test_the_cs231n_preset_reports_the_textbook_values_and_gradients(client: TestClient) -> None:
    nodes = by_name(post_trace(client, CS231N))
    values = {name: node["value"] for name, node in nodes.items()}
    grads = {name: node["grad"] for name, node in nodes.items()}
    assert values == {"x": -2.0, "y": 5.0, "z": -4.0, "q": 3.0, "f": -12.0}
    assert grads == {"x": -4.0, "y": -4.0, "z": 3.0, "q": -4.0, "f": 1.0}


def test_input_values_override_the_numbers_written_in_the_program(client: TestClient) -> None:
    nodes = by_name(post_trace(client, CS231N, {"x": 1, "z": 2}))
    assert (nodes["x"]["value"], nodes["z"]["value"], nodes["q"]["value"], nodes["f"]["value"]) == (1, 2, 6, 12)
    assert (nodes["x"]["grad"], nodes["z"]["grad"]) == (2.0, 6.0)


def test_tensor_preset_nodes_all_carry_their_shapes(client: TestClient) -> None:
    body = post_trace(client, TENSOR_MLP)
    assert body["trace"]["kind"] == "tensor"
    assert all("shape" in node for node in body["trace"]["nodes"])
    shapes = {name: node["shape"] for name, node in by_name(body).items()}
    assert shapes == {
        "X": [4, 2],
        "W1": [2, 3],
        "b1": [3],
        "W2": [3, 1],
        "b2": [1],
        "y": [4, 1],
        "h": [4, 3],
        "p": [4, 1],
        "L": [],
    }


@pytest.mark.parametrize("preset_id", ["cs231n", "tensor-mlp"])
def test_inputs_list_every_named_leaf_with_its_id_value_and_shape(client: TestClient, preset_id: str) -> None:
    body = post_trace(client, BY_ID[preset_id].source)
    leaves = [node for node in body["trace"]["nodes"] if node["op"] == "leaf"]
    expected = [
        {"name": node["name"], "id": node["id"], "value": node["value"], "shape": node.get("shape"), "trainable": False}
        for node in leaves
    ]
    assert body["inputs"] == expected
    assert len(expected) == {"cs231n": 3, "tensor-mlp": 6}[preset_id]


def test_inputs_written_as_param_are_marked_trainable(client: TestClient) -> None:
    body = post_trace(client, BY_ID["sigmoid-neuron"].source)
    assert {i["name"]: i["trainable"] for i in body["inputs"]} == {
        "w0": True,
        "x0": False,
        "w1": True,
        "x1": False,
        "w2": True,
    }


# -- layout: cached by structure ------------------------------------------------------------------


def count_dot_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap app.layout._run_dot so each run is recorded; returns the list it appends the DOT sources to."""
    runs: list[str] = []
    real = app.layout._run_dot

    def counting(source: str) -> str:
        runs.append(source)
        return real(source)

    monkeypatch.setattr(app.layout, "_run_dot", counting)
    return runs


def test_new_input_values_change_the_numbers_but_keep_the_layout_key(client: TestClient) -> None:
    before = post_trace(client, CS231N)
    after = post_trace(client, CS231N, {"x": 7, "y": -1.5, "z": 0.25})
    assert by_name(after)["f"]["value"] == pytest.approx((7 - 1.5) * 0.25)
    assert by_name(after)["f"]["value"] != by_name(before)["f"]["value"]
    assert after["layout"] == before["layout"]
    assert after["view"] == before["view"]


# The layout cache lives in the worker process that lays graphs out: these two tests call the service
# in this process, where dot's runs can be counted.


def test_new_input_values_reuse_the_cached_layout_without_running_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    key = build_trace(CS231N, {}, None)["layout"]["key"]  # warm
    runs = count_dot_runs(monkeypatch)
    for x in (-3.0, 0.5, 11.0):
        assert build_trace(CS231N, {"x": x}, None)["layout"]["key"] == key
    assert runs == []


def test_a_structural_change_gets_a_new_layout_key_and_one_dot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    key = build_trace(CS231N, {}, None)["layout"]["key"]
    app.layout.cache_clear()
    runs = count_dot_runs(monkeypatch)
    changed = build_trace(CS231N + "g = f * f\n", {}, None)
    assert changed["layout"]["key"] != key
    assert build_trace(CS231N + "g = f * f\n", {"y": 1}, None)["layout"]["key"] == changed["layout"]["key"]
    assert len(runs) == 1


def item_of_each_node(body: dict[str, Any]) -> dict[int, str]:
    """Node id → the key of the visible item that shows it (its own box, or its folded group's)."""
    owners: dict[int, str] = {}
    for key, item in body["view"]["items"].items():
        for member in item.get("members", [item.get("node")]):
            assert member not in owners, f"node {member} is shown twice"
            owners[member] = key
    assert sorted(owners) == list(range(len(body["trace"]["nodes"])))
    return owners


def assert_layout_draws_the_view(body: dict[str, Any]) -> None:
    """Every visible item has a box of its kind's size inside the drawing; the edges are exactly the
    graph's edges between different items, each drawn once."""
    items, placed = body["view"]["items"], body["layout"]
    assert set(placed["items"]) == set(items)
    for key, (x, y, width, height) in placed["items"].items():
        assert [width, height] == items[key]["size"]
        assert 0 <= x <= placed["width"] and 0 <= y <= placed["height"]
    owners = item_of_each_node(body)
    expected = {
        (owners[tail], owners[node["id"]])
        for node in body["trace"]["nodes"]
        for tail in node["inputs"]
        if owners[tail] != owners[node["id"]]
    }
    drawn = [(tail, head) for tail, head, _ in placed["edges"]]
    assert len(drawn) == len(set(drawn)) and set(drawn) == expected
    assert all(len(points) >= 4 and len(points) % 2 == 0 for _, _, points in placed["edges"])


@pytest.mark.parametrize("preset_id", PRESET_IDS)
def test_layout_places_every_visible_item_and_draws_exactly_the_graphs_edges(
    client: TestClient, preset_id: str
) -> None:
    body = post_trace(client, BY_ID[preset_id].source)
    assert body["view"]["folded"] == []
    assert set(body["view"]["items"]) == {f"n{node['id']}" for node in body["trace"]["nodes"]}
    assert_layout_draws_the_view(body)


def test_unknown_folded_paths_are_ignored_by_the_api(client: TestClient) -> None:
    body = post_trace(client, CS231N, folded=["nope", "a/b"])
    assert body["view"] == {"folded": [], "groups": [], "items": post_trace(client, CS231N)["view"]["items"]}


GROUPED = "x = 1\ny = 2\nz = x*y + exp(x)\nf = z * z - y\n"


def test_statements_that_make_several_nodes_become_groups_named_for_their_line(client: TestClient) -> None:
    body = post_trace(client, GROUPED)
    assert body["view"]["groups"] == ["f (line 4)", "z (line 3)"]
    groups = {node["id"]: node.get("group") for node in body["trace"]["nodes"]}
    assert groups == {
        0: None,
        1: None,
        2: "z (line 3)",
        3: "z (line 3)",
        4: "z (line 3)",
        5: "f (line 4)",
        6: "f (line 4)",
    }
    assert body["view"]["folded"] == []  # small programs open unfolded


def test_folding_a_statement_collapses_it_into_one_laid_out_box(client: TestClient) -> None:
    unfolded = post_trace(client, GROUPED)
    body = post_trace(client, GROUPED, folded=["z (line 3)"])
    assert body["view"]["folded"] == ["z (line 3)"]
    assert body["view"]["items"]["g:z (line 3)"] == {
        "kind": "group",
        "group": "z (line 3)",
        "members": [2, 3, 4],
        "size": list(SIZES["group"]),
    }
    assert set(body["view"]["items"]) == {"n0", "n1", "g:z (line 3)", "n5", "n6"}
    assert body["layout"]["key"] != unfolded["layout"]["key"]
    assert_layout_draws_the_view(body)
    assert ("g:z (line 3)", "n5") in [(tail, head) for tail, head, _ in body["layout"]["edges"]]


def test_programs_over_the_fold_threshold_open_folded_statement_by_statement(client: TestClient) -> None:
    lines = ["x0 = 1", "x1 = 0.5"] + [f"x{i} = tanh(x{i - 1}) * 0.9 + x{i - 2}" for i in range(2, 52)]
    body = post_trace(client, "\n".join(lines))
    assert len(body["trace"]["nodes"]) == 202 > SETTINGS.fold_threshold
    assert body["view"]["folded"] == body["view"]["groups"] and len(body["view"]["groups"]) == 50
    assert len(body["view"]["items"]) == 52
    assert_layout_draws_the_view(body)
    opened = post_trace(client, "\n".join(lines), folded=[])
    assert len(opened["view"]["items"]) == 202
    assert_layout_draws_the_view(opened)


# -- folding (app.view directly: the language has no group builder) ---------------------------------


def node(id_: int, inputs: list[int], group: str | None = None, op: str = "add") -> dict[str, Any]:
    entry: dict[str, Any] = {"id": id_, "op": op, "inputs": inputs}
    if group is not None:
        entry["group"] = group
    return entry


# x → [mlp/l0: w, x·w, tanh] → [mlp/l1: w2, h·w2, + (x·w)] → loss(·x); two edges cross from l0 to l1.
NODES = [
    node(0, [], op="leaf"),
    node(1, [], "mlp/l0", "leaf"),
    node(2, [0, 1], "mlp/l0", "mul"),
    node(3, [2], "mlp/l0", "tanh"),
    node(4, [], "mlp/l1", "leaf"),
    node(5, [3, 4], "mlp/l1", "mul"),
    node(6, [5, 2], "mlp/l1"),
    node(7, [6, 0], op="mul"),
]


def test_group_paths_lists_every_prefix_shortest_first() -> None:
    assert group_paths(NODES) == ["mlp", "mlp/l0", "mlp/l1"]
    assert group_paths(NODES[:1]) == []


def test_nothing_folded_shows_every_node_and_every_edge() -> None:
    graph = visible_graph(NODES, [])
    assert list(graph.items) == [f"n{i}" for i in range(8)]
    assert len(graph.edges) == sum(len(n["inputs"]) for n in NODES)


def test_folding_a_group_collapses_its_members_into_one_box_without_self_loops() -> None:
    graph = visible_graph(NODES, ["mlp"])
    assert graph.folded == ["mlp"]
    assert graph.items == {
        "n0": {"kind": "scalar", "node": 0, "size": list(SIZES["scalar"])},
        "g:mlp": {"kind": "group", "group": "mlp", "members": [1, 2, 3, 4, 5, 6], "size": list(SIZES["group"])},
        "n7": {"kind": "scalar", "node": 7, "size": list(SIZES["scalar"])},
    }
    assert sorted(graph.edges) == [("g:mlp", "n7"), ("n0", "g:mlp"), ("n0", "n7")]


def test_folding_sibling_groups_merges_the_parallel_edges_between_them() -> None:
    graph = visible_graph(NODES, ["mlp/l0", "mlp/l1"])
    assert list(graph.items) == ["n0", "g:mlp/l0", "g:mlp/l1", "n7"]
    assert graph.edges.count(("g:mlp/l0", "g:mlp/l1")) == 1
    assert len(graph.edges) == len(set(graph.edges)) == 4
    assert all(tail != head for tail, head in graph.edges)


def test_the_outermost_folded_group_owns_its_nested_members() -> None:
    graph = visible_graph(NODES, ["mlp/l0", "mlp"])
    assert set(graph.items) == {"n0", "g:mlp", "n7"}
    assert graph.folded == ["mlp", "mlp/l0"]


def test_unknown_group_paths_are_dropped_when_folding() -> None:
    graph = visible_graph(NODES, ["nope", "mlp/l2", "ml"])
    assert graph.folded == []
    assert len(graph.items) == len(NODES)


def test_item_kinds_follow_shape_and_constness() -> None:
    nodes = [node(0, [], op="const"), {**node(1, [], op="leaf"), "shape": [2]}, node(2, [0, 1])]
    assert [item["kind"] for item in visible_graph(nodes, []).items.values()] == ["const", "tensor", "scalar"]


@pytest.mark.parametrize(
    ("threshold", "folds"),
    [(8, []), (100, []), (7, ["mlp/l0", "mlp/l1"]), (4, ["mlp/l0", "mlp/l1"]), (3, ["mlp"]), (1, ["mlp"])],
)
def test_default_folds_pick_the_deepest_level_that_fits_the_threshold(threshold: int, folds: list[str]) -> None:
    assert default_folds(NODES, threshold) == folds


def test_folded_graphs_lay_out_with_one_box_per_visible_item() -> None:
    graph = visible_graph(NODES, ["mlp/l0", "mlp/l1"])
    placed = layout(graph)
    assert set(placed["items"]) == set(graph.items)
    assert placed["items"]["g:mlp/l0"][2:] == list(SIZES["group"])
    assert sorted((tail, head) for tail, head, _ in placed["edges"]) == sorted(graph.edges)
    assert layout(visible_graph(NODES, ["mlp"]))["key"] != placed["key"]


# -- presets and pages ------------------------------------------------------------------------------


def test_the_presets_list_is_the_builtin_presets_in_order(client: TestClient) -> None:
    response = client.get("/api/presets")
    assert response.status_code == 200
    assert response.json() == [preset.to_dict() for preset in PRESETS]


@pytest.mark.parametrize("preset_id", PRESET_IDS)
def test_each_preset_can_be_fetched_by_its_id(client: TestClient, preset_id: str) -> None:
    response = client.get(f"/api/presets/{preset_id}")
    assert response.status_code == 200
    assert response.json() == BY_ID[preset_id].to_dict()


def test_an_unknown_preset_is_a_json_404_naming_it(client: TestClient) -> None:
    response = client.get("/api/presets/no-such-preset")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"kind": "not-found", "message": "there is no preset 'no-such-preset'", "line": 1, "column": 1}
    }


def test_the_lab_page_is_html_with_a_main_landmark_and_a_link_to_its_json_twin(client: TestClient) -> None:
    response = client.get("/", params={"preset": "fan-out"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Backprop Lab</title>" in response.text and "<main" in response.text
    assert '<link rel="alternate" type="application/json" href="/index.json?preset=fan-out">' in response.text


class ScriptFinder(HTMLParser):
    """Collects each executable <script>'s attributes and text, and every inline event handler (on...).

    A JSON data block (<script type="application/json">) is data the browser never runs: it is skipped.
    """

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.script_text = ""
        self.handlers: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        self.in_script = tag == "script" and dict(attrs).get("type") != "application/json"
        if self.in_script:
            self.scripts.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.script_text += data.strip()


def test_the_lab_page_has_no_inline_scripts_for_the_csp_to_block(client: TestClient) -> None:
    finder = ScriptFinder()
    finder.feed(client.get("/").text)
    assert finder.scripts and all(attrs.get("src", "").startswith("/static/") for attrs in finder.scripts)
    assert finder.script_text == ""
    assert finder.handlers == []


def test_the_lab_pages_json_twin_carries_the_presets_selection_and_source(client: TestClient) -> None:
    response = client.get("/index.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert {"presets", "selected", "source"} <= set(body)
    assert body["presets"] == [preset.to_dict() for preset in PRESETS]
    assert (body["selected"], body["source"]) == (PRESETS[0].id, PRESETS[0].source)


@pytest.mark.parametrize(
    ("asked", "selected"), [("fan-out", "fan-out"), ("tensor-mlp", "tensor-mlp"), ("nope", "cs231n"), ("", "cs231n")]
)
def test_the_json_twin_opens_the_asked_preset_or_falls_back_to_the_first(
    client: TestClient, asked: str, selected: str
) -> None:
    body = client.get("/index.json", params={"preset": asked}).json()
    assert (body["selected"], body["source"]) == (selected, BY_ID[selected].source)
    assert body["json_url"] == f"/index.json?preset={asked}"  # the twin of the very page asked for


def test_a_link_to_an_unknown_example_opens_the_first_and_says_why(client: TestClient) -> None:
    expected = f'There is no example called "nonexistent"; this is the first example, "{PRESETS[0].title}".'
    body = client.get("/index.json", params={"preset": "nonexistent"}).json()
    assert body["selected"] == PRESETS[0].id and body["initial"]["notices"] == [expected]
    assert json.dumps(expected, ensure_ascii=False)[1:-1] in client.get("/?preset=nonexistent").text
    long = client.get("/index.json", params={"preset": "x" * 100}).json()["initial"]["notices"][0]
    assert f'"{"x" * 24}"' in long and "x" * 25 not in long  # quoted as far as the table's limit


@pytest.mark.parametrize("query", ["preset=fan-out", "preset=", "preset=nonexistent&source=x%20%3D%201", ""])
def test_a_known_example_or_a_program_of_its_own_raises_no_notice(client: TestClient, query: str) -> None:
    assert client.get(f"/index.json?{query}").json()["initial"]["notices"] == []


def test_the_docs_page_is_html(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_openapi_describes_the_trace_endpoint_and_its_errors(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/trace", "/api/presets", "/api/presets/{preset_id}"} <= set(paths)
    operation = paths["/api/trace"]["post"]
    assert {"200", "400", "413", "422", "503"} <= set(operation["responses"])
    assert "requestBody" in operation
