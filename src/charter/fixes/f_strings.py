"""f-strings fix: ``"... {} ...".format(a, b.c)`` becomes ``f"... {a} ... {b.c} ..."``.

What the call becomes is decided by
:func:`charter.analyzers.python.f_strings.fstring_from_parts` (ruff's UP032 cases; see there),
which also marks the audit's findings fixable; this module reads the call's parts off LibCST
and replaces the one-line call. ``%`` formatting is not fixed: ``"%d" % 2.5`` truncates where
``f"{x:d}"`` raises, and ``"%s" % x`` changes meaning when ``x`` is a tuple (ruff's UP031 fix is
unsafe for the same reasons).
"""

from __future__ import annotations

from typing import ClassVar

import libcst

from charter.analyzers.python.f_strings import FormatArg, fstring_from_parts
from charter.fixes.base import Applicability, Fixer

_EMPTY = libcst.Module(body=[])


def _is_simple(expr: libcst.BaseExpression) -> bool:
    """A name or a chain of attributes on a name (parentheses are kept as written)."""
    while isinstance(expr, libcst.Attribute):
        expr = expr.value
    return isinstance(expr, libcst.Name)


def format_to_fstring(call: libcst.Call) -> tuple[str, Applicability] | None:
    """The f-string source that ``call`` (``"...".format(...)``) becomes, or None."""
    func = call.func
    if not (isinstance(func, libcst.Attribute) and func.attr.value == "format"):
        return None
    literal = func.value
    if not isinstance(literal, libcst.SimpleString):
        return None
    args: list[FormatArg] = []
    for arg in call.args:
        if arg.star or not _is_simple(arg.value):
            return None
        keyword = arg.keyword.value if arg.keyword is not None else None
        text = _EMPTY.code_for_node(arg.value)
        args.append((keyword, text, isinstance(arg.value, libcst.Attribute)))
    converted = fstring_from_parts(literal.value, args)
    if converted is None:
        return None
    return converted[0], Applicability(converted[1])


class FStringsFixer(Fixer):
    """Rewrite the reported one-line ``"...".format(...)`` calls as f-strings."""

    analyzer: ClassVar[str] = "f-strings"

    def leave_Call(
        self, original_node: libcst.Call, updated_node: libcst.Call
    ) -> libcst.BaseExpression:
        if not self.targeted(original_node):
            return updated_node
        if self.end_line_of(original_node) != self.line_of(original_node):
            return updated_node
        converted = format_to_fstring(original_node)
        if converted is None:
            return updated_node
        source, applicability = converted
        try:
            expr = libcst.parse_expression(source)
        except libcst.ParserSyntaxError:
            return updated_node
        if not self.allow(original_node, applicability, "write an f-string"):
            return updated_node
        return expr.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
