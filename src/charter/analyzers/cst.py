"""LibCST-based Python rules. Kept out of :mod:`charter.analyzers.base` so that LibCST (an
import of ~0.2 s) is loaded only when a selected rule needs concrete syntax."""

from __future__ import annotations

from typing import ClassVar

import libcst
from pydantic import BaseModel

from charter.analyzers.base import Analyzer, Emitter
from charter.sources import SourceFile


class CstAnalyzer(Analyzer, libcst.BatchableCSTVisitor):
    """A Python rule on the shared LibCST tree, batched with every other one.

    Declare ``METADATA_DEPENDENCIES`` only for what the rule really needs; the engine resolves
    the union of the active rules' dependencies once per file, and resolves positions only for
    the nodes that were reported.
    """

    kinds: ClassVar[frozenset[str]] = frozenset({"python"})
    uses_cst: ClassVar[bool] = True
    out: Emitter
    file: SourceFile

    def __init__(self, params: BaseModel) -> None:
        Analyzer.__init__(self, params)
        libcst.BatchableCSTVisitor.__init__(self)
        self.reported: list[tuple[libcst.CSTNode, str]] = []

    def begin(self, file: SourceFile, out: Emitter) -> None:
        self.file = file
        self.out = out
        self.reported = []

    def end(self) -> None:
        """Called after the walk of a file."""

    def report(self, node: libcst.CSTNode, message: str) -> None:
        self.reported.append((node, message))
