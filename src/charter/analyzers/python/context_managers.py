"""context-managers: files, sockets, sessions and locks acquired outside a ``with`` block.

A resource-opening call passes when its result is handed to something that will close it: the
context expression of a ``with``/``async with`` (also through ``contextlib.closing``), an
``ExitStack.enter_context``/``enter_async_context`` argument, a ``return`` or ``yield`` (a
factory or a fixture hands ownership to its caller), or an attribute of an object
(``self.session = requests.Session()``: the object closes it), or a variable that a later
``with f:``, ``return f`` or ``yield f`` in the same function hands on (``f = open(p)`` in a
``try`` whose ``else`` says ``with f:``). HTTP sessions and clients are also
accepted when assigned at module level, which is how a process shares one connection pool.
A variable closed in a ``finally`` block of the same function (``f = open(p)`` then
``try: ... finally: f.close()``) is managed as ``with`` would, and so is one handed to an
object that owns it (``client = Client(session=s)``, a class call, that is then returned,
yielded, used in ``with`` or stored on an attribute). A file used as a temporary in an
expression (``open(p).read()``, ``json.load(open(p))``, ``subprocess.call(cmd,
stdout=open(os.devnull, "w"))``, ``Path(NamedTemporaryFile(delete=False).name)``) is closed by
CPython as soon as the expression ends and is not reported. A variable closed in the ``try``
body (or its ``else``) and in every ``except`` handler of that ``try`` is closed on every path
the code expects, and passes. A session or socket made once before the loop that ends its
function (``s = requests.Session()`` then ``while not stop.is_set(): s.post(...)``) lives as
long as the worker that loops, as a module-level one would, and passes. Everything else
(``f = open(p)`` closed by hand without ``finally``, a session made per call and never closed)
is reported. A lock
(``threading``/``asyncio``/``multiprocessing`` ``Lock``, ``RLock``, ``Semaphore``,
``Condition``) is reported where ``.acquire()`` is called on it without arguments;
``acquire(blocking=False)`` or ``acquire(timeout=...)`` cannot be written as ``with`` and pass,
and so does an ``acquire()`` inside ``__enter__``/``__aenter__``/``acquire`` (a class that is
itself the context manager) or one whose ``release()`` is in a ``finally`` of the same
function.

Fixable (unsafe, :func:`with_fixes`, applied by :mod:`charter.fixes.context_managers`): a file or
socket bound by ``f = open(...)`` on its own line and closed by a later ``f.close()`` line of the
same block, with the statements between moved into ``with open(...) as f:``, when nothing between
returns, yields, breaks, continues, closes or rebinds ``f``, the two spans do not cross another
such pair, and ``f`` is not read after the close (before being bound again in the same block).
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    HTTP_CLIENTS,
    FunctionNode,
    FunctionScopes,
    PythonRule,
    dotted,
)
from charter.analyzers.python.names import ImportMap, iter_statements
from charter.sources import SourceFile

FILES = frozenset(
    {
        "open",
        "io.open",
        "builtins.open",
        "codecs.open",
        "gzip.open",
        "bz2.open",
        "lzma.open",
        "tarfile.open",
        "zipfile.ZipFile",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryFile",
        "tempfile.SpooledTemporaryFile",
    }
)
SOCKETS = frozenset({"socket.socket", "socket.create_connection", "socket.socketpair"})
SESSIONS = HTTP_CLIENTS | {"sqlalchemy.orm.Session"}
LOCKS = frozenset(
    f"{module}.{kind}"
    for module in ("threading", "asyncio", "multiprocessing")
    for kind in ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition")
)
#: methods that implement acquiring for a ``with`` of their own class
MANAGER_METHODS = frozenset({"__enter__", "__aenter__", "acquire"})
CLOSERS = frozenset({"contextlib.closing", "contextlib.aclosing"})
ENTER = frozenset({"enter_context", "enter_async_context", "callback", "push"})
#: methods that close a resource or release a lock when called in a ``finally``
CLOSE_METHODS = frozenset(
    {"close", "aclose", "release", "shutdown", "terminate", "kill", "cleanup", "unlink"}
)


def _closed_in(body: list[ast.stmt]) -> set[str]:
    """Names closed or released by a call in these statements (``f.close()``)."""
    found: set[str] = set()
    for stmt in body:
        for sub in ast.walk(stmt):
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr in CLOSE_METHODS
            ):
                key = dotted(sub.func.value)
                if key:
                    found.add(key)
    return found


#: resources whose ``__enter__`` returns the object itself and whose ``__exit__`` closes it as
#: ``close()`` does: ``f = open(p)`` ... ``f.close()`` and ``with open(p) as f:`` bind the same
WITH_FIXABLE = FILES | {"socket.socket", "socket.create_connection"}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LEAVE = (ast.Return, ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal)


def _blocks(scope: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists of ``scope`` (its body and every nested block), nested functions
    and classes aside."""
    out: list[list[ast.stmt]] = []
    todo: list[list[ast.stmt]] = [getattr(scope, "body", [])]
    while todo:
        block = todo.pop()
        out.append(block)
        for stmt in block:
            if isinstance(stmt, _SCOPES):
                continue
            for name in ("body", "orelse", "finalbody"):
                sub = getattr(stmt, name, None)
                if isinstance(sub, list) and sub and isinstance(sub[0], ast.stmt):
                    todo.append(sub)
            for part in [*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())]:
                todo.append(part.body)
    return out


