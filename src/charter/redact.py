"""Redaction of secret values: what charter may say about a secret without leaking it.

A secret never appears in any output, log or error message. What may appear is a prefix of at
most four characters (fewer for short values, so that a short password is not half given away)
and the length: ``AKIA…(20 chars)``. Baselines key on :func:`secret_key`, a hash of the value,
so a finding keeps its fingerprint when the secret moves to another line.
"""

from __future__ import annotations

import hashlib
from typing import Any

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


def redact_facts(value: Any) -> Any:
    """Facts an analyzer gathered for the repo phase (and the cache), with every string under
    a secret-like name (``password``, ``client_secret``, ``api_key`` ...) in redacted form:
    ``master_password = "hunter2..."`` in a Terraform resource is never stored in full."""
    from charter.analyzers.secrets.names import secret_strength

    if isinstance(value, dict):
        return {
            k: (
                redact(v)
                if isinstance(v, str) and v and secret_strength(str(k)) is not None
                else redact_facts(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_facts(v) for v in value]
    return value
