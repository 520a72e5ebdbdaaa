"""The ML analyst's signals (signal contract of the analysts; source name ``ml_model``).

Row ``t``: calibrated class probabilities of the production model on the features of bars
``<= t``. Direction is the more probable of long and short when its calibrated probability is
``>= cfg.min_probability`` (else neutral); confidence is that probability (for a neutral row, the
flat probability). The flat class does not take part in the choice of side: with most bars flat,
an argmax over three classes would almost never trade, whatever the model knows.
No direction before the model's feature warm-up. Levels come from the label's own barriers: entry at the close, stop and target at
``close * exp(-+ width)`` with ``width = barrier_multiple * sigma_t * sqrt(h)`` (the model predicts
which barrier is hit first, so those are the levels it has an opinion about).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from tradequorum.config.ml import MlConfig
from tradequorum.core.bars import FloatArray, column, ensure_bars
from tradequorum.core.errors import DataError
from tradequorum.core.types import Direction, Evidence, Signal
from tradequorum.features import FeatureRegistry, build_feature_matrix, default_registry
from tradequorum.features import kernels as k
from tradequorum.ml.labels import barrier_width
from tradequorum.ml.registry import LoadedModel

SOURCE = "ml_model"
COLUMNS = ("direction", "confidence", "stop", "entry_lo", "entry_hi", "target")


def _registry(model: LoadedModel, registry: FeatureRegistry | None) -> FeatureRegistry:
    reg = registry or default_registry(model.meta.timeframe or "1m")
    model.check_features(reg)
    return reg


def _width(bars: pd.DataFrame, model: LoadedModel) -> FloatArray:
    """Barrier width per bar; NaN before the model's feature warm-up (no direction there)."""
    lab = MlConfig(**model.meta.label)
    if lab.label == "forward_return":
        width = np.full(len(bars), max(lab.forward_return_threshold, 1e-12))
    else:
        width = barrier_width(bars, lab)
    width[: model.meta.warmup_bars] = np.nan
    return width


def _last_width(close: FloatArray, model: LoadedModel) -> FloatArray:
    """:func:`_width` of the last bar alone (a 1-element array), bit for bit: the barrier's
    volatility is a trailing window of ``vol_window_bars`` returns, so only the last
    ``vol_window_bars + 1`` closes are read (the arithmetic of ``labels.barrier_width``)."""
    lab = MlConfig(**model.meta.label)
    if close.size <= model.meta.warmup_bars:
        return np.full(1, np.nan)
    if lab.label == "forward_return":
        return np.full(1, max(lab.forward_return_threshold, 1e-12))
    tail = np.ascontiguousarray(close[-(lab.vol_window_bars + 1) :])
    sigma = k.rolling_std(k.log_return(tail, 1), lab.vol_window_bars)
    width: FloatArray = lab.barrier_multiple * sigma * math.sqrt(lab.horizon_bars)
    return width[-1:]


def frame_from_proba(
    proba: FloatArray, close: FloatArray, width: FloatArray, min_probability: float
) -> dict[str, FloatArray]:
    """Signal columns from calibrated probabilities (n x 3, columns -1, 0, 1).

    No direction where ``width`` is NaN (the model's warm-up: callers set it so).
    """
    p_short, p_flat, p_long = proba[:, 0], proba[:, 1], proba[:, 2]
    side = np.where(p_long > p_short, 1.0, -1.0)
    p_side = np.maximum(p_long, p_short)
    ok = (np.nan_to_num(width) > 0) & (p_long != p_short) & (p_side >= min_probability)
    d = np.where(ok, side, 0.0)
    conf = np.where(ok, p_side, p_flat)
    nan = np.full(d.size, np.nan)
    return {
        "direction": d.astype(np.float64),
        "confidence": np.clip(conf, 0.0, 1.0),
        "stop": np.where(ok, close * np.exp(-d * width), nan),
        "entry_lo": np.where(ok, close, nan),
        "entry_hi": np.where(ok, close, nan),
        "target": np.where(ok, close * np.exp(d * width), nan),
    }


def compute_signal_frame(
    bars: pd.DataFrame,
    model: LoadedModel,
    cfg: MlConfig,
    *,
    registry: FeatureRegistry | None = None,
) -> pd.DataFrame:
    """Vectorized signals over the whole history (causal: row t uses bars <= t)."""
    ensure_bars(bars)
    reg = _registry(model, registry)
    X = build_feature_matrix(bars, reg, model.meta.features, columns=model.meta.columns)
    proba = model.predict_proba(X.to_numpy()) if len(bars) else np.empty((0, 3))
    cols = frame_from_proba(proba, column(bars, "close"), _width(bars, model), cfg.min_probability)
    return pd.DataFrame(cols, index=bars.index, columns=list(COLUMNS))


def latest_signal(
    bars: pd.DataFrame,
    model: LoadedModel,
    cfg: MlConfig,
    *,
    symbol: str,
    timeframe: str,
    registry: FeatureRegistry | None = None,
    features: Mapping[str, float | None] | None = None,
) -> Signal:
    """The signal of the last (closed) bar; equals the last row of :func:`compute_signal_frame`.

    ``features``: the last bar's feature values by column (None = NaN), already computed on these
    bars (or a longer causal window ending at the same bar) this cycle, e.g. by the
    feature-engineer; then the matrix is not built a second time. Must hold every model column.
    """
    ensure_bars(bars, min_rows=1)
    reg = _registry(model, registry)
    cols_pos = {c: i for i, c in enumerate(model.meta.columns)}
    if features is None:
        X = build_feature_matrix(bars, reg, model.meta.features, columns=model.meta.columns)
        vec = X.to_numpy()[-1]
    else:
        absent = [c for c in model.meta.columns if c not in features]
        if absent:
            raise DataError(f"precomputed features lack the model's columns {absent}")
        vec = np.array(
            [np.nan if features[c] is None else features[c] for c in model.meta.columns],
            dtype=np.float64,
        )
    row = vec[None, :]
    proba = model.predict_proba(row)
    close = column(bars, "close")
    cols = frame_from_proba(proba, close[-1:], _last_width(close, model), cfg.min_probability)
    d = float(cols["direction"][0])
    if not np.isfinite(cols["confidence"][0]):
        raise DataError("the model produced a non-finite probability")
    top = sorted(model.meta.importances.items(), key=lambda kv: -kv[1])[:5]
    evidence = [
        Evidence(
            kind="ml_probabilities",
            p_short=float(proba[0, 0]),
            p_flat=float(proba[0, 1]),
            p_long=float(proba[0, 2]),
            model_version=model.version,
            feature_hash=model.meta.feature_hash,
        ),
        Evidence(
            kind="top_features",
            values={n: float(vec[cols_pos[n]]) for n, _ in top if n in cols_pos},
        ),
    ]
    has_levels = d != 0 and np.isfinite(cols["stop"][0])
    return Signal(
        source=SOURCE,
        symbol=symbol,
        timeframe=timeframe,
        timestamp=bars.index[-1].to_pydatetime(),
        direction=Direction.from_sign(d),
        confidence=float(cols["confidence"][0]),
        evidence=evidence,
        suggested_entry=(float(cols["entry_lo"][0]), float(cols["entry_hi"][0]))
        if has_levels
        else None,
        stop=float(cols["stop"][0]) if has_levels else None,
        targets=[float(cols["target"][0])] if has_levels else None,
    )


__all__ = ["COLUMNS", "SOURCE", "compute_signal_frame", "frame_from_proba", "latest_signal"]
