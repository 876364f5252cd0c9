"""http-timeouts: outbound HTTP calls that can wait forever.

- ``requests``: every module-level call (``requests.get``/``post``/…/``request``) and every call
  of those methods on a ``requests.Session`` held in a variable or attribute of this file must pass
  ``timeout=`` (``requests`` has no default timeout); ``timeout=None`` is reported too.
- ``urllib.request.urlopen``, ``http.client.HTTPConnection``/``HTTPSConnection`` and
  ``urllib3.PoolManager``/``urllib3.request`` default to the socket's (infinite) timeout and must
  set one.
- ``httpx`` has a default timeout (5 s), so only an explicit ``timeout=None`` (on a call, a
  ``Client``/``AsyncClient`` or ``httpx.Timeout(None)``) is reported. ``aiohttp`` sessions default
  to a 5-minute total timeout and pass.

A call that passes ``**options`` may carry a timeout and is given the benefit of the doubt.
Not applicable when the code makes no ``requests``/``httpx``/``urllib``/``http.client`` call.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from pydantic import BaseModel, Field

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    REQUESTS_SESSIONS,
    PythonRuleParams,
    RelevantRule,
    assigned_names,
    has_star_kwargs,
    is_none,
    keyword,
)
from charter.sources import SourceFile

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
#: qualified name → how many positional arguments reach ``timeout``
POSITIONAL_TIMEOUT = {
    "urllib.request.urlopen": 3,
    "http.client.HTTPConnection": 3,
    "http.client.HTTPSConnection": 3,
    "urllib3.PoolManager": 0,
    "urllib3.request": 0,
    "urllib3.poolmanager.PoolManager": 0,
}


class HttpTimeoutsParams(PythonRuleParams):
    #: the timeout in seconds ``charter fix --unsafe-fixes`` gives a call without one
    default_timeout: float = Field(default=10, gt=0)


class HttpTimeoutsAnalyzer(RelevantRule):
    """Report HTTP calls and clients without a (finite) timeout."""

    name: ClassVar[str] = "http-timeouts"
    Params: ClassVar[type[BaseModel]] = HttpTimeoutsParams
    prefilter: ClassVar[tuple[str, ...]] = ("requests", "httpx", "urllib", "http.client")
    na_reason: ClassVar[str] = "the code makes no outbound HTTP call"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.sessions: set[str] = set()
        tree = self.file.python_ast
        if tree is not None and "requests" in (self.file.text or ""):
            self.sessions = assigned_names(self.imports, tree, REQUESTS_SESSIONS)

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualify(node.func)
        if name is None:
            return
        module, _, func = name.rpartition(".")
        if module in ("requests", "requests.api", "httpx") or name in POSITIONAL_TIMEOUT:
            self.relevant = True
        if module in ("requests", "requests.api") and func in VERBS:
            self._need_timeout(node, f"`{name}()`")
        elif func in VERBS and module.rsplit(".", 1)[-1] in self.sessions:
            # named as written: a local `session = requests.Session()` shadows an imported
            # name (`from flask import session`) that qualify() would resolve it to
            self._need_timeout(node, f"session call `{ast.unparse(node.func)}()`")
        elif name in POSITIONAL_TIMEOUT:
            reach = POSITIONAL_TIMEOUT[name]
            if not (reach and len(node.args) >= reach):
                self._need_timeout(node, f"`{name}()`")
        elif module == "httpx" and (func in VERBS or func in {"stream", "Client", "AsyncClient"}):
            timeout = keyword(node, "timeout")
            if timeout is not None and is_none(timeout.value):
                self.at(
                    node,
                    f"`{name}(timeout=None)` disables httpx's timeout: set one",
                    fix="unsafe",
                )
        elif name == "httpx.Timeout" and node.args and is_none(node.args[0]) and not node.keywords:
            self.at(node, "`httpx.Timeout(None)` disables every timeout: set one")

    def _need_timeout(self, node: ast.Call, what: str) -> None:
        # charter fix --unsafe-fixes adds `timeout=<default_timeout>` (or replaces the None),
        # never next to *args, which may already reach the timeout by position
        fix = None if any(isinstance(a, ast.Starred) for a in node.args) else "unsafe"
        timeout = keyword(node, "timeout")
        if timeout is None:
            if not has_star_kwargs(node):
                self.at(node, f"{what} without `timeout=`: it can wait forever", fix=fix)
        elif is_none(timeout.value):
            self.at(node, f"{what} with `timeout=None`: it can wait forever", fix=fix)
