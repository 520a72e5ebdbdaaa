"""PSR and DSR reproduce the papers' numerical examples (values in shared/notes/peers.md)."""

from __future__ import annotations

import numpy as np
import pytest

from tradequorum.validation.dsr import (
    deflated_sharpe_from_returns,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
)


def test_expected_max_sharpe_paper_example_gives_sr0_0_1132() -> None:
    assert expected_max_sharpe(100, 0.5 / 250) == pytest.approx(0.1132, abs=5e-5)


def test_deflated_sharpe_ratio_paper_example_gives_0_9004() -> None:
    dsr = deflated_sharpe_ratio(2.5 / np.sqrt(250), 1250, 100, 0.5 / 250, skew=-3.0, kurt=10.0)
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_probabilistic_sharpe_ratio_paper_example_gives_0_9132() -> None:
    psr = probabilistic_sharpe_ratio(1.585 / np.sqrt(12), 24, skew=-2.448, kurt=10.164)
    assert psr == pytest.approx(0.9132, abs=5e-5)


def test_deflated_sharpe_single_trial_equals_psr_against_zero() -> None:
    assert deflated_sharpe_ratio(0.1, 500, 1, 0.01) == probabilistic_sharpe_ratio(0.1, 500)


def test_deflated_sharpe_more_trials_deflates_more() -> None:
    few = deflated_sharpe_ratio(0.1, 1000, 10, 0.002)
    many = deflated_sharpe_ratio(0.1, 1000, 1000, 0.002)
    assert many < few < probabilistic_sharpe_ratio(0.1, 1000)


def test_deflated_sharpe_from_returns_uses_trial_count_and_variance() -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0.001, 0.01, 1000)
    trials = rng.normal(0.0, 0.05, 50)
    out = deflated_sharpe_from_returns(r, 50, trials)
    assert out.n_trials == 50 and out.n_obs == 1000
    assert out.sr_variance == pytest.approx(float(np.var(trials, ddof=1)))
    assert out.sr0 == pytest.approx(expected_max_sharpe(50, out.sr_variance))
    assert out.dsr < out.psr


def test_deflated_sharpe_from_constant_returns_is_neutral() -> None:
    out = deflated_sharpe_from_returns(np.zeros(10), 5, None)
    assert out.sharpe_per_period == 0.0 and out.psr == 0.5
