"""What the format readers hand to the judge: a literal value bound to a name, and where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: which names the readers keep (the judge's name test, passed in to keep readers cheap)
NameFilter = Callable[[str], bool]


@dataclass(frozen=True)
class Assignment:
    """``name = value`` with the line (and column) where the value is written."""

    name: str
    value: str
    line: int
    column: int = 1
    #: the text ``value`` encodes, when the format says it is encoded (a Kubernetes Secret's
    #: ``data`` is base64): judged instead of ``value``, which the message still masks
    decoded: str | None = None
