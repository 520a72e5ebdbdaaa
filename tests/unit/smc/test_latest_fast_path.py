"""The latest-signal fast path (fused kernels, score on the last bars only) equals the full one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import load_shared_bars
from tests.unit.smc.helpers import walk_bars
from tradequorum.config.smc import SmcConfig
from tradequorum.core.errors import DataError
from tradequorum.core.types import Direction
from tradequorum.smc import analyze, compute_signal_frame, latest_signal
from tradequorum.smc.analysis import analyze_arrays
from tradequorum.smc.fused import run_path_kernels
from tradequorum.smc.fvg import fvg_side
from tradequorum.smc.htf import compute_htf_bias, htf_at, htf_state
from tradequorum.smc.inputs import atr_sma, to_arrays
from tradequorum.smc.liquidity import liquidity_side
from tradequorum.smc.order_blocks import ob_side
from tradequorum.smc.score import ROWS
from tradequorum.smc.sessions import compute_sessions
from tradequorum.smc.signal_inputs import inputs_from_analysis, latest_inputs, tail_start
from tradequorum.smc.signals import COLUMNS, signal_arrays
from tradequorum.smc.structure import compute_structure
from tradequorum.smc.zones import zones_from_swings

BTC = "binance-spot-1m-btc-eth-taker-2025-10/BTCUSDT_1m.csv"
KRAKEN = "kraken-1m-btcusdc-2023q1/BTCUSDC_1m_20230301_20230321.csv"  # sparse: many gaps
EURUSD = "smc-eurusd-15m-2022-2023/EURUSD_15M.csv"  # weekend gaps
CFGS = {
    "default": SmcConfig(),
    "wick_swing_loose": SmcConfig(
        break_on="wick", ob_structure="swing", min_confidence=0.0, require_structure=False,
        fvg_join_consecutive=True, fvg_min_atr=0.2, sweep_single_swings=False,
    ),
}  # fmt: skip
SMALL = SmcConfig(internal_length=2, swing_length=3, liquidity_swing_length=2, atr_period=5,
                  htf_timeframe="5m", signal_lookback=8)  # fmt: skip


def _same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(a, b)  # NaN == NaN here; values bit for bit


def _assert_fast_equals_full(bars: pd.DataFrame, cfg: SmcConfig, tf: str) -> Direction:
    """Inputs, signal and evidence of the fast path == the full analysis' last bars."""
    a = to_arrays(bars)
    full = analyze_arrays(a, cfg, timeframe=tf)
    start = tail_start(len(a), cfg)
    _same(latest_inputs(a, cfg, timeframe=tf).data, inputs_from_analysis(full, start).data)
    p = run_path_kernels(a, cfg, timeframe=tf, latest=True)  # the same through path_kernel
    _same(p.inputs, inputs_from_analysis(full, start).data)
    for k, v in p.zones.items():
        _same(v, full.zones[k][start:])
    for k, v in p.htf.items():
        _same(v, full.htf[k][start:])
    fast = latest_signal(bars, cfg, symbol="S", timeframe=tf)
    assert fast == latest_signal(bars, cfg, symbol="S", timeframe=tf, analysis=full)
    row = compute_signal_frame(bars, cfg, timeframe=tf).iloc[-1]
    assert fast.direction == Direction.from_sign(row["direction"])
    assert fast.confidence == row["confidence"]
    if row["direction"] != 0:
        assert fast.stop == row["stop"]
        assert fast.suggested_entry == (row["entry_lo"], row["entry_hi"])
        assert fast.targets == ([row["target"]] if np.isfinite(row["target"]) else None)
    return fast.direction


@pytest.mark.parametrize("cfg_name", sorted(CFGS))
@pytest.mark.parametrize(("path", "tf", "first"), [(BTC, "1m", 1000), (KRAKEN, "1m", 9000),
                                                   (EURUSD, "15m", 3000)])  # fmt: skip
def test_latest_fast_path_consecutive_real_windows_equal_full(
    path: str, tf: str, first: int, cfg_name: str
) -> None:
    bars = load_shared_bars(path, nrows=first + 60)
    seen = {
        _assert_fast_equals_full(bars.iloc[end - 1000 : end], CFGS[cfg_name], tf)
        for end in range(first, first + 60)
    }
    assert seen - {Direction.NEUTRAL}  # not vacuous: directional signals were compared too


