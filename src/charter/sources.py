"""A file of the audited repository, read once and parsed at most once per parser.

Every analyzer that needs a file's text, its ``ast`` tree, its LibCST tree or its YAML gets it from
the same :class:`SourceFile`, which reads lazily and caches. A parse failure is recorded once on
the file (and becomes a ``parse-error`` finding); the analyzers see ``None`` and move on.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import copy
import functools
import json
import re
import time
import tomllib
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from charter.memo import ByContent

if TYPE_CHECKING:
    import tree_sitter

_T = TypeVar("_T")

#: ``charter audit --timing``: parser name -> [wall s, CPU s, files], filled by the parse
#: properties below while set (None, the default, costs one global look-up per parse)
PARSE_CLOCK: dict[str, list[float]] | None = None
_PARSE_DEPTH = [0]


def _parse_timed(parser: str) -> Callable[[Callable[[Any], _T]], Callable[[Any], _T]]:
    """Time a parse property for :data:`PARSE_CLOCK` (a parse inside another one, such as the
    ``ast`` tree LibCST's depth check reads, counts towards the outer one)."""

    def wrap(fn: Callable[[Any], _T]) -> Callable[[Any], _T]:
        @functools.wraps(fn)
        def timed(self: Any) -> _T:
            clock = PARSE_CLOCK
            if clock is None or _PARSE_DEPTH[0]:
                return fn(self)
            wall, cpu = time.perf_counter(), time.process_time()
            _PARSE_DEPTH[0] += 1
            try:
                return fn(self)
            finally:
                _PARSE_DEPTH[0] -= 1
                acc = clock.setdefault(parser, [0.0, 0.0, 0])
                acc[0] += time.perf_counter() - wall
                acc[1] += time.process_time() - cpu
                acc[2] += 1

        return timed

    return wrap

DEFAULT_MAX_FILE_BYTES = 2_000_000
#: LibCST recurses once per nesting level: its native parser overflows the C stack (a crash, not
#: an exception) on a few thousand levels and its visitors hit Python's recursion limit at about
#: 140. Files nested deeper than this (estimated from the ``ast``) are skipped by LibCST rules.
CST_MAX_DEPTH = 100
#: LibCST parses about 1 MB/s; larger Python files are skipped by LibCST rules (ast rules run)
CST_MAX_BYTES = 1_000_000
#: the most YAML nodes that aliases may add to a file ("billion laughs" protection)
YAML_MAX_ALIAS_NODES = 100_000
_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

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


def basename(rel: str) -> str:
    """``PurePosixPath(rel).name`` for a normalized relative path, as a string operation (rules
    that look at every file of a large repository should not build a path object per file)."""
    return rel.rsplit("/", 1)[-1]


def suffix(name: str) -> str:
    """``PurePosixPath(name).suffix``: from the last dot, unless it leads or trails the name."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def file_kind(rel: str) -> str:
    """A coarse kind from the file name: python, dockerfile, yaml, terraform, go, ..."""
    lower = basename(rel).lower()
    if lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return "dockerfile"
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return "dotenv"
    if lower in {"makefile", "gnumakefile"}:
        return "makefile"
    return _KIND_BY_SUFFIX.get(suffix(lower), "other")


@dataclass(frozen=True)
class ParseProblem:
    """Why a file could not be parsed (or was skipped), and where."""

    path: str
    line: int
    column: int
    message: str
    skipped: bool = False
    #: not a problem but a fact worth telling (a Helm template, newer Python syntax analysed
    #: in an equivalent older form): shown as a note, never a finding
    note: bool = False

    @property
    def transient(self) -> bool:
        """Skipped for a reason of this run, not of the file (the time cap, a crashed worker,
        memory): such a result is reported but never cached."""
        return self.skipped and any(m in self.message for m in TRANSIENT_MARKS)


#: what the runner writes into a skip that the next run may not repeat
TRANSIENT_MARKS = ("(max-file-seconds)", "crashed the worker process")


class SourceFile:
    """One file of the target; everything about it is computed at most once."""

    #: the file's path class (charter.pathclass), set by the engine before rules run
    path_class: str = "source"

    def __init__(self, root: Path, rel: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.root = root
        self.path = rel
        self.kind = file_kind(rel)
        self.max_bytes = max_bytes
        self.problems: list[ParseProblem] = []

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r})"

    #: what :meth:`release_parsed` drops: every parsed form of the file (each is computed
    #: again, the same, when asked again)
    _PARSED = (
        "python_ast",
        "python_cst",
        "_cst_parsed",
        "_cst_only",
        "yaml_documents",
        "yaml_nodes",
        "hcl",
        "dockerfile",
        "toml",
        "json",
        "syntax_tree",
        "directives",
    )

    def release_parsed(self) -> None:
        """Forget the file's parsed forms: a repository phase keeps a few files parsed at a
        time, not every file it read (an ``ast`` tree is 20-30 times its text)."""
        for name in self._PARSED:
            self.__dict__.pop(name, None)

    def release(self) -> None:
        """Forget the file's bytes and text too (read again when asked again); what it is and
        its recorded problems stay."""
        self.release_parsed()
        for name in ("data", "text", "lines"):
            self.__dict__.pop(name, None)

    @property
    def abspath(self) -> Path:
        return self.root / self.path

    def _problem(
        self,
        message: str,
        line: int = 1,
        column: int = 1,
        skipped: bool = False,
        note: bool = False,
    ) -> None:
        message = safe_message(message)
        if not any(p.message == message for p in self.problems):
            problem = ParseProblem(self.path, max(line, 1), max(column, 1), message, skipped, note)
            self.problems.append(problem)

    @cached_property
    @_parse_timed("read")
    def data(self) -> bytes | None:
        """Raw bytes, or None when unreadable or over the size cap (recorded as skipped)."""
        try:
            size = self.abspath.stat().st_size
            if size > self.max_bytes:
                # a data file (a JSON dump, a HAR recording, generated HTML) that size is a
                # note; code and configuration over the cap are a finding (a rule missed them)
                data_file = self.kind in _DATA_KINDS
                self._problem(
                    f"skipped: {size} bytes is over the {self.max_bytes}-byte limit"
                    + (" (a data file; max-file-bytes raises the limit)" if data_file else ""),
                    skipped=True,
                    note=data_file,
                )
                return None
            return self.abspath.read_bytes()
        except OSError as exc:
            self._problem(f"skipped: cannot read file: {exc.strerror or exc}", skipped=True)
            return None

    @cached_property
    def is_binary(self) -> bool:
        data = self.data
        if data is None or _wide_bom(data) is not None:
            return False
        return b"\0" in data[:8192]

    @cached_property
    def text(self) -> str | None:
        """Decoded text: BOM and PEP 263 cookie honoured for Python, UTF-8 with fallback else."""
        data = self.data
        if data is None or self.is_binary:
            return None
        encoding = "utf-8"
        wide = _wide_bom(data)
        if wide is not None:
            encoding = wide
        elif self.kind in {"python", "python-stub"}:
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
    @_parse_timed("python-ast")
    def python_ast(self) -> ast.Module | None:
        """The standard-library ``ast`` tree (fast; for rules that need no concrete syntax)."""
        if self.source_problem() or self.data is None:
            return None
        if _wide_bom(self.data) is not None:
            self._problem(
                f"parse error: {_wide_bom(self.data)}-encoded Python source; Python reads only "
                "UTF-8 or the encoding a PEP 263 coding comment names"
            )
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(self.data, filename=self.path, type_comments=False)
        except SyntaxError as exc:
            tree = self._newer_python()
            if tree is not None or self._cst_only is not None:
                return tree
            if not self.template_note(exc):
                self._problem(f"parse error: {exc.msg}", exc.lineno or 1, (exc.offset or 1))
        except MemoryError:
            # CPython's parser guards its C stack with MemoryError; the worker's memory limit
            # raises it too (a hostile file that would take gigabytes to parse)
            self._problem(
                "parse error: nested too deeply or too large for Python's parser "
                "(it hit the memory limit)"
            )
        except (ValueError, RecursionError) as exc:
            self._problem(f"parse error: {type(exc).__name__}: {exc}"[:300])
        return None

    #: the LibCST module of a file only LibCST parses, when no older form of it could be made
    _cst_only: Any = None
    #: the LibCST module parsed on the way to an older form (reused by ``python_cst``)
    _cst_parsed: Any = None

    def _newer_python(self) -> ast.Module | None:
        """The ``ast`` of a file the running interpreter rejects but LibCST parses (newer
        syntax: valid code, never a parse error), through an equivalent older form
        (:mod:`charter.pydowngrade`). When no older form parses, the LibCST rules alone judge
        the file and a note says so. None (nothing recorded) for a real syntax error."""
        if self.data is None or not _plausible_for_libcst(self.data):
            return None
        import libcst

        from charter.pydowngrade import CURRENT, downgrade, version_text

        try:
            module = libcst.parse_module(self.data)
        except (libcst.ParserSyntaxError, ValueError, RecursionError, MemoryError, SyntaxError):
            return None
        needs = (CURRENT[0], CURRENT[1] + 1)
        try:
            code, found = downgrade(module)
            needs = max(needs, found)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(code, filename=self.path, type_comments=False)
        except (SyntaxError, ValueError, RecursionError, MemoryError, libcst.ParserSyntaxError):
            self._problem(
                f"analysed partly: needs Python >= {version_text(needs)} for the full rule set "
                f"(syntax newer than Python {version_text(CURRENT)}: only the LibCST rules "
                "judged it)",
                note=True,
            )
            self._cst_only = module
            return None
        self._cst_parsed = module
        return tree

    @property
    def python_downgraded(self) -> bool:
        """Whether :attr:`python_ast` is the tree of an older form of the file (syntax newer
        than the running Python, rewritten): its positions are then not the file's."""
        return self.python_ast is not None and self._cst_parsed is not None

    @cached_property
    @_parse_timed("python-libcst")
    def python_cst(self) -> Any:
        """The LibCST module (for rules that need concrete syntax or scope metadata)."""
        import libcst

        tree = self.python_ast  # a file ast cannot parse is reported once, by ast
        if self._cst_only is not None:
            return self._cst_only
        if tree is None or self.data is None:
            return None
        if len(self.data) > CST_MAX_BYTES:
            self._problem(
                f"skipped: {len(self.data)} bytes is over the {CST_MAX_BYTES}-byte limit of "
                "concrete-syntax (LibCST) rules",
                skipped=True,
            )
            return None
        depth = _cst_nesting(tree, CST_MAX_DEPTH)
        if depth > CST_MAX_DEPTH:
            self._problem(
                f"skipped: code nested over {CST_MAX_DEPTH} levels deep; concrete-syntax "
                "(LibCST) rules skip this file",
                skipped=True,
            )
            return None
        if self._cst_parsed is not None:
            return self._cst_parsed
        try:
            return libcst.parse_module(self.data)
        except libcst.ParserSyntaxError as exc:
            self._problem(f"parse error: {exc.message}", exc.raw_line, exc.raw_column + 1)
        except (ValueError, RecursionError, MemoryError, SyntaxError) as exc:
            # SyntaxError: LibCST's encoding detection is stricter than ast's (b"#\x80")
            self._problem(f"parse error: {type(exc).__name__}: {exc}"[:300])
        return None

    @cached_property
    def directives(self) -> list[Any]:
        """``charter: ignore[...]`` comments, as :class:`charter.suppressions.Directive`."""
        from charter.suppressions import parse_directives

        text = self.text
        return [] if text is None else list(parse_directives(self.path, text, self.kind))

    @cached_property
    @_parse_timed("yaml")
    def yaml_documents(self) -> list[Any] | None:
        """All documents of a YAML file, loaded safely; None if it does not parse."""
        memo = _YAML_MEMO
        if memo is None:
            return self._yaml(_load_documents)
        # a copy of what is kept: a rule may change the data it is given, never the next point's
        return copy.deepcopy(
            self._yaml(lambda text: memo.get(text, ("documents",), lambda: _load_documents(text)))
        )

    @cached_property
    @_parse_timed("yaml")
    def yaml_nodes(self) -> list[yaml.Node] | None:
        """The composed (not constructed) YAML documents: nodes keep their line numbers
        (``node.start_mark.line`` is 0-based). Safe: no tags are resolved to objects."""
        memo = _YAML_MEMO
        if memo is None:
            return self._yaml(compose_yaml)
        # shared, not copied: nodes are only read (never constructed, whose merge keys would
        # change them), as every rule of one audit already shares them
        return self._yaml(lambda text: memo.get(text, ("nodes",), lambda: compose_yaml(text)))

    def _yaml(self, load: Callable[[str], _T]) -> _T | None:
        """``load(text)``; YAML 1.2 whitespace PyYAML refuses (a tab trailing a value) is
        retried without it; a template (Helm, Jinja) that is not plain YAML is a note, not a
        parse error."""
        text = self.text
        if text is None:
            self.source_problem()
            return None
        try:
            return load(text)
        except (yaml.YAMLError, RecursionError) as exc:
            error: BaseException = exc
        if "\t" in text:
            try:
                return load(_TRAILING_BLANKS.sub("", text))
            except (yaml.YAMLError, RecursionError):
                pass
        if not self.template_note(error):
            self._yaml_problem(error)
        return None

    def template_note(self, error: BaseException | None = None) -> bool:
        """When the file is a template (Go/Helm ``{{ }}``, Jinja ``{% %}``) rather than plain
        YAML, JSON, TOML, Python or Go/Rust/TypeScript, record a note saying so and return
        True: its syntax is valid for what renders it, and no rule can judge it before
        rendering. A Helm chart's ``templates/`` files count, any file whose failing line holds
        a template tag, and code under a ``templates/`` folder (a generator's fragments)."""
        text = self.text or ""
        in_chart = False
        parts = self.path.split("/")
        for i, part in enumerate(parts[:-1]):
            if part == "templates" and (self.root / "/".join([*parts[:i], "Chart.yaml"])).is_file():
                in_chart = True
                break
        line = _error_line(error)
        tagged = _TEMPLATE_TAG.search(self.line_text(line) if line else text) is not None
        # a code generator's templates/ folder holds fragments (a method without its class)
        # that its renderer splices into generated files
        fragment = self.kind != "yaml" and any(
            part.lower() in ("templates", "template") for part in parts[:-1]
        )
        if not (in_chart and _TEMPLATE_TAG.search(text)) and not tagged and not fragment:
            return False
        what = "Helm template" if in_chart else "template"
        self._problem(
            f"{what} ({{{{ }}}} syntax): valid for its renderer, not plain {self.kind}; rules "
            "judge it only once rendered",
            note=True,
        )
        return True

    def _yaml_problem(self, exc: BaseException) -> None:
        if isinstance(exc, RecursionError):
            self._problem("parse error: YAML nested too deeply")
            return
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        self._problem(
            f"parse error: {problem}",
            (mark.line + 1) if mark else 1,
            (mark.column + 1) if mark else 1,
        )

    @cached_property
    @_parse_timed("hcl")
    def hcl(self) -> Any:
        """The python-hcl2 rule tree (``hcl2.rules.base.StartRule``) of a Terraform/HCL file;
        every block and attribute keeps its line (``node._meta.line``). None if it does not
        parse."""
        text = self.text
        if text is None:
            self.source_problem()
            return None
        import hcl2
        from lark.exceptions import LarkError

        try:
            return hcl2.parses(text)
        except LarkError as exc:
            # lark's message quotes the offending token, which may be a secret: say where only
            self._problem(
                f"parse error: invalid HCL ({type(exc).__name__})",
                getattr(exc, "line", 1) or 1,
                getattr(exc, "column", 1) or 1,
            )
        except (ValueError, RecursionError, RuntimeError) as exc:
            self._problem(f"parse error: {type(exc).__name__}: {exc}"[:300])
        return None

    @cached_property
    @_parse_timed("dockerfile")
    def dockerfile(self) -> list[dict[str, Any]] | None:
        """The instructions of a Dockerfile (dockerfile-parse ``structure``: ``instruction``,
        ``value``, ``content``, 0-based ``startline``/``endline``), continuation lines joined."""
        import io

        from dockerfile_parse import DockerfileParser

        if self.source_problem() or self.data is None:
            return None
        try:
            parser = DockerfileParser(fileobj=io.BytesIO(self.data), env_replace=False)
            return list(parser.structure)
        except (ValueError, UnicodeDecodeError) as exc:
            self._problem(f"parse error: {type(exc).__name__}: {exc}"[:300])
        return None

    @cached_property
    @_parse_timed("toml")
    def toml(self) -> dict[str, Any] | None:
        text = self.text
        if text is None:
            self.source_problem()
            return None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            if not self.template_note(exc):
                self._problem(f"parse error: {exc}")
        except RecursionError:
            self._problem("parse error: TOML nested too deeply")
        return None

    @cached_property
    @_parse_timed("json")
    def json(self) -> Any:
        text = self.text
        if text is None:
            self.source_problem()
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            error = exc
        except RecursionError:
            self._problem("parse error: JSON nested too deeply")
            return None
        if _JSONC_NAME.search(self.path):
            # JSON with comments and trailing commas, as TypeScript and VS Code read it
            import json5

            try:
                return json5.loads(text)
            except (ValueError, RecursionError):
                pass
        if not self.template_note(error):
            self._problem(f"parse error: {error.msg}", error.lineno, error.colno)
        return None

    @cached_property
    @_parse_timed("tree-sitter")
    def syntax_tree(self) -> tree_sitter.Tree | None:
        """The tree-sitter tree of a Go, Rust, TypeScript or JavaScript file (else None).

        Tree-sitter always returns a tree; when it contains syntax errors the first one is
        recorded as a parse problem and the partial tree is still returned, so rules keep
        working on the well-formed parts.
        """
        grammar = _tree_sitter_grammar(self.path, self.kind)
        if grammar is None or self.source_problem() or self.data is None:
            return None
        import tree_sitter

        try:
            parser = tree_sitter.Parser(_tree_sitter_language(grammar))
            tree = parser.parse(self.data)
            if grammar == "go" and tree.root_node.has_error and _GO_NEW.search(self.data):
                # Go 1.26 lets new() take an expression (new(int64(5))); the grammar knows
                # only new(Type). The same call under another name (same length, so every
                # position holds) parses as an ordinary call.
                renamed = parser.parse(_GO_NEW.sub(b"nev(", self.data))
                if not renamed.root_node.has_error:
                    tree = renamed
        except (ValueError, RecursionError, MemoryError) as exc:
            self._problem(f"parse error: {type(exc).__name__}: {exc}"[:300])
            return None
        if tree.root_node.has_error and not _only_grammar_gaps(tree.root_node, self.data):
            node = _first_error_node(tree.root_node, self.data)
            row, column = node.start_point if node is not None else (0, 0)
            missing = node is not None and node.is_missing
            what = f"missing {node.type}" if node is not None and missing else "syntax error"
            if not self.template_note():
                self._problem(f"parse error: {what} ({grammar})", row + 1, column + 1)
        return tree


#: JSON files their tools read as JSON with comments (JSONC): tsconfig, jsconfig, VS Code,
#: dev containers, ESLint, Babel, Renovate, ``*.jsonc``
_JSONC_NAME = re.compile(
    r"(?:^|/)(?:[tj]sconfig[^/]*\.json|\.vscode/[^/]+\.json|devcontainer\.json"
    r"|\.eslintrc(?:\.json)?|\.babelrc(?:\.json)?|renovate\.json|[^/]+\.jsonc)$"
)
#: blanks (spaces, tabs) at the end of a line
_TRAILING_BLANKS = re.compile(r"[ \t]+$", re.MULTILINE)
#: a Go/Helm or Jinja template tag: ``{{ .Values.x }}``, ``{{- include "a" . }}``, ``{% if %}``
_TEMPLATE_TAG = re.compile(r"\{\{-?\s*[\w.$\"'(/-]|\{%-?\s*\w")


def _error_line(error: BaseException | None) -> int:
    """The 1-based line a parser error points at (0 when it names none)."""
    if error is None:
        return 0
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    for attr in ("lineno", "raw_line"):
        value = getattr(error, attr, None)
        if isinstance(value, int):
            return value
    return 0


def _load_documents(text: str) -> list[Any]:
    return yaml_load_all(text)


#: YAML parses memoised by the text's content while :func:`yaml_memoised` is active
_YAML_MEMO: ByContent[Any] | None = None


@contextlib.contextmanager
def yaml_memoised(max_chars: int = 2_000_000) -> Iterator[None]:
    """Inside the block, a YAML text parsed before (documents or nodes) is not parsed again:
    ``charter history`` audits one commit after another in one process, and the repository
    rules that run again at a point (a workflow, an OpenAPI document) read mostly YAML files
    that did not change. Only a parse that succeeded is kept (a failing one records its
    problem on its file each time), for texts of ``max_chars`` characters in all, the least
    recently used first out (the parse of a text takes about 30 times its size in memory)."""
    global _YAML_MEMO
    outer = _YAML_MEMO
    _YAML_MEMO = ByContent(maxsize=1024, max_chars=max_chars) if outer is None else outer
    try:
        yield
    finally:
        _YAML_MEMO = outer


def compose_yaml(text: str) -> list[yaml.Node]:
    """Every non-empty document of ``text`` as a node tree (SafeLoader; raises YAMLError)."""
    return yaml_compose_all(text)


def _wide_bom(data: bytes) -> str | None:
    """``utf-16``/``utf-32`` when the data starts with that byte-order mark, else None."""
    for bom, encoding in _UTF16_32_BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _plausible_for_libcst(data: bytes) -> bool:
    """Whether a file ``ast`` rejected may go to LibCST's native parser, which crashes (no
    exception) on input nested a few thousand levels deep: real code with newer syntax is
    within the size cap, has no NUL byte, no line over 10,000 characters and brackets nested
    at most 100 deep (a rough count that ignores strings; too deep only means "not tried")."""
    if len(data) > CST_MAX_BYTES or b"\0" in data:
        return False
    if max((len(line) for line in data.split(b"\n")), default=0) > 10_000:
        return False
    depth = deepest = 0
    for byte in data.translate(None, _NOT_BRACKETS):
        depth += 1 if byte in b"([{" else -1 if depth > 0 else 0
        deepest = max(deepest, depth)
    return deepest <= CST_MAX_DEPTH


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"()[]{}")


