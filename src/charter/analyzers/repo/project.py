"""Small helpers the repository rules share: where a Python project is declared, which files
are test code, and on which line of a config file a table or key sits.

The config files themselves are parsed by the shared :class:`~charter.sources.SourceFile`
(``tomllib``, PyYAML, ``json``) or ``configparser``; the line lookups here only *locate* what
the parser already found, so a finding can point at the line that proves it.
"""

from __future__ import annotations

import configparser
import re
from pathlib import PurePosixPath
from typing import Any

from charter.analyzers.base import TEST_PATH_GLOBS, path_matches
from charter.repo import RepoIndex
from charter.sources import SourceFile

PYTHON_PROJECT_FILES = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "requirements.txt",
    "Pipfile",
)

_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def is_test_path(path: str) -> bool:
    return path_matches(path, TEST_PATH_GLOBS)


def python_code(repo: RepoIndex) -> list[str]:
    """Non-test Python files of the repository."""
    return [p for p in repo.of_kind("python") if not is_test_path(p)]


def config_paths(repo: RepoIndex, *names: str) -> list[str]:
    """Files named one of ``names`` anywhere (monorepo projects too), test folders left out;
    shallowest first, and within one folder in the order ``names`` gives."""
    rank = {name: i for i, name in enumerate(names)}
    found = [p for p in repo.files if p.rsplit("/", 1)[-1] in rank and not is_test_path(p)]
    return sorted(found, key=lambda p: (p.count("/"), parent_dir(p), rank[p.rsplit("/", 1)[-1]]))


def pyproject_tools(repo: RepoIndex) -> list[tuple[str, dict[str, Any]]]:
    """``(path, [tool] table)`` of every pyproject.toml, shallowest first."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path in config_paths(repo, "pyproject.toml"):
        data = repo.source(path).toml
        tool = data.get("tool") if isinstance(data, dict) else None
        out.append((path, tool if isinstance(tool, dict) else {}))
    return out


def python_anchor(repo: RepoIndex) -> str | None:
    """Where a project-wide Python setting goes: the root project file if any, else the
    shallowest project file of a nested project; None when there is none (the finding is
    then about the repository, never about an arbitrary source file)."""
    for name in PYTHON_PROJECT_FILES:
        if repo.has(name):
            return name
    nested = config_paths(repo, *PYTHON_PROJECT_FILES)
    return nested[0] if nested else None


def toml_line(file: SourceFile, table: str, key: str | None = None) -> int:
    """Line (1-based) of ``[table]`` or of ``key`` inside it; 1 when not found.

    A dotted table such as ``tool.ruff`` also matches ``[tool.ruff.lint]`` when asked for the
    table alone (the first header that opens it).
    """
    current = ""
    table_line = 0
    for number, raw in enumerate(file.lines, start=1):
        header = _TOML_HEADER.match(raw)
        if header:
            current = re.sub(r"\s*\.\s*", ".", header.group(1)).replace('"', "")
            if not table_line and (current == table or current.startswith(table + ".")):
                table_line = number
            continue
        if key is not None and current == table and re.match(rf"^\s*{re.escape(key)}\s*=", raw):
            return number
        # dotted keys at the top level: tool.mypy.strict = true
        if key is not None and current == "":
            dotted = f"{table}.{key}"
            if re.match(rf"^\s*{re.escape(dotted)}\s*=", raw):
                return number
    return table_line or 1


def ini_parse(file: SourceFile) -> configparser.ConfigParser | None:
    """An INI-style config (setup.cfg, tox.ini, mypy.ini, .coveragerc, .flake8), or None."""
    text = file.text
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def ini_line(file: SourceFile, section: str, key: str | None = None) -> int:
    """Line of ``[section]`` or of ``key`` inside it in an INI file; 1 when not found."""
    current = ""
    section_line = 0
    for number, raw in enumerate(file.lines, start=1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1].strip()
            if current == section and not section_line:
                section_line = number
            continue
        if (
            key is not None
            and current == section
            and re.match(rf"^\s*{re.escape(key)}\s*[=:]", raw)
        ):
            return number
    return section_line or 1


def find_line(file: SourceFile, pattern: str, flags: int = 0) -> int:
    """First line matching ``pattern`` (a regex); 1 when none does."""
    regex = re.compile(pattern, flags)
    for number, raw in enumerate(file.lines, start=1):
        if regex.search(raw):
            return number
    return 1


def parent_dir(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent
