"""docstrings: public modules, classes and functions carry docstrings, measured as coverage.

Public, as pydocstyle and interrogate count it: a module whose file name does not start with
``_`` (``__init__.py`` is the package's module) and is not in a ``_private`` folder; classes and
functions whose names do not start with ``_``, defined at module level or in a public class
(not nested in a function). Dunder methods, ``@overload`` stubs, ``@override`` methods (they
inherit their documentation) and property setters/deleters are left out, as are empty modules
and ``__main__.py``, ``setup.py`` and ``conftest.py``; generated migrations (``migrations/``,
Alembic ``versions/*.py``) are excluded by default.

The rule fails when coverage is under ``threshold`` percent (default 80), and then reports each
undocumented public item at its ``def``/``class`` line (line 1 for a module). At or above the
threshold it passes and says how far coverage reaches.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import PurePosixPath
from typing import Any, ClassVar

from pydantic import Field

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    FunctionNode,
    FunctionScopes,
    PythonRule,
    PythonRuleParams,
    decorator_names,
)
from charter.analyzers.python.names import is_under
from charter.repo import RepoIndex
from charter.sources import SourceFile

SKIP_DECORATORS = (
    "typing.overload",
    "typing_extensions.overload",
    "typing.override",
    "typing_extensions.override",
)
NOT_MODULES = frozenset({"__main__.py", "setup.py", "conftest.py"})


#: generated code nobody documents by hand (Alembic and Django migrations)
GENERATED = ("**/migrations/**", "**/versions/*.py", "migrations/**")


class DocstringsParams(PythonRuleParams):
    #: minimum share of documented public items, in percent
    threshold: float = Field(default=80.0, ge=0, le=100)
    exclude: tuple[str, ...] = GENERATED


def _public(name: str) -> bool:
    return not name.startswith("_")


class DocstringsAnalyzer(FunctionScopes, PythonRule):
    """Measure docstring coverage of public items; report them when under the threshold."""

    name: ClassVar[str] = "docstrings"
    Params = DocstringsParams
    params: DocstringsParams
    statements_only: ClassVar[bool] = True  # modules, classes and defs only

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.scopes: list[bool] = []  # for each open scope: a public class (True) or not
        self.public = 0
        self.missing: list[tuple[int, str, str]] = []
        path = PurePosixPath(self.file.path)
        private_dir = any(p.startswith("_") and p != "__pycache__" for p in path.parts[:-1])
        self.private = private_dir or (path.name != "__init__.py" and path.name.startswith("_"))
        tree = self.file.python_ast
        if tree is not None and tree.body and not self.private and path.name not in NOT_MODULES:
            module = str(path.parent) if path.name == "__init__.py" else path.stem
            self._item(tree, "module", module)

    def _item(self, node: ast.Module | ast.ClassDef | FunctionNode, kind: str, name: str) -> None:
        self.public += 1
        if ast.get_docstring(node, clean=False) is None:
            line = 1 if isinstance(node, ast.Module) else node.lineno
            self.missing.append((line, kind, name))

    def _visible(self) -> bool:
        return not self.private and all(self.scopes)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        public = self._visible() and _public(node.name)
        if public:
            self._item(node, "class", node.name)
        self.scopes.append(public)

    def leave_ClassDef(self, node: ast.ClassDef) -> None:
        self.scopes.pop()

    def _function(self, node: FunctionNode) -> None:
        if self._visible() and _public(node.name) and not self._skipped(node):
            kind = "method" if self.scopes else "function"
            self._item(node, kind, node.name)
        self.scopes.append(False)

    def _skipped(self, node: FunctionNode) -> bool:
        names = decorator_names(self.imports, node)
        if any(is_under(n, s) for n in names for s in SKIP_DECORATORS):
            return True
        return any(n.endswith((".setter", ".deleter")) for n in names)

    def enter_function(self, node: FunctionNode) -> None:
        self._function(node)

    def exit_function(self, node: FunctionNode) -> None:
        self.scopes.pop()

    def end(self) -> None:
        if self.public:
            self.out.fact({"public": self.public, "missing": [list(m) for m in self.missing]})
            self.out.count("public", self.public)
            self.out.count("documented", self.public - len(self.missing))

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        public = 0
        missing: list[tuple[str, Any]] = []
        for path, facts in repo.facts(self).items():
            for fact in facts:
                public += fact["public"]
                missing.extend((path, item) for item in fact["missing"])
        if not public:
            out.not_applicable("no public Python modules, classes or functions")
            return
        documented = public - len(missing)
        share = 100.0 * documented / public
        threshold = self.params.threshold
        summary = (
            f"{documented}/{public} public items documented ({share:.1f}%, "
            f"threshold {threshold:g}%)"
        )
        out.summary(summary)
        if share >= threshold:
            out.evidence(summary)
            return
        for path, (line, kind, name) in sorted(missing, key=lambda m: (m[0], m[1][0])):
            message = f"public {kind} `{name}` has no docstring"
            # the message names the item: a stable fingerprint basis that needs no file read
            # (reading every flagged file's lines cost 0.7 s on a 10,000-file repository)
            out.report(line, message, path=path, key=message)

    def metrics(self, counters: Counter[str]) -> dict[str, float | int]:
        public = counters.get("public", 0)
        documented = counters.get("documented", 0)
        share = round(100.0 * documented / public, 2) if public else 100.0
        return {"public": public, "documented": documented, "documented_percent": share}
