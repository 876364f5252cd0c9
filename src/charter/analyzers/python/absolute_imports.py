"""absolute-imports: internal modules are imported by absolute name, not by relative path.

- Python: ``from ..pkg import x`` (a relative import reaching a parent package); with
  ``relative: all`` also ``from . import x`` / ``from .mod import x`` (same package).
- TypeScript/JavaScript: ``import ... from "../x"`` (and ``export ... from``, ``require()``,
  dynamic ``import()``) instead of the ``@/`` alias declared in tsconfig ``paths``; with
  ``relative: all`` also ``./x``.

The default (``parents``) matches ruff's ``TID252`` default and the standard's "across packages".
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.treesitter import report
from charter.analyzers.typescript.imports import module_specifiers
from charter.sources import SourceFile

_PYTHON = frozenset({"python"})


class AbsoluteImportsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: ``parents``: only imports that climb out of the package/folder; ``all``: any relative one
    relative: Literal["parents", "all"] = "parents"
    #: the path alias internal TypeScript imports should use (named in the message)
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
        if self.params.relative == "all":
            return "from ." in text or "./" in text
        return "from .." in text or "../" in text

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
        for node in ast.walk(tree):
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
        tree = file.syntax_tree
        if tree is None:
            return
        prefixes = ("../", "./") if self.params.relative == "all" else ("../",)
        for spec, node in module_specifiers(tree):
            if spec.startswith(prefixes) or spec == "..":
                report(
                    out,
                    node,
                    f'relative import "{spec}"; import internal modules through the '
                    f'`{self.params.alias}` path alias (tsconfig "paths": '
                    f'{{"{self.params.alias}*": ["src/*"]}})',
                )
