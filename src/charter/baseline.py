"""Baselines: accept today's findings so that only new ones fail the gate.

The file is JSON with one finding per line, sorted by path, rule and fingerprint, without
timestamps or line numbers, so it only changes when findings change and two branches that
each fix or add findings merge cleanly::

    {"charter-baseline": 1, "findings": [
    {"context": "9f2c…", "fingerprint": "a41e…", "message": "…", "path": "app.py", "rule": "…"}
    ]}

A finding matches a baseline entry of the same rule and path by, in order:

1. its fingerprint (the flagged line's content and its occurrence; survives lines inserted or
   removed anywhere else in the file);
2. the flagged line's content alone (survives a second identical line appearing above it, or
   the message changing, e.g. a count in it);
3. the message alone (survives an edit of the flagged line that leaves the finding the same).

Each entry matches at most one finding.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from charter.errors import CharterError
from charter.models import Finding

FORMAT_VERSION = 1
_WS = re.compile(r"\s+")


class Entry(BaseModel):
    """One accepted finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    path: str
    fingerprint: str
    context: str
    message: str


def context_hash(line_text: str) -> str:
    """Hash of the flagged line with whitespace normalised."""
    normalized = _WS.sub(" ", line_text).strip()
    return hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()[:16]


LineText = Callable[[str, int], str]


def entries_for(findings: Iterable[Finding], line_text: LineText) -> list[Entry]:
    """Baseline entries for findings, sorted; suppressed findings need none."""
    out = [
        Entry(
            rule=f.rule,
            path=f.path,
            fingerprint=f.fingerprint,
            context=context_hash(line_text(f.path, f.line)),
            message=f.message,
        )
        for f in findings
        if not f.suppressed
    ]
    return sorted(out, key=lambda e: (e.path, e.rule, e.fingerprint, e.message))


def dumps(entries: Sequence[Entry]) -> str:
    """The baseline file's text: one entry per line, stable key order."""
    rows = [json.dumps(e.model_dump(), sort_keys=True, ensure_ascii=False) for e in entries]
    body = ",\n".join(rows)
    return f'{{"charter-baseline": {FORMAT_VERSION}, "findings": [\n{body}\n]}}\n'


def load(path: Path) -> list[Entry]:
    """Read a baseline file; errors name the file and what to do."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CharterError(
            f"{path}: baseline file not found; "
            f"create it with 'charter baseline PATH --output {path}'"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CharterError(f"{path}: cannot read baseline: {exc}; regenerate it") from None
    if not isinstance(data, dict) or data.get("charter-baseline") != FORMAT_VERSION:
        raise CharterError(
            f"{path}: not a charter baseline (version {FORMAT_VERSION}); regenerate it with "
            "'charter baseline'"
        )
    try:
        return [Entry.model_validate(row) for row in data.get("findings") or []]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CharterError(
            f"{path}: field 'findings.{loc}': {first['msg']}; regenerate it"
        ) from None


def match(
    findings: Sequence[Finding], entries: Sequence[Entry], line_text: LineText
) -> list[Finding]:
    """The findings, with those a baseline entry accepts marked ``baselined``."""
    remaining = list(range(len(entries)))
    matched: set[int] = set()
    keys: list[Callable[[Entry], tuple[str, ...]]] = [
        lambda e: (e.rule, e.path, "fp", e.fingerprint),
        lambda e: (e.rule, e.path, "ctx", e.context),
        lambda e: (e.rule, e.path, "msg", e.message),
    ]
    contexts: dict[int, str] = {}

    def finding_key(level: int, i: int) -> tuple[str, ...]:
        f = findings[i]
        if level == 0:
            return (f.rule, f.path, "fp", f.fingerprint)
        if level == 1:
            if i not in contexts:
                contexts[i] = context_hash(line_text(f.path, f.line))
            return (f.rule, f.path, "ctx", contexts[i])
        return (f.rule, f.path, "msg", f.message)

    candidates = [i for i, f in enumerate(findings) if not f.suppressed]
    for level, entry_key in enumerate(keys):
        pool: dict[tuple[str, ...], list[int]] = {}
        for j in remaining:
            pool.setdefault(entry_key(entries[j]), []).append(j)
        used: set[int] = set()
        for i in candidates:
            if i in matched:
                continue
            bucket = pool.get(finding_key(level, i))
            if bucket:
                used.add(bucket.pop(0))
                matched.add(i)
        remaining = [j for j in remaining if j not in used]
        if not remaining:
            break
    return [
        f.model_copy(update={"baselined": True}) if i in matched else f
        for i, f in enumerate(findings)
    ]
