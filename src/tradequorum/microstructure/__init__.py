"""Market microstructure: signed volume, toxicity, impact and spreads, volume analysis, trades and
depth, and the microstructure analyst's signal. Pure, causal functions over bars (numba where hot).
"""

from __future__ import annotations

from tradequorum.microstructure.depth import (
    BookSnapshots,
    depth_at_bars,
    depth_metrics,
    snapshots_from_quotes,
    snapshots_from_tardis,
)
from tradequorum.microstructure.depth_feeds import (
    load_binance_ws_capture,
    parse_binance_ws_lines,
)
from tradequorum.microstructure.features import microstructure_features, warmup_bars
from tradequorum.microstructure.impact import (
    amihud_illiquidity,
    corwin_schultz_spread,
    kyle_lambda,
    roll_spread,
)
from tradequorum.microstructure.profile import (
    VolumeProfile,
    rolling_profile,
    session_profile,
    volume_profile,
)
from tradequorum.microstructure.signals import (
    SIGNAL_COLUMNS,
    SOURCE,
    compute_signal_frame,
    latest_signal,
    signal_core,
)
from tradequorum.microstructure.signed_volume import (
    SignedVolume,
    bvc_buy_fraction,
    classify_volume,
    delta_divergence,
    order_flow,
)
from tradequorum.microstructure.toxicity import vpin
from tradequorum.microstructure.trades import Trades, aggregate_trades, normalize_trades
from tradequorum.microstructure.volume import (
    absorption,
    exhaustion,
    institutional_activity,
    relative_volume,
)

__all__ = [
    "SIGNAL_COLUMNS",
    "SOURCE",
    "BookSnapshots",
    "SignedVolume",
    "Trades",
    "VolumeProfile",
    "absorption",
    "aggregate_trades",
    "amihud_illiquidity",
    "bvc_buy_fraction",
    "classify_volume",
    "compute_signal_frame",
    "corwin_schultz_spread",
    "delta_divergence",
    "depth_at_bars",
    "depth_metrics",
    "exhaustion",
    "institutional_activity",
    "kyle_lambda",
    "latest_signal",
    "load_binance_ws_capture",
    "microstructure_features",
    "normalize_trades",
    "order_flow",
    "parse_binance_ws_lines",
    "relative_volume",
    "roll_spread",
    "rolling_profile",
    "session_profile",
    "signal_core",
    "snapshots_from_quotes",
    "snapshots_from_tardis",
    "volume_profile",
    "vpin",
    "warmup_bars",
]
