"""polars-for-dataframes and polars-lazy: the data profile's Polars mandate.

- ``polars-for-dataframes`` reports each import of pandas (``import pandas``,
  ``from pandas import …``, ``import pandas.io.sql``) in non-test code; an import under
  ``if TYPE_CHECKING:`` only names a type and passes, and so does ``df.to_pandas()`` interop
  (a method call, no import). Not applicable when no code imports pandas or Polars.
- ``polars-lazy`` reports eager Polars readers that have a lazy ``scan_*`` twin
  (``read_csv``, ``read_parquet``, ``read_ipc``, ``read_ndjson``, ``read_delta``), unless they read
  from an in-memory buffer (``io.BytesIO``/``StringIO``), which ``scan_*`` does not take.
  Readers without a lazy twin (``read_excel``, ``read_database``) pass. Not applicable when no
  code imports Polars.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import RelevantRule
from charter.analyzers.python.names import is_under
from charter.sources import SourceFile

LAZY_TWIN = {
    "read_csv": "scan_csv",
    "read_parquet": "scan_parquet",
    "read_ipc": "scan_ipc",
    "read_ndjson": "scan_ndjson",
    "read_delta": "scan_delta",
}
BUFFERS = frozenset({"io.BytesIO", "io.StringIO"})


class _ImportsFact(RelevantRule):
    """Relevant where a file imports one of ``watched``."""

    watched: ClassVar[tuple[str, ...]] = ()

    def end(self) -> None:
        self.relevant = self.imports.imports_any(self.watched)
        super().end()


class PolarsForDataframesAnalyzer(_ImportsFact):
    """Report pandas imports where the profile mandates Polars."""

    name: ClassVar[str] = "polars-for-dataframes"
    prefilter: ClassVar[tuple[str, ...]] = ("pandas", "polars")
    watched: ClassVar[tuple[str, ...]] = ("pandas", "polars")
    na_reason: ClassVar[str] = "no code imports a dataframe library (pandas or Polars)"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.type_only: set[int] = set()

    def visit_If(self, node: ast.If) -> None:
        name = self.qualify(node.test)
        if name in ("typing.TYPE_CHECKING", "TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"):
            self.type_only.update(id(stmt) for stmt in node.body)

    def visit_Import(self, node: ast.Import) -> None:
        if id(node) in self.type_only:
            return
        for alias in node.names:
            if is_under(alias.name, "pandas"):
                self._report(node, alias.name)
                return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if id(node) in self.type_only or node.level or not node.module:
            return
        if is_under(node.module, "pandas"):
            self._report(node, node.module)

    def _report(self, node: ast.stmt, module: str) -> None:
        self.at(node, f"`{module}` imported: use Polars for dataframes (`import polars as pl`)")


class PolarsLazyAnalyzer(_ImportsFact):
    """Report eager Polars readers that have a lazy ``scan_*`` equivalent."""

    name: ClassVar[str] = "polars-lazy"
    prefilter: ClassVar[tuple[str, ...]] = ("polars",)
    watched: ClassVar[tuple[str, ...]] = ("polars",)
    na_reason: ClassVar[str] = "no code imports Polars"

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualify(node.func)
        if name is None or not name.startswith("polars."):
            return
        func = name.rsplit(".", 1)[-1]
        if func not in LAZY_TWIN:
            return
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Call) and self.qualify(first.func) in BUFFERS:
            return
        self.at(
            node,
            f"eager `pl.{func}()`: use `pl.{LAZY_TWIN[func]}()` and `.collect()` at the end so "
            "Polars can push filters and projections into the read",
        )