def _cst_nesting(tree: ast.AST, limit: int) -> int:
    """How deep LibCST's tree of this module gets, estimated from the ``ast`` (iteratively; stops
    past ``limit``). ast keeps ``a and b and c``, dotted import names and comprehension clauses
    flat where LibCST nests them, so those count one level per element."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values)
        elif isinstance(node, ast.alias):
            depth += node.name.count(".")
        elif isinstance(node, ast.ImportFrom):
            depth += (node.module or "").count(".")
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            depth += len(node.generators)
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


#: a quoted fragment of a file in a message that may be a secret: 12+ characters, no space,
#: at least two of lower case, upper case and digits (``'AKIA...'``, not ``'STRING_LIT'``)
_QUOTED = re.compile(r"""(?<!\w)(['"])([^'"\s]{12,})\1(?!\w)""")


def safe_message(message: str) -> str:
    """A parser's or analyzer's error message, safe to print: quoted fragments of the file
    (where a secret could be) are redacted, control characters replaced, length capped."""
    from charter.redact import redact

    def hide(match: re.Match[str]) -> str:
        value = match[2]
        classes = sum(
            (
                any(c.islower() for c in value),
                any(c.isupper() for c in value),
                any(c.isdigit() for c in value),
            )
        )
        return f"{match[1]}{redact(value)}{match[1]}" if classes >= 2 else match[0]

    message = _QUOTED.sub(hide, message)
    message = "".join(ch if ch.isprintable() else "?" for ch in message)
    return message if len(message) <= 300 else message[:299] + "…"


class YamlAliasError(yaml.composer.ComposerError):
    """A YAML alias that contains itself, or aliases that expand to too many nodes."""


class _AliasBound:
    """Composition that refuses alias bombs (see :class:`BoundedSafeLoader`)."""

    def _bound(self) -> None:
        self._sizes: dict[int, int] = {}
        self._open: list[int] = []
        self._aliased = 0

    def compose_document(self) -> yaml.Node | None:
        self._sizes = {}
        self._open = []
        return super().compose_document()  # type: ignore[misc,no-any-return]

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            node = super().compose_node(parent, index)  # type: ignore[misc]
            size = self._sizes.get(id(node))
            if size is None:
                raise YamlAliasError(
                    None, None, "recursive YAML alias (an anchor used inside itself)", mark
                )
            self._aliased += size
            if self._aliased > YAML_MAX_ALIAS_NODES:
                raise YamlAliasError(
                    None,
                    None,
                    f"YAML aliases expand to over {YAML_MAX_ALIAS_NODES} nodes (alias bomb?)",
                    mark,
                )
            if self._open:
                self._open[-1] += size
            return node  # type: ignore[no-any-return]
        self._open.append(0)
        node = super().compose_node(parent, index)  # type: ignore[misc]
        size = 1 + self._open.pop()
        self._sizes[id(node)] = size
        if self._open:
            self._open[-1] += size
        return node  # type: ignore[no-any-return]


class BoundedSafeLoader(_AliasBound, yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses alias bombs.

    PyYAML keeps an alias as a shared reference, so loading a "billion laughs" document is
    cheap, but any code that walks the result visits every expansion (10^9 nodes) and a
    recursive alias (``a: &a [*a]``) makes such a walk endless. This loader counts the nodes
    each alias stands for and raises :class:`YamlAliasError` past :data:`YAML_MAX_ALIAS_NODES`,
    and on an alias used inside its own anchor.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._bound()


_CParser: Any
try:  # libyaml's scanner and parser, when PyYAML was built with it
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover
    _CParser = None


if _CParser is not None:

    class _BoundedCSafeLoader(
        _AliasBound,
        yaml.composer.Composer,
        _CParser,  # type: ignore[misc]
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """:class:`BoundedSafeLoader` on libyaml's events: the same composition (PyYAML's own
        composer, with the alias bound), the same constructor and resolver, the scanning and
        parsing in C (about six times faster on the YAML files of the ecosystem set, with the
        same nodes, values, tags and start marks). A plain scalar's style is None, as PyYAML's
        own parser gives it (libyaml says ``""``). Two things differ and no rule reads them: a
        block sequence not indented under its key has ``flow_style`` False (PyYAML: None), and
        a block collection's end mark is where the next token starts."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._bound()

        def compose_scalar_node(self, anchor: Any) -> yaml.ScalarNode:
            node: yaml.ScalarNode = super().compose_scalar_node(anchor)
            if node.style == "":
                node.style = None
            return node

    _FAST_LOADERS: tuple[Any, ...] = (_BoundedCSafeLoader,)
else:  # pragma: no cover - PyYAML built without libyaml
    _FAST_LOADERS = ()


def yaml_load_all(text: str) -> list[Any]:
    """Every non-empty document of ``text`` (:class:`BoundedSafeLoader`; raises YAMLError).
    libyaml reads it first; where it fails, PyYAML's own parser reads it again, so that what
    fails and the message it fails with are PyYAML's."""
    return _libyaml_first(text, _documents)


def yaml_compose_all(text: str) -> list[yaml.Node]:
    """Every non-empty document of ``text`` as a node tree, as :func:`yaml_load_all` reads."""
    return _libyaml_first(text, _nodes)


def _libyaml_first(text: str, read: Callable[[str, Any], list[_T]]) -> list[_T]:
    if _FAST_LOADERS:
        try:
            return read(text, _FAST_LOADERS[0])
        except Exception:  # noqa: BLE001 - PyYAML's own parser decides, and says why
            return read(text, BoundedSafeLoader)
    return read(text, BoundedSafeLoader)


def _documents(text: str, loader: Any) -> list[Any]:
    return [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]


def _nodes(text: str, loader: Any) -> list[yaml.Node]:
    return [node for node in yaml.compose_all(text, Loader=loader) if node is not None]


def _python_encoding(data: bytes) -> str:
    """The encoding PEP 263 and the BOM declare, as the interpreter would read it."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return "utf-8"
    return encoding


_TREE_SITTER_KINDS = {
    "go": "go",
    "rust": "rust",
    "typescript": "typescript",
    "javascript": "javascript",
}


def _tree_sitter_grammar(path: str, kind: str) -> str | None:
    """The grammar for a file: ``tsx`` for ``.tsx`` files, else the kind's own (or None)."""
    grammar = _TREE_SITTER_KINDS.get(kind)
    if grammar == "typescript" and path.lower().endswith(".tsx"):
        return "tsx"
    if grammar == "javascript" and path.lower().endswith(".jsx"):
        return "javascript"  # the JavaScript grammar parses JSX too
    return grammar


@functools.cache
def _tree_sitter_language(grammar: str) -> tree_sitter.Language:
    """The compiled grammar, loaded once per process from its wheel (no download)."""
    import tree_sitter

    if grammar == "go":
        import tree_sitter_go

        return tree_sitter.Language(tree_sitter_go.language())
    if grammar == "rust":
        import tree_sitter_rust

        return tree_sitter.Language(tree_sitter_rust.language())
    if grammar in {"typescript", "tsx"}:
        import tree_sitter_typescript

        if grammar == "tsx":
            return tree_sitter.Language(tree_sitter_typescript.language_tsx())
        return tree_sitter.Language(tree_sitter_typescript.language_typescript())
    import tree_sitter_javascript

    return tree_sitter.Language(tree_sitter_javascript.language())


#: kinds of data rather than code or configuration
_DATA_KINDS = frozenset({"json", "other", "markdown", "sql"})
_GO_NEW = re.compile(rb"\bnew\(")
_RUST_EXTERN_TYPE = re.compile(rb"^(?:pub(?:\([^)]*\))?\s+)?type\s+\w+$")


def _grammar_gap(node: tree_sitter.Node, data: bytes) -> bool:
    """An ERROR or MISSING node where the source is valid and the tree-sitter grammar falls
    short (checked against the languages' own compilers):

    - TypeScript: type arguments on a tagged template (``styled.div<{ $on: boolean }>`...```),
      which the grammar repairs with a MISSING ``!``;
    - JSX: a bare ``&`` in element text (``<span>A & B</span>``);
    - Rust: an extern type in an ``extern`` block (``extern "C" { pub type T; }``, as
      wasm-bindgen declares JavaScript classes).
    """
    parent = node.parent
    if node.is_missing and node.type == "!" and parent is not None:
        return parent.type == "non_null_expression" and any(
            c.type == "instantiation_expression" for c in parent.named_children
        )
    if not node.is_error or parent is None:
        return False
    text = data[node.start_byte : node.end_byte]
    if parent.type in ("jsx_element", "jsx_fragment"):
        return text.startswith(b"&") and all(
            c.type in ("&", "identifier", "jsx_text") for c in node.children
        )
    if parent.type == "declaration_list":
        owner = parent.parent
        after = (
            parent.children[parent.children.index(node) + 1 :] if node in parent.children else []
        )
        return (
            owner is not None
            and owner.type == "foreign_mod_item"
            and _RUST_EXTERN_TYPE.match(text.strip()) is not None
            and bool(after)
            and after[0].type in ("empty_statement", ";")
        )
    return False


def _only_grammar_gaps(root: tree_sitter.Node, data: bytes) -> bool:
    """Whether every ERROR/MISSING node of the tree is a known grammar gap (valid source)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            if not _grammar_gap(node, data):
                return False
            continue
        stack.extend(c for c in node.children if c.has_error or c.is_missing)
    return True


def _first_error_node(root: tree_sitter.Node, data: bytes = b"") -> tree_sitter.Node | None:
    """The first ERROR or MISSING node in document order that is not a known grammar gap
    (iterative; trees can be deep)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            if data and _grammar_gap(node, data):
                continue
            return node
        stack.extend(
            child for child in reversed(node.children) if child.has_error or child.is_missing
        )
    return None
