"""f-strings: ``"...".format(...)`` and ``"..." % values`` on string literals.

Like ruff's UP032/UP031, only a literal template is flagged: a template held in a variable (a
translated string, a configurable pattern) cannot become an f-string, bytes have no f-strings, and
``.format(*args)`` / ``.format(**mapping)`` cannot be rewritten without knowing the values.
Logging calls that pass their arguments separately (``log.info("%s", x)``) are not string
formatting and are never flagged.

What ``charter fix`` writes for a ``.format()`` call (:func:`fstring_from_parts`) is decided
here, for the audit's ``[*]`` mark, and by :mod:`charter.fixes.f_strings` from the same parts
read off LibCST nodes, so that a finding is marked fixable exactly when the fix removes it.
"""

from __future__ import annotations

import ast
import io
import re
import string
import tokenize
from typing import ClassVar

from charter.analyzers.python.common import PythonRule, has_star_kwargs, is_str
from charter.sources import SourceFile

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NEWLINE = re.compile(r"\r\n|\r|\n")

#: one argument of ``.format()``: (keyword or None, its source, whether it is an attribute)
FormatArg = tuple[str | None, str, bool]


def _split_literal(value: str) -> tuple[str, str, str] | None:
    """``prefix, quote, body`` of a string literal's source (None for bytes and f-strings)."""
    i = 0
    while i < len(value) and value[i] not in "'\"":
        i += 1
    prefix = value[:i]
    if i == len(value) or set(prefix.lower()) - {"r", "u"}:
        return None
    quote = value[i : i + 3] if value[i : i + 3] in ('"""', "'''") else value[i]
    return prefix, quote, value[i + len(quote) : len(value) - len(quote)]


def fstring_from_parts(literal: str, args: list[FormatArg]) -> tuple[str, str] | None:
    """The f-string source that ``literal.format(*args)`` becomes and whether that is
    ``"safe"`` or ``"unsafe"``, or None when it is not rewritten.

    As ruff's UP032 (whose fix is safe), only the simple cases: one plain string literal (no
    bytes, no ``\\N{...}`` escape), arguments that are names or attribute chains, each used at
    least once, replacement fields naming an argument by position, by keyword or automatically
    (``{}``, ``{0}``, ``{name}``), conversions and format specs kept (a spec with nested fields
    is not). Unsafe when an attribute is read twice or in another order than the arguments list
    it: an attribute may be a property with side effects."""
    parts = _split_literal(literal)
    if parts is None:
        return None
    prefix, quote, body = parts
    if "\\N" in body or re.search(r"\\[{}]", body):
        return None
    positional: list[str] = []
    keywords: dict[str, str] = {}
    attributes: set[str] = set()
    for keyword, text, is_attribute in args:
        if is_attribute:
            attributes.add(text)
        if keyword is None:
            if keywords:
                return None
            positional.append(text)
        else:
            keywords[keyword] = text
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
    return source, "unsafe" if risky else "safe"


def _simple(expr: ast.expr) -> bool:
    """A name or a chain of attributes on a name."""
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name)


def _one_string_token(text: str) -> bool:
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(text).readline)
            if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)
        ]
    except (tokenize.TokenError, SyntaxError):
        return False
    return len(tokens) == 1 and tokens[0].type == tokenize.STRING


class FStringsAnalyzer(PythonRule):
    """Report ``.format()`` and ``%`` formatting applied to a string literal."""

    name: ClassVar[str] = "f-strings"
    prefilter: ClassVar[tuple[str, ...]] = (".format(", "%")

    def begin(self, file: SourceFile, out: object) -> None:  # type: ignore[override,unused-ignore]
        super().begin(file, out)  # type: ignore[arg-type]
        self._lines: list[bytes] | None = None

    def _segment(self, node: ast.expr) -> str | None:
        """The source of a node on one line (ast columns are UTF-8 byte offsets)."""
        if self._lines is None:
            self._lines = [line.encode() for line in _NEWLINE.split(self.file.text or "")]
        end = node.end_col_offset
        if node.end_lineno != node.lineno or end is None or node.lineno > len(self._lines):
            return None
        raw = self._lines[node.lineno - 1][node.col_offset : end]
        return raw.decode(errors="replace")

    def _fix(self, node: ast.Call, literal: ast.expr) -> str | None:
        """``"safe"``/``"unsafe"`` when ``charter fix`` rewrites this one-line call."""
        if node.end_lineno != node.lineno:
            return None
        source = self._segment(literal)
        if source is None or not _one_string_token(source):
            return None
        args: list[FormatArg] = []
        for value, keyword in [(a, None) for a in node.args] + [
            (k.value, k.arg) for k in node.keywords
        ]:
            text = self._segment(value) if _simple(value) else None
            if text is None:
                return None
            args.append((keyword, text, isinstance(value, ast.Attribute)))
        converted = fstring_from_parts(source, args)
        return converted[1] if converted is not None else None

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "format"):
            return
        if not is_str(func.value):
            return
        if has_star_kwargs(node) or any(isinstance(a, ast.Starred) for a in node.args):
            return
        self.at(
            node,
            "`str.format()` on a literal: write an f-string instead",
            fix=self._fix(node, func.value),
        )

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Mod) and is_str(node.left):
            self.at(node, "`%` formatting on a string literal: write an f-string instead")
