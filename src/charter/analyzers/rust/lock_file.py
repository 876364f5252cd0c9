"""cargo-lock-committed: a Cargo project that builds a binary commits its ``Cargo.lock``.

Cargo writes one lock file per workspace, next to the workspace root's ``Cargo.toml`` (a package
outside any workspace is its own root). A root is judged when one of its packages builds a
binary: ``src/main.rs``, ``src/bin/*.rs`` or a ``[[bin]]`` target. Library-only roots are left
alone (their users' lock files decide the versions), and so are cargo-fuzz harnesses (a package
whose ``[package.metadata]`` says ``cargo-fuzz = true``): ``cargo fuzz`` builds their targets
for a fuzzing run, nobody ships them.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.repo import RepoIndex

LOCK = "Cargo.lock"
_IGNORED = re.compile(r"^\s*/?(?:\*\*/)?Cargo\.lock\s*$", re.MULTILINE)


def _folder(manifest: str) -> str:
    folder = posixpath.dirname(manifest)
    return "" if folder in ("", ".") else folder


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _globs(table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def _root_of(package: str, workspaces: dict[str, dict[str, Any]]) -> str:
    """The folder of the workspace a package folder belongs to: the nearest enclosing
    workspace root that does not exclude it; the package's own folder otherwise."""
    best: str | None = None
    for root, table in workspaces.items():
        if package == root:
            rel = ""
        elif not root:
            rel = package
        elif package.startswith(root + "/"):
            rel = package[len(root) + 1 :]
        else:
            continue
        if rel and any(fnmatch.fnmatchcase(rel, g.rstrip("/")) for g in _globs(table, "exclude")):
            continue
        if best is None or len(root) > len(best):
            best = root
    return best if best is not None else package


def _binaries(repo: RepoIndex, folder: str, data: dict[str, Any]) -> list[str]:
    """The binary targets of a package: its ``src/main.rs``, ``src/bin/`` files, ``[[bin]]``."""
    package = data.get("package")
    if not isinstance(package, dict):
        return []
    metadata = package.get("metadata")
    if isinstance(metadata, dict) and metadata.get("cargo-fuzz") is True:
        return []  # a fuzzing harness (``cargo fuzz init``): its targets are not shipped
    found: list[str] = []
    main = _join(folder, "src/main.rs")
    if repo.has(main) or main in repo.classes:
        found.append(main)
    # ``src/bin/`` is a tooling folder by its name: look among every discovered file
    prefix = _join(folder, "src/bin/")
    found += sorted(p for p in repo.classes if p.startswith(prefix) and p.endswith(".rs"))[:3]
    bins = data.get("bin")
    if isinstance(bins, list) and bins and not found:
        found.append(f"{_join(folder, 'Cargo.toml')} [[bin]]")
    return found


def _header_line(text: str, table: str) -> int:
    match = re.search(rf"^[ \t]*\[{re.escape(table)}\]", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


class CargoLockCommittedAnalyzer(Analyzer):
    name: ClassVar[str] = "cargo-lock-committed"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        manifests: dict[str, dict[str, Any]] = {}
        for path in repo.named("Cargo.toml"):
            data = repo.source(path).toml
            if isinstance(data, dict):
                manifests[_folder(path)] = data
        workspaces = {
            folder: data["workspace"]
            for folder, data in manifests.items()
            if isinstance(data.get("workspace"), dict)
        }
        roots: dict[str, list[str]] = {}
        for folder, data in sorted(manifests.items()):
            root = _root_of(folder, workspaces)
            roots.setdefault(root, [])
            roots[root] += _binaries(repo, folder, data)
        judged = {root: bins for root, bins in roots.items() if bins}
        if not judged:
            out.not_applicable("no Cargo package builds a binary (libraries only, or no Rust)")
            return
        for root, bins in sorted(judged.items()):
            lock = _join(root, LOCK)
            if repo.has(lock) or lock in repo.classes:
                out.evidence(f"{lock} is committed for {', '.join(bins[:3])}")
                continue
            manifest = _join(root, "Cargo.toml")
            text = repo.source(manifest).text or ""
            table = "workspace" if root in workspaces else "package"
            ignored = ""
            for name in dict.fromkeys((_join(root, ".gitignore"), ".gitignore")):
                if (repo.has(name) or name in repo.classes) and _IGNORED.search(
                    repo.source(name).text or ""
                ):
                    ignored = f"; {name} ignores it"
                    break
            more = f" and {len(bins) - 1} more" if len(bins) > 1 else ""
            out.report(
                _header_line(text, table),
                f"{manifest} builds a binary ({bins[0]}{more}) but no {lock} is committed"
                f"{ignored}: every build resolves the newest allowed versions, so two builds of "
                f"one commit can differ; run `cargo generate-lockfile` and commit {lock}",
                path=manifest,
            )
