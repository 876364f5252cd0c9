"""Small helpers the repository rules share: where a Python project is declared, which files
are test code, and on which line of a config file a table or key sits.

The config files themselves are parsed by the shared :class:`~charter.sources.SourceFile`
(``tomllib``, PyYAML, ``json``) or ``configparser``; the line lookups here only *locate* what
the parser already found, so a finding can point at the line that proves it.
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from charter.analyzers.base import TEST_PATH_GLOBS, path_matches
from charter.repo import RepoIndex
from charter.sources import SourceFile, file_kind

PYTHON_PROJECT_FILES = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "requirements.txt",
    "Pipfile",
)

#: the kinds of file that are a repository's code, for the share of each language
CODE_KINDS = (
    "python",
    "go",
    "rust",
    "typescript",
    "javascript",
    "java",
    "kotlin",
    "ruby",
    "php",
    "csharp",
    "shell",
    "terraform",
)
#: a language is one of the repository's main languages from this share of its code on
MAIN_LANGUAGE_SHARE = 0.25
#: ... or from this much code (bytes of ``source`` files), whatever the share
MAIN_LANGUAGE_BYTES = 200_000
#: an undeclared Python project (no pyproject.toml, setup.py, requirements) needs this many
#: source modules, unless Python is all the code there is: one or two scripts beside another
#: language's code are not a project
MIN_UNDECLARED_MODULES = 3

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
    found = [p for name in rank for p in repo.named(name) if not is_test_path(p)]
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
    shallowest project file of a nested project (a fixture's or an example's is none); None
    when there is none (the finding is then about the repository, never about an arbitrary
    source file)."""
    for name in PYTHON_PROJECT_FILES:
        if repo.has(name):
            return name
    nested = [
        p for p in config_paths(repo, *PYTHON_PROJECT_FILES) if repo.path_class(p) == "source"
    ]
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


# --- what the repository is ----------------------------------------------------------------------


def code_sizes(repo: RepoIndex) -> dict[str, int]:
    """Bytes of code per kind (:data:`CODE_KINDS`) over the ``source`` files of ``repo``: tests,
    examples, maintainers' scripts, generated and vendored files are not the code a team ships.
    Each file counted is recorded as an input of the calling rule (its size is its content's)."""
    paths = [
        rel
        for kind in CODE_KINDS
        for rel in repo.by_kind.get(kind, [])
        if repo.path_class(rel) == "source"
    ]
    for rel in paths:
        repo.exists(rel)  # recorded: a cached result is recomputed when a file's size moves

    def compute() -> dict[str, int]:
        sizes: dict[str, int] = {}
        for rel in paths:
            try:
                size = (repo.root / rel).stat().st_size
            except OSError:
                continue
            kind = file_kind(rel)
            sizes[kind] = sizes.get(kind, 0) + max(size, 1)  # an empty __init__.py is code too
        return sizes

    return repo.derived(("project", "code-sizes"), compute)


def language_share(repo: RepoIndex, *kinds: str) -> float:
    """The share (0..1) of the repository's source code written in ``kinds``."""
    sizes = code_sizes(repo)
    total = sum(sizes.values())
    return sum(sizes.get(k, 0) for k in kinds) / total if total else 0.0


def is_main_language(repo: RepoIndex, *kinds: str) -> bool:
    """Whether ``kinds`` (e.g. ``"typescript", "javascript"``) are one of the repository's main
    languages: a quarter of its source code, or a large body of code whatever the share. A
    repo rule depends on this answer, not on every code file's size (:meth:`RepoIndex.answer`)."""
    return repo.answer(_is_main_language, *kinds)


def _is_main_language(repo: RepoIndex, *kinds: str) -> bool:
    size = sum(code_sizes(repo).get(k, 0) for k in kinds)
    return size > 0 and (
        language_share(repo, *kinds) >= MAIN_LANGUAGE_SHARE or size >= MAIN_LANGUAGE_BYTES
    )


def _only_language(repo: RepoIndex, kind: str) -> bool:
    return language_share(repo, kind) >= 1


@dataclass(frozen=True)
class PythonProject:
    """The repository seen as a Python project (see :func:`python_project`)."""

    #: the shallowest project file (pyproject.toml, setup.py, ...), None when undeclared
    declared: str | None
    #: non-test Python source modules
    modules: int
    #: whether all of the repository's source code is Python
    only: bool

    @property
    def root(self) -> str:
        """The folder of the project (``""``: the repository root)."""
        return parent_dir(self.declared) if self.declared else ""


