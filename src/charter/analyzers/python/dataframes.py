"""polars-for-dataframes and polars-lazy: the data profile's Polars mandate.

- ``polars-for-dataframes`` gives one verdict per repository, since the dataframe library is a
  technology choice: when non-test code imports pandas (``import pandas``,
  ``from pandas import …``, ``import pandas.io.sql``), one finding at the first import (by
  path), with every other import as a related location. An import under
  ``if TYPE_CHECKING:`` only names a type and passes, and so does ``df.to_pandas()`` interop
  (a method call, no import). So does pandas in a file that plugs it into a framework through
  an integration module named for pandas (``dagster_snowflake_pandas``,
  ``snowflake.connector.pandas_tools``, ``pandas_gbq``): there the framework's contract is a
  pandas frame. Not applicable when no code imports pandas or Polars.
- ``polars-lazy`` reports eager Polars readers that have a lazy ``scan_*`` twin
  (``read_csv``, ``read_parquet``, ``read_ipc``, ``read_ndjson``, ``read_delta``) only where the
  twin could be used: the source (first argument or ``source=``) is a path. ``scan_*`` takes
  paths, globs and URIs, but not bytes, buffers or open files, so an eager read of those is the
  only option and passes. See :class:`PathSources` for what counts as a path; anything it cannot
  tell (a call result, a subscript, a name bound some other way) passes, so the rule errs
  towards silence. Readers without a lazy twin (``read_excel``, ``read_database``) pass. Not
  applicable when no code imports Polars.
"""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import FunctionNode, FunctionScopes, RelevantRule, keyword
from charter.analyzers.python.names import ImportMap, is_under, name_chain
from charter.repo import RepoIndex
from charter.sources import SourceFile

LAZY_TWIN = {
    "read_csv": "scan_csv",
    "read_parquet": "scan_parquet",
    "read_ipc": "scan_ipc",
    "read_ndjson": "scan_ndjson",
    "read_delta": "scan_delta",
}
#: calls that make a filesystem path
PATH_FACTORIES = frozenset(
    {
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.PurePosixPath",
        "pathlib.WindowsPath",
        "pathlib.PureWindowsPath",
        "upath.UPath",
        "os.path.join",
        "os.path.abspath",
        "os.path.realpath",
        "os.path.normpath",
        "os.path.expanduser",
        "os.path.expandvars",
        "tempfile.mktemp",
        "tempfile.mkdtemp",
    }
)
#: calls that give back their argument as a path (or its string)
PATH_CONVERSIONS = frozenset({"str", "os.fspath"})
#: methods that only a path has, returning a path
PATH_METHODS = frozenset({"joinpath", "with_name", "with_suffix", "with_stem", "with_segments"})
#: path methods that return a path when called on one (``p.resolve()``)
PATH_PRESERVING = frozenset({"resolve", "absolute", "expanduser", "as_posix"})
#: what a loop over a listing of paths binds: ``for p in root.glob("*.csv")``
PATH_LISTINGS = frozenset({"glob", "rglob", "iterdir"})
PATH_LISTING_CALLS = frozenset({"glob.glob", "glob.iglob"})
#: last names of annotation types that are paths; ``str`` alone is decided by the name
PATH_TYPES = frozenset({"Path", "PurePath", "PosixPath", "WindowsPath", "PathLike", "UPath"})
#: an attribute named like a path: ``self.path``, ``settings.orders_path``, ``cfg.uri``
PATH_ATTRIBUTE = re.compile(
    r"^(paths?|filename|filepath|file_path|fname|uri)$|_(paths?|filename|filepath|uri)$|^path_",
    re.IGNORECASE,
)
#: a parameter named like a path: those, and ``source``/``src`` (Polars' own parameter name)
PATH_PARAMETER = re.compile(rf"^(sources?|src)$|{PATH_ATTRIBUTE.pattern}", re.IGNORECASE)


