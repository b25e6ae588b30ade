"""A safe expression language for ``condition`` nodes: parsed with ``ast``, never ``eval``.

Allowed: variable names (a missing one is ``""``), string / number / boolean constants, lists
of constants, ``and`` / ``or`` / ``not``, comparisons (``== != < <= > >= in not in``), and the
functions ``len(x)``, ``int(x)``, ``startswith(x, prefix)``. Variables are strings; compared
with a number they are read as numbers (a value that is not a number makes the comparison
false). Anything else is refused when the flow is validated, with the reason.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

Value = str | int | float | bool | list[Any]


class ExpressionError(ValueError):
    """The expression is not in the allowed language (raised by ``compile_expression``)."""


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_FUNCTIONS: dict[str, tuple[int, Callable[..., Value]]] = {
    "len": (1, lambda x: len(str(x))),
    "int": (1, lambda x: _number(x) or 0),
    "startswith": (2, lambda x, p: str(x).startswith(str(p))),
}
MAX_LENGTH = 500


@lru_cache(maxsize=512)
def compile_expression(source: str) -> ast.Expression:
    """Parse and check ``source``; raises ``ExpressionError`` naming what is not allowed."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}") from None
    for node in ast.walk(tree):
        _check(node)
    return tree


def evaluate(source: str, variables: Mapping[str, str]) -> bool:
    """The truth of ``source`` over ``variables`` (compiled once, cached)."""
    return bool(_eval(compile_expression(source).body, variables))


def _check(node: ast.AST) -> None:
    allowed = (
        ast.Expression,
        ast.BoolOp,
        ast.And,
        ast.Or,
        ast.UnaryOp,
        ast.Not,
        ast.Compare,
        ast.Name,
        ast.Load,
        ast.Constant,
        ast.List,
        ast.Tuple,
        ast.Call,
        *_COMPARE,
    )
    if not isinstance(node, allowed):
        raise ExpressionError(f"{type(node).__name__} is not allowed")
    if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | bool):
        raise ExpressionError(f"constant {node.value!r} is not allowed")
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in _FUNCTIONS or node.keywords:
            raise ExpressionError(f"call of {ast.unparse(node.func)!r} is not allowed")
        if len(node.args) != _FUNCTIONS[name][0]:
            raise ExpressionError(f"{name}() takes {_FUNCTIONS[name][0]} argument(s)")


def _eval(node: ast.expr, variables: Mapping[str, str]) -> Any:
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name):
            return variables.get(name, "")
        case ast.List(elts=items) | ast.Tuple(elts=items):
            return [_eval(item, variables) for item in items]
        case ast.BoolOp(op=ast.And(), values=values):
            return all(_eval(v, variables) for v in values)
        case ast.BoolOp(values=values):
            return any(_eval(v, variables) for v in values)
        case ast.UnaryOp(operand=operand):
            return not _eval(operand, variables)
        case ast.Call(func=ast.Name(id=name), args=args):
            return _FUNCTIONS[name][1](*(_eval(a, variables) for a in args))
        case ast.Compare(left=left, ops=ops, comparators=rights):
            return _compare(_eval(left, variables), ops, [_eval(r, variables) for r in rights])
    raise ExpressionError(f"{type(node).__name__} is not allowed")  # unreachable once checked


def _compare(left: Any, ops: list[ast.cmpop], rights: list[Any]) -> bool:
    for op, right in zip(ops, rights, strict=True):
        a, b = _coerce(left, right)
        if a is None or b is None:
            return False
        try:
            if not _COMPARE[type(op)](a, b):
                return False
        except TypeError:
            return False
        left = right
    return True


def _coerce(a: Any, b: Any) -> tuple[Any, Any]:
    """A string meets a number as a number; a list's members meet a string as strings."""
    if isinstance(b, list):
        return str(a), [str(x) for x in b]
    numeric = (int, float)
    if isinstance(a, numeric) and not isinstance(b, numeric):
        return a, _number(b)
    if isinstance(b, numeric) and not isinstance(a, numeric):
        return _number(a), b
    return a, b


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
