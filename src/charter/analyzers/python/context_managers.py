"""context-managers: files, sockets, sessions and locks acquired outside a ``with`` block.

A resource-opening call passes when its result is handed to something that will close it: the
context expression of a ``with``/``async with`` (also through ``contextlib.closing``), an
``ExitStack.enter_context``/``enter_async_context`` argument, a ``return`` or ``yield`` (a
factory or a fixture hands ownership to its caller), or an attribute of an object
(``self.session = requests.Session()``: the object closes it), or a variable that a later
``with f:``, ``return f`` or ``yield f`` in the same function hands on (``f = open(p)`` in a
``try`` whose ``else`` says ``with f:``). HTTP sessions and clients are also
accepted when assigned at module level, which is how a process shares one connection pool.
Everything else (``data = open(p).read()``, ``json.load(open(p))``, ``f = open(p)`` closed by
hand) is reported. A lock (``threading``/``asyncio``/``multiprocessing`` ``Lock``, ``RLock``,
``Semaphore``, ``Condition``) is reported where ``.acquire()`` is called on it without arguments;
``acquire(blocking=False)`` or ``acquire(timeout=...)`` cannot be written as ``with`` and pass,
and so does an ``acquire()`` inside ``__enter__``/``__aenter__``/``acquire`` (a class that is
itself the context manager).
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
from charter.analyzers.python.names import iter_statements
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
        self.locks: set[str] = set()
        tree = self.file.python_ast
        if tree is not None and "acquire(" in (self.file.text or ""):
            self.locks = self._lock_names(tree)

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
            return
        self.owned.add(id(node))
        if isinstance(node, ast.Call) and self.qualify(node.func) in CLOSERS:
            for arg in node.args:
                self._own(arg)

    def enter_function(self, node: FunctionNode) -> None:
        self.depth += 1
        self.pending.append({})
        self.functions.append(node.name)

    def exit_function(self, node: FunctionNode) -> None:
        self.depth -= 1
        self._flush()
        self.functions.pop()

    def end(self) -> None:
        while self.pending:
            self._flush()

    def _flush(self) -> None:
        for reports in self.pending.pop().values():
            for call, message in reports:
                self.at(call, message)

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

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assign(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assign([node.target], node.value)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ENTER:
            for arg in node.args:
                self._own(arg)
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "acquire"
            and not node.args
            and not node.keywords
        ):
            key = dotted(func.value)
            in_manager = bool(self.functions) and self.functions[-1] in MANAGER_METHODS
            if key and key.rsplit(".", 1)[-1] in self.locks and not in_manager:
                self.at(node, f"`{key}.acquire()` outside `with`: write `with {key}:`")
            return
        if id(node) in self.owned:
            return
        name = self.qualify(func)
        if name is None:
            return
        if name in FILES:
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
