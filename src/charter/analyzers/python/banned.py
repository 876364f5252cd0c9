"""python-banned-import and python-banned-call: generic bans a YAML policy configures.

Both take ``banned``, a mapping from a qualified name to the message to show (empty for a
default one). Names are resolved through the file's imports, so banning ``pickle.loads`` also
catches ``from pickle import loads as load_it; load_it(b)``. A name ending in ``.*`` bans
everything under a module (``subprocess.*``); a plain name bans itself and, for imports, its
submodules (``pandas`` bans ``pandas.io.sql``). Test code is left out unless
``include_tests: true``.

``per_repository: true`` (imports only) makes the ban a technology choice with one verdict per
repository: each banned entry that some file imports is one finding, at its first import (by
path), with every other import of it as a related location, instead of a finding per import.

Example policy (``policies/rules/no-pickle.yaml``)::

    id: no-pickle
    analyzer: python-banned-call
    params:
      banned:
        pickle.loads: "unpickling runs arbitrary code: use json or msgpack"
"""

from __future__ import annotations

import ast
from typing import ClassVar

from pydantic import Field

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import PythonRule, PythonRuleParams
from charter.analyzers.python.names import is_under
from charter.repo import RepoIndex


class BannedParams(PythonRuleParams):
    #: qualified name → message ("" for the default message)
    banned: dict[str, str] = Field(min_length=1)
    #: imports: one finding per banned entry for the whole repository, not one per import
    per_repository: bool = False


def _match(name: str, banned: dict[str, str], submodules: bool) -> str | None:
    """The banned entry ``name`` falls under, if any."""
    for entry in banned:
        if entry.endswith(".*"):
            if name.startswith(entry[:-1]):
                return entry
        elif name == entry or (submodules and is_under(name, entry)):
            return entry
    return None


class _Banned(PythonRule):
    Params = BannedParams
    params: BannedParams

    def wants_text(self, text: str) -> bool:
        # any spelling of a banned name contains its last component (or its module's name)
        return any(
            entry.removesuffix(".*").rsplit(".", 1)[-1] in text for entry in self.params.banned
        )

    def _message(self, entry: str, default: str) -> str:
        return self.params.banned[entry] or default


class BannedImportAnalyzer(_Banned):
    """Report imports of banned modules (or of banned names from a module)."""

    name: ClassVar[str] = "python-banned-import"

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            entry = _match(alias.name, self.params.banned, submodules=True)
            if entry:
                self._found(node, entry, alias.name)
                return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        for candidate in [node.module, *(f"{node.module}.{a.name}" for a in node.names)]:
            entry = _match(candidate, self.params.banned, submodules=True)
            if entry:
                self._found(node, entry, candidate)
                return

    def _found(self, node: ast.stmt, entry: str, name: str) -> None:
        if self.params.per_repository:
            self.out.fact({"entry": entry, "name": name, "line": node.lineno})
        else:
            self.at(node, f"`{name}` imported: {self._message(entry, 'banned')}")

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not any(self.applies_to(repo.source(path)) for path in repo.of_kind("python")):
            out.not_applicable("no files this rule checks")
            return
        if not self.params.per_repository:
            return
        sites: dict[str, list[tuple[str, int, str]]] = {}
        for path, values in sorted(repo.facts(self).items()):
            for fact in values:
                sites.setdefault(fact["entry"], []).append((path, fact["line"], fact["name"]))
        for entry, found in sorted(sites.items()):
            found.sort()
            path, line, name = found[0]
            files = len({site[0] for site in found})
            out.report(
                line,
                f"`{entry}` is used by this repository (`{name}` here, imported in {files} "
                f"file{'s' if files != 1 else ''}): {self._message(entry, 'banned')}",
                path=path,
                related=tuple((p, n) for p, n, _ in found[1:]),
            )


class BannedCallAnalyzer(_Banned):
    """Report calls of banned functions, by qualified name."""

    name: ClassVar[str] = "python-banned-call"

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualify(node.func)
        if name is None:
            return
        entry = _match(name, self.params.banned, submodules=False)
        if entry:
            self.at(node, f"`{name}()` called: {self._message(entry, 'banned')}")
