"""context-managers: files, sockets, sessions and locks acquired outside a ``with`` block.

A resource-opening call passes when its result is handed to something that will close it: the
context expression of a ``with``/``async with`` (also through ``contextlib.closing``), an
``ExitStack.enter_context``/``enter_async_context`` argument, a ``return`` or ``yield`` (a
factory or a fixture hands ownership to its caller), or an attribute of an object
(``self.session = requests.Session()``: the object closes it). HTTP sessions and clients are also
accepted when assigned at module level, which is how a process shares one connection pool.
Everything else (``data = open(p).read()``, ``json.load(open(p))``, ``f = open(p)`` closed by
hand) is reported. A lock (``threading``/``asyncio``/``multiprocessing`` ``Lock``, ``RLock``,
``Semaphore``, ``Condition``) is reported where ``.acquire()`` is called on it without arguments;
``acquire(blocking=False)`` or ``acquire(timeout=...)`` cannot be written as ``with`` and pass.
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
        self.locks: set[str] = set()
        tree = self.file.python_ast
        if tree is not None and "acquire(" in (self.file.text or ""):
            self.locks = self._lock_names(tree)

    def _lock_names(self, tree: ast.AST) -> set[str]:
        names: set[str] = set()
        for node in ast.walk(tree):
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
        self.owned.add(id(node))
        if isinstance(node, ast.Call) and self.qualify(node.func) in CLOSERS:
            for arg in node.args:
                self._own(arg)

    def enter_function(self, node: FunctionNode) -> None:
        self.depth += 1

    def exit_function(self, node: FunctionNode) -> None:
        self.depth -= 1

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
            if key and key.rsplit(".", 1)[-1] in self.locks:
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
        self.at(node, f"{what} opened by `{name}()` outside `with`: it may never be closed")
