"""PBO by CSCV: about 0.5 on noise, about 0 with a planted edge; degradation and loss figures."""

from __future__ import annotations

import numpy as np
import pytest

from tradequorum.core.errors import DataError
from tradequorum.validation.pbo import n_splits, probability_of_backtest_overfitting


def test_pbo_pure_noise_strategies_is_near_one_half() -> None:
    # PBO of one noise matrix is itself noisy; the mean over seeds is ~0.5
    values = [
        probability_of_backtest_overfitting(
            np.random.default_rng(seed).normal(0, 0.01, (800, 20)), 16
        ).pbo
        for seed in range(10)
    ]
    assert 0.35 < float(np.mean(values)) < 0.65


def test_pbo_planted_edge_among_noise_is_near_zero() -> None:
    rng = np.random.default_rng(7)
    m = rng.normal(0, 0.01, (2000, 100))
    m[:, 42] += 3.0 / np.sqrt(365) * 0.01  # annualized SR ~3 on daily data
    res = probability_of_backtest_overfitting(m, 16)
    assert res.pbo < 0.05
    assert res.prob_oos_loss < 0.05
    assert res.n_splits == 12870 and res.n_configs == 100 and res.n_periods == 2000


def test_pbo_logit_histogram_counts_every_split() -> None:
    m = np.random.default_rng(1).normal(0, 0.01, (320, 10))
    res = probability_of_backtest_overfitting(m, 8)
    assert sum(res.logit_hist_counts) == n_splits(8) == res.n_splits
    assert len(res.logit_hist_edges) == len(res.logit_hist_counts) + 1


def test_pbo_noise_shows_performance_degradation() -> None:
    m = np.random.default_rng(2).normal(0, 0.01, (1000, 50))
    res = probability_of_backtest_overfitting(m, 16)
    assert res.degradation_slope < 0.2  # IS-best Sharpe does not carry over out of sample


def test_pbo_drops_oldest_rows_not_divisible_by_blocks() -> None:
    m = np.random.default_rng(4).normal(0, 0.01, (1005, 5))
    assert probability_of_backtest_overfitting(m, 10).n_periods == 1000
    a = probability_of_backtest_overfitting(m, 10)
    b = probability_of_backtest_overfitting(m[5:], 10)
    assert a.pbo == b.pbo


@pytest.mark.parametrize(
    ("shape", "blocks", "match"),
    [((100, 1), 4, "configurations"), ((100, 5), 5, "even"), ((10, 5), 16, "periods")],
)
def test_pbo_bad_input_raises_data_error(shape: tuple[int, int], blocks: int, match: str) -> None:
    with pytest.raises(DataError, match=match):
        probability_of_backtest_overfitting(np.zeros(shape), blocks)
