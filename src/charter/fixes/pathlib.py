"""pathlib-over-os-path fix, unsafe, for the simple cases only:

- ``os.path.exists(p)`` -> ``Path(p).exists()``;
- ``os.path.join(a, b, ...)`` -> ``Path(a) / b / ...``, only where a ``Path`` does what the
  ``str`` did: as the file argument of ``open()`` (``open(os.path.join(d, "x"))`` ->
  ``open(Path(d) / "x")``) or the argument of a rewritten ``exists``
  (``(Path(d) / "x").exists()``). Anywhere else the joined ``str`` may meet ``+``, ``==``,
  ``json.dumps`` or a string method, where a ``Path`` behaves differently, and it is left alone.

``from pathlib import Path`` is added when the file does not import it (LibCST's
``AddImportsVisitor``); an ``import os`` the fix leaves unused stays (ruff's F401 removes it).

Unsafe: ``os.path.exists`` returns False on any ``OSError`` (a permission error, a name too
long) and for ``""``; ``Path.exists()`` raises on the first and ``Path("")`` is ``.``, which
exists. ``os.path.join`` keeps what it is given (``./a``, ``a//b``, a trailing ``/`` from an
empty last part, bytes) where ``Path`` normalises it or rejects bytes.

Which calls are fixed is decided on the ``ast`` by
:func:`charter.analyzers.python.pathlib_over_os_path.path_fixes`, which also marks the audit's
findings fixable; no call is rewritten when the module binds ``Path`` to something else.
"""

from __future__ import annotations

import ast
from typing import ClassVar

import libcst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from charter.analyzers.python.names import import_map
from charter.analyzers.python.pathlib_over_os_path import path_fixes
from charter.fixes.base import Applicability, Fixer

#: operands that need no parentheses on the right of ``/``
_ATOMS = (
    libcst.Name,
    libcst.Attribute,
    libcst.Call,
    libcst.Subscript,
    libcst.SimpleString,
    libcst.ConcatenatedString,
    libcst.FormattedString,
    libcst.Integer,
)


def _operand(expr: libcst.BaseExpression) -> libcst.BaseExpression:
    if isinstance(expr, _ATOMS) or bool(getattr(expr, "lpar", None)):
        return expr
    return expr.with_changes(lpar=[libcst.LeftParen()], rpar=[libcst.RightParen()])


def _path(expr: libcst.BaseExpression) -> libcst.Call:
    return libcst.Call(func=libcst.Name("Path"), args=[libcst.Arg(value=expr)])


class PathlibFixer(Fixer):
    """Rewrite the reported ``os.path.exists`` and ``open(os.path.join(...))`` calls."""

    analyzer: ClassVar[str] = "pathlib-over-os-path"

    def visit_Module(self, node: libcst.Module) -> None:
        try:
            tree = ast.parse(self.source)
        except (SyntaxError, ValueError):
            self.decisions: dict[tuple[int, int], str] = {}
            return
        text = self.source.decode("utf-8", errors="replace")
        found = path_fixes(tree, import_map(tree), text)
        self.decisions = {spot: kind for spot, kind in found.items() if spot in self.spots}
        self.joined: set[int] = set()  # ids of the BinaryOperations made from a join

    def leave_Call(
        self, original_node: libcst.Call, updated_node: libcst.Call
    ) -> libcst.BaseExpression:
        kind = self.decisions.get(self.spot_of(original_node)) if self.decisions else None
        if kind == "join":
            if not self.allow(original_node, Applicability.UNSAFE, "`os.path.join` -> `/`"):
                return updated_node
            values = [arg.value for arg in updated_node.args]
            result: libcst.BaseExpression = _path(values[0])
            for value in values[1:]:
                result = libcst.BinaryOperation(
                    left=result, operator=libcst.Divide(), right=_operand(value)
                )
            result = result.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
            self.joined.add(id(result))
            return result
        if kind == "exists":
            if not self.allow(original_node, Applicability.UNSAFE, "`Path(p).exists()`"):
                return updated_node
            value = updated_node.args[0].value
            if id(value) in self.joined and not value.lpar:
                target: libcst.BaseExpression = value.with_changes(
                    lpar=[libcst.LeftParen()], rpar=[libcst.RightParen()]
                )
            elif id(value) in self.joined:
                target = value
            else:
                target = _path(value)
            return libcst.Call(
                func=libcst.Attribute(value=target, attr=libcst.Name("exists")),
                lpar=updated_node.lpar,
                rpar=updated_node.rpar,
            )
        return updated_node

    def leave_Module(
        self, original_node: libcst.Module, updated_node: libcst.Module
    ) -> libcst.Module:
        if not any(edit.applied for edit in self.edits):
            return updated_node
        context = CodemodContext()
        AddImportsVisitor.add_needed_import(context, "pathlib", "Path")
        return AddImportsVisitor(context).transform_module(updated_node)