class PathSources:
    """Whether an expression is a path, as far as one file's syntax tells (the source of an
    eager read that a ``scan_*`` could take instead).

    A path is: a string literal (without a newline), an f-string, ``%``/``.format()``/``+``
    on a string literal; ``Path(...)``/``PurePath``/``UPath``, ``os.path.join``/``abspath``/…,
    ``tempfile.mktemp()``, a function named like a path (``get_table_path(name)``);
    ``a / b`` with a path or string operand; ``p.joinpath``/``with_name``/``with_suffix``;
    ``str(p)``, ``os.fspath(p)``, ``p.resolve()`` of a path; a list of paths; an attribute named
    like a path (``self.orders_path``); a variable assigned a path (in the enclosing functions,
    else at module level), a loop variable over ``glob``/``rglob``/``iterdir`` or over paths;
    and a parameter annotated with a path type (``Path``, ``os.PathLike``, ``str | Path``) or,
    unannotated or annotated ``str``, named like one (``path``, ``source``, ``src``,
    ``filename``, ``uri``, ``*_path``). Bytes, buffers (``io.BytesIO``), open files, response
    bodies and a parameter whose annotation admits them (``bytes``, ``IO[bytes]``) are not paths;
    neither is anything else the syntax does not tell.
    """

    imports: ImportMap

    def begin_paths(self, tree: ast.Module | None) -> None:
        #: per scope (module first, then each enclosing function): name -> bound to a path
        self.path_scopes: list[dict[str, bool]] = [{}]
        if tree is None:
            return
        stack: list[ast.stmt] = list(tree.body)
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, ast.If | ast.Try):
                stack.extend(stmt.body)
                stack.extend(stmt.orelse)
                if isinstance(stmt, ast.Try):
                    stack.extend(stmt.finalbody)
            elif isinstance(stmt, ast.Assign | ast.AnnAssign):
                self.bind_assignment(stmt)

    def bind_name(self, target: ast.AST, is_path: bool) -> None:
        """Bind the names of an assignment target in the innermost scope."""
        if isinstance(target, ast.Name):
            self.path_scopes[-1][target.id] = is_path
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.bind_name(element, False)
        elif isinstance(target, ast.Starred):
            self.bind_name(target.value, False)

    def bind_assignment(self, node: ast.Assign | ast.AnnAssign | ast.NamedExpr) -> None:
        if isinstance(node, ast.Assign):
            is_path = self.is_path(node.value)
            for target in node.targets:
                self.bind_name(target, is_path)
        elif node.value is not None:
            self.bind_name(node.target, self.is_path(node.value))

    def bind_loop(self, target: ast.AST, iterable: ast.AST) -> None:
        self.bind_name(target, self._lists_paths(iterable))

    def bind_parameters(self, node: FunctionNode) -> None:
        scope: dict[str, bool] = {}
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            scope[arg.arg] = self._path_parameter(arg)
        for star in (args.vararg, args.kwarg):
            if star is not None:
                scope[star.arg] = False
        self.path_scopes.append(scope)

    def unbind_parameters(self) -> None:
        self.path_scopes.pop()

    def _path_parameter(self, arg: ast.arg) -> bool:
        types = self._annotation_types(arg.annotation) if arg.annotation is not None else []
        types = [t for t in types if t != "None"]
        if types and any(t not in PATH_TYPES and t != "str" for t in types):
            return False  # admits bytes, a buffer, a file, or something unknown
        if any(t in PATH_TYPES for t in types):
            return True
        return bool(PATH_PARAMETER.search(arg.arg))

    def _annotation_types(self, node: ast.expr) -> list[str]:
        """Last names of the types an annotation admits (``Optional[str | Path]`` gives
        ``["str", "Path"]``); ``?`` for a part that is not a plain name."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value.strip(), mode="eval").body
            except SyntaxError:
                return ["?"]
        if isinstance(node, ast.Constant) and node.value is None:
            return ["None"]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._annotation_types(node.left) + self._annotation_types(node.right)
        if isinstance(node, ast.Subscript):
            base = name_chain(node.value)
            if base and base[-1] in ("Union", "Optional"):
                parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                return [t for part in parts for t in self._annotation_types(part)]
            node = node.value  # os.PathLike[str] is a PathLike; IO[bytes] an IO
        chain = name_chain(node)
        return [chain[-1]] if chain else ["?"]

    def _lookup(self, name: str) -> bool:
        for scope in reversed(self.path_scopes):
            if name in scope:
                return scope[name]
        return False

    def _lists_paths(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            if self.imports.qualify(node.func) in PATH_LISTING_CALLS:
                return True
            func = node.func
            return isinstance(func, ast.Attribute) and func.attr in PATH_LISTINGS
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return bool(node.elts) and all(self.is_path(e) for e in node.elts)
        return isinstance(node, ast.Name | ast.Attribute) and self.is_path(node)

    def is_path(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str) and "\n" not in node.value
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.Name):
            return self._lookup(node.id)
        if isinstance(node, ast.Attribute):
            return bool(PATH_ATTRIBUTE.search(node.attr))
        if isinstance(node, ast.BinOp):
            return self._path_operation(node)
        if isinstance(node, ast.Call):
            return self._path_call(node)
        if isinstance(node, ast.List | ast.Tuple):
            return bool(node.elts) and all(self.is_path(e) for e in node.elts)
        if isinstance(node, ast.IfExp):
            return self.is_path(node.body) and self.is_path(node.orelse)
        return False

    def _path_operation(self, node: ast.BinOp) -> bool:
        if isinstance(node.op, ast.Div | ast.Add):
            return self.is_path(node.left) or self.is_path(node.right)
        if isinstance(node.op, ast.Mod):
            return isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
        return False

    def _path_call(self, node: ast.Call) -> bool:
        name = self.imports.qualify(node.func)
        if name in PATH_FACTORIES:
            return True
        if name in PATH_CONVERSIONS:
            return len(node.args) == 1 and self.is_path(node.args[0])
        if name and PATH_ATTRIBUTE.search(name.rsplit(".", 1)[-1]):
            return True  # a function named for what it returns: get_table_path(name)
        func = node.func
        if not isinstance(func, ast.Attribute):
            return False
        if func.attr in PATH_METHODS:
            return True
        if func.attr in PATH_PRESERVING:
            return self.is_path(func.value)
        if func.attr == "format":
            return isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)
        return False


class _ImportsFact(RelevantRule):
    """Relevant where a file imports one of ``watched``."""

    watched: ClassVar[tuple[str, ...]] = ()

    def end(self) -> None:
        self.relevant = self.imports.imports_any(self.watched)
        super().end()


#: a module that plugs pandas into a framework: ``dagster_duckdb_pandas``, ``pandas_gbq``,
#: ``snowflake.connector.pandas_tools`` (pandas itself excepted)
PANDAS_INTEGRATION = re.compile(r"(?:^|[._])pandas(?:[._]|$)")


class PolarsForDataframesAnalyzer(_ImportsFact):
    """One finding per repository whose code imports pandas, where the profile mandates
    Polars."""

    name: ClassVar[str] = "polars-for-dataframes"
    prefilter: ClassVar[tuple[str, ...]] = ("pandas", "polars")
    watched: ClassVar[tuple[str, ...]] = ("pandas", "polars")
    na_reason: ClassVar[str] = "no code imports a dataframe library (pandas or Polars)"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.type_only: set[int] = set()
        self.pandas_imports: list[tuple[int, str]] = []

    def end(self) -> None:
        integration = sorted(
            module
            for module in self.imports.modules
            if PANDAS_INTEGRATION.search(module) and not is_under(module, "pandas")
        )
        for line, module in self.pandas_imports:
            self.out.fact({"line": line, "module": module, "integration": integration})
        super().end()

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = repo.facts(self)
        if not any(facts.values()):
            out.not_applicable(self.na_reason)
            return
        # the repository's own modules (``app/utils/pandas.py``) are no framework integration
        local = {part for path in repo.of_kind("python") for part in path[:-3].split("/")}
        sites = sorted(
            (
                path,
                fact["line"],
                fact["module"],
                any(m.split(".", 1)[0] not in local for m in fact["integration"]),
            )
            for path, values in facts.items()
            for fact in values
            if isinstance(fact, dict)
        )
        for path, line, _module, integration in sites:
            if integration:
                out.evidence(f"pandas at {path}:{line} feeds a framework's pandas integration")
        own = [site for site in sites if not site[3]]
        if not own:
            return
        path, line, module, _ = own[0]
        files = len({site[0] for site in own})
        out.report(
            line,
            f"pandas is this repository's dataframe library (`{module}` here, imported in "
            f"{files} file{'s' if files != 1 else ''}): the profile standardises on Polars; "
            "port the transformations to `import polars as pl`",
            path=path,
            related=tuple((p, n) for p, n, _, _ in own[1:]),
        )

    def visit_If(self, node: ast.If) -> None:
        name = self.qualify(node.test)
        if name in ("typing.TYPE_CHECKING", "TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"):
            self.type_only.update(id(stmt) for stmt in node.body)

    def visit_Import(self, node: ast.Import) -> None:
        if id(node) in self.type_only:
            return
        for alias in node.names:
            if is_under(alias.name, "pandas"):
                self._report(node, alias.name)
                return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if id(node) in self.type_only or node.level or not node.module:
            return
        if is_under(node.module, "pandas"):
            self._report(node, node.module)

    def _report(self, node: ast.stmt, module: str) -> None:
        self.pandas_imports.append((node.lineno, module))


class PolarsLazyAnalyzer(FunctionScopes, PathSources, _ImportsFact):
    """Report eager Polars reads of a path, which a lazy ``scan_*`` could read instead."""

    name: ClassVar[str] = "polars-lazy"
    prefilter: ClassVar[tuple[str, ...]] = ("polars",)
    watched: ClassVar[tuple[str, ...]] = ("polars",)
    na_reason: ClassVar[str] = "no code imports Polars"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.begin_paths(file.python_ast)

    def enter_function(self, node: FunctionNode) -> None:
        self.bind_parameters(node)

    def exit_function(self, node: FunctionNode) -> None:
        self.unbind_parameters()

    def _loop(self, node: ast.For | ast.AsyncFor) -> None:
        self.bind_loop(node.target, node.iter)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        # bound before the walk reaches the element, which comes first in the tree
        for generator in node.generators:
            self.bind_loop(generator.target, generator.iter)

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self.bind_name(item.optional_vars, False)  # an open file, not a path

    visit_Assign = visit_AnnAssign = visit_NamedExpr = PathSources.bind_assignment
    visit_For = visit_AsyncFor = _loop
    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension
    visit_With = visit_AsyncWith = _with

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualify(node.func)
        if name is None or not name.startswith("polars."):
            return
        func = name.rsplit(".", 1)[-1]
        if func not in LAZY_TWIN:
            return
        source_kw = keyword(node, "source")
        source = node.args[0] if node.args else (source_kw.value if source_kw else None)
        if source is None or not self.is_path(source):
            return  # bytes, a buffer, an open file or unknown: scan_* may not take it
        self.at(
            node,
            f"eager `pl.{func}()` of a path: use `pl.{LAZY_TWIN[func]}()` and `.collect()` at "
            "the end so Polars can push filters and projections into the read",
        )
