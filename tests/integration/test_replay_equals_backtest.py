"""Replay through the real-time workflow equals the vectorized system backtest, bar for bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import make_bars
from tests.unit.coordinator.conftest import build
from tests.unit.coordinator.pipeline_fakes import ANALYST_FRAMES
from tradequorum.coordinator.replay import replay_index, run_replay
from tradequorum.coordinator.system_backtest import run_system_backtest


def _replay(home: Path, bars: pd.DataFrame, start: pd.Timestamp) -> tuple[object, pd.DataFrame]:
    coord, clock, _ = build(home, bars)
    rows: list[dict[str, float]] = []

    def on_bar(ts: pd.Timestamp) -> None:
        rows.append(
            {
                "bar": ts,
                "position": coord.broker.position("BTC/USDT"),
                "equity": coord.broker.equity,
            }
        )

    run_replay(coord, clock, replay_index({"BTC/USDT": bars}, start), on_bar=on_bar)
    return coord, pd.DataFrame(rows).set_index("bar")


def _compare(home: Path, bars: pd.DataFrame, start_at: int) -> None:
    start = bars.index[start_at]
    coord, per_bar = _replay(home, bars, start)
    system = run_system_backtest(
        bars,
        ANALYST_FRAMES,
        coord.settings,
        start=start,
        risk=False,  # type: ignore[attr-defined]
    )  # the fake risk manager approves every tradeable bar
    journal = coord.journal  # type: ignore[attr-defined]
    # decisions: the engine rows the replay decided equal the vectorized rows, bar for bar
    decided = {}
    for rec in journal.decisions():
        d = rec["decision"]
        entering = d["action"] in {"enter_long", "enter_short", "hold"}
        decided[pd.Timestamp(rec["bar"])] = (
            float(d["direction"]) if entering else np.nan,
            (d["stop"] if d["stop"] is not None else np.nan) if entering else np.nan,
            (d["target"] if d["target"] is not None else np.nan) if entering else np.nan,
            float(d["scale"]) if entering else np.nan,
        )
    replay_rows = pd.DataFrame.from_dict(
        decided, orient="index", columns=["direction", "stop", "target", "scale"]
    )
    expected = system.decisions[["direction", "stop", "target", "scale"]]
    pd.testing.assert_frame_equal(
        replay_rows.sort_index(), expected, check_names=False, check_freq=False
    )
    assert (expected["direction"].notna()).sum() > 5, "the scenario must actually trade"
    # fills: positions and equity after every bar are identical (exact floats)
    np.testing.assert_array_equal(per_bar["position"].to_numpy(), system.result.positions[:, 0])
    np.testing.assert_array_equal(per_bar["equity"].to_numpy(), system.result.equity)
    fills = pd.DataFrame(journal.fills())
    fees = fills.groupby("bar")["fee"].sum()
    got = pd.Series(0.0, index=system.result.index)
    got.loc[pd.DatetimeIndex(fees.index)] = fees.to_numpy()
    np.testing.assert_allclose(got.to_numpy(), system.result.fees, rtol=0, atol=1e-9)
    assert len(fills) > 0
    coord.close()  # type: ignore[attr-defined]


def test_replay_fake_analysts_equals_system_backtest_bar_for_bar(tmp_path: Path) -> None:
    bars = make_bars(400, seed=11)
    _compare(tmp_path, bars, start_at=50)
