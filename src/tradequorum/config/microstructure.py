"""market-microstructure-analyst configuration (see docs/microstructure.md for every choice)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradequorum.config.base import Section


class MicrostructureConfig(Section):
    """Windows, thresholds and the signal scoring of the microstructure analyst.

    Windows are in bars of the analysed timeframe unless the name says otherwise. The defaults fit
    the real-time lookback of 5,000 1m bars (about 3.5 days).
    """

    # signed volume
    flow_method: Literal["auto", "taker", "bvc", "tick"] = Field(
        "auto", description="auto: exact taker flow when present, else bulk volume classification"
    )
    bvc_window: int = Field(50, ge=2, description="bars for the std of price changes (BVC)")
    bvc_distribution: Literal["t", "normal"] = "t"
    bvc_df: float = Field(
        0.25, gt=0, description="Student-t degrees of freedom (ELO 2012 use 0.25)"
    )
    # rolling windows shared by the bar measures
    window_bars: int = Field(60, ge=5, description="rolling window of delta, impact and spreads")
    divergence_bars: int = Field(30, ge=3)
    # VPIN (Easley, López de Prado, O'Hara 2012)
    vpin_buckets: int = Field(50, ge=5, description="buckets averaged into one VPIN value")
    vpin_buckets_per_day: int = Field(
        200, ge=1, description="bucket size = previous UTC day's volume / this"
    )
    vpin_change_buckets: int = Field(10, ge=1, description="lag (in buckets) of the VPIN trend")
    # volume
    rvol_days: int = Field(3, ge=1, description="earlier days averaged at the same time of day")
    profile_bin_bps: float = Field(
        5.0, gt=0, description="volume-profile bin width (log-price, bps)"
    )
    profile_window_bars: int = Field(60, ge=5, description="rolling volume-profile window")
    value_area: float = Field(0.70, gt=0, lt=1)
    heavy_volume_ratio: float = Field(2.0, gt=1, description="volume / mean of previous window")
    small_range_ratio: float = Field(0.8, gt=0, description="range / mean range of previous window")
    climax_volume_ratio: float = Field(3.0, gt=1)
    exhaustion_move_sigma: float = Field(2.0, gt=0, description="prior move size in rolling sigmas")
    outlier_z: float = Field(
        3.5, gt=0, description="robust z (median/MAD) of log volume or trade size"
    )
    large_trade_notional: float = Field(
        100_000.0, gt=0, description="quote notional from which a print counts as a large trade"
    )
    # signal scoring (documented in docs/microstructure.md)
    w_flow: float = Field(0.45, ge=0)
    w_absorption: float = Field(0.25, ge=0)
    w_divergence: float = Field(0.15, ge=0)
    w_exhaustion: float = Field(0.15, ge=0)
    flow_full_ratio: float = Field(0.15, gt=0, description="rolling delta/volume that scores 1")
    event_memory_bars: int = Field(
        5, ge=1, description="bars an absorption/exhaustion event counts"
    )
    at_extreme_position: float = Field(
        0.35, gt=0, le=0.5, description="share of range counted as lows/highs"
    )
    score_threshold: float = Field(0.25, gt=0, le=1)
    vpin_rising_penalty: float = Field(
        0.3, ge=0, le=1, description="confidence cut when VPIN rises"
    )
    atr_bars: int = Field(14, ge=2)
    stop_atr: float = Field(1.5, gt=0)
    target_atr: float = Field(3.0, gt=0)
    entry_atr: float = Field(0.25, ge=0)


__all__ = ["MicrostructureConfig"]
