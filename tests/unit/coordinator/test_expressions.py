from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradequorum.coordinator.expressions import ExpressionError, parse_expression


def test_parse_expression_comparison_and_membership_evaluates() -> None:
    expr = parse_expression("sig.tier in ['A', 'B'] and sig.strength >= 0.7 and not halted")
    assert expr.truth({"sig": {"tier": "B", "strength": 0.8}, "halted": False})
    assert not expr.truth({"sig": {"tier": "C", "strength": 0.8}, "halted": False})
    assert expr.names == {"sig", "halted"}


def test_parse_expression_arithmetic_and_whitelisted_calls_work() -> None:
    expr = parse_expression("abs(a - b) < 0.15 and max(a, b) * 2 > 1 and len(xs) == 3")
    assert expr.truth({"a": 0.6, "b": 0.5, "xs": [1, 2, 3]})


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('true')",
        "x.__class__",
        "open('/etc/passwd')",
        "[y for y in x]",
        "lambda: 1",
        "x.upper()",
        "f(a=1)",
        "_secret",
        "2 ** 100000",
    ],
)
def test_parse_expression_unsafe_construct_refused(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(source).evaluate({"x": "a", "f": abs, "_secret": 1})


def test_evaluate_unknown_name_raises_expression_error() -> None:
    with pytest.raises(ExpressionError, match="unknown name"):
        parse_expression("missing > 1").evaluate({})


def test_evaluate_yaml_style_constants_are_understood() -> None:
    assert parse_expression("flag == true and other == null").truth({"flag": True, "other": None})


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_comparison_matches_python_semantics(a: float, b: float) -> None:
    assert parse_expression("a < b").evaluate({"a": a, "b": b}) == (a < b)
    assert parse_expression("a >= b or a == b").evaluate({"a": a, "b": b}) == (a >= b)
