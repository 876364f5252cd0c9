"""f-strings: ``"...".format(...)`` and ``"..." % values`` on string literals.

Like ruff's UP032/UP031, only a literal template is flagged: a template held in a variable (a
translated string, a configurable pattern) cannot become an f-string, bytes have no f-strings, and
``.format(*args)`` / ``.format(**mapping)`` cannot be rewritten without knowing the values.
Logging calls that pass their arguments separately (``log.info("%s", x)``) are not string
formatting and are never flagged.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.python.common import PythonRule, has_star_kwargs, is_str


class FStringsAnalyzer(PythonRule):
    """Report ``.format()`` and ``%`` formatting applied to a string literal."""

    name: ClassVar[str] = "f-strings"
    prefilter: ClassVar[tuple[str, ...]] = (".format(", "%")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "format"):
            return
        if not is_str(func.value):
            return
        if has_star_kwargs(node) or any(isinstance(a, ast.Starred) for a in node.args):
            return
        self.at(node, "`str.format()` on a literal: write an f-string instead")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Mod) and is_str(node.left):
            self.at(node, "`%` formatting on a string literal: write an f-string instead")
