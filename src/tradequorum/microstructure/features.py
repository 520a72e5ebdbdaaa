"""The microstructure measures as one causal feature frame for the feature engineer.

``microstructure_features(bars, cfg)`` returns float64 columns prefixed ``ms_`` on the bars' index;
row t uses bars <= t only (every column passes the look-ahead, recursive and repaint audits, see
tests/causality/test_microstructure_causality.py). Scale-free forms are used where the raw
measure has price or volume units, so the features compare across symbols.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradequorum.config.microstructure import MicrostructureConfig
from tradequorum.core.bars import FloatArray, column
from tradequorum.microstructure.impact import (
    amihud_illiquidity,
    corwin_schultz_spread,
    kyle_lambda,
    roll_spread,
)
from tradequorum.microstructure.profile import rolling_profile, session_profile
from tradequorum.microstructure.signed_volume import (
    flow_columns,
    log_changes,
    safe_ratio,
    session_cumsum,
)
from tradequorum.microstructure.toxicity import vpin
from tradequorum.microstructure.volume import (
    absorption,
    exhaustion,
    institutional_activity,
    ratio_to_prev,
    relative_volume,
)
from tradequorum.microstructure.windows import day_ids, rolling_mean


def warmup_bars(cfg: MicrostructureConfig, bars_per_day: int = 1440) -> int:
    """Bars after which ``microstructure_features`` no longer depends on where loading started.

    VPIN needs a fully loaded previous UTC day plus its buckets (up to 2 days + the buckets);
    relative volume needs ``rvol_days`` earlier days. ``bars_per_day`` is 1440 for 1m bars.
    """
    vpin_days = 2 + -(-(cfg.vpin_buckets + cfg.vpin_change_buckets) // cfg.vpin_buckets_per_day)
    windows = (
        2 * cfg.window_bars
        + cfg.bvc_window
        + cfg.divergence_bars
        + cfg.profile_window_bars
        + cfg.event_memory_bars
        + cfg.atr_bars
    )
    return max(max(cfg.rvol_days + 1, vpin_days) * bars_per_day, windows)


def _va_position(close: FloatArray, frame: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
    poc = frame["poc"].to_numpy()
    lo = frame["va_low"].to_numpy()
    hi = frame["va_high"].to_numpy()
    return (close / poc - 1.0) * 1e4, safe_ratio(close - lo, hi - lo)


def microstructure_features(bars: pd.DataFrame, cfg: MicrostructureConfig) -> pd.DataFrame:
    """All bar-based microstructure measures as ``ms_*`` float64 columns (causal).

    Raises
    ------
    DataError
        Bad bars (see :func:`signed_volume.check_flow_inputs`).
    """
    flow, method = flow_columns(
        bars,
        method=cfg.flow_method,
        window=cfg.window_bars,
        divergence_bars=cfg.divergence_bars,
        bvc_window=cfg.bvc_window,
        distribution=cfg.bvc_distribution,
        df=cfg.bvc_df,
    )
    o, h, lo, c = (column(bars, k) for k in ("open", "high", "low", "close"))
    v = column(bars, "volume")
    delta = flow["delta"]
    r = log_changes(o, c)
    w = cfg.window_bars
    qv = column(bars, "quote_volume") if "quote_volume" in bars.columns else v * c
    trades = column(bars, "trades") if "trades" in bars.columns else None
    vp, vp_change = vpin(
        bars.index,
        v,
        flow["buy_volume"],
        n_buckets=cfg.vpin_buckets,
        buckets_per_day=cfg.vpin_buckets_per_day,
        change_buckets=cfg.vpin_change_buckets,
    )
    vol_ratio = ratio_to_prev(v, w)
    mean_abs_delta = rolling_mean(np.abs(delta), w, w, 0)
    vz, sz, inst = institutional_activity(v, trades, delta, window=w, outlier_z=cfg.outlier_z)
    s_poc, s_pos = _va_position(
        c, session_profile(bars, bin_bps=cfg.profile_bin_bps, value_area=cfg.value_area)
    )
    r_poc, r_pos = _va_position(
        c,
        rolling_profile(
            bars,
            window=cfg.profile_window_bars,
            bin_bps=cfg.profile_bin_bps,
            value_area=cfg.value_area,
        ),
    )
    cols: dict[str, FloatArray] = {
        "ms_exact_flow": np.full(len(bars), 1.0 if method == "taker" else 0.0),
        "ms_delta_ratio": flow["delta_ratio"],
        "ms_delta_roll_ratio": flow["delta_roll_ratio"],
        "ms_cvd_session_ratio": safe_ratio(
            flow["cvd_session"], session_cumsum(v, day_ids(bars.index))
        ),
        "ms_divergence": flow["divergence"],
        "ms_vpin": vp,
        "ms_vpin_change": vp_change,
        "ms_kyle_impact_bps": kyle_lambda(c, o, delta, w) * mean_abs_delta / c * 1e4,
        "ms_amihud": amihud_illiquidity(r, qv, w),
        "ms_roll_spread_bps": roll_spread(c, w) / c * 1e4,
        "ms_cs_spread_bps": corwin_schultz_spread(h, lo, w) * 1e4,
        "ms_rvol": relative_volume(bars.index, v, days=cfg.rvol_days),
        "ms_session_poc_dist_bps": s_poc,
        "ms_session_va_pos": s_pos,
        "ms_rolling_poc_dist_bps": r_poc,
        "ms_rolling_va_pos": r_pos,
        "ms_absorption": absorption(
            o,
            h,
            lo,
            c,
            vol_ratio,
            delta,
            window=w,
            heavy_ratio=cfg.heavy_volume_ratio,
            small_range=cfg.small_range_ratio,
        ),
        "ms_exhaustion": exhaustion(
            h,
            lo,
            c,
            vol_ratio,
            r,
            window=w,
            lookback=cfg.divergence_bars,
            climax_ratio=cfg.climax_volume_ratio,
            move_sigma=cfg.exhaustion_move_sigma,
        ),
        "ms_volume_z": vz,
        "ms_trade_size_z": sz,
        "ms_institutional": inst,
    }
    if "large_trade_volume" in bars.columns:
        cols["ms_large_trade_share"] = safe_ratio(column(bars, "large_trade_volume"), v)
    block = np.empty((len(cols), len(bars)))
    for i, values in enumerate(cols.values()):
        block[i] = values
    # one (columns x bars) block handed to pandas without a consolidation copy
    return pd.DataFrame(block.T, index=bars.index, columns=list(cols), copy=False)


__all__ = ["microstructure_features", "warmup_bars"]
