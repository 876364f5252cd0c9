"""no-blocking-in-async: blocking calls made directly in the body of an ``async def``.

A call counts when the innermost function around it is an ``async def``: a ``def`` or
``lambda`` nested in a coroutine runs wherever it is called (typically in a thread, through
``asyncio.to_thread`` or ``run_in_executor``) and is left alone, and so is a blocking function
passed by reference (``await asyncio.to_thread(time.sleep, 1)``). Blocking calls are the ones
ruff's flake8-async rules name: ``time.sleep``, synchronous HTTP (``requests``, ``httpx``'s
module functions and ``Client``, the methods of a ``requests.Session``/``httpx.Client`` held in a
variable or attribute of the file, ``urllib.request.urlopen``, ``urllib3``, ``http.client``),
``subprocess``/``os.system`` and ``input()``. Not applicable when the code has no
``async def``.

Two deliberate differences from flake8-async: a synchronous ``open()`` of a local file is not
reported (ASYNC230): reading a bundled script or writing a small cache file takes microseconds
on local disk, and the calls that stall a server are network I/O, subprocesses and sleeps. And
calls of one kind in one coroutine are one finding, at the first, with the others as related
places: the fix (an async client, ``asyncio.create_subprocess_exec``, a thread) is made once for
the coroutine.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    REQUESTS_SESSIONS,
    FunctionNode,
    FunctionScopes,
    RelevantRule,
    assigned_names,
)
from charter.sources import SourceFile

#: qualified name (or module prefix) → what to use instead
BLOCKING: dict[str, str] = {
    "time.sleep": "`await asyncio.sleep()`",
    "requests": "an async client (`httpx.AsyncClient`, `aiohttp`)",
    "urllib.request.urlopen": "an async client (`httpx.AsyncClient`, `aiohttp`)",
    "urllib3": "an async client (`httpx.AsyncClient`, `aiohttp`)",
    "http.client.HTTPConnection": "an async client (`httpx.AsyncClient`, `aiohttp`)",
    "http.client.HTTPSConnection": "an async client (`httpx.AsyncClient`, `aiohttp`)",
    "subprocess.run": "`asyncio.create_subprocess_exec()`",
    "subprocess.call": "`asyncio.create_subprocess_exec()`",
    "subprocess.check_call": "`asyncio.create_subprocess_exec()`",
    "subprocess.check_output": "`asyncio.create_subprocess_exec()`",
    "subprocess.getoutput": "`asyncio.create_subprocess_shell()`",
    "subprocess.getstatusoutput": "`asyncio.create_subprocess_shell()`",
    "subprocess.Popen": "`asyncio.create_subprocess_exec()`",
    "os.system": "`asyncio.create_subprocess_shell()`",
    "os.popen": "`asyncio.create_subprocess_shell()`",
    "input": "`asyncio.to_thread(input)`",
}
HTTPX_SYNC = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "Client"}
)

SYNC_CLIENTS = REQUESTS_SESSIONS | {"httpx.Client"}
REQUESTS_SYNC = (HTTPX_SYNC - {"stream", "Client"}) | {"Session", "session"}
URLLIB3_SYNC = frozenset(
    {"request", "PoolManager", "HTTPConnectionPool", "HTTPSConnectionPool", "connection_from_url"}
)


def blocking_alternative(name: str) -> str | None:
    """What to use instead of ``name`` in a coroutine, or None if it does not block."""
    if name in BLOCKING:
        return BLOCKING[name]
    module, _, func = name.rpartition(".")
    if module == "httpx" and func in HTTPX_SYNC:
        return "`httpx.AsyncClient`"
    if module in ("requests", "requests.api") and func in REQUESTS_SYNC:
        return BLOCKING["requests"]
    if module == "urllib3" and func in URLLIB3_SYNC:
        return BLOCKING["urllib3"]
    return None


class NoBlockingInAsyncAnalyzer(FunctionScopes, RelevantRule):
    """Report blocking calls whose innermost enclosing function is a coroutine."""

    name: ClassVar[str] = "no-blocking-in-async"
    prefilter: ClassVar[tuple[str, ...]] = ("async def",)
    na_reason: ClassVar[str] = "the code has no `async def`"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.functions: list[str] = []  # innermost last: the coroutine's name, or "" for a def
        #: per open function: what to use instead → the blocking calls that need it
        self.blocking: list[dict[str, list[tuple[ast.Call, str]]]] = []
        #: variables and attributes holding a synchronous HTTP client (``requests.Session``)
        self.sync_clients: set[str] = set()
        self.awaited: set[int] = set()
        tree = self.file.python_ast
        if tree is not None and (
            "Session" in (self.file.text or "") or "Client" in (self.file.text or "")
        ):
            self.sync_clients = assigned_names(self.imports, tree, SYNC_CLIENTS)

    def enter_function(self, node: FunctionNode) -> None:
        if isinstance(node, ast.AsyncFunctionDef):
            self.relevant = True
            self.functions.append(node.name)
        else:
            self.functions.append("")
        self.blocking.append({})

    def exit_function(self, node: FunctionNode) -> None:
        coroutine = self.functions.pop()
        for instead, calls in self.blocking.pop().items():
            first, name = calls[0]
            message = (
                f"blocking `{name}()` inside `async def {coroutine}` stalls the event loop: "
                f"use {instead}"
            )
            if len(calls) > 1:
                more = len(calls) - 1
                message += f" ({more} more such call{'s' if more > 1 else ''} in this coroutine)"
            self.out.report(
                first.lineno,
                message,
                column=first.col_offset + 1,
                related=tuple((self.file.path, call.lineno) for call, _ in calls[1:]),
            )

    def visit_Await(self, node: ast.Await) -> None:
        self.awaited.add(id(node.value))

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.functions.append("")

    def leave_Lambda(self, node: ast.Lambda) -> None:
        self.functions.pop()

    def visit_Call(self, node: ast.Call) -> None:
        if not self.functions or not self.functions[-1]:
            return
        name = self.qualify(node.func)
        if name is None:
            return
        instead = blocking_alternative(name)
        if instead is None:
            module, _, func = name.rpartition(".")
            client = module.rsplit(".", 1)[-1]
            # an awaited call is an async client's, whatever the variable is called
            if (
                func not in HTTPX_SYNC
                or client not in self.sync_clients
                or id(node) in self.awaited
            ):
                return
            instead = "an async client (`httpx.AsyncClient`, `aiohttp`)"
        self.blocking[-1].setdefault(instead, []).append((node, name))
