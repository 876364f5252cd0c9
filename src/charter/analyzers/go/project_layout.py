"""go-project-layout: entry points under ``cmd/<name>/``, private packages under ``internal/``.

One verdict per Go module (a folder with ``go.mod``; the repository root when there is none), at
its first misplaced package (the others listed as related places), naming what is out of place:

- **entry points** (always checked): a ``package main`` (with ``func main``) directly in ``cmd/``
  builds and installs a binary named ``cmd``; and in a module that keeps its binaries under
  ``cmd/<name>/`` (go.dev's advice for modules with commands and packages), a binary elsewhere
  is a stray from the module's own convention. A command at the module root (go.dev's layout
  for one command, its ``go install`` path the module's) is fine, and so is a module without
  ``cmd/``: go.dev's layout for several commands gives each its own folder, and where that
  folder sits is the team's choice.
- **private packages** (param ``private_packages``, off by default: whether a package is meant
  to be imported cannot be read from the tree, its importers in other repositories are not
  visible, and moving a package into ``internal/`` breaks them; turn it on for a new service
  whose packages are all private): in an application module (one that builds a binary),
  library packages outside ``cmd/``, ``internal/`` and ``pkg/`` are importable by any module
  although nothing says they are meant to be. Reported when the module has neither
  ``internal/`` nor ``pkg/`` (it never drew the line between private and public code), or when
  they are stray exceptions in a module that keeps most of its packages under
  ``internal/``/``pkg/``; a module that keeps most of its code at the top level next to a
  little ``internal/``/``pkg/`` has a long-standing public
  layout that moving would break for its importers. Not judged either when the compiler already
  keeps the packages private (the module path has an ``internal`` element, as a per-service
  module under the repository's ``internal/``), when the module root is a library package (a
  library that also ships commands), and for packages used as a library: imported from outside
  the module (another module of the repository, ``_examples/``) or shown in an import in the
  module's README.

Folders that the go tool ignores (``_x``, ``.x``, ``testdata``), test files and files behind a
test build tag, the folders of param ``ignore``, vendored code and generated files are left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.go.common import is_foreign, is_test_code
from charter.analyzers.treesitter import line, string_content, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

PUBLIC_ROOTS = ("cmd", "internal", "pkg")
_MODULE = re.compile(r"^\s*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)
_RELATED = 12
#: where an import comes from when the go tool ignores its folder (``_examples/``)
_IGNORED = "\0ignored"


class GoProjectLayoutParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: also report library packages of an application module outside ``internal/``/``pkg/``
    private_packages: bool = False
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
    if not module:
        return path
    return "" if path == module else path[len(module) + 1 :]


def _go_ignored(path: str) -> bool:
    """Whether the go tool leaves the file out of ``./...`` (a folder named ``_x``, ``.x``)."""
    return any(part[:1] in {"_", "."} for part in PurePosixPath(path).parts[:-1])


def _listing(folders: list[str], limit: int = 4) -> str:
    shown = [f"{f}/" if f else "the module root" for f in folders[:limit]]
    more = f" and {len(folders) - limit} more" if len(folders) > limit else ""
    return ", ".join(shown) + more


class GoProjectLayoutAnalyzer(Analyzer):
    name: ClassVar[str] = "go-project-layout"
    Params = GoProjectLayoutParams
    params: GoProjectLayoutParams
    kinds: ClassVar[frozenset[str]] = frozenset({"go"})

    def applies_to(self, file: SourceFile) -> bool:
        return super().applies_to(file) and not is_foreign(file)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        if is_test_code(file):
            return
        tree = file.syntax_tree
        if tree is None:
            return
        root = tree.root_node
        clause = next((c for c in root.named_children if c.type == "package_clause"), None)
        if clause is None:
            return
        package = text(clause.named_children[0]) if clause.named_children else ""
        has_main = any(
            text(fn.child_by_field_name("name")) == "main"
            for fn in root.named_children
            if fn.type == "function_declaration"
        )
        imports: list[str] = []
        for decl in root.named_children:
            if decl.type != "import_declaration":
                continue
            stack = list(decl.named_children)
            while stack:
                node = stack.pop()
                if node.type == "import_spec_list":
                    stack.extend(node.named_children)
                elif node.type == "import_spec":
                    spec = string_content(node.child_by_field_name("path") or node)
                    if "." in spec.split("/", 1)[0]:  # not the standard library
                        imports.append(spec)
        out.fact(
            {
                "package": package,
                "main": package == "main" and has_main,
                "line": line(clause),
                "imports": sorted(set(imports)),
            }
        )

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts: Mapping[str, list[Any]] = repo.facts(self)
        if not facts:
            out.not_applicable("no Go code")
            return
        manifests = {_folder(p): p for p in repo.named("go.mod")}
        modules = sorted(manifests, key=len, reverse=True)

        def module_of(path: str) -> str:
            for module in modules:
                if not module or path.startswith(module + "/"):
                    return module
            return ""

        module_paths: dict[str, str] = {}
        for module, manifest in manifests.items():
            found = _MODULE.search(repo.source(manifest).text or "")
            if found:
                module_paths[module] = found.group(1)

        # per module: package folder -> (first file, its fact); imports seen from each module
        packages: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
        imported_from: dict[str, set[str]] = {}
        for path in sorted(facts):
            module = module_of(path)
            fact = facts[path][0]
            ignored = _go_ignored(_relative(path, module))
            for spec in fact.get("imports", []):
                # an import from another module, or from code the go tool leaves out
                imported_from.setdefault(spec, set()).add(_IGNORED if ignored else module)
            if ignored or path_matches(_relative(path, module), self.params.ignore):
                continue
            folder = _folder(path)
            known = packages.setdefault(module, {}).get(folder)
            if known is None or (fact["main"] and not known[1]["main"]):
                packages[module][folder] = (path, fact)

        if not packages:
            out.not_applicable("no Go packages outside ignored folders")
            return
        for module, folders in sorted(packages.items()):
            module_path = module_paths.get(module, "")
            problems: list[str] = []
            related: list[tuple[str, int]] = []
            entries, home = self._misplaced_entry_points(module, folders)
            if entries:
                where = f"entry point(s) in {_listing(entries)}"
                if home:
                    where += f" apart from the module's other binaries in {home}/"
                if "cmd" in entries:
                    where += " (a main package in cmd/ itself builds a binary named `cmd`)"
                problems.append(f"{where}: keep each binary's main package under cmd/<name>/")
                related.extend(
                    (folders[_join(module, f)][0], folders[_join(module, f)][1]["line"])
                    for f in entries
                )
            private = (
                self._unprotected_packages(repo, module, module_path, folders, imported_from)
                if self.params.private_packages
                else []
            )
            if private:
                tops = sorted({f.split("/", 1)[0] for f in private})
                layout = (
                    "while its other packages live under internal/ or pkg/"
                    if self._laid_out(folders, module)
                    else "in an application module with neither internal/ nor pkg/"
                )
                problems.append(
                    f"{len(private)} package(s) outside internal/ ({_listing(tops)}) {layout}: "
                    "any module can import them; "
                    "move the ones not meant for other modules under internal/ (pkg/ for "
                    "those that are)"
                )
                related.extend(
                    (folders[_join(module, f)][0], folders[_join(module, f)][1]["line"])
                    for f in private
                )
            if not problems:
                out.evidence(f"module {module_path or module or '(root)'} follows the layout")
                continue
            name = module_path or (f"{module}/" if module else "at the repository root")
            message = f"Go module {name}: " + "; ".join(problems)
            # one verdict per module, at its first misplaced package (the others related)
            path, at = related[0]
            out.report(at, message, path=path, related=tuple(related[1:_RELATED]))

    def _misplaced_entry_points(
        self, module: str, folders: Mapping[str, tuple[str, dict[str, Any]]]
    ) -> tuple[list[str], str]:
        """Module-relative folders of the main packages that are out of place, and ``cmd``
        when the module keeps its other binaries there: a main directly in ``cmd/``, and in a
        module with ``cmd/<name>/`` binaries, a binary elsewhere than ``cmd/`` or the root."""
        mains = sorted(
            _relative(folder, module) for folder, (_, fact) in folders.items() if fact["main"]
        )
        under_cmd = [m for m in mains if m.startswith("cmd/")]
        rest = [m for m in mains if m and not m.startswith("cmd/")]
        if under_cmd:
            return rest, "cmd" if rest else ""  # cmd/ is the home: the others are strays
        return [m for m in rest if m == "cmd"], ""

    @staticmethod
    def _laid_out(folders: Mapping[str, tuple[str, dict[str, Any]]], module: str) -> bool:
        return any(
            {"internal", "pkg"} & set(_relative(folder, module).split("/")) for folder in folders
        )

    def _unprotected_packages(
        self,
        repo: RepoIndex,
        module: str,
        module_path: str,
        folders: Mapping[str, tuple[str, dict[str, Any]]],
        imported_from: Mapping[str, set[str]],
    ) -> list[str]:
        """Module-relative folders of library packages any module can import although nothing
        says they are meant to be public (see the module docstring)."""
        rels = {_relative(folder, module): fact for folder, (_, fact) in folders.items()}
        if not any(fact["main"] for fact in rels.values()):
            return []  # a library module
        if "internal" in module_path.split("/"):
            return []  # the compiler already keeps every package private
        laid_out = sum(
            1
            for rel, fact in rels.items()
            if not fact["main"] and {"internal", "pkg"} & set(rel.split("/"))
        )
        root = rels.get("")
        if root is not None and not root["main"]:
            return []  # the module root is a library: its packages are its API
        readme = ""
        for name in ("README.md", "README"):
            candidate = _join(module, name)
            if repo.has(candidate):
                readme = repo.source(candidate).text or ""
                break
        private: list[str] = []
        for rel, fact in sorted(rels.items()):
            if fact["main"] or fact["package"] == "main" or rel.split("/", 1)[0] in PUBLIC_ROOTS:
                continue
            if module_path:
                import_path = f"{module_path}/{rel}" if rel else module_path
                users = imported_from.get(import_path, set())
                if users - {module} or f'"{import_path}"' in readme:
                    continue  # used as a library from outside the module, or documented so
            private.append(rel)
        if laid_out and len(private) >= laid_out:
            # most of the module's code sits outside internal/ and pkg/ by design: a
            # long-standing public layout, not a stray package (moving it breaks importers)
            return []
        return private


def _join(module: str, rel: str) -> str:
    if not module:
        return rel
    return f"{module}/{rel}" if rel else module
