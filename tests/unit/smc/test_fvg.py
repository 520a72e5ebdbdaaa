"""Fair value gaps: hand-drawn cases, the smartmoneyconcepts definition on real data, mirrors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given

from tests.conftest import load_shared_bars
from tests.unit.smc.helpers import bars_from, mirror, walk_bars
from tradequorum.smc import detect_fvg

GAP = [
    (9.5, 10, 9, 9.8),  # bar 0: high 10
    (9.8, 12, 9.7, 11.8),  # bar 1: closes up
    (11.8, 12.5, 11, 12.2),  # bar 2: low 11 > 10 -> bullish gap [10, 11]
    (12.2, 12.3, 10.5, 11.9),  # bar 3: trades into it: mitigated, half filled
    (11.9, 12, 9.9, 10.2),  # bar 4: below the bottom: filled
]


def test_fvg_bullish_gap_is_stamped_at_the_confirming_candle() -> None:
    res = detect_fvg(bars_from(GAP))
    ev = res.events.iloc[0]
    assert (ev["index_pos"], ev["confirmed_pos"], ev["direction"]) == (1, 2, 1.0)
    assert (ev["top"], ev["bottom"]) == (11.0, 10.0)
    assert res.frame["fvg"].tolist()[:3] == [0.0, 0.0, 1.0]


def test_fvg_mitigation_and_fill_are_tracked_after_confirmation() -> None:
    res = detect_fvg(bars_from(GAP))
    ev = res.events.iloc[0]
    idx = bars_from(GAP).index
    assert ev["mitigated_at"] == idx[3]
    assert ev["filled_at"] == idx[4]
    assert ev["fill_pct"] == 1.0
    assert res.frame["fvg_mitigated"].iloc[3] == 1.0
    assert res.frame["bull_fvg_top"].iloc[3] == 11.0
    assert np.isnan(res.frame["bull_fvg_top"].iloc[4])  # filled: no live gap left
    partial = detect_fvg(bars_from(GAP[:4])).events.iloc[0]
    assert partial["fill_pct"] == 0.5
    assert pd.isna(partial["filled_at"])


def test_fvg_down_close_middle_candle_makes_no_bullish_gap() -> None:
    rows = list(GAP[:3])
    rows[1] = (11.8, 12, 9.7, 9.9)
    assert detect_fvg(bars_from(rows)).events.empty


def test_fvg_min_size_in_atr_filters_small_gaps() -> None:
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv")
    all_gaps = detect_fvg(bars).events
    big = detect_fvg(bars, min_atr=0.5).events
    assert 0 < len(big) < len(all_gaps)


def peer_fvg(df: pd.DataFrame, join: bool = False) -> pd.DataFrame:
    """smartmoneyconcepts 0.0.27 ``smc.fvg`` (its vectorized definition, copied for reference;
    the package itself is not a dependency). Row i = the middle candle."""
    h, lo, o, c = (df[k].to_numpy() for k in ("high", "low", "open", "close"))
    hp, hn = np.r_[np.nan, h[:-1]], np.r_[h[1:], np.nan]
    lp, ln = np.r_[np.nan, lo[:-1]], np.r_[lo[1:], np.nan]
    up = c > o
    fvg = np.where(((hp < ln) & up) | ((lp > hn) & (c < o)), np.where(up, 1.0, -1.0), np.nan)
    top = np.where(~np.isnan(fvg), np.where(up, ln, lp), np.nan)
    bottom = np.where(~np.isnan(fvg), np.where(up, hp, hn), np.nan)
    if join:
        for i in range(len(fvg) - 1):
            if fvg[i] == fvg[i + 1]:
                top[i + 1] = max(top[i], top[i + 1])
                bottom[i + 1] = min(bottom[i], bottom[i + 1])
                fvg[i] = top[i] = bottom[i] = np.nan
    mit = np.full(len(fvg), np.nan)
    for i in np.flatnonzero(~np.isnan(fvg)):
        hit = lo[i + 2 :] <= top[i] if fvg[i] == 1 else h[i + 2 :] >= bottom[i]
        mit[i] = i + 2 + int(np.argmax(hit)) if hit.any() else 0
    return pd.DataFrame({"FVG": fvg, "Top": top, "Bottom": bottom, "MitigatedIndex": mit})


def test_fvg_equals_smartmoneyconcepts_definition_shifted_one_bar_on_real_data() -> None:
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv")
    peer = peer_fvg(bars)
    ours = detect_fvg(bars, max_age=10**9, capacity=4096)
    fr = ours.frame
    shifted = fr[["fvg", "fvg_top", "fvg_bottom"]].to_numpy()[1:]
    p = peer[["FVG", "Top", "Bottom"]].to_numpy()[:-1]
    np.testing.assert_array_equal(np.nan_to_num(p[:, 0]), shifted[:, 0])
    has = ~np.isnan(p[:, 0])
    np.testing.assert_array_equal(p[has, 1:], shifted[has, 1:])
    ev = ours.events
    want = peer["MitigatedIndex"].to_numpy()[ev["index_pos"].to_numpy()]
    got = np.array([bars.index.get_loc(t) if not pd.isna(t) else 0 for t in ev["mitigated_at"]])
    np.testing.assert_array_equal(got, want)


def test_fvg_joined_gaps_equal_smartmoneyconcepts_joined_gaps() -> None:
    bars = load_shared_bars("binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv")
    peer = peer_fvg(bars, join=True)
    fr = detect_fvg(bars, join_consecutive=True, max_age=10**9, capacity=4096).frame
    rows = np.flatnonzero(~np.isnan(peer["FVG"].to_numpy()[:-1]))
    assert len(rows) > 100
    ours = fr[["fvg", "fvg_top", "fvg_bottom"]].to_numpy()[rows + 1]
    np.testing.assert_array_equal(ours, peer[["FVG", "Top", "Bottom"]].to_numpy()[rows])


@given(walk_bars())
def test_fvg_mirrored_prices_swap_bullish_and_bearish_gaps(bars: pd.DataFrame) -> None:
    a = detect_fvg(bars).events
    b = detect_fvg(mirror(bars)).events
    for d in (1.0, -1.0):
        x, y = a[a["direction"] == d], b[b["direction"] == -d]
        assert x["confirmed_pos"].tolist() == y["confirmed_pos"].tolist()
        np.testing.assert_array_equal(x["top"].to_numpy(), 256.0 - y["bottom"].to_numpy())
        assert x["mitigated_at"].tolist() == y["mitigated_at"].tolist()


@given(walk_bars())
def test_fvg_is_confirmed_one_bar_after_its_middle_candle(bars: pd.DataFrame) -> None:
    ev = detect_fvg(bars).events
    assert (ev["confirmed_pos"] == ev["index_pos"] + 1).all()
    assert (ev["top"] > ev["bottom"]).all()
