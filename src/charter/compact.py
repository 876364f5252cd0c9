"""Sharing of equal per-file values in the main process, so memory stays flat on big trees.

A file result that comes back from a worker (or from the cache) is a fresh copy of everything:
the set of rules that applied to the file, each rule's counters, and each rule's facts. Most of
these are equal from file to file (the same 40 applicable rules, empty service facts for a
module without routes), and 100,000 private copies of them cost hundreds of megabytes. The
results are read-only once the file phase is over, so equal values are replaced by one shared
object.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from charter.engine import FileResult
    from charter.models import Finding

#: facts larger than this (as JSON) are rarely equal to another file's: not worth the lookup
_MAX_SHARED_FACT = 2048
#: each distinct set of explicitly given fields, shared by every finding that has it
_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def share_fields(findings: Iterable[Finding]) -> None:
    """Give equal findings' pydantic field sets (the names given at construction, 700 bytes a
    finding: half of a finding's memory) one shared set. Findings are frozen: pydantic never
    changes that set in place (``model_copy`` copies it first); it only matters to
    ``exclude_unset`` dumps, which charter does not use."""
    for finding in findings:
        given = finding.__pydantic_fields_set__
        key = frozenset(given)
        shared = _FIELD_SETS.get(key)
        if shared is None:
            shared = _FIELD_SETS[key] = set(key)
        if given is not shared:
            object.__setattr__(finding, "__pydantic_fields_set__", shared)


class Interner:
    """Shared copies of the values equal results hold."""

    def __init__(self) -> None:
        self._sets: dict[frozenset[str], frozenset[str]] = {}
        self._counters: dict[tuple[tuple[str, int], ...], Counter[str]] = {}
        self._facts: dict[str, Any] = {}
        self._strings: dict[str, str] = {}

    def key(self, value: str) -> str:
        return self._strings.setdefault(value, value)

    def result(self, result: FileResult) -> FileResult:
        """``result`` with equal values shared (changed in place, and returned)."""
        applicable = frozenset(self.key(k) for k in result.applicable)
        result.applicable = self._sets.setdefault(applicable, applicable)  # type: ignore[assignment]
        if result.counters:
            result.counters = {
                self.key(k): self._counter(v) for k, v in result.counters.items()
            }
        if result.facts:
            result.facts = {self.key(k): self._fact(v) for k, v in result.facts.items()}
        for found in result.findings.values():
            share_fields(found)
        return result

    def _counter(self, counter: Counter[str]) -> Counter[str]:
        items = tuple(sorted(counter.items()))
        return self._counters.setdefault(items, counter)

    def _fact(self, value: Any) -> Any:
        try:
            text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return value
        if len(text) > _MAX_SHARED_FACT:
            return value
        return self._facts.setdefault(text, value)
