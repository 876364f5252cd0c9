"""What every command group shares: comma lists in repeatable options, and writing a report
to a file or to stdout."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from charter.errors import CharterError


def split_values(values: Sequence[str] | None) -> tuple[str, ...]:
    """A repeatable option's values, each of which may be a comma list."""
    return tuple(v.strip() for item in values or () for v in item.split(",") if v.strip())


def write_output(text: str, output: Path | None) -> None:
    """``text`` to ``output``, or to stdout when there is none; a failed write is one line."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CharterError(f"{output}: cannot write report: {exc.strerror or exc}") from None
