"""context-managers fix, unsafe: ``f = open(...)`` ... ``f.close()`` becomes ``with``.

::

    f = open(path)                  with open(path) as f:
    data = f.read()         ->          data = f.read()
    f.close()

Only the exact pattern, decided on the ``ast`` by
:func:`charter.analyzers.python.context_managers.with_fixes` (which also marks the audit's
findings fixable): a file or socket bound to a name on a line of its own, a later ``f.close()``
line in the same block, and between them at least one statement that neither returns, yields,
breaks out of or continues a loop around it, nor closes, rebinds or deletes ``f``; the pair
crosses no other such pair, and ``f`` is not read after the close (before the block binds it
again). The statements between are indented into the ``with``; comments on or above the
``f.close()`` line move to the end of the ``with`` body.

Unsafe: on the path where nothing raises the code is the same (``__exit__`` closes as
``close()`` did, and ``f`` is bound to the same object), but an exception between now closes
the file, which code handling it further up may still have used; and a write that failed at
``close()`` (a full disk) now raises from the ``with`` line's end rather than the ``close()``.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import ClassVar

import libcst

from charter.analyzers.python.context_managers import with_fixes
from charter.analyzers.python.names import import_map
from charter.fixes.base import Applicability, Fixer


def _single(line: libcst.BaseStatement) -> libcst.BaseSmallStatement | None:
    if isinstance(line, libcst.SimpleStatementLine) and len(line.body) == 1:
        return line.body[0]
    return None


def _closes(line: libcst.BaseStatement, name: str) -> bool:
    stmt = _single(line)
    return (
        isinstance(stmt, libcst.Expr)
        and isinstance(stmt.value, libcst.Call)
        and not stmt.value.args
        and isinstance(stmt.value.func, libcst.Attribute)
        and stmt.value.func.attr.value == "close"
        and isinstance(stmt.value.func.value, libcst.Name)
        and stmt.value.func.value.value == name
    )


class ContextManagersFixer(Fixer):
    """Turn the reported ``f = open(...)`` ... ``f.close()`` pairs into ``with`` blocks."""

    analyzer: ClassVar[str] = "context-managers"

    def visit_Module(self, node: libcst.Module) -> None:
        try:
            tree = ast.parse(self.source)
        except (SyntaxError, ValueError):
            self.decisions: set[tuple[int, int]] = set()
            return
        self.decisions = with_fixes(tree, import_map(tree)) & self.spots

    def _opening(self, line: libcst.BaseStatement) -> tuple[libcst.Call, str] | None:
        stmt = _single(line)
        if (
            isinstance(stmt, libcst.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0].target, libcst.Name)
            and isinstance(stmt.value, libcst.Call)
            and self.spot_of(stmt.value) in self.decisions
        ):
            return stmt.value, stmt.targets[0].target.value
        return None

    def _rewrite(
        self,
        original: Sequence[libcst.BaseStatement],
        body: Sequence[libcst.BaseStatement],
    ) -> list[libcst.BaseStatement]:
        """``body`` (the statements as updated, one for each of ``original``, where the
        positions are known) with each decided pair turned into ``with``."""
        out: list[libcst.BaseStatement] = []
        i = 0
        while i < len(body):
            line = body[i]
            opening = self._opening(original[i])
            j = None
            if opening is not None:
                name = opening[1]
                j = next((k for k in range(i + 1, len(body)) if _closes(body[k], name)), None)
            if opening is None or j is None or j == i + 1:
                out.append(line)
                i += 1
                continue
            name = opening[1]
            if not self.allow(opening[0], Applicability.UNSAFE, f"`with ... as {name}:`"):
                out.append(line)
                i += 1
                continue
            assert isinstance(line, libcst.SimpleStatementLine)
            assign = _single(line)
            assert isinstance(assign, libcst.Assign)
            call = assign.value
            close = body[j]
            assert isinstance(close, libcst.SimpleStatementLine)
            # comments above or on the close line stay, at the end of the with body
            footer = [e for e in close.leading_lines if e.comment is not None]
            if close.trailing_whitespace.comment is not None:
                footer.append(libcst.EmptyLine(comment=close.trailing_whitespace.comment))
            with_node = libcst.With(
                items=[
                    libcst.WithItem(
                        item=call,
                        asname=libcst.AsName(name=libcst.Name(name)),
                    )
                ],
                body=libcst.IndentedBlock(
                    body=self._rewrite(original[i + 1 : j], body[i + 1 : j]),
                    header=line.trailing_whitespace,
                    footer=footer,
                ),
                leading_lines=line.leading_lines,
            )
            out.append(with_node)
            i = j + 1
        return out

    def leave_IndentedBlock(
        self, original_node: libcst.IndentedBlock, updated_node: libcst.IndentedBlock
    ) -> libcst.IndentedBlock:
        if not self.decisions:
            return updated_node
        if len(original_node.body) != len(updated_node.body):
            return updated_node
        return updated_node.with_changes(
            body=self._rewrite(original_node.body, updated_node.body)
        )

    def leave_Module(
        self, original_node: libcst.Module, updated_node: libcst.Module
    ) -> libcst.Module:
        if not self.decisions or len(original_node.body) != len(updated_node.body):
            return updated_node
        return updated_node.with_changes(
            body=self._rewrite(original_node.body, updated_node.body)
        )