def test_latest_fast_path_5000_bar_real_window_equals_full() -> None:
    bars = load_shared_bars(KRAKEN, nrows=12000)
    for end in (5000, 8321, 12000):
        _assert_fast_equals_full(bars.iloc[end - 5000 : end], SmcConfig(), "1m")


@given(walk_bars(min_n=12, max_n=160), st.integers(0, 2**32 - 1), st.booleans())
def test_latest_fast_path_random_bars_with_gaps_equal_full(
    bars: pd.DataFrame, seed: int, wick: bool
) -> None:
    rng = np.random.default_rng(seed)
    keep = rng.random(len(bars)) > 0.3  # drop ~30% of the rows: irregular gaps
    keep[:3] = True
    cfg = SMALL.model_copy(update={"break_on": "wick" if wick else "close"})
    _assert_fast_equals_full(bars[keep], cfg, "1m")


@given(walk_bars(min_n=12, max_n=80), st.integers(0, 10**6), st.sampled_from(["open", "close"]))
def test_latest_fast_path_nan_price_raises_data_error_like_frame(
    bars: pd.DataFrame, pos: int, col: str
) -> None:
    bad = bars.copy()
    bad.iloc[pos % len(bad), list(bad.columns).index(col)] = np.nan
    with pytest.raises(DataError):
        latest_signal(bad, SMALL, symbol="S", timeframe="1m")
    with pytest.raises(DataError):
        compute_signal_frame(bad, SMALL, timeframe="1m")


@pytest.mark.parametrize("cfg_name", sorted(CFGS))
def test_fused_kernels_equal_the_one_by_one_kernels_on_real_data(cfg_name: str) -> None:
    cfg = CFGS[cfg_name]
    a = to_arrays(load_shared_bars(KRAKEN, nrows=6000))
    p = run_path_kernels(a, cfg, timeframe="1m")
    on_close = cfg.break_on == "close"
    atr = atr_sma(a.high, a.low, a.close, cfg.atr_period)
    _same(p.atr, atr)
    for got, length in ((p.internal, cfg.internal_length), (p.swing, cfg.swing_length)):
        want = compute_structure(a, length, on_close)
        for f in want.__slots__:
            _same(getattr(got, f), getattr(want, f))
    src = p.internal if cfg.ob_structure == "internal" else p.swing
    zk = {"max_age": cfg.zone_max_age, "cap": cfg.zone_capacity}
    for bull in (True, False):
        fv = fvg_side(a, atr, bullish=bull, min_atr=cfg.fvg_min_atr,
                      join=cfg.fvg_join_consecutive, **zk)  # fmt: skip
        for f in fv.__slots__:
            _same(getattr(p.fvg_bull if bull else p.fvg_bear, f), getattr(fv, f))
        brk, piv = (src.up, src.up_pivot) if bull else (src.dn, src.dn_pivot)
        ob = ob_side(a, atr, brk, piv, bullish=bull, on_close=on_close, **zk)
        got_ob = p.ob_bull if bull else p.ob_bear
        for f in ("frame", "hit", "ev"):
            _same(getattr(got_ob, f), getattr(ob, f))
        lq = liquidity_side(a, atr, cfg.liquidity_swing_length, buy_side=bull,
                            tol_atr=cfg.liquidity_tolerance_atr,
                            sweep_single=cfg.sweep_single_swings, **zk)  # fmt: skip
        got_lq = p.buy_side if bull else p.sell_side
        _same(got_lq.frame, lq.frame)
        _same(got_lq.ev, lq.ev)
    z = zones_from_swings(a, p.swing.swing_high, p.swing.swing_high_pos, p.swing.swing_low,
                          p.swing.swing_low_pos, cfg)  # fmt: skip
    assert list(p.zones) == list(z)
    for k, v in z.items():
        _same(p.zones[k], v)
    sessions = compute_sessions(a, cfg)
    _same(p.pdh, sessions["pdh"])
    _same(p.pdl, sessions["pdl"])
    htf = compute_htf_bias(a, cfg.htf_timeframe, cfg.htf_swing_length, on_close=on_close,
                           timeframe="1m")  # fmt: skip
    assert list(p.htf) == list(htf)
    for k, v in htf.items():
        _same(p.htf[k], v)
    assert (htf["htf_bias"] != 0).any()


