"""What every command group shares: comma lists in repeatable options, and writing a report
to a file or to stdout."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from charter.errors import CharterError


def split_values(values: Sequence[str] | None) -> tuple[str, ...]:
    """A repeatable option's values, each of which may be a comma list."""
    return tuple(v.strip() for item in values or () for v in item.split(",") if v.strip())


def write_output(text: str | Iterable[str], output: Path | None) -> None:
    """``text`` (or its pieces, each written as it comes) to ``output``, or to stdout when
    there is none; a failed write is one line."""
    pieces = (text,) if isinstance(text, str) else text
    if output is None:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8") as out:
            for piece in pieces:
                out.write(piece)
    except OSError as exc:
        raise CharterError(f"{output}: cannot write report: {exc.strerror or exc}") from None