def _walk_scope(nodes: list[ast.stmt]) -> list[ast.AST]:
    """Every node under ``nodes``, nested functions, classes and lambdas left out."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(nodes)
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, _SCOPES):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _escapes(region: list[ast.stmt]) -> bool:
    """Whether control leaves ``region`` other than by falling off its end or raising:
    ``return``, ``yield``, or a ``break``/``continue`` of a loop around it."""
    todo: list[tuple[ast.AST, bool]] = [(s, False) for s in region]
    while todo:
        node, in_loop = todo.pop()
        if isinstance(node, _LEAVE):
            return True
        if isinstance(node, ast.Break | ast.Continue) and not in_loop:
            return True
        if isinstance(node, _SCOPES):
            continue
        loop = in_loop or isinstance(node, ast.For | ast.AsyncFor | ast.While)
        for child in ast.iter_child_nodes(node):
            # a loop's else runs outside the loop: its break belongs to the loop around
            inner = loop and not (
                isinstance(node, ast.For | ast.AsyncFor | ast.While) and child in node.orelse
            )
            todo.append((child, inner or in_loop))
    return False


def _closes(stmt: ast.stmt, name: str) -> bool:
    """``name.close()`` as a statement of its own."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "close"
        and isinstance(stmt.value.func.value, ast.Name)
        and stmt.value.func.value.id == name
        and not stmt.value.args
        and not stmt.value.keywords
    )


def _alone(block: list[ast.stmt], index: int) -> bool:
    """Whether ``block[index]`` has its lines to itself (no ``;`` neighbour)."""
    stmt = block[index]
    before = block[index - 1] if index else None
    after = block[index + 1] if index + 1 < len(block) else None
    return (before is None or before.end_lineno != stmt.lineno) and (
        after is None or after.lineno != stmt.end_lineno
    )


def with_fixes(tree: ast.AST, imports: ImportMap) -> set[tuple[int, int]]:
    """(line, column from 1) of each opening call that ``charter fix --unsafe-fixes`` turns
    into ``with <call> as f:``: ``f = <file or socket>(...)`` alone on its lines, then a later
    ``f.close()`` line in the same block, with at least one statement between. Refused when a
    statement between returns, yields, leaves a loop around it, closes, rebinds or deletes
    ``f``, or declares a name ``global``/``nonlocal``; when another such pair crosses it; or
    when ``f`` is read after the close before the same block binds it again."""
    out: set[tuple[int, int]] = set()
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, _SCOPES[:3]))]
    for scope in scopes:
        names = [n for n in _walk_scope(getattr(scope, "body", [])) if isinstance(n, ast.Name)]
        for block in _blocks(scope):
            pairs: list[tuple[int, int, ast.Call]] = []
            for i, stmt in enumerate(block):
                if not (
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Call)
                    and imports.qualify(stmt.value.func) in WITH_FIXABLE
                    and _alone(block, i)
                ):
                    continue
                name = stmt.targets[0].id
                j = next((k for k in range(i + 1, len(block)) if _closes(block[k], name)), None)
                if j is None or j == i + 1 or not _alone(block, j):
                    continue
                region = block[i + 1 : j]
                touched = any(
                    isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
                    for n in _walk_scope(region)
                )
                if touched or _escapes(region) or name in _closed_in(region):
                    continue
                end = block[j].end_lineno or block[j].lineno
                rebound = next(
                    (
                        s.lineno
                        for s in block[j + 1 :]
                        if isinstance(s, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == name for t in s.targets)
                    ),
                    None,
                )
                later = [
                    n
                    for n in names
                    if n.id == name and n.lineno > end and (rebound is None or n.lineno < rebound)
                ]
                if later:
                    continue
                pairs.append((i, j, stmt.value))
            for i, j, call in pairs:
                crossed = any(i < i2 < j < j2 or i2 < i < j2 < j for i2, j2, _ in pairs)
                if not crossed:
                    out.add((call.lineno, call.col_offset + 1))
    return out


