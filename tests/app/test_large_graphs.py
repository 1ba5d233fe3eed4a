"""Graphs past a few hundred nodes with widely shared values lay out unfolded, every node placed."""

from __future__ import annotations

import math
import random

import pytest
from fastapi.testclient import TestClient

from engine.lang import run


def recurrence(steps: int = 120) -> str:
    """An unrolled recurrence: w used ~120 times and x ~240 times, far apart."""
    lines = ["w = 0.5", "x = 0.3", "h0 = tanh(x * w + x)"]
    lines += [f"h{i} = tanh(h{i - 1} * w + x) * 0.9 + x" for i in range(1, steps)]
    return "\n".join(lines) + "\n"


def scalar_mlp() -> str:
    """MLP(2, [16, 16, 1]) written neuron by neuron, as the network page writes it."""
    rng = random.Random(0)
    lines, previous = ["x0 = 0.5", "x1 = -1.2"], ["x0", "x1"]
    for layer in (1, 2):
        lines.append(f"## layer {layer}")
        names = [f"h{layer}_{j + 1}" for j in range(16)]
        for name in names:
            terms = " + ".join(f"{rng.uniform(-1, 1):.2f}*{p}" for p in previous)
            lines.append(f"{name} = tanh({terms} + {rng.uniform(-1, 1):.2f})")
        previous = names
    lines += ["## output", "out = " + " + ".join(f"{rng.uniform(-1, 1):.2f}*{p}" for p in previous)]
    return "\n".join(lines) + "\n"


def shared_380_times() -> str:
    """One value, w, used 380 times across 19 statements."""
    sums = [f"s{k} = " + " + ".join(f"w * {(k * 20 + i) % 9 + 1}" for i in range(20)) for k in range(19)]
    return "w = 0.7\n" + "\n".join(sums) + "\nf = " + " + ".join(f"s{k}" for k in range(19)) + "\n"


SHAPES = {"recurrence": recurrence(), "scalar-mlp": scalar_mlp(), "shared-380": shared_380_times()}


@pytest.mark.parametrize("name", list(SHAPES))
def test_a_large_graph_lays_out_unfolded_with_every_node_placed(client: TestClient, name: str) -> None:
    response = client.post("/api/trace", json={"source": SHAPES[name], "folded": []})
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    nodes = body["trace"]["nodes"]
    assert len(nodes) > 600 and body["view"]["folded"] == []
    placed = body["layout"]["items"]
    assert all(f"n{node['id']}" in placed for node in nodes)
    for x, y, width, height in placed.values():
        assert 0 <= x <= body["layout"]["width"] and 0 <= y <= body["layout"]["height"] and width > 0 < height
    copies = {key: item for key, item in body["view"]["items"].items() if item["kind"] == "copy"}
    assert copies, "a widely shared value is drawn with copies beside its users"
    drawn = {(tail, head) for tail, head, _ in body["layout"]["edges"]}
    for key, item in copies.items():
        assert key == f"n{item['node']}@{item['user']}" and (key, item["user"]) in drawn
        assert not any(tail == f"n{item['node']}" for tail, _ in drawn)  # the original sends no long edge


def test_contributions_through_copies_still_sum_to_the_originals_gradient(client: TestClient) -> None:
    source = shared_380_times()
    body = client.post("/api/trace", json={"source": source, "folded": []}).json()
    w = next(node for node in body["trace"]["nodes"] if node.get("name") == "w")
    parts = [step["contribution"] for step in body["trace"]["steps"] if step.get("input") == w["id"]]
    assert len(parts) == 380
    assert math.fsum(parts) == pytest.approx(w["grad"], rel=1e-12)
    h = 1e-6  # and the gradient is the true derivative: a central difference of the program itself
    up = float(run(source, {"w": 0.7 + h}).output.data)
    down = float(run(source, {"w": 0.7 - h}).output.data)
    assert w["grad"] == pytest.approx((up - down) / (2 * h), rel=1e-6)
    copies = [item for item in body["view"]["items"].values() if item["kind"] == "copy" and item["node"] == w["id"]]
    assert len(copies) == len({f"n{step['node']}" for step in body["trace"]["steps"] if step.get("input") == w["id"]})


def test_a_small_graph_has_no_copies(client: TestClient) -> None:
    body = client.post("/api/trace", json={"source": "x = 3\ny = x * x + x\n"}).json()
    assert not any(item["kind"] == "copy" for item in body["view"]["items"].values())
