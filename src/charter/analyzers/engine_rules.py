"""Rules whose results the engine itself produces."""

from __future__ import annotations

from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.sources import SourceFile


class ParseErrorAnalyzer(Analyzer):
    """Files that could not be parsed or were skipped; the engine fills in the findings.

    A file no analyzer could read is a standard nobody verified, so it is reported, never
    dropped. Python files are always parsed (with the shared, cheap ``ast`` parse) so that a
    syntax error is reported even when no Python rule is selected; other kinds are reported when
    a rule needed them.
    """

    name: ClassVar[str] = "parse-error"
    kinds: ClassVar[frozenset[str]] = frozenset({"python"})

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        _ = file.python_ast
