"""Redaction of secret values: what charter may say about a secret without leaking it.

A secret never appears in any output, log or error message. What may appear is a prefix of at
most four characters (fewer for short values, so that a short password is not half given away)
and the length: ``AKIA…(20 chars)``. Baselines key on :func:`secret_key`, a hash of the value,
so a finding keeps its fingerprint when the secret moves to another line.
"""

from __future__ import annotations

import hashlib

MAX_PREFIX = 4
ELLIPSIS = "…"


def prefix_length(value: str) -> int:
    """How many leading characters of ``value`` may be shown: at most 4, and at most a fifth."""
    return min(MAX_PREFIX, len(value) // 5)


def redact(value: str) -> str:
    """``AKIAIOSFODNN7EXAMPLE`` -> ``AKIA…(20 chars)``; a 6-char password -> ``p…(6 chars)``."""
    shown = value[: prefix_length(value)]
    shown = "".join(ch if ch.isprintable() and not ch.isspace() else "?" for ch in shown)
    return f"{shown}{ELLIPSIS}({len(value)} chars)"


def secret_key(value: str) -> str:
    """A stable, non-reversible key for a secret value (the engine adds rule and path)."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"secret:{digest[:32]}"


def scrub(text: str, *values: str) -> str:
    """``text`` with every occurrence of each value replaced by its redacted form.

    A last line of defence for messages built from user data (e.g. an exception text).
    """
    for value in sorted((v for v in values if v), key=len, reverse=True):
        if value in text:
            text = text.replace(value, redact(value))
    return text
