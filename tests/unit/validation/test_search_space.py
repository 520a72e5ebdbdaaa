"""YAML search spaces: grid, random, constraints, Optuna suggestions, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.validation.helpers import small_space
from tradequorum.core.errors import ConfigError
from tradequorum.validation.search_space import load_search_space, parse_search_space

YAML = """
strategy: sma_cross
search: random
max_trials: 7
seed: 3
parameters:
  fast: {type: int, low: 5, high: 30, step: 5}
  slow: {type: int, low: 40, high: 160, step: 40}
  atr_stop: {type: float, low: 1.0, high: 3.0}
  long_only: {type: categorical, choices: [true, false]}
constraints: ["fast < slow"]
"""


def test_grid_all_combinations_satisfy_constraints() -> None:
    grid = small_space().grid()
    assert len(grid) == 4 * 3
    assert all(p["fast"] < p["slow"] and p["atr_stop"] == 2.0 for p in grid)


def test_grid_larger_than_max_trials_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="max_trials"):
        small_space(max_trials=5).grid()


def test_load_search_space_random_is_seeded_distinct_and_in_range(tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(YAML)
    space = load_search_space(path)
    a, b = space.candidates(), space.candidates()
    assert a == b and len(a) == 7
    assert len({repr(sorted(p.items())) for p in a}) == 7
    for p in a:
        assert 1.0 <= p["atr_stop"] <= 3.0 and p["long_only"] in (True, False)
        assert p["fast"] in range(5, 31, 5)


def test_suggest_with_optuna_trial_stays_in_space() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = small_space()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    p = space.suggest(trial)
    assert p["fast"] in (5, 10, 15, 20) and p["slow"] in (30, 60, 90) and p["atr_stop"] == 2.0


def test_numeric_ranges_exclude_categorical() -> None:
    space = parse_search_space(
        {
            "parameters": {
                "a": {"type": "int", "low": 1, "high": 9},
                "b": {"type": "categorical", "choices": [1]},
            }
        }
    )
    assert space.numeric_ranges() == {"a": (1.0, 9.0)}


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"parameters": {"a": {"type": "int", "low": 5, "high": 1}}}, "low <= high"),
        ({"parameters": {"a": {"type": "categorical"}}}, "choices"),
        (
            {"parameters": {"a": {"type": "int", "low": 1, "high": 2}}, "constraints": ["a <"]},
            "constraint",
        ),
        ([1, 2], "mapping"),
    ],
)
def test_parse_search_space_bad_input_raises_config_error(data: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_search_space(data)


def test_float_without_step_grid_raises_config_error() -> None:
    space = parse_search_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
    with pytest.raises(ConfigError, match="step"):
        space.grid()
    assert len(space.sample(3, np.random.default_rng(0))) == 3


def test_load_search_space_missing_file_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_search_space(tmp_path / "nope.yaml")
