"""The micrograd presets are the programs as their users paste them, line for line."""

from __future__ import annotations

from app.presets import BY_ID
from tests.engine.lang.micrograd.programs import NEURON, README


def test_the_micrograd_presets_are_the_readme_example_and_the_lectures_neuron_verbatim() -> None:
    assert BY_ID["micrograd-readme"].source == README
    assert BY_ID["micrograd-neuron"].source == NEURON
