"""The secret scan of a file the normal pass could not read whole: streamed, in linear time.

A file over the size cap (``max-file-bytes``), one whose analysis ran past the time cap
(``max-file-seconds``) or that crashed its worker is never read by the rules. A secret padded
into such a file would then pass the gate unseen, so the engine hands it to this pass: the file
is read in chunks of about 1 MiB, cut at line ends, and every detector of
``policies/secrets/*.yaml`` runs on each chunk (every detector regex is linear-time, see
docs/secrets.md). A line longer than a chunk is cut with an overlap of :data:`OVERLAP`
characters, so a secret shorter than that is seen whole in one of the two chunks. Memory stays
at a few chunks whatever the file's size; a deadline is checked between chunks.

What it does not do: secret-named literals (``password = "..."``) need the format's parser
and therefore the whole file; only provider formats are matched here.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: bytes read per chunk
CHUNK = 1 << 20
#: characters two chunks of one overlong line share: the longest secret seen whole across a cut
OVERLAP = 8192
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class StreamTimeout(Exception):
    """The deadline passed before the end of the file."""

    def __init__(self, scanned: int) -> None:
        super().__init__(f"stopped after {scanned} bytes")
        #: bytes read when the deadline passed
        self.scanned = scanned


@dataclass(frozen=True)
class Window:
    """A piece of the file's text, and where it lies in the file."""

    text: str
    #: line number of the text's first line
    first_line: int
    #: 1-based column of ``text[0]`` in its line (> 1 only after a cut inside a long line)
    first_column: int
    #: hits that start in ``[report_from, report_to)`` belong to this window; the others are
    #: reported by its neighbour, which sees them whole
    report_from: int
    report_to: int
    #: the line before ``text``'s first line (for ``pragma: allowlist nextline secret``)
    previous_line: str

    def line_at(self, offset: int) -> tuple[str, str]:
        """(the line holding ``offset``, the line before it), as far as this window shows."""
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        line = self.text[start : end if end >= 0 else len(self.text)]
        if start == 0:
            return line, self.previous_line
        before = self.text.rfind("\n", 0, start - 1) + 1
        return line, self.text[before : start - 1]

    def position(self, line: int, column: int) -> tuple[int, int]:
        """A window-relative (line, column) as a position in the file."""
        if line == 1:
            return self.first_line, column + self.first_column - 1
        return self.first_line + line - 1, column


def _decoder(head: bytes) -> codecs.IncrementalDecoder | None:
    """A decoder for the file whose first bytes are ``head``; None for binary content."""
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            return codecs.getincrementaldecoder(encoding)(errors="replace")
    if b"\0" in head:
        return None  # binary (a NUL byte in the first 8 KiB), as for the normal pass
    # UTF-8; an invalid byte becomes U+FFFD (the secrets sought are ASCII)
    return codecs.getincrementaldecoder("utf-8-sig")(errors="replace")


def windows(
    path: Path,
    *,
    deadline: float | None = None,
    chunk: int = CHUNK,
    overlap: int = OVERLAP,
) -> Iterator[Window]:
    """The text of ``path`` in windows of about ``chunk`` characters, cut after a line end
    where there is one; nothing for a binary file. Raises :class:`OSError` when the file
    cannot be read and :class:`StreamTimeout` once ``deadline`` (``time.monotonic()``) passed.
    """
    with path.open("rb") as stream:
        head = stream.read(8192)
        decoder = _decoder(head)
        if decoder is None:
            return
        line, column, previous, scanned = 1, 1, "", 0
        carry = ""  # text not yet scanned
        carried_from = 0  # offset in ``carry`` from which hits are new (after an overlap cut)
        pending = head
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise StreamTimeout(scanned)
            data = pending if pending else stream.read(chunk)
            pending = b""
            scanned += len(data)
            final = not data
            text = carry + decoder.decode(data, final)
            if final:
                if text:
                    yield Window(text, line, column, carried_from, len(text), previous)
                return
            cut = text.rfind("\n")
            if cut >= 0:
                piece, carry = text[: cut + 1], text[cut + 1 :]
                yield Window(piece, line, column, carried_from, len(piece), previous)
                lines = piece.split("\n")
                previous = lines[-2] if len(lines) >= 2 else previous
                line += piece.count("\n")
                column, carried_from = 1, 0
            elif len(text) >= chunk + overlap:
                # one long line: scan it up to an overlap, start the next window inside it, one
                # character early, so that a token's start can still be told from a word's tail
                keep = len(text) - overlap
                yield Window(text, line, column, carried_from, keep, previous)
                carry = text[keep - 1 :]
                column += keep - 1
                carried_from = 1
            else:
                carry = text
