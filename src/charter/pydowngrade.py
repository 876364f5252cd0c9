"""Python syntax newer than the running interpreter, rewritten into an equivalent older form so
that the ``ast`` rules can judge it.

charter runs on Python >= 3.11, while the code it audits may use 3.12-3.14 syntax that
``ast.parse`` of an older interpreter rejects. LibCST parses all of it (3.0-3.14). A file that
only LibCST parses is valid code, never a ``parse-error``: it is rewritten here, node by node
and line for line, into code the running interpreter reads, and the ``ast`` rules run on that.
Line numbers are kept; columns after a rewritten construct on the same line may shift by a few
characters. What could not be rewritten leaves the file to the LibCST rules alone, with a note
"analysed partly: needs Python >= 3.X for the full rule set".

Rewrites (the meaning a rule sees is kept; the runtime behaviour is irrelevant here):

- ``type X[T] = V`` (3.12) -> ``X = V``;
- type parameters ``def f[T](...)``, ``class C[T]:`` (3.12, defaults 3.13) -> dropped;
- ``except A, B:`` and ``except* A, B:`` without parentheses (3.14) -> ``except (A, B):``;
- template strings ``t"..."`` (3.14) -> f-strings;
- f-strings that reuse their own quote inside a replacement field, or put a backslash there
  (3.12, PEP 701) -> the inner string literal gets the other quote, its backslashes another
  character.
"""

from __future__ import annotations

import sys
from typing import Any

import libcst as cst

CURRENT = sys.version_info[:2]


class _Downgrade(cst.CSTTransformer):
    def __init__(self) -> None:
        super().__init__()
        self.needs: tuple[int, int] = (3, 0)
        self._quotes: list[str] = []

    def _need(self, version: tuple[int, int]) -> None:
        self.needs = max(self.needs, version)

    # --- type parameters and aliases (3.12) ------------------------------------------------

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Assign:
        self._need((3, 12))
        return cst.Assign(
            targets=[cst.AssignTarget(target=updated.name)],
            value=updated.value,
            semicolon=updated.semicolon,
        )

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        if updated.type_parameters is None:
            return updated
        self._need(_type_params_version(updated.type_parameters))
        return updated.with_changes(type_parameters=None)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if updated.type_parameters is None:
            return updated
        self._need(_type_params_version(updated.type_parameters))
        return updated.with_changes(type_parameters=None)

    # --- except A, B: (3.14) ------------------------------------------------------------------

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        return updated.with_changes(type=self._parenthesize(updated.type))

    def leave_ExceptStarHandler(
        self, original: cst.ExceptStarHandler, updated: cst.ExceptStarHandler
    ) -> cst.ExceptStarHandler:
        return updated.with_changes(type=self._parenthesize(updated.type))

    def _parenthesize(self, node: Any) -> Any:
        if isinstance(node, cst.Tuple) and not node.lpar:
            self._need((3, 14))
            return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return node

    # --- t-strings (3.14) and PEP 701 f-strings (3.12) -----------------------------------------

    def leave_TemplatedString(
        self, original: cst.TemplatedString, updated: cst.TemplatedString
    ) -> cst.BaseExpression:
        self._need((3, 14))
        code = cst.Module(body=[]).code_for_node(updated)
        prefix = updated.prefix
        flipped = prefix.replace("t", "f").replace("T", "F")
        return cst.parse_expression(flipped + code[len(prefix) :])

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._quotes.append(node.quote)

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.FormattedString:
        self._quotes.pop()
        if not self._quotes or updated.quote[0] not in self._quotes[-1]:
            return updated
        # an f-string nested in one with the same quote (PEP 701): take the other quote
        other = "'" if updated.quote[0] == '"' else '"'
        code = cst.Module(body=[]).code_for_node(updated)
        if other in self._quotes[-1] or other in code[len(updated.start) : -len(updated.end)]:
            return updated
        self._need((3, 12))
        quote = other * len(updated.quote)
        prefix = updated.start[: len(updated.start) - len(updated.quote)]
        return updated.with_changes(start=prefix + quote, end=quote)

    def leave_SimpleString(
        self, original: cst.SimpleString, updated: cst.SimpleString
    ) -> cst.SimpleString:
        if not self._quotes:
            return updated
        outer = self._quotes[-1]
        value = updated.value
        prefix_len = len(value) - len(value.lstrip("rRbBuU"))
        prefix, body = value[:prefix_len], value[prefix_len:]
        quote = '"""' if body.startswith('"""') else "'''" if body.startswith("'''") else body[0]
        inner = body[len(quote) : -len(quote)]
        changed = False
        if "\\" in inner:  # PEP 701: no backslash inside a replacement field before 3.12
            inner = inner.replace("\\", "/")
            changed = True
        if quote[0] in outer:  # the outer f-string's own quote: take the other one
            other = "'" if quote[0] == '"' else '"'
            if other in outer or other in inner:
                return updated  # nothing safe to switch to: left for the partial analysis
            quote = other * len(quote)
            changed = True
        if not changed:
            return updated
        self._need((3, 12))
        return updated.with_changes(value=f"{prefix}{quote}{inner}{quote}")


def _type_params_version(params: cst.TypeParameters) -> tuple[int, int]:
    with_default = any(getattr(p, "default", None) is not None for p in params.params)
    return (3, 13) if with_default else (3, 12)


def downgrade(module: cst.Module) -> tuple[str, tuple[int, int]]:
    """The module's code in a form older interpreters read, and the Python version its
    original syntax needs (``(3, 0)`` when nothing had to change)."""
    rewriter = _Downgrade()
    rewritten = module.visit(rewriter)
    return rewritten.code, rewriter.needs


def version_text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
