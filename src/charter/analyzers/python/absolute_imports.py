"""absolute-imports: internal modules are imported by absolute name, not by relative path.

- Python: ``from ..pkg import x`` (a relative import reaching a parent package); with
  ``relative: all`` also ``from . import x`` / ``from .mod import x`` (same package).
- TypeScript/JavaScript: ``import ... from "../x"`` (and ``export ... from``, ``require()``,
  dynamic ``import()``) instead of the path alias the project declares (tsconfig/jsconfig
  ``paths``, a Vite/webpack ``resolve.alias``, Nuxt's and Vue CLI's defaults, ``package.json``
  ``imports``: :mod:`charter.analyzers.typescript.aliases`), one finding per import whose target
  the alias reaches, naming the aliased form; with ``relative: all`` also ``./x``. A project that
  declares no alias gets one finding, at its tsconfig/jsconfig (or bundler config), asking for
  one; a plain Node project with neither (CommonJS ``require``, no build step) cannot use an
  ``@`` alias and is not judged.

The default (``parents``) matches ruff's ``TID252`` default and the standard's "across packages".
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.python.names import iter_statements
from charter.analyzers.treesitter import column, line
from charter.analyzers.typescript.aliases import (
    Alias,
    AliasReader,
    aliased_prefix,
    norm,
    project_root,
)
from charter.analyzers.typescript.imports import module_specifiers
from charter.repo import RepoIndex
from charter.sources import SourceFile

_SCRIPTS = ("typescript", "javascript")
_RELATED = 12

_PYTHON = frozenset({"python"})


class AbsoluteImportsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: ``parents``: only imports that climb out of the package/folder; ``all``: any relative one
    relative: Literal["parents", "all"] = "parents"
    #: the path alias to suggest to a TypeScript/JavaScript project that declares none
    alias: str = "@/"


def _absolute_name(path: str, level: int, module: str | None) -> str | None:
    """What ``from <dots><module>`` means as an absolute module, when the path tells it."""
    parts = list(PurePosixPath(path).parent.parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if level - 1 >= len(parts):  # beyond the top-level package (or no package known)
        return None
    base = parts[: len(parts) - (level - 1)]
    name = ".".join([*base, *([module] if module else [])])
    return name or None


class AbsoluteImportsAnalyzer(Analyzer):
    name: ClassVar[str] = "absolute-imports"
    Params = AbsoluteImportsParams
    params: AbsoluteImportsParams
    kinds: ClassVar[frozenset[str]] = frozenset({"python", "typescript", "javascript"})

    def wants_text(self, text: str) -> bool:
        aliased = "@/" in text or "~/" in text or "'#" in text or '"#' in text
        if self.params.relative == "all":
            return "from ." in text or "./" in text or aliased
        return "from .." in text or "../" in text or aliased

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        if file.kind in _PYTHON:
            self._python(file, out)
        else:
            self._script(file, out)

    def _python(self, file: SourceFile, out: Emitter) -> None:
        tree = file.python_ast
        if tree is None:
            return
        least = 1 if self.params.relative == "all" else 2
        for node in iter_statements(tree):  # imports are statements: expressions not entered
            if isinstance(node, ast.ImportFrom) and node.level >= least:
                dots = "." * node.level
                written = f"from {dots}{node.module or ''} import ..."
                absolute = _absolute_name(file.path, node.level, node.module)
                hint = f"`from {absolute} import ...`" if absolute else "an absolute import"
                out.report(
                    node.lineno,
                    f"relative import `{written}`; use {hint}",
                    column=node.col_offset + 1,
                )

    def _script(self, file: SourceFile, out: Emitter) -> None:
        """Records the file's relative imports and the aliases it already uses; the repo phase
        judges them against the aliases its project declares."""
        tree = file.syntax_tree
        if tree is None:
            return
        prefixes = ("../", "./") if self.params.relative == "all" else ("../",)
        relative: list[list[Any]] = []
        used: dict[str, int] = {}
        for spec, node in module_specifiers(tree):
            if spec.startswith(prefixes) or spec == "..":
                relative.append([spec, line(node), column(node)])
            elif (prefix := aliased_prefix(spec)) is not None:
                used[prefix] = used.get(prefix, 0) + 1
        if relative or used:
            out.fact({"relative": relative, "used": used})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not repo.of_kind("python", *_SCRIPTS):
            out.not_applicable("no Python, TypeScript or JavaScript code")
            return
        facts = repo.facts(self)
        by_project: dict[str, list[str]] = {}
        for path in sorted(facts):
            root = project_root(repo, path)
            if root is not None:
                by_project.setdefault(root, []).append(path)
        reader = AliasReader(repo)
        for root, paths in sorted(by_project.items()):
            used: dict[str, int] = {}
            for path in paths:
                for prefix, count in facts[path][0]["used"].items():
                    used[prefix] = used.get(prefix, 0) + count
            imports = [(path, *rel) for path in paths for rel in facts[path][0]["relative"]]
            if not imports:
                continue
            project = reader.project(root, used)
            if project.aliases:
                self._through_alias(out, imports, project.aliases)
            else:
                self._declare_alias(repo, out, root, imports, project.configs, project.bundler)

    def _through_alias(
        self, out: Emitter, imports: list[tuple[str, str, int, int]], aliases: list[Alias]
    ) -> None:
        """One finding per relative import that an alias of the project reaches."""
        for path, spec, at, col in imports:
            target = norm(PurePosixPath(path).parent / spec)
            alias = self._reaching(target, aliases)
            if alias is None:
                continue  # no alias reaches it (a file outside the aliased folder)
            if alias.target is None:
                how = f"through the `{alias.prefix}` alias the project already uses"
            else:
                rest = target[len(alias.target) :].lstrip("/") if alias.target else target
                declared = (
                    f'{alias.source} "{alias.key}": ["{alias.value}"]'
                    if alias.key and alias.value
                    else alias.source
                )
                how = f'as "{alias.prefix}{rest}" ({declared})'
            out.report(
                at,
                f'relative import "{spec}"; import internal modules through the project\'s '
                f"`{alias.prefix}` path alias: {how}",
                path=path,
                column=col,
            )

    @staticmethod
    def _reaching(target: str, aliases: list[Alias]) -> Alias | None:
        for alias in aliases:
            if alias.target is None:
                return alias
            if not alias.target or target == alias.target or target.startswith(alias.target + "/"):
                return alias
        return None

    def _declare_alias(
        self,
        repo: RepoIndex,
        out: Emitter,
        root: str,
        imports: list[tuple[str, str, int, int]],
        configs: list[str],
        bundler: str | None,
    ) -> None:
        """One finding for a project that declares no alias, at the file where it goes."""
        where = configs[0] if configs else bundler
        if where is None:
            return  # plain Node without a tsconfig/jsconfig or bundler: no @ alias possible
        files = sorted({p for p, *_ in imports})
        first_path, first_spec, first_line, _ = imports[0]
        src = "src" if any(p.startswith(f"{root}/src/" if root else "src/") for p in files) else "."
        alias = self.params.alias.rstrip("/")
        lines = repo.source(where).lines
        at = next((i for i, t in enumerate(lines, 1) if "compilerOptions" in t), 1)
        fix = (
            f'add "baseUrl": "." and "paths": {{"{alias}/*": ["./{src}/*"]}} to its compilerOptions'
            if configs
            else f'add a "{alias}" resolve alias for ./{src} (and a tsconfig/jsconfig "paths" '
            "entry for editors)"
        )
        out.report(
            at,
            f"{len(imports)} relative import(s) climb out of their folder in {len(files)} "
            f'file(s) (first: {first_path}:{first_line} "{first_spec}") and {where} declares no '
            f"path alias: {fix}, then import internal modules through `{alias}/`",
            path=where,
            related=tuple((p, ln) for p, _, ln, _ in imports[:_RELATED]),
        )