def test_zone_and_htf_kernels_equal_their_numpy_formulas_on_real_data() -> None:
    """The numba zone and HTF-lookup loops == the numpy expressions they replaced."""
    cfg = SmcConfig()
    r = analyze(load_shared_bars(EURUSD, nrows=20000), cfg, timeframe="15m")
    z, c = r.zones, r.bars.close
    rh, rl, leg = z["range_high"], z["range_low"], z["leg"]
    width = rh - rl
    ok = width > 0
    pos = np.where(ok, (c - rl) / np.where(ok, width, 1.0), np.nan)
    bull, bear = ok & (leg > 0), ok & (leg < 0)
    lo = np.where(bull, rh - cfg.ote_high * width, np.where(bear, rl + cfg.ote_low * width, np.nan))
    hi = np.where(bull, rh - cfg.ote_low * width, np.where(bear, rl + cfg.ote_high * width, np.nan))
    _same(z["equilibrium"], np.where(ok, rl + 0.5 * width, np.nan))
    _same(z["position"], pos)
    _same(z["zone"], np.where(np.isnan(pos), 0.0, np.sign(pos - 0.5)))
    _same(z["ote_lo"], lo)
    _same(z["ote_hi"], hi)
    _same(z["in_ote"], ((c >= lo) & (c <= hi)).astype(np.float64))
    assert set(np.unique(z["zone"])) == {-1.0, 0.0, 1.0} and (z["in_ote"] > 0).any()
    state = htf_state(r.bars, "4h", 3, timeframe="15m")
    assert state is not None
    count = np.searchsorted(state.known_at, np.arange(len(c)), side="right")
    k = np.maximum(count - 1, 0)
    got = htf_at(state, np.arange(len(c)))
    _same(got["htf_bias"], np.where(count > 0, state.trend[k], 0.0))
    _same(got["htf_swing_high"], np.where(count > 0, state.last_high[k], np.nan))
    _same(got["htf_swing_low"], np.where(count > 0, state.last_low[k], np.nan))


def test_signal_input_rows_are_the_named_analysis_columns() -> None:
    cfg = SmcConfig()
    r = analyze(load_shared_bars(BTC, nrows=2000), cfg, timeframe="1m")
    x = inputs_from_analysis(r, 100)
    st = {"int": r.internal, "sw": r.swing}
    hits = {"bull_ob": r.ob_bull.hit[0:2], "bear_ob": r.ob_bear.hit[0:2],
            "bull_brk": r.ob_bear.hit[2:4], "bear_brk": r.ob_bull.hit[2:4],
            "bull_fvg": np.vstack([r.fvg_bull.hit_top, r.fvg_bull.hit_bottom]),
            "bear_fvg": np.vstack([r.fvg_bear.hit_top, r.fvg_bear.hit_bottom])}  # fmt: skip
    liq = {"bsl": r.buy_side.frame, "ssl": r.sell_side.frame}
    for name in ROWS:
        head, _, tail = name.rpartition("_")
        if name in ("high", "low", "close"):
            want = getattr(r.bars, name)
        elif name == "atr":
            want = r.atr
        elif name in r.zones or name in ("htf_bias", "pdh", "pdl"):
            want = {**r.zones, **r.htf, **r.sessions}[name]
        elif name[:3] in liq:
            want = liq[name[:3]][{"pool": 4, "single": 5, "swept": 2}[name[4:]]]
        elif head in hits:
            want = hits[head][0 if tail == "top" else 1]
        else:
            p, d, *lvl = name.split("_")
            want = getattr(st[p], f"{d}_level" if lvl else d)
        _same(x[name], want[100:])


