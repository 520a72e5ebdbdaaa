"""Safe expressions for workflow ``condition`` and ``decision_point`` criteria (never ``eval``).

The expression is parsed with :mod:`ast` and walked by a small interpreter that accepts only a
whitelist of node types: literals, names, attribute/subscript access into the run's variables
(mappings), comparisons (including ``in``), ``and``/``or``/``not``, arithmetic, conditional
expressions and calls to ``abs min max len round``. Anything else (function calls on objects,
comprehensions, lambdas, dunder attributes, imports) is refused at parse time, so a workflow file
is checked when it is loaded, not when the condition first runs.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tradequorum.core.errors import ConfigError

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_FUNCS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "len": len,
    "round": round,
}
_CONSTS = {"true": True, "false": False, "null": None, "none": None}
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Compare,
    ast.IfExp,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Subscript,
    ast.List,
    ast.Tuple,
    ast.Call,
    *_BINOPS,
    *_CMPOPS,
)
_MAX_POW = 1000


class ExpressionError(ConfigError):
    """An expression is not allowed, or cannot be evaluated against the run's variables."""


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed, checked expression; :meth:`evaluate` runs it against a mapping of variables."""

    source: str
    tree: ast.Expression

    @property
    def names(self) -> frozenset[str]:
        """Top-level variable names the expression reads (for load-time reference checks)."""
        out = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and node.id not in _FUNCS and node.id not in _CONSTS:
                out.add(node.id)
        return frozenset(out)

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        try:
            return _eval(self.tree.body, variables)
        except ExpressionError:
            raise
        except (TypeError, ValueError, ZeroDivisionError, KeyError, IndexError) as exc:
            raise ExpressionError(f"cannot evaluate {self.source!r}: {exc}") from exc

    def truth(self, variables: Mapping[str, Any]) -> bool:
        return bool(self.evaluate(variables))


def parse_expression(source: str) -> Expression:
    """Parse and check ``source``; raises :class:`ExpressionError` naming the refused construct.

    >>> parse_expression("tier in ['A', 'B'] and strength >= 0.7").truth(
    ...     {"tier": "A", "strength": 0.9})
    True
    """
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid expression {source!r}: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"{type(node).__name__} is not allowed in {source!r}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"private attribute {node.attr!r} is not allowed in {source!r}")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"private name {node.id!r} is not allowed in {source!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS:
                raise ExpressionError(f"only calls to {sorted(_FUNCS)} are allowed in {source!r}")
            if node.keywords:
                raise ExpressionError(f"keyword arguments are not allowed in {source!r}")
    return Expression(source=source, tree=tree)


def _lookup(container: Any, key: Any, source: ast.AST) -> Any:
    if isinstance(container, Mapping):
        if key not in container:
            raise ExpressionError(f"unknown name {key!r} in {ast.unparse(source)!r}")
        return container[key]
    if isinstance(container, list | tuple | str) and isinstance(key, int):
        return container[key]
    raise ExpressionError(
        f"cannot look up {key!r} in a {type(container).__name__} ({ast.unparse(source)!r})"
    )


def _eval_bool(node: ast.BoolOp, v: Mapping[str, Any]) -> Any:
    if isinstance(node.op, ast.And):
        result: Any = True
        for value in node.values:
            result = _eval(value, v)
            if not result:
                return result
        return result
    result = False
    for value in node.values:
        result = _eval(value, v)
        if result:
            return result
    return result


def _eval_compare(node: ast.Compare, v: Mapping[str, Any]) -> bool:
    left = _eval(node.left, v)
    for op, comp in zip(node.ops, node.comparators, strict=True):
        right = _eval(comp, v)
        if not _CMPOPS[type(op)](left, right):
            return False
        left = right
    return True


def _eval_binop(node: ast.BinOp, v: Mapping[str, Any]) -> Any:
    left, right = _eval(node.left, v), _eval(node.right, v)
    if isinstance(node.op, ast.Pow) and isinstance(right, int | float) and abs(right) > _MAX_POW:
        raise ExpressionError("exponent too large")
    return _BINOPS[type(node.op)](left, right)


def _eval_name(node: ast.Name, v: Mapping[str, Any]) -> Any:
    if node.id in v:
        return v[node.id]
    if node.id.lower() in _CONSTS:
        return _CONSTS[node.id.lower()]
    raise ExpressionError(f"unknown name {node.id!r}")


def _eval(node: ast.AST, v: Mapping[str, Any]) -> Any:  # noqa: C901 - a flat dispatch
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _eval_name(node, v)
    if isinstance(node, ast.Attribute):
        return _lookup(_eval(node.value, v), node.attr, node)
    if isinstance(node, ast.Subscript):
        return _lookup(_eval(node.value, v), _eval(node.slice, v), node)
    if isinstance(node, ast.BoolOp):
        return _eval_bool(node, v)
    if isinstance(node, ast.Compare):
        return _eval_compare(node, v)
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, v)
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        return _eval_binop(node, v)
    if isinstance(node, ast.IfExp):
        return _eval(node.body, v) if _eval(node.test, v) else _eval(node.orelse, v)
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, v) for e in node.elts]
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return _FUNCS[node.func.id](*[_eval(a, v) for a in node.args])
    raise ExpressionError(f"{type(node).__name__} is not allowed")


__all__ = ["Expression", "ExpressionError", "parse_expression"]
