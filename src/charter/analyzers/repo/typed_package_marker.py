"""typed-package-marker: every package under ``src/`` ships a ``py.typed`` marker (PEP 561)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.repo.project import is_test_path
from charter.repo import RepoIndex


def src_packages(repo: RepoIndex) -> list[str]:
    """Top-level package folders directly under a ``src/`` folder (``src/<pkg>``, also
    ``services/api/src/<pkg>`` in a monorepo), stub-only ``*-stubs`` packages excepted."""
    packages: set[str] = set()
    for path in repo.files:
        parts = path.split("/")  # normalized relative POSIX paths: the same as .parts
        if "src" not in parts[:-1] or is_test_path(path):
            continue
        index = len(parts) - 1 - list(reversed(parts[:-1])).index("src") - 1
        if index + 2 >= len(parts):
            continue  # a file directly in src/
        package = "/".join(parts[: index + 2])
        name = parts[index + 1]
        if name.endswith("-stubs") or not name.isidentifier():
            continue
        if repo.has(f"{package}/__init__.py"):
            packages.add(package)
    return sorted(packages)


class TypedPackageMarkerAnalyzer(Analyzer):
    """Each ``src/<pkg>/`` with an ``__init__.py`` has ``src/<pkg>/py.typed``."""

    name: ClassVar[str] = "typed-package-marker"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        packages = src_packages(repo)
        if not packages:
            out.not_applicable("no Python package under src/")
            return
        for package in packages:
            marker = f"{package}/py.typed"
            if repo.has(marker):
                out.evidence(marker)
            else:
                out.report(
                    1,
                    f"package `{PurePosixPath(package).name}` has no py.typed marker: add an "
                    f"empty {marker} so type checkers use its annotations (PEP 561)",
                    path=f"{package}/__init__.py",
                )