def _first_hit(*pairs: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    top = np.full(len(pairs[0][0]), np.nan)
    bot = top.copy()
    for t_, b_ in pairs:
        take = np.isnan(top) & ~np.isnan(t_)
        top, bot = np.where(take, t_, top), np.where(take, b_, bot)
    return top, bot


def _reference_side(r: object, cfg: SmcConfig, bullish: bool) -> tuple[np.ndarray, ...]:
    """The score's per-side inputs as numpy wrote them before the numba port (the oracle)."""
    from tradequorum.smc.signals import side_kernel

    z, s, a = r.zones, 1.0 if bullish else -1.0, r.bars  # type: ignore[attr-defined]
    i_, w_, bs, ss = r.internal, r.swing, r.buy_side, r.sell_side  # type: ignore[attr-defined]
    ob_u, ob_d, fu, fd = r.ob_bull, r.ob_bear, r.fvg_bull, r.fvg_bear  # type: ignore[attr-defined]
    if bullish:
        ev = (ss.frame[2], i_.up, w_.up)
        top, bot = _first_hit((ob_u.hit[0], ob_u.hit[1]), (ob_d.hit[2], ob_d.hit[3]),
                              (fu.hit_top, fu.hit_bottom))  # fmt: skip
        poi = np.vstack([top, bot])
        ote = np.vstack([np.where(z["leg"] > 0, z["ote_lo"], np.nan),
                         np.where(z["leg"] > 0, z["ote_hi"], np.nan)])  # fmt: skip
        tg = [bs.frame[4], bs.frame[5], r.sessions["pdh"], z["range_high"]]  # type: ignore[attr-defined]
        low, zone_ok = a.low, z["position"] < 0.5
    else:
        ev = (bs.frame[2], i_.dn, w_.dn)
        top, bot = _first_hit((ob_d.hit[0], ob_d.hit[1]), (ob_u.hit[2], ob_u.hit[3]),
                              (fd.hit_top, fd.hit_bottom))  # fmt: skip
        poi = np.vstack([-bot, -top])
        bear = z["leg"] < 0
        ote = np.vstack([np.where(bear, -z["ote_hi"], np.nan),
                         np.where(bear, -z["ote_lo"], np.nan)])  # fmt: skip
        tg = [-ss.frame[4], -ss.frame[5], -r.sessions["pdl"], -z["range_low"]]  # type: ignore[attr-defined]
        low, zone_ok = -a.high, z["position"] > 0.5
    flags = np.vstack([(s * r.htf["htf_bias"] > 0), ~np.isnan(ev[0]),  # type: ignore[attr-defined]
                       (ev[1] == 2.0) | (ev[2] == 2.0), (ev[1] == 1.0) | (ev[2] == 1.0),
                       zone_ok]).astype(np.float64)  # fmt: skip
    w = cfg.weights
    wa = np.array([w.htf_bias, w.sweep, w.choch, w.bos, w.zone, w.poi])
    return side_kernel(flags, poi, ote, low, s * a.close, r.atr, np.vstack(tg), wa,  # type: ignore[attr-defined, no-any-return]
                       cfg.signal_lookback, cfg.stop_buffer_atr)  # fmt: skip


@pytest.mark.parametrize("cfg_name", sorted(CFGS))
def test_signal_kernel_equals_the_numpy_reference_on_real_data(cfg_name: str) -> None:
    cfg = CFGS[cfg_name]
    bars = load_shared_bars(BTC)
    r = analyze(bars, cfg, timeframe="1m")
    got = signal_arrays(r, cfg)
    bc, bok, blo, bhi, bst, btg = _reference_side(r, cfg, True)
    sc, sok, slo, shi, sst, stg = _reference_side(r, cfg, False)
    gate_b = bok > 0 if cfg.require_structure else np.ones(len(bc), bool)
    gate_s = sok > 0 if cfg.require_structure else np.ones(len(sc), bool)
    bull = (bc >= cfg.min_confidence) & gate_b & (bc > sc)
    bear = (sc >= cfg.min_confidence) & gate_s & (sc > bc)
    want = {
        "direction": np.where(bull, 1.0, np.where(bear, -1.0, 0.0)),
        "confidence": np.where(bull, bc, np.where(bear, sc, 0.0)),
        "stop": np.where(bull, bst, np.where(bear, -sst, np.nan)),
        "entry_lo": np.where(bull, blo, np.where(bear, -shi, np.nan)),
        "entry_hi": np.where(bull, bhi, np.where(bear, -slo, np.nan)),
        "target": np.where(bull, btg, np.where(bear, -stg, np.nan)),
        "bull_score": bc,
        "bear_score": sc,
    }
    assert set(np.unique(want["direction"])) == {-1.0, 0.0, 1.0}
    for c in (*COLUMNS, "bull_score", "bear_score"):
        _same(got[c], want[c])


def test_to_arrays_fast_and_column_paths_agree_and_refuse_int_prices() -> None:
    bars = load_shared_bars(BTC, nrows=500)
    fast = to_arrays(bars)
    mixed = bars.assign(note="x")  # a str column: the column-by-column path
    slow = to_arrays(mixed)
    for f in ("open", "high", "low", "close", "volume", "t_ns"):
        _same(getattr(fast, f), getattr(slow, f))
    us = bars.set_axis(pd.DatetimeIndex(bars.index).as_unit("us"))
    _same(to_arrays(us).t_ns, fast.t_ns)
    with pytest.raises(DataError, match="float64"):
        to_arrays(bars.assign(close=np.arange(len(bars))))
    with pytest.raises(DataError, match="missing"):
        to_arrays(bars.drop(columns="volume"))
