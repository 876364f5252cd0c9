"""The fix framework: a fix is a LibCST transformer over one file, bound to its rule's findings.

A :class:`Fixer` only rewrites the nodes that its rule reported (the lines of the findings
handed to it), and records each edit with its :class:`Applicability`, after ruff: a *safe* fix
keeps what the code does, an *unsafe* one may change it and is applied only with
``--unsafe-fixes``. A fixer that finds an edit it may not apply records it as *withheld*, so the
command can say how many more ``--unsafe-fixes`` would make.

All fixers of a file run in one pass over one parse (:class:`BatchedFixers`): the pass calls
each fixer's ``visit_<Node>`` and ``leave_<Node>`` in turn, as LibCST's batched visitors do for
analyzers. Positions come from the one :class:`~libcst.metadata.PositionProvider` resolution of
the parsed file, so a fixer sees the lines the findings name even after another fixer's edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import libcst
from libcst.metadata import CodeRange

from charter.models import Applicability

__all__ = ["Applicability", "BatchedFixers", "Edit", "Fixer"]


@dataclass(frozen=True)
class Edit:
    """One fix of one finding: applied, or withheld (unsafe, without ``--unsafe-fixes``)."""

    rule: str
    line: int
    applicability: Applicability
    description: str
    applied: bool


class Fixer:
    """The fixes of one rule over one file. Subclasses define LibCST ``visit_*``/``leave_*``
    methods; a ``leave_*`` returns the node to keep (``updated_node`` when nothing changes).

    ``annotation_only``: every edit only adds or changes annotations, so the file's ``ast`` with
    annotations stripped must be identical before and after (checked before anything is written).
    """

    #: the analyzer whose findings this fixer repairs (the key of :data:`charter.fixes.FIXERS`)
    analyzer: ClassVar[str]
    annotation_only: ClassVar[bool] = False
    #: a text edit of a configuration file (:class:`TextFixer`), not a LibCST transformer
    text_edit: ClassVar[bool] = False

    def __init__(
        self,
        rule: str,
        lines: frozenset[int],
        positions: Mapping[libcst.CSTNode, CodeRange],
        unsafe: bool,
        source: bytes = b"",
    ) -> None:
        self.rule = rule
        self.source = source
        #: the rule's parameters (``http-timeouts``' ``default_timeout``)
        self.params: Mapping[str, Any] = {}
        #: (line, column) of each finding, columns in UTF-8 bytes from 1 as ``ast`` counts them
        self.spots: frozenset[tuple[int, int]] = frozenset()
        #: line -> what the finding there says its fix needs (``Finding.fix_args``)
        self.args: Mapping[int, Mapping[str, str]] = {}
        self._source_lines: list[bytes] | None = None
        self.lines = lines
        self.positions = positions
        self.unsafe = unsafe
        self.edits: list[Edit] = []

    def line_of(self, node: libcst.CSTNode) -> int:
        """The first line of ``node`` in the file as parsed (0 when unknown)."""
        where = self.positions.get(node)
        return where.start.line if where is not None else 0

    def end_line_of(self, node: libcst.CSTNode) -> int:
        where = self.positions.get(node)
        return where.end.line if where is not None else 0

    def spot_of(self, node: libcst.CSTNode) -> tuple[int, int]:
        """(line, column) where ``node`` starts, the column in UTF-8 bytes from 1 (as a
        finding's): LibCST counts characters."""
        where = self.positions.get(node)
        if where is None:
            return (0, 0)
        if self._source_lines is None:
            self._source_lines = self.source.splitlines()
        line, column = where.start.line, where.start.column
        if 0 < line <= len(self._source_lines):
            text = self._source_lines[line - 1].decode("utf-8", errors="replace")
            column = len(text[:column].encode("utf-8"))
        return (line, column + 1)

    def targeted(self, node: libcst.CSTNode) -> bool:
        """Whether a finding of this fixer's rule sits on ``node``'s first line."""
        return self.line_of(node) in self.lines

    def allow(self, node: libcst.CSTNode, applicability: Applicability, description: str) -> bool:
        """Record a fix of ``node`` and say whether to apply it (unsafe needs the flag)."""
        applied = applicability is Applicability.SAFE or self.unsafe
        self.edits.append(
            Edit(self.rule, self.line_of(node), applicability, description, applied=applied)
        )
        return applied


class BatchedFixers(libcst.CSTTransformer):
    """Run several fixers in one walk: each node is offered to every fixer in turn."""

    def __init__(self, fixers: list[Fixer]) -> None:
        super().__init__()
        self.fixers = fixers

    def on_visit(self, node: libcst.CSTNode) -> bool:
        name = f"visit_{type(node).__name__}"
        for fixer in self.fixers:
            method = getattr(fixer, name, None)
            if method is not None:
                method(node)
        return True

    def on_leave(  # type: ignore[override]
        self, original_node: libcst.CSTNode, updated_node: libcst.CSTNode
    ) -> libcst.CSTNode:
        name = f"leave_{type(original_node).__name__}"
        result: libcst.CSTNode = updated_node
        for fixer in self.fixers:
            method = getattr(fixer, name, None)
            if method is not None:
                result = method(original_node, result)
        return result


class TextFixer(Fixer):
    """A fix of a configuration file as a text edit (Terraform): everything outside the edited
    spans stays byte for byte. ``fix_text`` returns the new bytes; the file is never parsed by
    LibCST, and the Python checks (compile, annotation equivalence) do not apply."""

    text_edit: ClassVar[bool] = True

    def fix_text(self, source: bytes) -> bytes:
        raise NotImplementedError
