"""Playground's datasets: in the domain, reproducible from the seed, noisy on request, split, featured."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets import CLASSIFICATION, DATASETS, DOMAIN, FEATURES, features, make, split


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_set_lies_in_the_domain_and_repeats_from_its_seed_and_noise(name: str) -> None:
    x, y = make(name, 200, seed=3, noise=0.2)
    again = make(name, 200, seed=3, noise=0.2)
    assert x.shape == (200, 2) and y.shape == (200, 1)
    assert DOMAIN[0] <= x.min() and x.max() <= DOMAIN[1]
    np.testing.assert_array_equal(x, again[0])
    np.testing.assert_array_equal(y, again[1])
    assert not np.array_equal(x, make(name, 200, seed=4, noise=0.2)[0])


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_sets_have_both_labels_in_halves(name: str) -> None:
    _, y = make(name, 200, seed=0)
    assert set(np.unique(y)) == {0.0, 1.0} and 80 <= y.sum() <= 120


@pytest.mark.parametrize("name", ["circle", "xor", "regression"])
def test_noise_changes_the_labels_as_in_playground(name: str) -> None:
    clean, noisy = make(name, 300, seed=0), make(name, 300, seed=0, noise=0.5)
    assert not np.array_equal(clean[1], noisy[1])


def test_spiral_arms_turn_more_than_one_and_a_half_times_with_points_spread_along() -> None:
    x, y = make("spiral", 400, seed=0)
    arm = x[y[:, 0] == 1]
    angle = np.unwrap(np.arctan2(arm[:, 0], arm[:, 1]))
    assert abs(angle[-1] - angle[0]) / (2 * np.pi) >= 1.5
    radius = np.hypot(arm[:, 0], arm[:, 1])
    assert np.all(np.diff(radius) > -0.2) and radius.max() > 4.5  # from the centre outwards, evenly


def test_noise_past_playgrounds_range_is_refused() -> None:
    with pytest.raises(ValueError, match="noise"):
        make("xor", 10, 0, noise=0.6)


def test_the_split_holds_out_the_test_ratio_and_repeats_from_the_seed() -> None:
    data = make("gauss", 200, seed=1)
    (train_x, train_y), (test_x, test_y) = split(data, 0.3, seed=1)
    assert len(test_x) == 60 and len(train_x) == 140 and len(train_y) == 140 and len(test_y) == 60
    assert {tuple(p) for p in train_x}.isdisjoint({tuple(p) for p in test_x})
    np.testing.assert_array_equal(test_x, split(data, 0.3, seed=1)[1][0])
    assert not np.array_equal(test_x, split(data, 0.3, seed=2)[1][0])


def test_features_are_the_chosen_functions_of_the_point_in_order() -> None:
    x = np.array([[2.0, -3.0]])
    assert features(x, list(FEATURES)).tolist() == [[2.0, -3.0, 4.0, 9.0, -6.0, np.sin(2.0), np.sin(-3.0)]]
    assert features(x, ["x2", "x1"]).tolist() == [[-3.0, 2.0]]
    with pytest.raises(ValueError):
        features(x, ["x3"])
