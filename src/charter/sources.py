"""A file of the audited repository, read once and parsed at most once per parser.

Every analyzer that needs a file's text, its ``ast`` tree, its LibCST tree or its YAML gets it from
the same :class:`SourceFile`, which reads lazily and caches. A parse failure is recorded once on
the file (and becomes a ``parse-error`` finding); the analyzers see ``None`` and move on.
"""

from __future__ import annotations

import ast
import codecs
import json
import tomllib
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

DEFAULT_MAX_FILE_BYTES = 2_000_000

_KIND_BY_SUFFIX = {
    ".py": "python",
    ".pyi": "python-stub",
    ".tf": "terraform",
    ".tfvars": "terraform-vars",
    ".hcl": "hcl",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".go": "go",
    ".rs": "rust",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".md": "markdown",
    ".ini": "ini",
    ".cfg": "ini",
    ".properties": "properties",
    ".sh": "shell",
    ".bash": "shell",
    ".sql": "sql",
    ".java": "java",
    ".kt": "kotlin",
    ".rb": "ruby",
    ".php": "php",
    ".cs": "csharp",
}


def file_kind(rel: str) -> str:
    """A coarse kind from the file name: python, dockerfile, yaml, terraform, go, ..."""
    name = PurePosixPath(rel).name
    lower = name.lower()
    if lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return "dockerfile"
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return "dotenv"
    if lower in {"makefile", "gnumakefile"}:
        return "makefile"
    suffix = PurePosixPath(lower).suffix
    return _KIND_BY_SUFFIX.get(suffix, "other")


@dataclass(frozen=True)
class ParseProblem:
    """Why a file could not be parsed (or was skipped), and where."""

    path: str
    line: int
    column: int
    message: str
    skipped: bool = False


class SourceFile:
    """One file of the target; everything about it is computed at most once."""

    def __init__(self, root: Path, rel: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.root = root
        self.path = rel
        self.kind = file_kind(rel)
        self.max_bytes = max_bytes
        self.problems: list[ParseProblem] = []

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r})"

    @property
    def abspath(self) -> Path:
        return self.root / self.path

    def _problem(self, message: str, line: int = 1, column: int = 1, skipped: bool = False) -> None:
        if not any(p.message == message for p in self.problems):
            self.problems.append(ParseProblem(self.path, max(line, 1), max(column, 1), message, skipped))

    @cached_property
    def data(self) -> bytes | None:
        """Raw bytes, or None when unreadable or over the size cap (recorded as skipped)."""
        try:
            size = self.abspath.stat().st_size
            if size > self.max_bytes:
                self._problem(
                    f"skipped: {size} bytes is over the {self.max_bytes}-byte limit", skipped=True
                )
                return None
            return self.abspath.read_bytes()
        except OSError as exc:
            self._problem(f"skipped: cannot read file: {exc.strerror or exc}", skipped=True)
            return None

    @cached_property
    def is_binary(self) -> bool:
        data = self.data
        return data is not None and b"\0" in data[:8192]

    @cached_property
    def text(self) -> str | None:
        """Decoded text: BOM and PEP 263 cookie honoured for Python, UTF-8 with fallback else."""
        data = self.data
        if data is None or self.is_binary:
            return None
        encoding = "utf-8"
        if self.kind in {"python", "python-stub"}:
            encoding = _python_encoding(data)
        elif data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            return data.decode("latin-1")

    @cached_property
    def lines(self) -> list[str]:
        return (self.text or "").splitlines()

    def line_text(self, line: int) -> str:
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def source_problem(self) -> bool:
        """Record that a source file is binary; True when the text is unusable."""
        if self.data is None:
            return True
        if self.is_binary:
            self._problem("parse error: binary content in a source file")
            return True
        return False

    @cached_property
    def python_ast(self) -> ast.Module | None:
        """The standard-library ``ast`` tree (fast; for rules that need no concrete syntax)."""
        if self.source_problem() or self.data is None:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(self.data, filename=self.path, type_comments=False)
        except SyntaxError as exc:
            self._problem(
                f"parse error: {exc.msg}", exc.lineno or 1, (exc.offset or 1)
            )
        except (ValueError, RecursionError, MemoryError) as exc:
            self._problem(f"parse error: {type(exc).__name__}: {exc}"[:300])
        return None

    @cached_property
    def python_cst(self) -> Any:
        """The LibCST module (for rules that need concrete syntax or scope metadata)."""
        import libcst

        if self.source_problem() or self.data is None:
            return None
        try:
            return libcst.parse_module(self.data)
        except libcst.ParserSyntaxError as exc:
            self._problem(f"parse error: {exc.message}", exc.raw_line, exc.raw_column + 1)
        except (ValueError, RecursionError, MemoryError, UnicodeDecodeError) as exc:
            self._problem(f"parse error: {type(exc).__name__}: {exc}"[:300])
        return None

    @cached_property
    def yaml_documents(self) -> list[Any] | None:
        """All documents of a YAML file, loaded safely; None if it does not parse."""
        text = self.text
        if text is None:
            self.source_problem()
            return None
        try:
            return [doc for doc in yaml.safe_load_all(text) if doc is not None]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or "invalid YAML"
            self._problem(
                f"parse error: {problem}",
                (mark.line + 1) if mark else 1,
                (mark.column + 1) if mark else 1,
            )
        except RecursionError:
            self._problem("parse error: YAML nested too deeply")
        return None

    @cached_property
    def toml(self) -> dict[str, Any] | None:
        text = self.text
        if text is None:
            self.source_problem()
            return None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self._problem(f"parse error: {exc}")
        return None

    @cached_property
    def json(self) -> Any:
        text = self.text
        if text is None:
            self.source_problem()
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self._problem(f"parse error: {exc.msg}", exc.lineno, exc.colno)
        except RecursionError:
            self._problem("parse error: JSON nested too deeply")
        return None


def _python_encoding(data: bytes) -> str:
    """The encoding PEP 263 and the BOM declare, as the interpreter would read it."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return "utf-8"
    return encoding