def python_project(repo: RepoIndex) -> PythonProject | None:
    """The repository is a Python project when Python is one of its main languages (a quarter
    of its source code, or a large body of code) and the project is declared (pyproject.toml,
    setup.py, setup.cfg, a requirements file, a Pipfile), has at least
    :data:`MIN_UNDECLARED_MODULES` source modules, or is written in Python alone. A Go, Rust,
    Helm or Terraform repository whose Python is a wheel wrapper, a few maintenance scripts or
    test fixtures is not one: the Python-project rules (ruff, type checking, coverage, pytest)
    do not judge it."""

    modules = [p for p in repo.by_kind.get("python", []) if repo.path_class(p) == "source"]
    if not modules or not is_main_language(repo, "python"):
        return None
    declared = python_anchor(repo)
    only = repo.answer(_only_language, "python")
    if declared is None and len(modules) < MIN_UNDECLARED_MODULES and not only:
        return None
    return PythonProject(declared, len(modules), only)


def is_python_project(repo: RepoIndex) -> bool:
    """Whether :func:`python_project` finds one. A repo rule depends on this answer, not on
    the list of Python modules and every code file's size (:meth:`RepoIndex.answer`)."""
    return repo.answer(_is_python_project)


def _is_python_project(repo: RepoIndex) -> bool:
    return python_project(repo) is not None


def settings_file(repo: RepoIndex) -> str:
    """Where a project-wide Python tool setting goes ([tool.mypy], [tool.coverage.report],
    [tool.ruff]): the pyproject.toml of the root project, else of the shallowest nested
    project, else a ``pyproject.toml`` to create beside the project's setup.py or requirements
    (never a requirements lock or a setup.cfg that only configures another tool)."""
    pyprojects = [p for p in config_paths(repo, "pyproject.toml") if repo.path_class(p) == "source"]
    if pyprojects:
        return pyprojects[0]
    anchor = python_anchor(repo)
    folder = parent_dir(anchor) if anchor and anchor.endswith(("setup.py", "setup.cfg")) else ""
    return f"{folder}/pyproject.toml" if folder else "pyproject.toml"


# --- distributions: the projects that are built into a package ------------------------------------

#: CI commands and actions that publish a distribution to a package index
PUBLISH = re.compile(
    r"gh-action-pypi-publish|\btwine\s+upload\b|\b(?:uv|poetry|hatch|flit|pdm)\s+publish\b"
)
_TEST_PACKAGE = re.compile(r"^(?:tests?|testing)$|^tests?_|_tests?$")


def is_test_package(name: str) -> bool:
    """A top-level package of tests (``tests``, ``myproj_tests``, ``test_utils``)."""
    return bool(_TEST_PACKAGE.search(name))


@dataclass(frozen=True)
class Distribution:
    """What a project folder's build configuration says about the package it builds."""

    #: the project folder ("" the repository root)
    root: str
    #: the file that declares the build (pyproject.toml, setup.py, setup.cfg); None: none
    config: str | None
    #: why the project builds no distribution (None: it does, or nothing says otherwise)
    not_packaged: str | None = None
    #: the top-level package patterns it ships (fnmatch), None when it does not say
    include: tuple[str, ...] | None = None
    #: the top-level package patterns it leaves out
    exclude: tuple[str, ...] = ()
    #: PyPI trove classifiers in its metadata
    classifiers: bool = False

    def ships(self, package: str) -> bool:
        """Whether the top-level package ``package`` is part of the distribution."""
        if any(fnmatch.fnmatchcase(package, pattern) for pattern in self.exclude):
            return False
        return self.include is None or any(
            fnmatch.fnmatchcase(package, pattern) for pattern in self.include
        )


_SETUP_SCRIPT = re.compile(r"\b(?:setuptools|distutils|skbuild)\b|^\s*setup\(", re.M)


def is_setup_script(repo: RepoIndex, path: str) -> bool:
    """Whether ``path`` (a ``setup.py``) is a build script, not a module that happens to be
    named so (a web handler ``handlers/setup.py`` in a package)."""
    return repo.has(path) and bool(_SETUP_SCRIPT.search(repo.source(path).text or ""))


def _join(root: str, name: str) -> str:
    return f"{root}/{name}" if root else name


def _top_pattern(value: str) -> str | None:
    """The top-level package part of a package name, glob or path (``searx.*`` -> ``searx``,
    ``src/app`` -> ``app``); None for a pattern that names sub-packages only."""
    value = value.strip().rstrip("/")
    if "/" in value:
        value = value.rsplit("/", 1)[-1]
    top = value.split(".", 1)[0]
    return top or None


