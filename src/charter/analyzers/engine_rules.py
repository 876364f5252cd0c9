"""Rules whose results the engine itself produces."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.sources import SourceFile
from charter.suppressions import COMMENT_KINDS, TOKEN, missing_reason_message, unused_message

if TYPE_CHECKING:
    from charter.policy import PolicySet


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


class _DirectiveAnalyzer(Analyzer):
    """Reads ``charter: ignore`` comments in files that can carry comments."""

    kinds: ClassVar[frozenset[str]] = COMMENT_KINDS
    prefilter: ClassVar[tuple[str, ...]] = (TOKEN,)

    def applies_to(self, file: SourceFile) -> bool:
        """Within the size cap only: a large SQL dump or YAML fixture that no other rule reads
        must not become a "skipped" parse-error finding on these rules' account."""
        if file.kind not in self.kinds:
            return False
        try:
            return file.abspath.stat().st_size <= file.max_bytes
        except OSError:
            return False


class SuppressionWithoutReasonAnalyzer(_DirectiveAnalyzer):
    """``charter: ignore[...]`` comments that give no reason after ``--``.

    The directive still applies (see :mod:`charter.suppressions`); this rule keeps the missing
    justification visible.
    """

    name: ClassVar[str] = "suppression-without-reason"

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        for directive in file.directives:
            if directive.reason is None:
                message = missing_reason_message(directive)
                out.report(directive.line, message, column=directive.column)


class UnusedSuppressionAnalyzer(_DirectiveAnalyzer):
    """Suppression comments that suppress nothing.

    The file phase lists every rule id a directive names as a candidate (an unknown id is
    always reported); :mod:`charter.postprocess` then keeps only the candidates whose rule ran
    in the audit and matched no finding there.
    """

    name: ClassVar[str] = "unused-suppression"
    known: frozenset[str] = frozenset()

    def bind(self, policies: PolicySet) -> None:
        self.known = frozenset(policies.rules)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        for directive in file.directives:
            for rule_id in directive.rules:
                message = unused_message(rule_id, known=rule_id in self.known)
                out.report(directive.line, message, column=directive.column)
