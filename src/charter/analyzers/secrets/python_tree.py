"""Secret-named assignments in Python, found on the shared ``ast`` tree (no second parser).

Looked at: assignments (``PASSWORD = "..."``, ``self.token = "..."``, ``cfg["api_key"] = "..."``),
annotated assignments, keyword arguments (``connect(password="...")``), dict literal entries
(``{"client_secret": "..."}``), parameter defaults (``def f(token="...")``) and literal fallbacks
of environment lookups (``os.getenv("DB_PASSWORD", "...")``, ``.get``, ``.setdefault``,
``.pop``). Only string literals count: f-strings, names, calls such as ``os.environ["X"]`` are
references, not secrets.

The file is walked only when a regex (:mod:`charter.analyzers.secrets.python_hints`) finds a
*plausible* secret assignment in its text, and then once: the same walk gives the lines that
hold a string literal outside a docstring (a candidate only in docstrings stops there) and the
literals bound to a name. The regex gives each literal's line and column, so the tree's
positions are read only for the rare literal it did not see (a multi-line statement).

The tree is the engine's shared ``ast`` tree; LibCST (:mod:`charter.analyzers.secrets.python`)
reads only a file in syntax newer than the running Python (the tree is then of a rewritten,
older form, whose positions are not the file's).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from charter.analyzers.secrets.common import Assignment
from charter.analyzers.secrets.python_hints import ENV_DEFAULT_CALLS, place_on_hint_lines

#: (name, value) -> whether it is reported; the judge the analyzer passes in
Judge = Callable[[str, str], bool]

_PREFIX = re.compile(r"[A-Za-z]*")
_NEWLINE = re.compile(r"\r\n|\r|\n")

#: a found literal: (order key, name, value, the literal's node); the key is the source
#: position of the construct that binds it (its start, then the enclosing one first)
_Found = tuple[tuple[int, int, int, int, int], str, str, ast.Constant]


def _literal(node: ast.expr | None) -> str | None:
    """The value of a string (or bytes) literal, implicit concatenations included."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, str):
            return value
    return None


def _target_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _literal(node.slice)
    return None


def _key(node: Any, end: Any = None) -> tuple[int, int, int, int]:
    last = end or node
    return (
        node.lineno,
        node.col_offset,
        -(last.end_lineno or 0),
        -(last.end_col_offset or 0),
    )


class _Walk:
    """One pass over the tree: the literal lines and the judged name/literal pairs."""

    def __init__(self, judge: Judge) -> None:
        self.judge = judge
        self.found: list[_Found] = []
        self.literal_lines: set[int] = set()

    def _add(
        self, where: tuple[int, int, int, int], name: str | None, node: ast.expr | None
    ) -> None:
        if not name or not isinstance(node, ast.Constant):
            return
        value = _literal(node)
        if value is not None and self.judge(name, value):
            self.found.append(((*where, len(self.found)), name, value, node))

    def run(self, tree: ast.AST) -> None:
        bare: set[int] = set()
        lines = self.literal_lines
        add = self._add
        stack: list[Any] = [tree]  # Any: the loop tests classes, faster than isinstance
        pop, extend = stack.pop, stack.extend
        iter_children = ast.iter_child_nodes
        while stack:
            node = pop()
            cls = node.__class__
            if cls is ast.Constant:
                if isinstance(node.value, str | bytes) and id(node) not in bare:
                    lines.add(node.lineno)
                continue
            if cls is ast.Name:
                continue
            if cls is ast.Expr:
                bare.add(id(node.value))
            elif cls is ast.Assign:
                where = _key(node)
                for target in node.targets:
                    add(where, _target_name(target), node.value)
            elif cls is ast.AnnAssign:
                add(_key(node), _target_name(node.target), node.value)
            elif cls is ast.keyword:
                if node.arg is not None:
                    add(_key(node), node.arg, node.value)
            elif cls is ast.arguments:
                self._parameters(node)
            elif cls is ast.Call:
                self._env_default(node)
            elif cls is ast.Dict:
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None:
                        add(_key(key, value), _literal(key), value)
            extend(iter_children(node))

    def _parameters(self, node: ast.arguments) -> None:
        positional = [*node.posonlyargs, *node.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(node.defaults))
        pairs = [*zip(positional, [*defaults, *node.defaults], strict=True)]
        pairs += zip(node.kwonlyargs, node.kw_defaults, strict=True)
        for arg, default in pairs:
            if default is not None:
                self._add(_key(arg, default), arg.arg, default)

    def _env_default(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            name = func.attr
        elif isinstance(func, ast.Name):
            name = func.id
        else:
            return
        args = node.args
        if name not in ENV_DEFAULT_CALLS or len(args) < 2:
            return
        first, second = args[0], args[1]
        if any(
            (k.lineno, k.col_offset) < (second.lineno, second.col_offset) for k in node.keywords
        ):
            return  # a keyword argument comes first: not a (name, default) pair
        # ``get(*"x", ...)``: the literal is read through the star, as a call's argument
        if isinstance(first, ast.Starred):
            first = first.value
        if isinstance(second, ast.Starred):
            second = second.value
        self._add(_key(node), _literal(first), second)


def _raw(segment: str) -> str | None:
    """The text between the quotes of a single string literal (its prefix left out), or None
    for an implicit concatenation of several."""
    prefix = _PREFIX.match(segment)
    start = prefix.end() if prefix else 0
    quote = segment[start : start + 3]
    if quote not in ('"""', "'''"):
        quote = segment[start : start + 1]
    body_end = len(segment) - len(quote)
    if not quote or body_end < start + len(quote) or not segment.endswith(quote):
        return None
    body = segment[start + len(quote) : body_end]
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
        elif body.startswith(quote, i):
            return None
        else:
            i += 1
    return body


class _Lines:
    """The file's lines as ``ast`` counts them, and its byte offsets turned into columns."""

    def __init__(self, text: str) -> None:
        self.lines = _NEWLINE.split(text)

    def segment(self, node: ast.expr) -> str | None:
        """The node's source text, when it is on one line."""
        line = node.lineno
        if line != node.end_lineno or not 0 < line <= len(self.lines):
            return None
        encoded = self.lines[line - 1].encode("utf-8", "surrogatepass")
        return encoded[node.col_offset : node.end_col_offset].decode("utf-8", "replace")

    def column(self, node: ast.expr) -> int:
        """The node's 1-based column in characters (``ast`` gives UTF-8 bytes)."""
        line = node.lineno
        if not 0 < line <= len(self.lines):
            return node.col_offset + 1
        encoded = self.lines[line - 1].encode("utf-8", "surrogatepass")
        return len(encoded[: node.col_offset].decode("utf-8", "replace")) + 1


def python_assignments(
    tree: ast.Module, text: str, judge: Judge, candidates: list[Assignment], plausible: set[int]
) -> list[Assignment]:
    """The literals of ``tree`` bound to a name that ``judge`` accepts, with their lines; none
    when no line in ``plausible`` holds a string literal outside a docstring (the candidates
    there are only mentions in prose)."""
    walk = _Walk(judge)
    walk.run(tree)
    if not walk.found or not plausible & walk.literal_lines:
        return []
    walk.found.sort(key=lambda f: f[0])
    source = _Lines(text)
    found = []
    for _, name, value, node in walk.found:
        segment = source.segment(node)
        found.append((name, value, _raw(segment) if segment is not None else None, node))
    out, unplaced = place_on_hint_lines(found, candidates)
    for name, value, node in unplaced:
        out.append(Assignment(name, value, node.lineno, source.column(node)))
    return out
