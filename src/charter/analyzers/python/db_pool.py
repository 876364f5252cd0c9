"""db-pool-configured: database connection pools are sized, not left at their defaults.

Python, on the ``ast`` tree with imports resolved: ``sqlalchemy.create_engine`` /
``sqlalchemy.ext.asyncio.create_async_engine`` need ``pool_size`` (or ``max_overflow``, or an
explicit ``poolclass``), SQLite URLs excepted; ``asyncpg.create_pool`` and
``psycopg_pool.(Async)ConnectionPool`` need ``max_size``. Go, on the tree-sitter tree: a
``sql.Open``/``sqlx.Open``/``sqlx.Connect`` pool needs a ``SetMaxOpenConns`` call somewhere in
the module's non-test code, and ``pgxpool.New`` a ``MaxConns`` setting (which goes through
``pgxpool.ParseConfig`` + ``NewWithConfig``). Go handles that serve no load are left alone, as
on the Python side: a SQLite driver (``sql.Open("sqlite", path)``, ``"sqlite3"``: a local file
has no server connections to size), a one-shot handle (bound to a local variable that is only
used as the receiver of method calls, ``db.Exec(..)``, ``defer db.Close()``, in the function that
opened it: never returned, stored or passed on) and a test helper (a function taking
``testing.TB``, ``*testing.T``, ``*testing.B`` or ``*testing.F``, in a file not named
``_test.go`` that tests import). Not applicable when no pool is opened.
"""

from __future__ import annotations

import ast
from typing import Any, ClassVar

import tree_sitter

from charter.analyzers.base import TEST_PATH_GLOBS, Analyzer, Emitter, path_matches
from charter.analyzers.go.common import import_names, is_foreign, is_test_file
from charter.analyzers.python.common import keyword
from charter.analyzers.python.names import import_map
from charter.analyzers.treesitter import ancestors, captures, descendants, line, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

#: Python pool constructors -> the keywords of which one sizes the pool
PY_POOLS: dict[str, tuple[str, ...]] = {
    "sqlalchemy.create_engine": ("pool_size", "max_overflow", "poolclass"),
    "sqlalchemy.engine.create_engine": ("pool_size", "max_overflow", "poolclass"),
    "sqlalchemy.ext.asyncio.create_async_engine": ("pool_size", "max_overflow", "poolclass"),
    "asyncpg.create_pool": ("max_size",),
    "psycopg_pool.ConnectionPool": ("max_size",),
    "psycopg_pool.AsyncConnectionPool": ("max_size",),
}
GO_OPENERS = {
    "database/sql": ("Open",),
    "github.com/jmoiron/sqlx": ("Open", "Connect", "MustConnect", "MustOpen"),
}
GO_PGXPOOL = ("github.com/jackc/pgx/v5/pgxpool", "github.com/jackc/pgx/v4/pgxpool")
_GO_CALLS = "(call_expression function: (selector_expression) @fn) @call"
_GO_FUNCTIONS = frozenset({"function_declaration", "method_declaration", "func_literal"})
_GO_TESTING = frozenset({"testing.TB", "*testing.T", "*testing.B", "*testing.F"})


