"""``unscanned-file``: files charter could not scan for secrets at all.

The engine fills in the findings (:func:`charter.engine.scan_unread_files`): a file that no
rule read (over the size cap, past the time cap, a crashed worker) goes through the streaming
secret scan; when that cannot finish (an unreadable file, the time cap), when the file was
never read (a name that is not UTF-8) or when code or configuration holds binary content (the
scan reads text only), the file is reported here, with the reason. A secret may hide in it, so
the default gate fails unless the configuration accepts the file (disable the rule, or exclude
the path).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, ClassVar

from charter.analyzers.base import Analyzer, NoParams
from charter.sources import SourceFile

if TYPE_CHECKING:
    from charter.analyzers.secrets.analyzer import SecretsAnalyzer
    from charter.policy import PolicySet


#: kinds of files that are text by definition (code, configuration, scripts): one with binary
#: content (a NUL byte in its first 8 KiB) is not scanned for secrets, which reads text only, so
#: it is reported. TypeScript is left out (``.ts`` is also an MPEG transport stream), and so are
#: prose and data kinds.
TEXT_KINDS = frozenset(
    {
        "python",
        "python-stub",
        "yaml",
        "json",
        "toml",
        "ini",
        "dotenv",
        "shell",
        "properties",
        "terraform",
        "terraform-vars",
        "hcl",
        "dockerfile",
        "makefile",
        "go",
        "rust",
        "javascript",
    }
)
#: how the engine records a file with binary content (charter.sources.SourceFile)
BINARY_PROBLEM = "parse error: binary content in a source file"


class UnscannedFileAnalyzer(Analyzer):
    """Files the secret scan could not read; the engine reports them."""

    name: ClassVar[str] = "unscanned-file"
    #: the file phase only takes in binary files behind a text name, so that the engine records
    #: them; the engine runs the streaming secret scan on skipped files and reports
    kinds: ClassVar[frozenset[str]] = TEXT_KINDS
    needs_parse: ClassVar[bool] = False
    policies: PolicySet | None = None
    _scanner: SecretsAnalyzer | None = None

    def bind(self, policies: PolicySet) -> None:
        self.policies = policies

    def applies_to(self, file: SourceFile) -> bool:
        return file.kind in TEXT_KINDS and file.is_binary

    def scanner(self) -> SecretsAnalyzer:
        """The secret scan, with the detectors in force, for when ``no-hardcoded-secrets`` is
        not selected: whether a file can be scanned does not depend on that."""
        from charter.analyzers.secrets.analyzer import SecretsAnalyzer

        if self._scanner is None:
            self._scanner = SecretsAnalyzer(NoParams())
            if self.policies is not None:
                self._scanner.bind(self.policies)
        return self._scanner

    def summarize(self, counters: Counter[str]) -> str:
        missed = counters.get("unscanned", 0)
        streamed = counters.get("streamed", 0)
        if missed:
            return f"{missed} file(s) could not be scanned for secrets"
        if streamed:
            return (
                f"every file was scanned for secrets ({streamed} skipped by the other rules, "
                "scanned by the streaming pass)"
            )
        return "every file was scanned for secrets"

    def metrics(self, counters: Counter[str]) -> dict[str, float | int]:
        return {"unscanned": counters.get("unscanned", 0), "streamed": counters.get("streamed", 0)}
