"""rust-clippy-pedantic: every crate turns on ``clippy::pedantic`` (``clippy::all`` is default).

Accepted, per crate (a ``Cargo.toml`` with ``[package]``):

- a crate-level ``#![warn(...)]``/``#![deny(...)]``/``#![forbid(...)]`` naming ``clippy::pedantic``
  in ``src/lib.rs``, ``src/main.rs`` or the ``[lib] path``;
- ``[lints.clippy] pedantic = "warn"`` (or deny/forbid, or ``{ level = ... }``) in its Cargo.toml;
- ``[lints] workspace = true`` with ``[workspace.lints.clippy] pedantic`` in the workspace root;
- ``-W clippy::pedantic`` (or ``-D``) in the rustflags of a ``.cargo/config.toml``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.treesitter import text
from charter.repo import RepoIndex

_LEVELS = frozenset({"warn", "deny", "forbid"})
_INNER = re.compile(r"^#!\[\s*(warn|deny|forbid)\s*\((?P<lints>.*)\)\s*\]$", re.DOTALL)
_FLAG = re.compile(r"(?:-[WDF]|--(?:warn|deny|forbid))[\s=]*clippy::pedantic")


def _level_on(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("level")
    return isinstance(value, str) and value in _LEVELS


def _folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _join(folder: str, rel: str) -> str:
    return str(PurePosixPath(folder) / rel) if folder else str(PurePosixPath(rel))


class RustClippyPedanticAnalyzer(Analyzer):
    name: ClassVar[str] = "rust-clippy-pedantic"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        manifests: dict[str, dict[str, Any]] = {}
        for path in repo.named("Cargo.toml"):
            data = repo.source(path).toml
            if data is not None:
                manifests[path] = data
        crates = [p for p, data in manifests.items() if "package" in data]
        if not crates:
            out.not_applicable("no Cargo crate")
            return
        if self._rustflags_enable(repo):
            out.evidence("clippy::pedantic enabled in .cargo/config.toml rustflags")
            return
        for path in sorted(crates):
            data = manifests[path]
            reason = self._enabled_by(repo, path, data, manifests)
            if reason:
                out.evidence(reason)
                continue
            lines = repo.source(path).lines
            line = next((i for i, t in enumerate(lines, 1) if t.strip() == "[package]"), 1)
            name = data["package"].get("name", _folder(path) or "crate")
            out.report(
                line,
                f"crate `{name}` does not enable clippy::pedantic; add "
                "`#![warn(clippy::all, clippy::pedantic)]` to its crate root or "
                '`[lints.clippy] pedantic = { level = "warn", priority = -1 }` to Cargo.toml',
                path=path,
            )

    def _enabled_by(
        self,
        repo: RepoIndex,
        path: str,
        data: dict[str, Any],
        manifests: dict[str, dict[str, Any]],
    ) -> str | None:
        lints = data.get("lints", {})
        if _level_on(lints.get("clippy", {}).get("pedantic")):
            return f"{path}: [lints.clippy] pedantic"
        if lints.get("workspace") is True:
            here = PurePosixPath(_folder(path))
            for candidate, other in manifests.items():
                ws = PurePosixPath(_folder(candidate))
                in_workspace = str(ws) in {"", "."} or ws == here or ws in here.parents
                clippy = other.get("workspace", {}).get("lints", {}).get("clippy", {})
                if in_workspace and _level_on(clippy.get("pedantic")):
                    return f"{path}: workspace lints from {candidate}"
        folder = _folder(path)
        lib_path = data.get("lib", {}).get("path")
        roots = [_join(folder, "src/lib.rs"), _join(folder, "src/main.rs")]
        if isinstance(lib_path, str):
            roots.insert(0, _join(folder, lib_path))
        for crate_root in roots:
            if repo.has(crate_root) and self._crate_attribute(repo, crate_root):
                return f"{crate_root}: crate-level clippy::pedantic"
        return None

    def _crate_attribute(self, repo: RepoIndex, path: str) -> bool:
        tree = repo.source(path).syntax_tree
        if tree is None:
            return False
        for child in tree.root_node.children:
            if child.type != "inner_attribute_item":
                continue
            match = _INNER.match(text(child))
            if match and "clippy::pedantic" in match["lints"].replace(" ", ""):
                return True
        return False

    def _rustflags_enable(self, repo: RepoIndex) -> bool:
        for path in (".cargo/config.toml", ".cargo/config"):
            data = repo.source(path).toml if repo.has(path) else None
            if not data:
                continue
            tables = [data.get("build", {})]
            targets = data.get("target", {})
            if isinstance(targets, dict):
                tables.extend(t for t in targets.values() if isinstance(t, dict))
            for table in tables:
                flags = table.get("rustflags", []) if isinstance(table, dict) else []
                joined = flags if isinstance(flags, str) else " ".join(map(str, flags))
                if _FLAG.search(joined):
                    return True
        return False
