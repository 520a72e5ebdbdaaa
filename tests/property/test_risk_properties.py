"""Invariants of the risk manager (DESIGN §6), checked by hypothesis: whatever the inputs, an
approved order breaks no limit; the kill switch latches and blocks; bad input never approves."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tradequorum.config import RiskConfig
from tradequorum.risk import (
    MarketInfo,
    OrderRequest,
    Position,
    RiskManager,
    RiskState,
    update_equity,
)
from tradequorum.risk.sizing import per_trade_risk_fraction

SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT", "BNB/USDT", "ADA/USDT"]
TOL = 1e-7

configs = st.builds(
    lambda sizing, sym, gross, net, corr, npos: RiskConfig(
        sizing=sizing,
        max_symbol_notional_fraction=sym,
        max_gross_exposure_fraction=gross,
        max_net_exposure_fraction=net,
        max_correlated_exposure_fraction=corr,
        max_open_positions=npos,
    ),
    st.sampled_from(["fixed_fraction", "vol_target", "kelly"]),
    st.floats(0.05, 1.0),
    st.floats(0.2, 3.0),
    st.floats(0.1, 2.0),
    st.floats(0.1, 2.0),
    st.integers(1, 6),
)
prices = st.floats(0.01, 1e5)
positions_st = st.dictionaries(
    st.sampled_from(SYMBOLS),
    st.tuples(st.floats(-50, 50), prices),
    max_size=6,
).map(lambda d: {s: Position(symbol=s, units=u, price=p) for s, (u, p) in d.items()})
maybe_float = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.floats(1e-3, 1e5)
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RiskConfig, OrderRequest, RiskState, MarketInfo, float]:
    """Mostly well-formed orders (so approvals happen), sometimes anything at all."""
    cfg = draw(configs)
    clean = draw(st.integers(0, 3)) > 0
    ref = draw(st.floats(1e3, 1e7))
    equity = ref * draw(st.floats(0.97, 1.05))
    if not clean:
        equity = draw(st.one_of(st.just(equity), st.sampled_from([math.nan, -1.0, 0.0, math.inf])))
    state = RiskState(
        equity=ref,
        peak_equity=ref * draw(st.floats(1.0, 1.2)),
        day_start_equity=ref * draw(st.floats(0.97, 1.02)),
        week_start_equity=ref,
        week_peak_equity=ref * draw(st.floats(1.0, 1.04)),
        positions=draw(positions_st),
    )
    price = draw(prices)
    direction = draw(st.sampled_from(["bullish", "bearish", "long", "short"]))
    sign = 1.0 if direction in ("bullish", "long") else -1.0
    stop = draw(st.one_of(st.none(), st.floats(0.001, 0.5).map(lambda f: price * (1 - sign * f))))
    units = draw(st.one_of(st.none(), st.floats(1e-6, 1e3)))
    atr = draw(st.one_of(st.none(), st.floats(1e-4, 0.2).map(lambda f: price * f)))
    tier = draw(st.sampled_from(["A", "B", "C", "D"]))
    market_price: float | None = price
    if not clean:
        direction = draw(st.sampled_from([direction, "flat", ""]))
        tier = draw(st.sampled_from([tier, "E"]))
        units = draw(st.one_of(st.just(units), maybe_float))
        stop = draw(st.one_of(st.just(stop), maybe_float))
        atr = draw(st.one_of(st.just(atr), maybe_float))
        market_price = draw(st.one_of(st.just(price), st.none(), st.just(math.nan)))
    order = OrderRequest(
        symbol=draw(st.sampled_from(SYMBOLS)),
        direction=direction,
        tier=tier,
        units=units,
        stop=stop,
        win_probability=draw(st.one_of(st.none(), st.floats(0, 1))),
        payoff_ratio=draw(st.one_of(st.none(), st.floats(0.1, 5))),
    )
    market = MarketInfo(
        price=market_price,
        atr=atr if atr is not None or stop is not None else price * 0.01,
        annual_volatility=draw(st.one_of(st.none(), st.floats(0.05, 3.0))),
        vol_percentile=draw(st.one_of(st.none(), st.floats(0, 1))),
        correlations=draw(st.dictionaries(st.sampled_from(SYMBOLS), st.floats(-1, 1))),
    )
    return cfg, order, state, market, equity


def _exposures_after(
    state: RiskState, order: OrderRequest, market: MarketInfo, q: float, cfg: RiskConfig
) -> dict[str, float]:
    """Independent recomputation of every exposure after trading ``q`` units."""
    sign = 1.0 if order.direction in ("bullish", "long") else -1.0
    price = float(market.price or math.nan)
    units = {s: p.units for s, p in state.positions.items() if p.units != 0}
    marks = {s: (price if s == order.symbol else p.price) for s, p in state.positions.items()}
    units[order.symbol] = units.get(order.symbol, 0.0) + sign * q
    marks[order.symbol] = price
    notional = {s: u * marks[s] for s, u in units.items()}
    corr = notional[order.symbol]
    for s, n in notional.items():
        if s == order.symbol or state.positions.get(s) is None or state.positions[s].units == 0:
            continue
        rho = market.correlations.get(s, math.nan)
        if not math.isfinite(rho):
            corr += sign * abs(n)
        elif abs(rho) >= cfg.correlation_threshold:
            corr += math.copysign(1.0, rho) * n
    return {
        "SYMBOL_NOTIONAL": abs(notional[order.symbol]),
        "GROSS_EXPOSURE": sum(abs(n) for n in notional.values()),
        "NET_EXPOSURE": abs(sum(notional.values())),
        "CORRELATED_EXPOSURE": abs(corr),
    }


@given(scenarios())
def test_no_approved_order_ever_breaks_a_limit(
    scenario: tuple[RiskConfig, OrderRequest, RiskState, MarketInfo, float],
) -> None:
    cfg, order, state, market, equity = scenario
    a = RiskManager(cfg).assess(order, state, market, equity=equity)
    if not a.approved:
        assert a.final_units == 0.0 and a.reasons
        return
    assert math.isfinite(equity) and equity > 0 and a.tier in ("A", "B", "C")
    assert market.price is not None and math.isfinite(market.price)
    q = a.final_units
    assert q > 0 and q * market.price >= cfg.min_notional_usd
    before = _exposures_after(state, order, market, 0.0, cfg)
    after = _exposures_after(state, order, market, q, cfg)
    limits = {
        "SYMBOL_NOTIONAL": cfg.max_symbol_notional_fraction * equity,
        "GROSS_EXPOSURE": cfg.max_gross_exposure_fraction * equity,
        "NET_EXPOSURE": cfg.max_net_exposure_fraction * equity,
        "CORRELATED_EXPOSURE": cfg.max_correlated_exposure_fraction * equity,
    }
    for code, limit in limits.items():
        slack = TOL * max(1.0, limit, before[code])
        assert after[code] <= limit + slack or after[code] <= before[code] + slack, code
    held = {s for s, p in state.positions.items() if p.units != 0}
    assert order.symbol in held or len(held) + 1 <= cfg.max_open_positions
    if a.stop_distance is not None and "RISK_PER_TRADE" in {c.code for c in a.checks}:
        budget = equity * per_trade_risk_fraction(cfg) * cfg.scale_for(a.tier)
        assert q * a.stop_distance <= budget * (1 + TOL) + TOL
        day = state.day_start_equity
        left = max(0.0, cfg.daily_loss_limit * day - max(0.0, day - equity))
        assert q * a.stop_distance <= left * (1 + TOL) + TOL
        assert 1.0 - equity / max(state.peak_equity, equity) < cfg.kill_switch_drawdown
    if order.units is not None:
        assert q <= order.units * (1 + 1e-12)
    assert all(c.passed for c in a.checks)


@given(
    equities=st.lists(st.floats(1e3, 1e6), min_size=2, max_size=30),
    cfg=configs,
)
def test_kill_switch_latches_and_blocks_every_order(equities: list[float], cfg: RiskConfig) -> None:
    state = RiskState.fresh(equities[0])
    now = pd.Timestamp("2024-01-01", tz="UTC")
    latched = False
    rm = RiskManager(cfg)
    for i, eq in enumerate(equities):
        state = update_equity(state, eq, now + pd.Timedelta(hours=7 * i), cfg)
        latched = latched or state.drawdown >= cfg.kill_switch_drawdown
        assert state.kill_switch.latched == latched
        if latched:
            order = OrderRequest(symbol="BTC/USDT", direction="bullish", tier="A")
            a = rm.assess(order, state, MarketInfo(price=100.0, atr=1.0))
            assert not a.approved and any(
                c.code == "KILL_SWITCH" and not c.passed for c in a.checks
            )


@given(
    equity=st.sampled_from([math.nan, -100.0, 0.0, -math.inf, math.inf]),
    price=st.one_of(st.none(), st.sampled_from([math.nan, -1.0, 0.0]), st.floats(1, 1e5)),
    direction=st.sampled_from(["bullish", "up", "", "BEARISH?"]),
)
def test_bad_input_never_approves(equity: float, price: float | None, direction: str) -> None:
    a = RiskManager(RiskConfig()).assess(
        {"symbol": "BTC/USDT", "direction": direction, "tier": "A"},
        RiskState.fresh(1e5),
        {"price": price, "atr": 1.0},
        equity=equity,
    )
    assert not a.approved and a.final_units == 0.0
    assert any(c.code.startswith("INPUT_") and not c.passed for c in a.checks)