class DbPoolConfiguredAnalyzer(Analyzer):
    """File phase: pools opened (and Go sizing calls seen) as facts; repo phase: the verdict."""

    name: ClassVar[str] = "db-pool-configured"
    kinds: ClassVar[frozenset[str]] = frozenset({"python", "go"})
    prefilter: ClassVar[tuple[str, ...]] = (
        "create_engine",
        "create_async_engine",
        "create_pool",
        "ConnectionPool",
        "database/sql",
        "sqlx",
        "pgxpool",
    )

    def applies_to(self, file: SourceFile) -> bool:
        if file.kind == "go":
            return not is_test_file(file.path) and not is_foreign(file)
        return file.kind == "python" and not path_matches(file.path, TEST_PATH_GLOBS)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        if file.kind == "python":
            self._python(file, out)
        else:
            self._go(file, out)

    def _python(self, file: SourceFile, out: Emitter) -> None:
        tree = file.python_ast
        if tree is None:
            return
        names = import_map(tree)
        exempt = sqlite_branches(tree) | one_shot_engines(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in exempt:
                continue
            callee = names.qualify(node.func) or ""
            sizing = PY_POOLS.get(callee)
            if sizing is None:
                continue
            first = node.args[0] if node.args else None
            url = first.value if isinstance(first, ast.Constant) else None
            if isinstance(url, str) and url.startswith("sqlite"):
                continue
            sized = any(keyword(node, k) is not None for k in sizing)
            sized = sized or any(kw.arg is None for kw in node.keywords)  # **options
            out.fact({"pool": callee, "line": node.lineno, "sized": sized, "needs": sizing[0]})

    def _go(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        root = tree.root_node
        openers = {
            f"{alias}.{fn}"
            for path, fns in GO_OPENERS.items()
            for alias in import_names(root, path)
            for fn in fns
        }
        pgx = {f"{alias}.New" for path in GO_PGXPOOL for alias in import_names(root, path)}
        source = file.text or ""
        if "SetMaxOpenConns" in source:
            out.fact({"go_sized": "sql"})
        if "MaxConns" in source:
            out.fact({"go_sized": "pgx"})
        for call in captures(tree.language, root, _GO_CALLS).get("call", []):
            name = text(call.child_by_field_name("function")).replace(" ", "")
            if name in openers and _go_serves_no_load(call):
                continue
            if name in openers:
                out.fact({"go_pool": name, "line": line(call), "kind": "sql"})
            elif name in pgx:
                out.fact({"go_pool": name, "line": line(call), "kind": "pgx"})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts: dict[str, list[Any]] = dict(repo.facts(self))
        go_sized = {f["go_sized"] for fs in facts.values() for f in fs if "go_sized" in f}
        opened = False
        for path in sorted(facts):
            for fact in facts[path]:
                if "pool" in fact:
                    opened = True
                    if fact["sized"]:
                        out.evidence(f"{fact['pool']} sized at {path}:{fact['line']}")
                    else:
                        out.report(
                            fact["line"],
                            f"{fact['pool']}(...) leaves the pool at its default size: set "
                            f"{fact['needs']} (and the overflow/timeout) for the expected load",
                            path=path,
                        )
                elif "go_pool" in fact:
                    opened = True
                    if fact["kind"] in go_sized:
                        out.evidence(f"{fact['go_pool']} at {path}:{fact['line']} is sized")
                        continue
                    fix = (
                        "call SetMaxOpenConns, SetMaxIdleConns and SetConnMaxLifetime on it"
                        if fact["kind"] == "sql"
                        else "set MaxConns through pgxpool.ParseConfig and NewWithConfig"
                    )
                    out.report(
                        fact["line"],
                        f"{fact['go_pool']}(...) opens a pool that is never sized: {fix}",
                        path=path,
                    )
        if not opened:
            out.not_applicable("no database connection pool is opened in non-test code")


def _go_serves_no_load(call: tree_sitter.Node) -> bool:
    """A ``sql.Open``/``sqlx.Open`` handle that serves no load: SQLite, a one-shot handle, or
    one opened by a test helper (see the module docstring)."""
    args = call.child_by_field_name("arguments")
    driver = args.named_children[0] if args is not None and args.named_children else None
    if driver is not None and "sqlite" in text(driver).lower():
        return True
    function = next((a for a in ancestors(call) if a.type in _GO_FUNCTIONS), None)
    if function is None:
        return False
    params = function.child_by_field_name("parameters")
    if params is not None and any(
        text(p.child_by_field_name("type")).replace(" ", "") in _GO_TESTING
        for p in params.named_children
        if p.type == "parameter_declaration"
    ):
        return True
    return _go_one_shot(call, function)


def _go_one_shot(call: tree_sitter.Node, function: tree_sitter.Node) -> bool:
    """``db, err := sql.Open(..)`` where ``db`` is then only the receiver of method calls
    (``db.Exec(..)``, ``defer db.Close()``) in the function: never returned, stored or passed."""
    values = call.parent
    statement = values.parent if values is not None else None
    if (
        values is None
        or statement is None
        or values.type != "expression_list"
        or statement.type not in {"short_var_declaration", "assignment_statement"}
        or statement.child_by_field_name("right") != values
    ):
        return False
    left = statement.child_by_field_name("left")
    names = left.named_children if left is not None else []
    if not names or names[0].type != "identifier" or text(names[0]) == "_":
        return False
    variable = text(names[0])
    body = function.child_by_field_name("body")
    if body is None:
        return False
    uses = [
        n
        for n in descendants(body, ("identifier",))
        if text(n) == variable and n.start_byte > names[0].end_byte
    ]
    for use in uses:
        parent = use.parent
        receiver = (
            parent is not None
            and parent.type == "selector_expression"
            and parent.child_by_field_name("operand") == use
            and parent.parent is not None
            and parent.parent.type == "call_expression"
            and parent.parent.child_by_field_name("function") == parent
        )
        if not receiver:
            return False
    return bool(uses)


def _mentions_sqlite(test: ast.expr) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            word = node.value
        elif isinstance(node, ast.Name):
            word = node.id
        elif isinstance(node, ast.Attribute):
            word = node.attr
        else:
            continue
        if "sqlite" in word.lower():
            return True
    return False


def sqlite_branches(tree: ast.AST) -> set[int]:
    """Calls in the body of an ``if``/``elif`` that tests for SQLite (``if "sqlite" in url:``,
    ``elif url.startswith("sqlite+aiosqlite"):``, ``if db_type == SQLITE:``): SQLite has no
    server-side connections to size, whatever the other branches do."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.If) or isinstance(node.test, ast.UnaryOp):
            continue
        if _mentions_sqlite(node.test):
            for stmt in node.body:
                found.update(id(n) for n in ast.walk(stmt) if isinstance(n, ast.Call))
    return found


def one_shot_engines(tree: ast.AST) -> set[int]:
    """Calls whose pool lives in one function and never leaves it: bound to a local name that is
    only ever used as ``name.method(...)`` (``engine.begin()``, ``engine.dispose()``), never
    returned, stored or passed on. Such an engine serves one check or one job (a migration
    check, a backup), not the application's load."""
    found: set[int] = set()
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        body = [n for stmt in func.body for n in ast.walk(stmt)]
        shared = {
            name for n in body if isinstance(n, ast.Global | ast.Nonlocal) for name in n.names
        }
        receivers = {
            id(n.value)
            for n in body
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
        }
        for node in body:
            if not (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)
            ):
                continue
            name = node.targets[0].id
            if name in shared:
                continue
            uses = [
                n
                for n in body
                if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
            ]
            if uses and all(id(n) in receivers for n in uses):
                found.add(id(node.value))
    return found
