"""The docstring examples of the backtester's math modules run (pytest is not run with
--doctest-modules by default)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "tradequorum.backtest.fills",
    "tradequorum.backtest.metrics",
    "tradequorum.validation.dsr",
    "tradequorum.validation.pbo",
    "tradequorum.validation.stability",
    "tradequorum.validation.parallel",
]


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests_pass(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0


def test_fill_functions_give_identical_results_from_python_and_numba() -> None:
    from numba import njit

    from tradequorum.backtest.fills import fee, fill_price

    @njit(cache=False)
    def both(o: float, side: float) -> tuple[float, float]:
        px = fill_price(o, side, 7.0, 3.0, 0.1)
        return px, fee(px * 2.5, 10.0)

    py_px = fill_price.py_func(101.37, -1.0, 7.0, 3.0, 0.1)
    assert both(101.37, -1.0) == (py_px, fee.py_func(py_px * 2.5, 10.0))
