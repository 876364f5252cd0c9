"""parameterized-sql: a value formatted into SQL text where a query parameter belongs.

A call is checked when it takes SQL text: a method named ``execute``, ``executemany``,
``executescript``, ``exec_driver_sql``, ``raw`` (Django), ``read_sql``/``read_sql_query``
(pandas), ``fetch``/``fetchrow``/``fetchval`` (asyncpg), SQLAlchemy's ``text()``, or a function
resolved by qualified name (any alias): Polars' ``read_database``/``read_database_uri`` and
pandas' ``read_sql``/``read_sql_query`` imported by name. Its SQL argument (the first, or
``sql=``/``statement=``/``query=``/``operation=``) is followed through f-strings, ``%``
formatting, ``.format()``, ``+`` concatenation and ``+=`` on variables assigned earlier in the
same function or at module level, down to a sequence of literal text and interpolated
expressions. The text must look like SQL (a keyword such as SELECT, INSERT, WHERE ...).

An interpolated expression is reported only where a placeholder could stand instead: inside a
quoted SQL string literal (``'{email}'``, ``LIKE '%{q}%'``), after a comparison operator
(``= {uid}``), in a ``VALUES (...)`` or ``IN (...)`` list, or after ``LIMIT``/``OFFSET``.
Identifiers (``FROM {table}``, ``"{column}"``), clause fragments (``WHERE {where_sql}``) and
types cannot be parameters and are not reported, nor are statements that take no parameters at
all (``PRAGMA``, session ``SET``, DuckDB ``INSTALL``/``LOAD``). Even in a value position, an
expression that cannot carry text passes: a literal, an ``UPPER_CASE`` constant (also as an
attribute), a name bound to one (or a loop over literals), a number (``int(...)``, ``len(...)``,
arithmetic with a number, a parameter annotated ``int``/``float``/``bool``), a placeholder list
(``", ".join("?" for _ in ids)``), an escaping or placeholder-making call
(``escape_sqlite(t)``, ``quote_ident(c)``, ``db.timestamp_placeholder("t")``), an ORM table name
(``Model.__tablename__``, ``_meta.db_table``) or a SQL snippet supplied by the very connection
the text is executed on (``db.execute(f"... < {db.timestamp_now}")``).
Not applicable when no such call is made.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
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

#: words in the name of a function whose result is safe in SQL text: an escaped identifier or
#: literal (``escape_sqlite``, ``quote_ident``, ``sql.Identifier``) or a placeholder
SAFE_CALL_WORDS = ("escape", "quote", "identifier", "placeholder")
#: builtins whose result is a number (or a bool): it cannot carry SQL text
NUMERIC_CALLS = frozenset({"int", "float", "len", "round", "abs", "bool", "min", "max", "sum"})
NUMERIC_TYPES = frozenset({"int", "float", "bool", "decimal.Decimal", "Decimal"})
#: attributes naming an ORM model's table: code, not data
TABLE_NAME_ATTRS = frozenset({"__tablename__", "db_table"})
#: statements that take no query parameters at all: values must be written into the text
NO_PARAMETER_STATEMENTS = frozenset({"pragma", "set", "install", "load", "show", "reset"})

#: where an interpolated expression sat in the text (a neutral character)
MARK = "\x00"
PERCENT_SPEC = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)
COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
VALUE_WORD = re.compile(
    r"\b(?:like|ilike|glob|regexp|similar\s+to|between|limit|offset)\Z", re.IGNORECASE
)
LIST_OWNER = re.compile(r"\b(?:in|values)\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Slot:
    """An expression interpolated into SQL text, and how it was put there."""

    expr: ast.expr | None  # None: a value the rule cannot see (``.format(**options)``)
    how: str  # "an f-string", "`%` formatting", "`.format()`", "string concatenation"
    line: int


#: SQL text as literal pieces and interpolated slots
Piece = str | Slot


def in_value_position(before: str) -> bool:
    """Whether text ending with ``before`` continues with a value, where a placeholder fits:
    inside a quoted string literal, after a comparison operator, ``LIKE``, ``LIMIT`` or
    ``OFFSET``, or as an element of a ``VALUES (...)`` or ``IN (...)`` list."""
    text = COMMENTS.sub(" ", before)
    if text.count("'") % 2 == 1:
        return True
    if text.count('"') % 2 == 1:
        # inside double quotes: MySQL's string literal where a value goes (`name = "{x}"`,
        # `LIKE "%{q}%"`); elsewhere a double-quoted name is an identifier
        return in_value_position(text[: text.rfind('"')])
    tail = text.rstrip()
    if tail.endswith(("=", "<", ">")) or VALUE_WORD.search(tail):
        return True
    if tail.endswith(("(", ",")):
        depth = 0
        for i in range(len(tail) - 1, -1, -1):
            ch = tail[i]
            if ch == ")":
                depth += 1
            elif ch == "(":
                if depth == 0:
                    return bool(LIST_OWNER.search(tail[:i].rstrip()))
                depth -= 1
    return False


def statement_word(text: str) -> str:
    """The first keyword of a statement's text, lower-case."""
    match = re.match(r"[\s(]*([A-Za-z]+)", COMMENTS.sub(" ", text))
    return match.group(1).lower() if match else ""


