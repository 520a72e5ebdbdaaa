"""Look-ahead (truncation), recursive and repaint audits of every microstructure bar measure,
on real Binance klines with taker flow (FILUSDT futures, with zero-volume bars; BTCUSDT spot)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from tests.conftest import load_shared_bars
from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.core.causality import audit_lookahead, audit_recursive, audit_repaint
from tradequorum.microstructure.features import microstructure_features, warmup_bars
from tradequorum.microstructure.profile import rolling_profile, session_profile
from tradequorum.microstructure.signals import compute_signal_frame
from tradequorum.microstructure.signed_volume import order_flow

FIL = "binance-um-1m-fil-near-2023h2/FILUSDT-1m-2023-09.csv"
BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
DEFAULT = MicrostructureConfig()
# 3 days of BTC are too short for the default 3-day rvol baseline: a lighter configuration
FAST = MicrostructureConfig(
    vpin_buckets=20, vpin_buckets_per_day=400, vpin_change_buckets=5, rvol_days=1
)

# (file, config, warm-up bars, recursive start positions or None for the audit's default)
MEASURES = ["features", "features_bvc", "order_flow", "signal", "profiles"]
CASES = {
    "fil": (FIL, DEFAULT, warmup_bars(DEFAULT), None),
    "btc": (BTC, FAST, 2 * 1440, [540, 1080]),
}


def _measures(cfg: MicrostructureConfig) -> dict[str, Callable[[pd.DataFrame], pd.DataFrame]]:
    def flow(b: pd.DataFrame) -> pd.DataFrame:
        # ``cvd`` is cumulated from the first loaded bar by definition: not recursive, so it is
        # audited for look-ahead and repaint only (below), not here
        return order_flow(b, window=cfg.window_bars, divergence_bars=cfg.divergence_bars)[0].drop(
            columns=["cvd"]
        )

    return {
        "features": lambda b: microstructure_features(b, cfg),
        "features_bvc": lambda b: microstructure_features(
            b.drop(columns=["taker_buy_volume"]), cfg
        ),
        "order_flow": flow,
        "signal": lambda b: compute_signal_frame(b, cfg),
        "profiles": lambda b: pd.concat(
            [
                session_profile(b).add_prefix("session_"),
                rolling_profile(b, window=cfg.profile_window_bars).add_prefix("rolling_"),
            ],
            axis=1,
        ),
    }


@pytest.fixture(scope="module", params=sorted(CASES))
def case(
    request: pytest.FixtureRequest,
) -> tuple[str, pd.DataFrame, MicrostructureConfig, int, list[int] | None]:
    path, cfg, warmup, starts = CASES[request.param]
    return request.param, load_shared_bars(path), cfg, warmup, starts


@pytest.mark.parametrize("measure", MEASURES)
def test_microstructure_measure_truncation_audit_passes_on_real_data(case, measure) -> None:  # type: ignore[no-untyped-def]
    name, bars, cfg, _, _ = case
    fn = _measures(cfg)[measure]
    report = audit_lookahead(fn, bars, name=f"{measure}@{name}", n_points=12, min_bars=50)
    report.raise_if_failed()
    assert report.comparisons > 0


def test_order_flow_cvd_truncation_and_repaint_pass_on_real_data(case) -> None:  # type: ignore[no-untyped-def]
    name, bars, _, _, _ = case

    def cvd(b: pd.DataFrame) -> pd.DataFrame:
        return order_flow(b)[0][["cvd"]]

    audit_lookahead(cvd, bars, name=f"cvd@{name}", n_points=8).raise_if_failed()
    audit_repaint(cvd, bars.iloc[:2000], name=f"cvd@{name}", start=1950).raise_if_failed()


@pytest.mark.parametrize("measure", MEASURES)
def test_microstructure_measure_recursive_audit_passes_on_real_data(case, measure) -> None:  # type: ignore[no-untyped-def]
    name, bars, cfg, warmup, starts = case
    fn = _measures(cfg)[measure]
    report = audit_recursive(fn, bars, warmup=warmup, starts=starts, name=f"{measure}@{name}")
    report.raise_if_failed()
    assert report.comparisons > 0


@pytest.mark.parametrize("measure", MEASURES)
def test_microstructure_measure_repaint_audit_passes_on_real_data(case, measure) -> None:  # type: ignore[no-untyped-def]
    name, bars, cfg, _, _ = case
    fn = _measures(cfg)[measure]
    # replay 40 bars around the first UTC midnight after bar 2,000 (sessions reset there)
    midnight = next(
        i for i in range(2000, len(bars)) if bars.index[i].hour == bars.index[i].minute == 0
    )
    part = bars.iloc[: midnight + 20]
    report = audit_repaint(fn, part, name=f"{measure}@{name}", start=midnight - 20)
    report.raise_if_failed()
    assert report.comparisons > 0
