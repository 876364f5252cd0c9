"""go-project-layout: entry points under ``cmd/``, private packages under ``internal/``.

For every Go module (a folder with ``go.mod``; the repository root when there is none):

- a ``package main`` with ``func main`` outside ``cmd/<name>/`` is an entry point in the wrong
  place (reported at its ``package`` clause);

Vendored (``vendor/``) and generated (``// Code generated ... DO NOT EDIT.``) files are left out.
- in an *application* module (one that builds a binary), a library package outside ``cmd/``,
  ``internal/`` and ``pkg/`` is private code the compiler does not keep private (reported once per
  top-level folder, at its first package). Library modules (no ``main``) keep their packages
  where they like.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.go.common import is_foreign, is_test_file
from charter.analyzers.treesitter import line, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

PUBLIC_ROOTS = ("cmd", "internal", "pkg")


class GoProjectLayoutParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: folders (relative to the module) whose Go code is not part of the layout
    ignore: tuple[str, ...] = (
        "vendor/**",
        "**/testdata/**",
        "examples/**",
        "example/**",
        "tools/**",
        "scripts/**",
        "hack/**",
        "test/**",
        "tests/**",
        "third_party/**",
        "docs/**",
    )


def _folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _relative(path: str, module: str) -> str:
    return path[len(module) + 1 :] if module else path


class GoProjectLayoutAnalyzer(Analyzer):
    name: ClassVar[str] = "go-project-layout"
    Params = GoProjectLayoutParams
    params: GoProjectLayoutParams
    kinds: ClassVar[frozenset[str]] = frozenset({"go"})

    def applies_to(self, file: SourceFile) -> bool:
        return super().applies_to(file) and not is_test_file(file.path) and not is_foreign(file)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        clause = next(
            (c for c in tree.root_node.named_children if c.type == "package_clause"), None
        )
        if clause is None:
            return
        package = text(clause.named_children[0]) if clause.named_children else ""
        has_main = any(
            text(fn.child_by_field_name("name")) == "main"
            for fn in tree.root_node.named_children
            if fn.type == "function_declaration"
        )
        out.fact({"package": package, "main": package == "main" and has_main, "line": line(clause)})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts: Mapping[str, list[Any]] = repo.facts(self)
        if not facts:
            out.not_applicable("no Go code")
            return
        modules = sorted((_folder(p) for p in repo.named("go.mod")), key=len, reverse=True)

        def module_of(path: str) -> str:
            for module in modules:
                if not module or path.startswith(module + "/"):
                    return module
            return ""

        # per module: package folder -> (first file, its fact)
        packages: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
        for path in sorted(facts):
            module = module_of(path)
            if path_matches(_relative(path, module), self.params.ignore):
                continue
            fact = facts[path][0]
            folder = _folder(path)
            known = packages.setdefault(module, {}).get(folder)
            if known is None or (fact["main"] and not known[1]["main"]):
                packages[module][folder] = (path, fact)

        checked = 0
        for module, folders in sorted(packages.items()):
            application = any(fact["main"] for _, fact in folders.values())
            # misplaced library packages, grouped by the module's top-level folder
            misplaced: dict[str, list[tuple[str, dict[str, Any]]]] = {}
            for folder, (path, fact) in sorted(folders.items()):
                rel = _relative(folder, module) if folder != module else ""
                top = rel.split("/", 1)[0]
                checked += 1
                if fact["main"]:
                    if top != "cmd" or rel == "cmd":
                        where = f"{module}/cmd/<name>/" if module else "cmd/<name>/"
                        out.report(
                            fact["line"],
                            f"entry point (package main) in {folder or 'the module root'}/; "
                            f"put each binary's main package under {where}",
                            path=path,
                        )
                    else:
                        out.evidence(f"entry point {path} under cmd/")
                elif application and top not in PUBLIC_ROOTS and fact["package"] != "main":
                    misplaced.setdefault(top, []).append((path, fact))
            for top, found in sorted(misplaced.items()):
                path, fact = found[0]
                where = _folder(path) or "the module root"
                if len(found) == 1:
                    what = f"package `{fact['package']}` in {where}/"
                else:
                    top_folder = f"{module}/{top}" if module else top
                    what = f"{len(found)} packages under {top_folder}/ (first: {where}/)"
                out.report(
                    fact["line"],
                    f"{what} of an application module; move private packages under internal/ "
                    "(pkg/ only for code meant to be imported by other modules)",
                    path=path,
                )
        if checked == 0:
            out.not_applicable("no Go packages outside ignored folders")