def distribution(repo: RepoIndex, root: str) -> Distribution:
    """The build configuration of the project in ``root``: pyproject.toml (PEP 621, Poetry,
    setuptools, hatch, flit), else setup.py, else setup.cfg ``[metadata]``."""
    pyproject = _join(root, "pyproject.toml")
    setup_py = _join(root, "setup.py")
    setup_cfg = _join(root, "setup.cfg")
    if repo.has(pyproject):
        data = repo.source(pyproject).toml
        data = data if isinstance(data, dict) else {}
        tool = _table(data, "tool")
        project = data.get("project") if isinstance(data.get("project"), dict) else None
        poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else None
        uv = _table(tool, "uv")
        if uv.get("package") is False:
            return Distribution(root, pyproject, f"[tool.uv] package = false in {pyproject}")
        if poetry is not None and poetry.get("package-mode") is False:
            return Distribution(
                root, pyproject, f"[tool.poetry] package-mode = false in {pyproject}"
            )
        if project is not None or poetry is not None or "build-system" in data:
            include, exclude = _pyproject_packages(tool)
            if include is None and not exclude and is_setup_script(repo, setup_py):
                include, exclude, _ = _setup_py_packages(repo.source(setup_py))
            classifiers = bool(
                (project or {}).get("classifiers") or (poetry or {}).get("classifiers")
            )
            return Distribution(root, pyproject, None, include, exclude, classifiers)
        if not is_setup_script(repo, setup_py):
            return Distribution(root, pyproject, f"{pyproject} declares no project to build")
    if is_setup_script(repo, setup_py):
        include, exclude, classifiers = _setup_py_packages(repo.source(setup_py))
        return Distribution(root, setup_py, None, include, exclude, classifiers)
    if repo.has(setup_cfg):
        parser = ini_parse(repo.source(setup_cfg))
        if parser is not None and parser.has_option("metadata", "name"):
            classifiers = parser.has_option("metadata", "classifiers")
            return Distribution(root, setup_cfg, None, None, (), classifiers)
    return Distribution(root, None, "no pyproject.toml or setup.py builds it")


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _pyproject_packages(
    tool: dict[str, Any],
) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    include: list[str] = []
    exclude: list[str] = []
    setuptools = _table(tool, "setuptools")
    packages = setuptools.get("packages")
    if isinstance(packages, list):
        include.extend(_strings(packages))
    elif isinstance(packages, dict) and isinstance(packages.get("find"), dict):
        include.extend(_strings(packages["find"].get("include")))
        exclude.extend(_strings(packages["find"].get("exclude")))
    wheel = _table(_table(_table(_table(tool, "hatch"), "build"), "targets"), "wheel")
    include.extend(_strings(wheel.get("packages")))
    poetry = _table(tool, "poetry")
    for entry in poetry.get("packages", []) if isinstance(poetry.get("packages"), list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("include"), str):
            include.append(entry["include"])
    flit = _table(tool, "flit")
    module = _table(flit, "module")
    include.extend(_strings(module.get("name")))
    tops = tuple(t for t in (_top_pattern(p) for p in include) if t)
    leave = tuple(p for p in exclude if "." not in p and "/" not in p)
    return (tops or None), leave


def _setup_py_packages(
    file: SourceFile,
) -> tuple[tuple[str, ...] | None, tuple[str, ...], bool]:
    """``packages=`` of the ``setup()`` call: a list of names, or ``find_packages()`` with
    ``include``/``exclude``; and whether it passes ``classifiers``."""
    tree = file.python_ast
    if tree is None:
        return None, (), False
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _call_name(node) in ("setup", "setuptools.setup")):
            continue
        keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        classifiers = "classifiers" in keywords
        value = keywords.get("packages")
        if isinstance(value, ast.List | ast.Tuple):
            names = [e.value for e in value.elts if isinstance(e, ast.Constant)]
            tops = tuple(t for t in (_top_pattern(n) for n in names if isinstance(n, str)) if t)
            return (tops or None), (), classifiers
        if isinstance(value, ast.Call) and _call_name(value).endswith(
            ("find_packages", "find_namespace_packages")
        ):
            args = {kw.arg: kw.value for kw in value.keywords if kw.arg}
            include = _literal_strings(args.get("include"))
            exclude = _literal_strings(args.get("exclude"))
            if len(value.args) >= 2:
                exclude += _literal_strings(value.args[1])
            if len(value.args) >= 3:
                include += _literal_strings(value.args[2])
            tops = tuple(t for t in (_top_pattern(p) for p in include) if t)
            leave = tuple(p for p in exclude if "." not in p)
            return (tops or None), leave, classifiers
        return None, (), classifiers
    return None, (), False


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ""


def _literal_strings(node: ast.expr | None) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def published(repo: RepoIndex) -> str | None:
    """Where CI publishes a distribution to a package index, or None."""
    from charter.analyzers.ci.model import ci_model  # the CI model imports this module's peers

    model = ci_model(repo)
    for step in model.steps:
        if PUBLISH.search(step.text):
            return f"`{step.text}` at {step.where()}"
    return None
