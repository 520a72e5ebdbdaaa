"""Parameter stability exactly as DESIGN §7 defines it."""

from __future__ import annotations

import numpy as np
import pytest

from tradequorum.validation.stability import (
    categorical_stability,
    importance_stability,
    numeric_stability,
    parameter_stability,
)


def test_numeric_stability_formula_matches_design() -> None:
    vals = [10, 20, 10, 20]
    expected = 1 - 2 * np.std(vals) / (50 - 5)
    assert numeric_stability(vals, 5, 50) == pytest.approx(expected)


def test_numeric_stability_is_clipped_to_zero() -> None:
    assert numeric_stability([0, 100, 0, 100], 0, 100) == 0.0


def test_categorical_stability_is_modal_share() -> None:
    assert categorical_stability([True, False, True]) == pytest.approx(2 / 3)


def test_parameter_stability_averages_numeric_and_categorical() -> None:
    chosen = [{"fast": 10, "mode": "a"}, {"fast": 20, "mode": "a"}]
    rep = parameter_stability(chosen, {"fast": (0.0, 100.0)})
    assert rep.per_parameter["fast"] == pytest.approx(1 - 2 * 5 / 100)
    assert rep.per_parameter["mode"] == 1.0
    assert rep.score == pytest.approx((0.9 + 1.0) / 2)


def test_parameter_stability_identical_choices_score_one() -> None:
    rep = parameter_stability([{"a": 3}] * 5, {"a": (1.0, 9.0)})
    assert rep.score == 1.0


def test_importance_stability_reversed_ranking_scores_zero() -> None:
    a = {"x": 3.0, "y": 2.0, "z": 1.0}
    b = {"x": 1.0, "y": 2.0, "z": 3.0}
    assert importance_stability([a, b]) == 0.0
    assert importance_stability([a, a, a]) == 1.0


def test_importance_stability_array_input_matches_mapping_input() -> None:
    arr = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0]])
    maps = [dict(zip("abcd", row, strict=True)) for row in arr]
    assert importance_stability(arr) == pytest.approx(importance_stability(maps))
    assert importance_stability(arr) == pytest.approx(0.8)
