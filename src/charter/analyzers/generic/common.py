"""Parameter helpers shared by the generic analyzers."""

from __future__ import annotations

import re


def one_or_many(value: object) -> object:
    """Let a YAML policy write one glob as a string where a list is expected."""
    return (value,) if isinstance(value, str) else value


def valid_regex(value: str | None) -> str | None:
    """Reject an invalid regular expression where the policy is loaded."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return value
