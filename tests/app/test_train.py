"""Training over HTTP: steps follow w − lr·grad exactly, networks learn, absurd requests are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PROGRAM = "w = param(0.5)\nx = 2\nL = (w * x - 3) ** 2\n"


def test_each_step_is_the_previous_value_minus_lr_times_the_gradient(client: TestClient) -> None:
    body = client.post("/api/train", json={"source": PROGRAM, "lr": 0.1, "steps": 5}).json()
    values, grads = body["params"]["w"], body["grads"]["w"]
    assert body["trainable"] == ["w"] and body["steps"] == 5
    for k in range(4):
        assert values[k + 1] == values[k] - 0.1 * grads[k]
        assert grads[k] == 2 * (values[k] * 2 - 3) * 2  # ∂/∂w (2w - 3)² = 4(2w - 3)
    assert body["losses"] == sorted(body["losses"], reverse=True)


def test_the_same_request_gives_the_same_numbers(client: TestClient) -> None:
    request = {"dataset": "moons", "seed": 3, "steps": 50, "hidden": [8]}
    assert client.post("/api/network", json=request).json() == client.post("/api/network", json=request).json()


def test_the_xor_network_learns_and_reports_accuracy_and_a_boundary(client: TestClient) -> None:
    body = client.post("/api/network", json={"dataset": "xor", "steps": 600, "seed": 0}).json()
    assert body["accuracy"] == 1.0
    assert body["losses"][-1] < body["losses"][0] / 10
    assert len(body["frames"][-1]["boundary"]["score"]) == 40 and len(body["points"]) == 100


def test_regression_returns_a_fitted_surface(client: TestClient) -> None:
    body = client.post("/api/network", json={"dataset": "regression", "steps": 300, "hidden": [16]}).json()
    assert len(body["frames"][-1]["boundary"]["score"]) == 40 and body["losses"][-1] < body["losses"][0]


def test_a_blow_up_stops_training_and_names_the_node(client: TestClient) -> None:
    body = client.post("/api/train", json={"source": "w = param(3)\nL = exp(w*w) ** 10", "lr": 10, "steps": 50}).json()
    assert body["stopped"] and body["flagged"] == "L" and body["steps"] < 50


@pytest.mark.parametrize(
    "request_body",
    [
        {"source": PROGRAM, "lr": -0.1},
        {"source": PROGRAM, "lr": 1e9},
        {"source": PROGRAM, "lr": 0.1, "steps": 10**6},
        {"source": PROGRAM, "lr": 0.1, "momentum": 1.5},
        {"source": PROGRAM, "lr": "fast"},
    ],
)
def test_absurd_training_requests_are_refused(client: TestClient, request_body: dict) -> None:
    response = client.post("/api/train", json=request_body)
    assert response.status_code == 422 and response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("request_body", "status"),
    [
        ({"hidden": [256] * 15}, 400),
        ({"hidden": [4] * 16}, 422),
        ({"steps": 10**6}, 422),
        ({"dataset": "mnist"}, 422),
        ({"points": 10**7}, 422),
        ({"hidden": [0]}, 422),
    ],
)
def test_networks_over_the_size_caps_are_refused(client: TestClient, request_body: dict, status: int) -> None:
    response = client.post("/api/network", json=request_body)
    assert response.status_code == status and response.json()["error"]["message"]


def test_a_program_without_parameters_says_how_to_mark_them(client: TestClient) -> None:
    response = client.post("/api/train", json={"source": "w = 2\nL = w * w", "lr": 0.1})
    assert response.status_code == 400 and "param" in response.json()["error"]["message"]


def train_preset(client: TestClient, preset_id: str, **overrides: object) -> dict:
    from app.presets import BY_ID

    preset = BY_ID[preset_id]
    settings = {
        "lr": preset.train["lr"],
        "steps": preset.train["steps"],
        "zero_grad": preset.train.get("zero_grad", True),
        **overrides,
    }
    return client.post("/api/train", json={"source": preset.source, **settings}).json()


def test_every_pitfall_preset_explains_itself_and_suggests_settings(client: TestClient) -> None:
    pitfalls = [p for p in client.get("/api/presets").json() if p["id"].startswith("pitfall-")]
    assert len(pitfalls) == 4
    assert all(p["summary"].endswith(".") and p["train"]["lr"] > 0 for p in pitfalls)


def test_a_dead_relu_never_moves_its_parameters(client: TestClient) -> None:
    body = train_preset(client, "pitfall-dead-relu")
    assert set(body["params"]["w"]) == {-2.0} and set(body["grads"]["w"]) == {0.0}


def test_a_large_learning_rate_explodes_and_is_stopped(client: TestClient) -> None:
    body = train_preset(client, "pitfall-exploding")
    assert body["stopped"] and body["flagged"]


def test_gradients_vanish_through_a_chain_of_sigmoids(client: TestClient) -> None:
    body = train_preset(client, "pitfall-vanishing")
    assert abs(body["grads"]["x"][0]) < 1e-3
    assert abs(body["final"]["x"] - 1) < 0.01


def test_forgetting_zero_grad_makes_steps_pile_up_and_overshoot(client: TestClient) -> None:
    piled = train_preset(client, "pitfall-no-zero-grad")
    clean = train_preset(client, "pitfall-no-zero-grad", zero_grad=True)
    assert clean["losses"] == sorted(clean["losses"], reverse=True)  # steady descent
    assert max(piled["params"]["w"]) > 1.0  # past the minimum at w = 1
    assert piled["losses"][-1] > clean["losses"][-1]


def test_gradcheck_agrees_with_finite_differences_on_every_input(client: TestClient) -> None:
    from app.presets import BY_ID

    rows = client.post("/api/gradcheck", json={"source": BY_ID["sigmoid-neuron"].source}).json()
    assert [row["name"] for row in rows] == ["w0", "x0", "w1", "x1", "w2"]
    assert all(row["relative_error"] < 1e-8 for row in rows)


def test_the_trained_network_opens_in_the_lab_in_both_views(client: TestClient) -> None:
    from engine.lang import run

    body = client.post("/api/network", json={"dataset": "xor", "steps": 50, "hidden": [4, 3]}).json()
    tensor, scalar = run(body["programs"]["tensor"]), run(body["programs"]["scalar"])
    assert tensor.is_tensor and not scalar.is_tensor
    out = next(node for node in scalar.trace().nodes if node.name == "out")
    assert tensor.output.data.item() == pytest.approx(out.data, abs=1e-3)  # weights printed to 4 digits
    assert len(scalar.trainable) == (2 + 1) * 4 + (4 + 1) * 3 + (3 + 1) * 1  # every weight and bias a param
    groups = {node.get("group") for node in scalar.trace().to_dict()["nodes"]}
    assert {"layer 1/h1_1 (line 8)", "layer 2/h2_3 (line 39)", "output/out (line 45)", "loss/L (line 47)"} <= groups


def test_without_zero_grad_the_engines_own_gradients_pile_up(client: TestClient) -> None:
    """L = (w − 3)²: each step's gradient is 2(w − 3); without zero_grad the engine's leaf keeps adding
    them up, so the gradient used at step k is the sum over steps 0..k (worked out here by hand)."""
    body = client.post(
        "/api/train", json={"source": "w = param(0)\nL = (w - 3) ** 2", "lr": 0.1, "steps": 5, "zero_grad": False}
    ).json()
    w, piled, expected_grads, expected_w = 0.0, 0.0, [], []
    for _ in range(5):
        expected_w.append(w)
        piled += 2 * (w - 3)
        expected_grads.append(piled)
        w -= 0.1 * piled
    assert body["params"]["w"] == pytest.approx(expected_w, rel=1e-12)
    assert body["grads"]["w"] == pytest.approx(expected_grads, rel=1e-12)
    assert body["final"]["w"] == pytest.approx(w, rel=1e-12)
