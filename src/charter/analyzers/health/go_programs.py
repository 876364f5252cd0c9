"""Which Go programs (``package main`` with ``func main``) build which packages of the
repository: the import graph of its Go modules, read from each file's imports on the shared
syntax tree. A gRPC server and an HTTP health route compiled into the same program run in one
process."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from charter.analyzers.go.common import imports, is_foreign, is_test_code
from charter.analyzers.treesitter import text
from charter.repo import RepoIndex
from charter.sources import SourceFile

_MODULE = re.compile(r"^\s*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)


def folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def go_file_fact(file: SourceFile) -> dict[str, Any] | None:
    """The imports of one Go file of the build (not a test, vendored or generated file) and
    whether it is a program's ``main``."""
    if is_test_code(file) or is_foreign(file):
        return None
    tree = file.syntax_tree
    if tree is None:
        return None
    root = tree.root_node
    clause = next((c for c in root.named_children if c.type == "package_clause"), None)
    package = text(clause.named_children[0]) if clause and clause.named_children else ""
    main = package == "main" and any(
        text(fn.child_by_field_name("name")) == "main"
        for fn in root.named_children
        if fn.type == "function_declaration"
    )
    return {"kind": "go-file", "main": main, "imports": sorted(set(imports(root).values()))}


class GoPrograms:
    """Package folder -> the folders of the programs that build it (their ``main`` package's
    folder), through the imports between the repository's own packages."""

    def __init__(self, repo: RepoIndex, files: Iterable[tuple[str, dict[str, Any]]]) -> None:
        modules: list[tuple[str, str]] = []  # (module path, folder), longest path first
        for manifest in repo.named("go.mod"):
            found = _MODULE.search(repo.source(manifest).text or "")
            if found:
                modules.append((found.group(1), folder(manifest)))
        modules.sort(key=lambda m: len(m[0]), reverse=True)
        edges: dict[str, set[str]] = defaultdict(set)
        mains: set[str] = set()
        for path, fact in files:
            here = folder(path)
            if fact["main"]:
                mains.add(here)
            for spec in fact["imports"]:
                target = _local(spec, modules)
                if target is not None:
                    edges[here].add(target)
        self.builds: dict[str, set[str]] = defaultdict(set)
        for main in sorted(mains):
            seen, stack = {main}, [main]
            while stack:
                for nxt in edges.get(stack.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            for package in seen:
                self.builds[package].add(main)

    def shared(self, a: str, b: str) -> str | None:
        """A program that builds both the package of file ``a`` and that of file ``b``."""
        both = self.builds.get(folder(a), set()) & self.builds.get(folder(b), set())
        return min(both) if both else None


def _local(spec: str, modules: list[tuple[str, str]]) -> str | None:
    """The repository folder of an import path of one of its modules (None: another module's)."""
    for path, where in modules:
        if spec == path or spec.startswith(path + "/"):
            rel = spec[len(path) + 1 :] if spec != path else ""
            return "/".join(p for p in (where, rel) if p)
    return None
