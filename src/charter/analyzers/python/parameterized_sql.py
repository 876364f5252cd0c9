"""parameterized-sql: SQL built from values by string formatting and handed to a driver.

A call is checked when it takes SQL text: a method named ``execute``, ``executemany``,
``executescript``, ``exec_driver_sql``, ``raw`` (Django), ``read_sql``/``read_sql_query``
(pandas), ``fetch``/``fetchrow``/``fetchval`` (asyncpg), SQLAlchemy's ``text()``, or a function
resolved by qualified name (any alias): Polars' ``read_database``/``read_database_uri`` and
pandas' ``read_sql``/``read_sql_query`` imported by name. Its SQL
argument (the first, or ``sql=``/``statement=``/``query=``/``operation=``) is reported when it is
built with an f-string that interpolates something, ``%`` formatting, ``.format()`` or ``+``
concatenation with a non-literal, directly or through a variable assigned (or ``+=``-extended)
that way earlier in the same function or at module level. The text must look like SQL (a keyword
such as SELECT, INSERT, UPDATE, DELETE, WHERE …), so ``executor.execute(f"job {n}")`` is not
reported. A literal with ``%s``/``?``/``:name`` placeholders and the values passed separately is
exactly what the rule asks for and passes; so does psycopg's ``sql.SQL(...).format(...)``, and
so does text whose every interpolated value is a constant (``{MAX_ROWS}``) or an escaped
identifier (``{escape_sqlite(table)}``, ``{quote_ident(column)}``), which parameters cannot
express.
Not applicable when no such call is made.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    FunctionNode,
    FunctionScopes,
    RelevantRule,
    is_str,
    keyword,
)
from charter.analyzers.python.names import name_chain
from charter.sources import SourceFile

SQL_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "exec_driver_sql",
        "raw",
        "read_sql",
        "read_sql_query",
        "fetch",
        "fetchrow",
        "fetchval",
    }
)
TEXT_FUNCTIONS = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "sqlmodel.text"}
)
#: functions that take SQL text, by qualified name (``from polars import read_database as rd``)
SQL_FUNCTIONS = frozenset(
    {
        "polars.read_database",
        "polars.read_database_uri",
        "polars.io.read_database",
        "polars.io.read_database_uri",
        "polars.io.database.read_database",
        "polars.io.database.read_database_uri",
        "pandas.read_sql",
        "pandas.read_sql_query",
        "pandas.io.sql.read_sql",
        "pandas.io.sql.read_sql_query",
    }
)
SQL_KEYWORDS = ("sql", "statement", "query", "operation")
#: ``.execute(``, ``.fetchrow (`` ...: a method call the rule checks, as text
SQL_METHOD_CALL = re.compile(r"\.\s*(?:" + "|".join(sorted(SQL_METHODS)) + r")\s*\(")
LOOKS_LIKE_SQL = re.compile(
    r"\b(select|insert|update|delete|create|drop|alter|merge|replace|truncate|grant|pragma|"
    r"from|where|values|set|join|order\s+by|group\s+by|limit)\b",
    re.IGNORECASE,
)

#: words in the name of a function that makes an identifier safe to put into SQL text
ESCAPERS = ("escape", "quote", "identifier")

#: a variable's state in a scope: None = SQL text without values, str = how values were put in
Tracked = str | None


class ParameterizedSqlAnalyzer(FunctionScopes, RelevantRule):
    """Report SQL assembled by string formatting and passed to an execute-like call."""

    name: ClassVar[str] = "parameterized-sql"
    prefilter: ClassVar[tuple[str, ...]] = ("sqlalchemy", "sqlmodel", "read_sql", "read_database")

    def wants_text(self, text: str) -> bool:
        # "execute" and "text(" ("context(") are everywhere: a method call by one of the names
        # in SQL_METHODS, or an import of a library whose functions take SQL by any alias
        return bool(SQL_METHOD_CALL.search(text)) or super().wants_text(text)

    na_reason: ClassVar[str] = "the code executes no SQL"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.scopes: list[dict[str, Tracked]] = [{}]

    def enter_function(self, node: FunctionNode) -> None:
        self.scopes.append({})

    def exit_function(self, node: FunctionNode) -> None:
        self.scopes.pop()

    def _lookup(self, name: str) -> tuple[bool, Tracked]:
        for scope in reversed(self.scopes):
            if name in scope:
                return True, scope[name]
        return False, None

    def _literal_text(self, node: ast.AST) -> str:
        return " ".join(
            n.value
            for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        )

    def _is_sql_var(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and self._lookup(node.id)[0]

    def _formatting(self, node: ast.AST) -> str | None:
        """How values were formatted into ``node``'s text, if they were."""
        if isinstance(node, ast.JoinedStr):
            values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
            return "an f-string" if not self._all_safe(values) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            if is_str(node.left) or self._is_sql_var(node.left):
                right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return "`%` formatting" if not self._all_safe(right) else None
            return None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "format" and (
                is_str(node.func.value) or self._is_sql_var(node.func.value)
            ):
                values = [*node.args, *(kw.value for kw in node.keywords)]
                return "`.format()`" if not self._all_safe(values) else None
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            operands = self._flatten_add(node)
            if any(is_str(o) or self._is_sql_var(o) for o in operands):
                for operand in operands:
                    inner = self._formatting(operand)
                    if inner:
                        return inner
                others = [o for o in operands if not (is_str(o) or self._is_sql_var(o))]
                if others and not self._all_safe(others):
                    return "string concatenation"
            return None
        if isinstance(node, ast.Name):
            return self._lookup(node.id)[1]
        return None

    def _all_safe(self, values: Sequence[ast.AST]) -> bool:
        """Whether every value put into SQL text is a constant, an ``UPPER_CASE`` constant name
        or the result of an identifier-escaping call (``escape_sqlite(t)``, ``quote_ident(c)``,
        ``sql.Identifier(t)``): what parameters cannot do, done safely."""
        for value in values:
            if isinstance(value, ast.Constant):
                continue
            if isinstance(value, ast.Name) and value.id.isupper():
                continue
            if isinstance(value, ast.Call):
                chain = name_chain(value.func)
                last = chain[-1].lower() if chain else ""
                if any(word in last for word in ESCAPERS):
                    continue
            return False
        return True

    def _flatten_add(self, node: ast.AST) -> list[ast.AST]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._flatten_add(node.left) + self._flatten_add(node.right)
        return [node]

    def _classify(self, value: ast.AST) -> tuple[bool, Tracked]:
        """(is SQL text, how values were formatted in) for an assigned value."""
        if isinstance(value, ast.Name):
            return self._lookup(value.id)
        if not LOOKS_LIKE_SQL.search(self._literal_text(value)):
            return False, None
        how = self._formatting(value)
        return True, (f"{how} (line {getattr(value, 'lineno', '?')})" if how else None)

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return
        name = node.targets[0].id
        is_sql, how = self._classify(node.value)
        if is_sql:
            self.scopes[-1][name] = how
        else:
            self.scopes[-1].pop(name, None)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if not isinstance(node.target, ast.Name) or not isinstance(node.op, ast.Add):
            return
        known, how = self._lookup(node.target.id)
        if not known:
            is_sql, how = self._classify(node.value)
            if not is_sql:
                return
        if how is None and not is_str(node.value) and not self._is_sql_var(node.value):
            inner = self._formatting(node.value)
            how = f"{inner or 'string concatenation'} (line {node.lineno})"
        self.scopes[-1][node.target.id] = how

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        qualified = self.qualify(func)
        if qualified in SQL_FUNCTIONS or qualified in TEXT_FUNCTIONS:
            label = f"`{qualified}()`"
        elif isinstance(func, ast.Attribute) and func.attr in SQL_METHODS:
            label = f"`.{func.attr}()`"
        else:
            return
        sql: ast.AST | None = node.args[0] if node.args else None
        if sql is None:
            for name in SQL_KEYWORDS:
                kw = keyword(node, name)
                if kw is not None:
                    sql = kw.value
                    break
        if sql is None:
            return
        self.relevant = True
        if isinstance(sql, ast.Name):
            how = self._lookup(sql.id)[1]
        elif LOOKS_LIKE_SQL.search(self._literal_text(sql)):
            how = self._formatting(sql)
        else:
            how = None
        if how:
            self.at(
                node,
                f"SQL built with {how} is passed to {label}: use placeholders and pass the "
                "values as query parameters",
            )
