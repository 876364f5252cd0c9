"""Secret-named assignments in Python, judged on the LibCST tree: only for a file in syntax newer
than the running Python (its ``ast`` tree is of a rewritten, older form whose positions are not
the file's). Every other file is read on the shared ``ast`` tree
(:mod:`charter.analyzers.secrets.python_tree`), with the same results.

Looked at: assignments (``PASSWORD = "..."``, ``self.token = "..."``, ``cfg["api_key"] = "..."``),
annotated assignments, keyword arguments (``connect(password="...")``), dict literal entries
(``{"client_secret": "..."}``), parameter defaults (``def f(token="...")``) and literal fallbacks
of environment lookups (``os.getenv("DB_PASSWORD", "...")``, ``.get``, ``.setdefault``,
``.pop``). Only string literals count: f-strings, names, calls such as ``os.environ["X"]`` are
references, not secrets.

LibCST is slow (a second or more for a large module), so a file is parsed only when a regex
(:mod:`charter.analyzers.secrets.python_hints`, which does not import LibCST) finds a
*plausible* secret assignment in its text: a secret-like name, ``=`` or ``:``, and a
quoted literal that passes the value judge. The tree then decides (a match inside a docstring,
a comment or an f-string is not an assignment). The same regex gives each literal's line, so
LibCST positions are computed only for the rare literal it did not see (a multi-line statement).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from charter.analyzers.secrets.common import Assignment
from charter.analyzers.secrets.python_hints import ENV_DEFAULT_CALLS, place_on_hint_lines

#: (name, value) -> whether it is reported; the judge the analyzer passes in
Judge = Callable[[str, str], bool]


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
    out, unplaced = place_on_hint_lines(collector.found, candidates)
    if unplaced:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for name, value, node in unplaced:
            pos = positions.get(node)
            line, column = (pos.start.line, pos.start.column + 1) if pos else (1, 1)
            out.append(Assignment(name, value, line, column))
    return out
