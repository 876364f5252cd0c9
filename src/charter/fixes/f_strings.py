"""f-strings fix: ``"... {} ...".format(a, b.c)`` becomes ``f"... {a} ... {b.c} ..."``.

As ruff's UP032 (whose fix is safe), and only in the simple cases: a one-line call on one plain
string literal (no bytes, no implicit concatenation, no ``\\N{...}`` escape) whose arguments
are names or attribute chains (``a``, ``self.name``), each used at least once, with replacement
fields that name an argument by position, by keyword or automatically (``{}``, ``{0}``,
``{name}``), keeping any ``!r``/``!s``/``!a`` conversion and format spec (a spec with nested
fields is left alone). ``str.format`` and f-strings both call ``format(value, spec)``, so the
text is the same. The fix is unsafe when an attribute argument is read twice or in another
order than the arguments list it, since an attribute may be a property with side effects.

``%`` formatting is not fixed: ``"%d" % 2.5`` truncates where ``f"{x:d}"`` raises, and
``"%s" % x`` changes meaning when ``x`` is a tuple (ruff's UP031 fix is unsafe for the same
reasons).
"""

from __future__ import annotations

import re
import string
from typing import ClassVar

import libcst

from charter.fixes.base import Applicability, Fixer

_EMPTY = libcst.Module(body=[])
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _is_simple(expr: libcst.BaseExpression) -> bool:
    """A name or a chain of attributes on a name, unparenthesized."""
    if expr.lpar:
        return False
    if isinstance(expr, libcst.Name):
        return True
    return isinstance(expr, libcst.Attribute) and _is_simple(expr.value)


def _split_literal(value: str) -> tuple[str, str, str] | None:
    """``prefix, quote, body`` of a string literal's source (None for bytes and f-strings)."""
    i = 0
    while i < len(value) and value[i] not in "'\"":
        i += 1
    prefix = value[:i]
    if set(prefix.lower()) - {"r", "u"}:
        return None
    quote = value[i : i + 3] if value[i : i + 3] in ('"""', "'''") else value[i]
    return prefix, quote, value[i + len(quote) : len(value) - len(quote)]


def format_to_fstring(call: libcst.Call) -> tuple[str, Applicability] | None:
    """The f-string source that ``call`` (``"...".format(...)``) becomes, or None."""
    func = call.func
    if not (isinstance(func, libcst.Attribute) and func.attr.value == "format"):
        return None
    literal = func.value
    if not isinstance(literal, libcst.SimpleString) or literal.lpar:
        return None
    parts = _split_literal(literal.value)
    if parts is None:
        return None
    prefix, quote, body = parts
    if "\\N" in body or re.search(r"\\[{}]", body):
        return None
    positional: list[str] = []
    keywords: dict[str, str] = {}
    attributes: set[str] = set()
    for arg in call.args:
        if arg.star or not _is_simple(arg.value):
            return None
        text = _EMPTY.code_for_node(arg.value)
        if isinstance(arg.value, libcst.Attribute):
            attributes.add(text)
        if arg.keyword is None:
            if keywords:
                return None
            positional.append(text)
        else:
            keywords[arg.keyword.value] = text
    try:
        fields = list(string.Formatter().parse(body))
    except ValueError:
        return None
    out: list[str] = []
    used: list[str] = []
    auto = manual = False
    next_auto = 0
    for literal_text, name, spec, conversion in fields:
        out.append(literal_text.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if spec and ("{" in spec or "}" in spec or "\\" in spec):
            return None
        if name == "":
            auto = True
            if next_auto >= len(positional):
                return None
            expr = positional[next_auto]
            next_auto += 1
        elif name.isdigit():
            manual = True
            if int(name) >= len(positional):
                return None
            expr = positional[int(name)]
        elif _IDENT.match(name) and name in keywords:
            expr = keywords[name]
        else:
            return None
        used.append(expr)
        conv = f"!{conversion}" if conversion else ""
        out.append("{" + expr + conv + (f":{spec}" if spec else "") + "}")
    if auto and manual:
        return None
    every = [*positional, *keywords.values()]
    if any(e not in used for e in every):
        return None  # an argument that the template never shows: it would vanish unevaluated
    reads = [u for u in used if u in attributes]
    order = [e for e in every if e in attributes]
    risky = len(reads) != len(set(reads)) or reads != order
    new_prefix = "f" + prefix.replace("u", "").replace("U", "")
    source = new_prefix + quote + "".join(out) + quote
    return source, Applicability.UNSAFE if risky else Applicability.SAFE


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