class ContextManagersAnalyzer(FunctionScopes, PythonRule):
    """Report resources opened outside ``with`` and locks acquired by hand."""

    name: ClassVar[str] = "context-managers"
    prefilter: ClassVar[tuple[str, ...]] = (
        "open",
        "socket",
        "Session",
        "Client",
        "acquire(",
        "ZipFile",
        "Temporary",
    )

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.owned: set[int] = set()
        self.depth = 0  # function nesting
        #: resource calls assigned to a plain name, by the id of the call
        self.bound: dict[int, str] = {}
        #: per open scope: name → reports that a later ``with name:`` or ``return name`` cancels
        self.pending: list[dict[str, list[tuple[ast.Call, str]]]] = [{}]
        self.functions: list[str] = []
        #: per open scope: names closed or released in a ``finally`` block
        self.closed: list[set[str]] = [set()]
        #: per open scope: variable → resource variables handed to the object it holds
        self.handed: list[dict[str, set[str]]] = [{}]
        #: per open scope: bare ``lock.acquire()`` calls, reported unless released in finally
        self.acquired: list[list[tuple[ast.Call, str]]] = [[]]
        #: file-opening calls used as a temporary inside an expression
        self.temporary: set[int] = set()
        self.locks: set[str] = set()
        #: per open scope: names the loop that ends the function uses (a worker's resources)
        self.looping: list[set[str]] = [set()]
        self._fixable: set[tuple[int, int]] | None = None
        tree = self.file.python_ast
        if tree is not None and "acquire(" in (self.file.text or ""):
            self.locks = self._lock_names(tree)

    def _with_fixes(self) -> set[tuple[int, int]]:
        """The file's opening calls a fix turns into ``with`` (:func:`with_fixes`), worked out
        at its first finding that could be one."""
        if self._fixable is None:
            tree = self.file.python_ast
            self._fixable = with_fixes(tree, self.imports) if tree is not None else set()
        return self._fixable

    def _lock_names(self, tree: ast.AST) -> set[str]:
        names: set[str] = set()
        for node in iter_statements(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                if self.qualify(node.value.func) not in LOCKS:
                    continue
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    key = dotted(target)
                    if key:
                        names.add(key.rsplit(".", 1)[-1])
        return names

    def _own(self, node: ast.AST | None) -> None:
        if node is None:
            return
        if isinstance(node, ast.Await):
            node = node.value
        if isinstance(node, ast.Name):
            self.pending[-1].pop(node.id, None)
            for name in self.handed[-1].pop(node.id, ()):
                self._own(ast.Name(id=name))
            return
        self.owned.add(id(node))
        if isinstance(node, ast.Call):
            if self.qualify(node.func) in CLOSERS:
                for arg in node.args:
                    self._own(arg)
            for name in self._handed_over(node):
                self._own(ast.Name(id=name))

    def _handed_over(self, call: ast.Call) -> set[str]:
        """Resource variables passed to a class call (``Client(session=s)``): the object it
        makes owns them."""
        func = call.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if not last[:1].isupper():
            return set()
        values = [*call.args, *(kw.value for kw in call.keywords)]
        return {v.id for v in values if isinstance(v, ast.Name) and v.id in self.pending[-1]}

    def enter_function(self, node: FunctionNode) -> None:
        self.depth += 1
        self.pending.append({})
        self.closed.append(set())
        self.handed.append({})
        self.acquired.append([])
        self.functions.append(node.name)
        last = node.body[-1] if node.body else None
        self.looping.append(
            {n.id for n in ast.walk(last) if isinstance(n, ast.Name)}
            if isinstance(last, ast.While)
            else set()
        )

    def exit_function(self, node: FunctionNode) -> None:
        self.depth -= 1
        self._flush()
        self.functions.pop()

    def end(self) -> None:
        while self.pending:
            self._flush()

    def _flush(self) -> None:
        closed = self.closed.pop()
        self.handed.pop()
        looping = self.looping.pop() if self.looping else set()
        for variable, reports in self.pending.pop().items():
            if variable in closed:
                continue  # closed in a finally block: what ``with`` would do
            for call, message in reports:
                if variable in looping and message.startswith(("session", "socket")):
                    continue  # the worker's one session or socket, for as long as it loops
                fixable = (call.lineno, call.col_offset + 1) in self._with_fixes()
                self.at(call, message, fix="unsafe" if fixable else None)
        for call, key in self.acquired.pop():
            if key not in closed:
                self.at(call, f"`{key}.acquire()` outside `with`: write `with {key}:`")

    def visit_Try(self, node: ast.Try) -> None:
        self._finally(node.finalbody)
        self._every_branch(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self._finally(node.finalbody)
        self._every_branch(node)

    def _every_branch(self, node: ast.Try | ast.TryStar) -> None:
        """Variables closed in the ``try`` body (or ``else``) and in every handler: closed on
        every path the code expects, as ``finally`` would."""
        if not node.handlers:
            return
        closed = _closed_in([*node.body, *node.orelse])
        for handler in node.handlers:
            closed &= _closed_in(handler.body)
        self.closed[-1].update(closed)

    def _finally(self, body: list[ast.stmt]) -> None:
        self.closed[-1].update(_closed_in(body))

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            self._own(item.context_expr)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        for item in node.items:
            self._own(item.context_expr)

    def visit_Return(self, node: ast.Return) -> None:
        self._own(node.value)

    def visit_Yield(self, node: ast.Yield) -> None:
        self._own(node.value)

    def _assign(self, targets: list[ast.expr], value: ast.expr | None) -> None:
        if not isinstance(value, ast.Call):
            return
        owner = all(isinstance(t, ast.Attribute) for t in targets)
        shared = self.depth == 0 and self.qualify(value.func) in SESSIONS
        if owner or shared:
            self._own(value)
        elif len(targets) == 1 and isinstance(targets[0], ast.Name):
            self.bound[id(value)] = targets[0].id
            handed = self._handed_over(value)
            if handed:
                self.handed[-1].setdefault(targets[0].id, set()).update(handed)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assign(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assign([node.target], node.value)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # ``NamedTemporaryFile(delete=False).name``: the object is a temporary of the expression
        if isinstance(node.value, ast.Call) and isinstance(node.ctx, ast.Load):
            self.temporary.add(id(node.value))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ENTER:
            for arg in node.args:
                self._own(arg)
        # ``open(p).read()`` and ``json.load(open(p))``: the file is a temporary of the
        # expression (a class call such as ``TextIOWrapper(open(p))`` keeps it alive instead)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            self.temporary.add(id(func.value))
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if not last[:1].isupper():
            values = [*node.args, *(kw.value for kw in node.keywords)]
            self.temporary.update(id(a) for a in values if isinstance(a, ast.Call))
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "acquire"
            and not node.args
            and not node.keywords
        ):
            key = dotted(func.value)
            in_manager = bool(self.functions) and self.functions[-1] in MANAGER_METHODS
            if key and key.rsplit(".", 1)[-1] in self.locks and not in_manager:
                self.acquired[-1].append((node, key))
            return
        if id(node) in self.owned:
            return
        name = self.qualify(func)
        if name is None:
            return
        if name in FILES:
            if id(node) in self.temporary:
                return
            what = "file"
        elif name in SOCKETS:
            what = "socket"
        elif name in SESSIONS:
            what = "session"
        else:
            return
        message = f"{what} opened by `{name}()` outside `with`: it may never be closed"
        variable = self.bound.get(id(node))
        if variable is None:
            self.at(node, message)
        else:
            self.pending[-1].setdefault(variable, []).append((node, message))