def _is_upper_name(name: str) -> bool:
    return name.upper() == name and any(ch.isalpha() for ch in name)


def _constant_collection(node: ast.AST) -> bool:
    """A literal list/tuple/set of constants (what ``for table in (...)`` iterates)."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    return False


def _placeholder_join(call: ast.Call) -> bool:
    """``", ".join("?" for _ in ids)``, ``",".join(["%s"] * n)``: a list of placeholders."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "join"):
        return False
    if not is_str(call.func.value) or len(call.args) != 1:
        return False
    arg = call.args[0]
    if isinstance(arg, ast.GeneratorExp | ast.ListComp):
        return isinstance(arg.elt, ast.Constant)
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mult):
        return _constant_collection(arg.left) or _constant_collection(arg.right)
    return _constant_collection(arg)


class ParameterizedSqlAnalyzer(FunctionScopes, RelevantRule):
    """Report values formatted into SQL text passed to an execute-like call."""

    name: ClassVar[str] = "parameterized-sql"
    prefilter: ClassVar[tuple[str, ...]] = ("sqlalchemy", "sqlmodel", "read_sql", "read_database")

    def wants_text(self, text: str) -> bool:
        # "execute" and "text(" ("context(") are everywhere: a method call by one of the names
        # in SQL_METHODS, or an import of a library whose functions take SQL by any alias
        return bool(SQL_METHOD_CALL.search(text)) or super().wants_text(text)

    na_reason: ClassVar[str] = "the code executes no SQL"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        #: per scope: SQL text variables (their pieces) ...
        self.scopes: list[dict[str, list[Piece]]] = [{}]
        #: ... and names bound to values that cannot carry text (constants, numbers)
        self.safe_names: list[set[str]] = [set()]

    def enter_function(self, node: FunctionNode) -> None:
        self.scopes.append({})
        numeric: set[str] = set()
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if arg.annotation is not None and self.qualify(arg.annotation) in NUMERIC_TYPES:
                numeric.add(arg.arg)
        self.safe_names.append(numeric)

    def exit_function(self, node: FunctionNode) -> None:
        self.scopes.pop()
        self.safe_names.pop()

    # --- what is known about names ----------------------------------------------------------

    def _lookup(self, name: str) -> list[Piece] | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def _is_safe_name(self, name: str) -> bool:
        for scope, safe in zip(reversed(self.scopes), reversed(self.safe_names), strict=True):
            if name in safe:
                return True
            if name in scope:
                return False
        return False

    def _bind(self, name: str, value: ast.AST | None) -> None:
        """Record what an assignment of ``value`` to ``name`` tells about the name."""
        scope, safe = self.scopes[-1], self.safe_names[-1]
        scope.pop(name, None)
        safe.discard(name)
        if value is None:
            return
        if isinstance(value, ast.expr) and self._safe(value, ()):
            safe.add(name)
        pieces = self._pieces(value)
        if pieces is not None:
            scope[name] = pieces  # any text: a fragment may end up in SQL

    # --- SQL text as pieces -----------------------------------------------------------------

    def _sql_pieces(self, node: ast.AST) -> list[Piece] | None:
        """The pieces of ``node`` when it is text that looks like SQL, else None."""
        pieces = self._pieces(node)
        if pieces is None:
            return None
        literal = " ".join(p for p in pieces if isinstance(p, str))
        return pieces if LOOKS_LIKE_SQL.search(literal) else None

    def _pieces(self, node: ast.AST) -> list[Piece] | None:
        """``node`` as literal text and interpolated slots, or None if it builds no text."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Name):
            return self._lookup(node.id)
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.JoinedStr):
            out: list[Piece] = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    out.append(value.value)
                elif isinstance(value, ast.FormattedValue):
                    out.extend(self._slot(value.value, "an f-string", line))
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            operands = self._flatten_add(node)
            parts = [self._pieces(o) for o in operands]
            if all(p is None for p in parts):
                return None
            out = []
            for operand, part in zip(operands, parts, strict=True):
                if part is not None:
                    out.extend(part)
                else:
                    out.extend(self._slot(operand, "string concatenation", line))
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            template = self._pieces(node.left)
            if template is None:
                return None
            return self._percent(template, node.right, line)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
        ):
            template = self._pieces(node.func.value)
            if template is None:
                return None
            return self._format(template, node, line)
        return None

    def _slot(self, expr: ast.expr, how: str, line: int) -> list[Piece]:
        """An interpolated expression: the text of a SQL variable or text-building expression
        put in whole, any other expression as a slot."""
        inner = self._pieces(expr) if not isinstance(expr, ast.Constant) else None
        if inner is not None:
            return inner
        if isinstance(expr, ast.Constant):
            return [str(expr.value)]
        return [Slot(expr, how, line)]

    def _flatten_add(self, node: ast.AST) -> list[ast.expr]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._flatten_add(node.left) + self._flatten_add(node.right)
        assert isinstance(node, ast.expr)
        return [node]

    def _percent(self, template: list[Piece], right: ast.expr, line: int) -> list[Piece]:
        """``template % right`` as pieces: each ``%s`` of the literal text becomes a slot."""
        if isinstance(right, ast.Tuple):
            positional: list[ast.expr | None] = list(right.elts)
        else:
            positional = [right]
        mapping: dict[str, ast.expr] = {}
        if isinstance(right, ast.Dict):
            for key_node, item in zip(right.keys, right.values, strict=True):
                if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str):
                    mapping[key_node.value] = item
        specs = sum(
            1
            for piece in template
            if isinstance(piece, str)
            for m in PERCENT_SPEC.finditer(piece)
            if m.group("conv") != "%"
        )
        if not isinstance(right, ast.Tuple) and specs > 1:
            positional = [None] * specs  # a tuple held in a variable: values unseen
        out: list[Piece] = []
        index = 0
        for piece in template:
            if not isinstance(piece, str):
                out.append(piece)
                continue
            last = 0
            for m in PERCENT_SPEC.finditer(piece):
                out.append(piece[last : m.start()])
                last = m.end()
                if m.group("conv") == "%":
                    out.append("%")
                    continue
                key: str | None = m.group("key")
                value: ast.expr | None
                if key is not None:
                    value = mapping.get(key) if isinstance(right, ast.Dict) else None
                else:
                    value = positional[index] if index < len(positional) else None
                    index += 1
                if value is None:
                    out.append(Slot(None, "`%` formatting", line))
                else:
                    out.extend(self._slot(value, "`%` formatting", line))
            out.append(piece[last:])
        return out

    def _format(self, template: list[Piece], call: ast.Call, line: int) -> list[Piece]:
        """``template.format(...)`` as pieces: each replacement field becomes a slot."""
        by_name = {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}
        out: list[Piece] = []
        auto = 0
        for piece in template:
            if not isinstance(piece, str):
                out.append(piece)
                continue
            try:
                parsed = list(string.Formatter().parse(piece))
            except ValueError:
                out.append(Slot(None, "`.format()`", line))
                continue
            for literal, field, _spec, _conversion in parsed:
                out.append(literal)
                if field is None:
                    continue
                base = re.split(r"[.\[]", field, maxsplit=1)[0]
                value: ast.expr | None
                if base == "":
                    value = call.args[auto] if auto < len(call.args) else None
                    auto += 1
                elif base.isdigit():
                    i = int(base)
                    value = call.args[i] if i < len(call.args) else None
                else:
                    value = by_name.get(base)
                if value is None or isinstance(value, ast.Starred):
                    out.append(Slot(None, "`.format()`", line))
                else:
                    out.extend(self._slot(value, "`.format()`", line))
        return out

    # --- judging ------------------------------------------------------------------------------

    def _safe(self, node: ast.expr | None, owners: Sequence[str]) -> bool:
        """Whether an interpolated expression cannot carry text into SQL (see the module
        docstring); ``owners`` are the dotted names of the object the SQL is executed on."""
        if node is None:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return _is_upper_name(node.id) or self._is_safe_name(node.id)
        if isinstance(node, ast.Attribute):
            if _is_upper_name(node.attr) or node.attr in TABLE_NAME_ATTRS:
                return True
            return self._owned(node, owners)
        if isinstance(node, ast.Call):
            if _placeholder_join(node):
                return True
            if self.qualify(node.func) in NUMERIC_CALLS:
                return True
            if self.qualify(node.func) in ("str", "repr") and len(node.args) == 1:
                return self._safe(node.args[0], owners)
            chain = name_chain(node.func)
            last = chain[-1].lower() if chain else ""
            if any(word in last for word in SAFE_CALL_WORDS):
                return True
            return self._owned(node.func, owners)
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Add | ast.Mod):
            return True  # -, *, /, //, **: arithmetic, a number
        if isinstance(node, ast.BinOp):
            numbers = [
                o
                for o in (node.left, node.right)
                if isinstance(o, ast.Constant) and isinstance(o.value, int | float)
            ]
            return bool(numbers) or (
                self._safe(node.left, owners) and self._safe(node.right, owners)
            )
        if isinstance(node, ast.UnaryOp):
            return self._safe(node.operand, owners)
        if isinstance(node, ast.IfExp):
            return self._safe(node.body, owners) and self._safe(node.orelse, owners)
        return False

    @staticmethod
    def _owned(node: ast.AST, owners: Sequence[str]) -> bool:
        """``db.timestamp_now`` when the SQL runs on ``db``: the connection's own SQL."""
        parts = name_chain(node)
        if not parts:
            return False
        dotted = ".".join(parts)
        return any(dotted.startswith(owner + ".") for owner in owners)

    def _judge(self, pieces: list[Piece], owners: Sequence[str]) -> Slot | None:
        """The first slot that puts a value where a query parameter belongs, if any."""
        text = "".join(p if isinstance(p, str) else MARK for p in pieces)
        if statement_word(text) in NO_PARAMETER_STATEMENTS:
            return None
        before = ""
        for piece in pieces:
            if isinstance(piece, str):
                before += piece
                continue
            if not self._safe(piece.expr, owners) and in_value_position(before):
                return piece
            before += MARK
        return None

    # --- visits -------------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self._bind(node.targets[0].id, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._bind(node.target.id, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if not isinstance(node.target, ast.Name):
            return
        name = node.target.id
        if not isinstance(node.op, ast.Add):
            if not self._is_safe_name(name) or not self._safe(node.value, ()):
                self._bind(name, None)
            return
        known = self._lookup(name)
        added = self._pieces(node.value)
        if known is None and added is None:  # numbers (``offset += limit``)
            if not (self._is_safe_name(name) and self._safe(node.value, ())):
                self.safe_names[-1].discard(name)
            return
        if known is None:  # text the rule did not see being made (a parameter)
            known = [Slot(node.target, "string concatenation", node.lineno)]
        if added is None:
            added = [Slot(node.value, "string concatenation", node.lineno)]
        self.scopes[-1][name] = [*known, *added]
        self.safe_names[-1].discard(name)

    def visit_For(self, node: ast.For) -> None:
        if isinstance(node.target, ast.Name):
            self._bind(node.target.id, None)
            it = node.iter
            if _constant_collection(it) or (
                isinstance(it, ast.Name | ast.Attribute) and self._safe(it, ())
            ):
                self.safe_names[-1].add(node.target.id)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        qualified = self.qualify(func)
        owners: list[str] = []
        if qualified in SQL_FUNCTIONS or qualified in TEXT_FUNCTIONS:
            label = f"`{qualified}()`"
        elif isinstance(func, ast.Attribute) and func.attr in SQL_METHODS:
            label = f"`.{func.attr}()`"
            receiver = func.value
            for part in receiver.values if isinstance(receiver, ast.BoolOp) else [receiver]:
                chain = name_chain(part)
                if chain and chain != ["self"] and chain != ["cls"]:
                    owners.append(".".join(chain))
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
        pieces = self._sql_pieces(sql)
        if pieces is None:
            return
        slot = self._judge(pieces, owners)
        if slot is None:
            return
        value = ast.unparse(slot.expr) if slot.expr is not None else "a value"
        if len(value) > 40:
            value = value[:37] + "..."
        where = f" (line {slot.line})" if slot.line and slot.line != node.lineno else ""
        self.at(
            node,
            f"SQL built with {slot.how}{where} puts `{value}` where a value belongs and is "
            f"passed to {label}: use a placeholder and pass it as a query parameter",
        )
