"""Secret-named assignments in Python, judged on the shared LibCST tree.

Looked at: assignments (``PASSWORD = "..."``, ``self.token = "..."``, ``cfg["api_key"] = "..."``),
annotated assignments, keyword arguments (``connect(password="...")``), dict literal entries
(``{"client_secret": "..."}``), parameter defaults (``def f(token="...")``) and literal fallbacks
of environment lookups (``os.getenv("DB_PASSWORD", "...")``, ``.get``, ``.setdefault``,
``.pop``). Only string literals count: f-strings, names, calls such as ``os.environ["X"]`` are
references, not secrets.

LibCST is slow (a second or more for a large module), so a file is parsed only when a regex
finds a *plausible* secret assignment in its text: a secret-like name, ``=`` or ``:``, and a
quoted literal that passes the value judge. The tree then decides (a match inside a docstring,
a comment or an f-string is not an assignment). The same regex gives each literal's line, so
LibCST positions are computed only for the rare literal it did not see (a multi-line statement).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from charter.analyzers.secrets.common import Assignment

#: (name, value) -> whether it is reported; the judge the analyzer passes in
Judge = Callable[[str, str], bool]

_HINT = re.compile(
    r"""(?:pass|pwd|secret|token|key|cred|auth)\w*['"]?\]?[ \t]*(?::[^=\n]{0,80}=|[:=])[ \t]*"""
    r"""[rbu]{0,2}(?P<q>['"])(?P<val>[^'"\n]{5,})(?P=q)"""
)
_ENV_DEFAULT_HINT = re.compile(
    r"""(?:getenv|get|setdefault|pop)\([ \t]*[rbu]{0,2}['"](?P<name>\w*(?:pass|pwd|secret|token|"""
    r"""key|cred|auth)\w*)['"][ \t]*,[ \t]*[rbu]{0,2}(?P<q>['"])(?P<val>[^'"\n]{5,})(?P=q)"""
)
#: ``os.getenv("DB_PASSWORD", "fallback")``, ``os.environ.setdefault(...)``: a literal default
ENV_DEFAULT_CALLS = frozenset({"getenv", "get", "setdefault", "pop"})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def python_candidates(lower: str) -> list[Assignment]:
    """Plausible ``name = "literal"`` spots of a lower-cased Python text, with their lines.

    Name and value are lower-cased, as the regex saw them; the value is the raw text between
    the quotes (escapes not decoded).
    """
    found: list[tuple[int, str, str]] = []
    for match in _HINT.finditer(lower):
        start = match.start()
        while start > 0 and lower[start - 1] in _NAME_CHARS:
            start -= 1
        end = start
        while end < len(lower) and lower[end] in _NAME_CHARS:
            end += 1
        found.append((match.start("val"), lower[start:end], match.group("val")))
    if "(" in lower:
        found.extend(
            (m.start("val"), m.group("name"), m.group("val"))
            for m in _ENV_DEFAULT_HINT.finditer(lower)
        )
    found.sort()
    out: list[Assignment] = []
    line, counted = 1, 0
    for offset, name, raw in found:
        line += lower.count("\n", counted, offset)
        counted = offset
        column = offset - lower.rfind("\n", 0, offset)  # 1-based, the literal's quote
        out.append(Assignment(name, raw, line, column - 1))
    return out


def literal_lines(tree: ast.Module) -> set[int]:
    """Lines where a string literal starts that is not a bare statement (a docstring).

    A cheap confirmation on the shared ``ast`` tree, which the engine builds for every Python
    file anyway: a candidate whose line holds no such literal (a mention in a docstring) does
    not need the LibCST parse.
    """
    bare = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    return {
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str | bytes) and id(n) not in bare
    }


def _literal(node: cst.BaseExpression | None) -> tuple[str, str | None] | None:
    """(evaluated value, raw text between the quotes or None) of a string literal."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        try:
            value: Any = node.evaluated_value
        except (ValueError, SyntaxError, UnicodeDecodeError):
            return None
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if not isinstance(value, str):
            return None
        raw = node.raw_value if isinstance(node, cst.SimpleString) else None
        return value, raw
    return None


def _target_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            literal = _literal(index.value)
            return literal[0] if literal else None
    return None


class _Collector(cst.CSTVisitor):
    def __init__(self, judge: Judge) -> None:
        super().__init__()
        self.judge = judge
        self.found: list[tuple[str, str, str | None, cst.CSTNode]] = []

    def _add(self, name: str | None, node: cst.BaseExpression | None) -> None:
        if not name or node is None:
            return
        literal = _literal(node)
        if literal is not None and self.judge(name, literal[0]):
            self.found.append((name, literal[0], literal[1], node))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._add(_target_name(target.target), node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._add(_target_name(node.target), node.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._add(node.keyword.value, node.value)

    def visit_Param(self, node: cst.Param) -> None:
        self._add(node.name.value, node.default)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        if isinstance(func, cst.Name):
            name = func.value
        if name not in ENV_DEFAULT_CALLS or len(node.args) < 2:
            return
        first, second = node.args[0], node.args[1]
        if first.keyword is None and second.keyword is None:
            key = _literal(first.value)
            self._add(key[0] if key else None, second.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        literal = _literal(node.key)
        self._add(literal[0] if literal else None, node.value)


def python_assignments(
    module: cst.Module, judge: Judge, candidates: list[Assignment]
) -> list[Assignment]:
    """The literals of ``module`` bound to a name that ``judge`` accepts, with their lines."""
    collector = _Collector(judge)
    module.visit(collector)
    if not collector.found:
        return []
    lines: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for c in candidates:
        lines.setdefault((c.name, c.value), []).append((c.line, c.column))
    out: list[Assignment] = []
    unplaced: list[tuple[str, str, cst.CSTNode]] = []
    used: dict[tuple[str, str], int] = {}  # the n-th equal literal takes the n-th line
    for name, value, raw, node in collector.found:
        key = (name.lower(), raw.lower()) if raw is not None else None
        spots = lines.get(key) if key is not None else None
        if spots and key is not None:
            nth = used.get(key, 0)
            used[key] = nth + 1
            line, column = spots[min(nth, len(spots) - 1)]
            out.append(Assignment(name, value, line, column))
        else:
            unplaced.append((name, value, node))
    if unplaced:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for name, value, node in unplaced:
            pos = positions.get(node)
            line, column = (pos.start.line, pos.start.column + 1) if pos else (1, 1)
            out.append(Assignment(name, value, line, column))
    return out
