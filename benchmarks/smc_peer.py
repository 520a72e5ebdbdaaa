"""Runs ``smartmoneyconcepts`` (the peer) in ITS OWN venv for bench_smc; never imported by us.

Usage: ``<peer python> smc_peer.py MODE IN.npz OUT.npz SWING_LENGTH``; the last stdout line is JSON.
MODE ``time``: seconds per function on the bars; ``outputs``: its outputs saved to OUT.npz;
``repaint``: values it rewrites while its input grows one bar at a time over 60 prefixes.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time

import numpy as np
import pandas as pd

with contextlib.redirect_stdout(io.StringIO()):  # the package prints a banner on import
    from smartmoneyconcepts import smc


def _frame(path: str) -> pd.DataFrame:
    z = np.load(path)
    return pd.DataFrame({k: z[k] for k in ("open", "high", "low", "close", "volume")})


def _all(df: pd.DataFrame, length: int) -> dict[str, pd.DataFrame]:
    with contextlib.redirect_stdout(io.StringIO()):
        shl = smc.swing_highs_lows(df, swing_length=length)
        return {
            "fvg": smc.fvg(df),
            "fvg_join": smc.fvg(df, join_consecutive=True),
            "swings": shl,
            "bos_choch": smc.bos_choch(df, shl, close_break=True),
            "ob": smc.ob(df, shl),
            "liquidity": smc.liquidity(df, shl),
        }


def _time(df: pd.DataFrame, length: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        t = time.perf_counter()
        smc.fvg(df)
        out["fvg"] = time.perf_counter() - t
        t = time.perf_counter()
        shl = smc.swing_highs_lows(df, swing_length=length)
        out["swing_highs_lows"] = time.perf_counter() - t
        t = time.perf_counter()
        smc.bos_choch(df, shl)
        out["bos_choch"] = time.perf_counter() - t
        t = time.perf_counter()
        smc.ob(df, shl)
        out["ob"] = time.perf_counter() - t
        t = time.perf_counter()
        smc.liquidity(df, shl)
        out["liquidity"] = time.perf_counter() - t
    out["total"] = sum(out.values())
    return out


def _repaint(df: pd.DataFrame, length: int, steps: int = 60) -> dict[str, int]:
    counts: dict[str, int] = {}
    prev: dict[str, pd.DataFrame] | None = None
    n = len(df)
    for k in range(n - steps, n + 1):
        cur = _all(df.iloc[:k].reset_index(drop=True), length)
        if prev is not None:
            for name, fr in cur.items():
                a = prev[name].to_numpy(dtype=np.float64)
                b = fr.to_numpy(dtype=np.float64)[: len(a)]
                same = (a == b) | (np.isnan(a) & np.isnan(b))
                counts[name] = counts.get(name, 0) + int((~same).sum())
        prev = cur
    counts["total"] = sum(counts.values())
    return counts


def main(argv: list[str]) -> None:
    mode, src, dst, length = argv[0], argv[1], argv[2], int(argv[3])
    df = _frame(src)
    if mode == "time":
        _time(df.iloc[:2000], length)  # first-call costs
        result: object = _time(df, length)
    elif mode == "outputs":
        outs = _all(df, length)
        np.savez(dst, **{f"{k}__{c}": v[c].to_numpy(dtype=np.float64) for k, v in outs.items()
                         for c in v.columns})  # fmt: skip
        result = {"saved": dst}
    else:
        result = _repaint(df, length)
    print(json.dumps({"version": smc.__version__, "result": result}))


if __name__ == "__main__":
    main(sys.argv[1:])
