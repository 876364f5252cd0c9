"""rust-lib-main-split: a binary crate keeps its logic in ``src/lib.rs``, ``src/main.rs`` thin.

Each crate (a folder with ``Cargo.toml``) that has ``src/main.rs`` also has ``src/lib.rs``; the
finding is at the ``main.rs`` that stands alone. Not reported:

- a binary whose logic lives in library crates of the same repository: it depends on one (a
  workspace member with a library, by ``path``, ``workspace = true`` or name), so ``main.rs`` is
  the wiring of tested libraries;
- a small utility: ``main.rs`` alone (no ``mod`` of its own) under ``small_lines`` lines.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.repo import RepoIndex

_MOD = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*;", re.MULTILINE)
_DEPENDENCY_TABLES = ("dependencies", "build-dependencies")


class RustLibMainSplitParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: a binary made of ``main.rs`` alone and shorter than this is a small utility
    small_lines: int = 150


def _dependency_names(data: dict[str, Any]) -> set[str]:
    """The crate names a manifest depends on (renames followed), normal and build deps."""
    names: set[str] = set()
    tables: list[Any] = [data.get(t) for t in _DEPENDENCY_TABLES]
    targets = data.get("target")
    if isinstance(targets, dict):
        for target in targets.values():
            if isinstance(target, dict):
                tables.extend(target.get(t) for t in _DEPENDENCY_TABLES)
    for table in tables:
        if not isinstance(table, dict):
            continue
        for key, spec in table.items():
            renamed = spec.get("package") if isinstance(spec, dict) else None
            names.add(str(renamed or key).replace("-", "_"))
    return names


class RustLibMainSplitAnalyzer(Analyzer):
    name: ClassVar[str] = "rust-lib-main-split"
    Params = RustLibMainSplitParams
    params: RustLibMainSplitParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        manifests: dict[str, dict[str, Any]] = {}
        for path in repo.named("Cargo.toml"):
            data = repo.source(path).toml
            if data is not None:
                manifests[path] = data
        crates = sorted(str(PurePosixPath(p).parent) for p in repo.named("Cargo.toml"))
        mains = []
        libraries: set[str] = set()
        for crate in crates:
            prefix = "" if crate == "." else f"{crate}/"
            data = manifests.get(f"{prefix}Cargo.toml", {})
            package = data.get("package")
            lib = data.get("lib")
            if isinstance(package, dict) and (
                repo.has(f"{prefix}src/lib.rs") or (isinstance(lib, dict) and "path" in lib)
            ):
                # dependencies name the package (its lib may be renamed with [lib] name)
                libraries.add(str(package.get("name", "")).replace("-", "_"))
            if repo.has(f"{prefix}src/main.rs"):
                mains.append(prefix)
        if not mains:
            out.not_applicable("no Rust binary crate (no Cargo.toml next to src/main.rs)")
            return
        for prefix in mains:
            main = f"{prefix}src/main.rs"
            if repo.has(f"{prefix}src/lib.rs"):
                out.evidence(f"{prefix}src/lib.rs next to {main}")
                continue
            data = manifests.get(f"{prefix}Cargo.toml", {})
            package = data.get("package")
            own = str(package.get("name", "")) if isinstance(package, dict) else ""
            used = sorted((_dependency_names(data) & libraries) - {own.replace("-", "_")})
            if used:
                out.evidence(f"{main}: its logic lives in library crates ({', '.join(used)})")
                continue
            text = repo.source(main).text or ""
            if len(text.splitlines()) < self.params.small_lines and not _MOD.search(text):
                out.evidence(f"{main}: a small utility binary")
                continue
            out.report(
                1,
                f"binary crate without a library: move the logic of {main} into "
                f"{prefix}src/lib.rs and keep main.rs a thin entry point",
                path=main,
            )
