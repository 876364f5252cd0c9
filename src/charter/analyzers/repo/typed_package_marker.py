"""typed-package-marker: every package under ``src/`` ships a ``py.typed`` marker (PEP 561)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.repo.project import distribution, is_test_path, parent_dir, published
from charter.analyzers.repo.service import PythonFacts, PythonFactsAnalyzer, describe
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


class TypedPackageMarkerAnalyzer(PythonFactsAnalyzer):
    """Each ``src/<pkg>/`` with an ``__init__.py`` has ``src/<pkg>/py.typed``.

    A marker only matters to the users of a published library: a missing one is reported for
    a project that is built into a distribution (not ``[tool.uv] package = false``) and
    published (trove classifiers in its metadata, or a CI step that uploads it to a package
    index), and not a deployed application (a web app or other server it constructs). One
    finding per project; each marker found is evidence."""

    name: ClassVar[str] = "typed-package-marker"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        packages = src_packages(repo)
        if not packages:
            out.not_applicable("no Python package under src/")
            return
        missing: dict[str, list[str]] = {}
        for package in packages:
            marker = f"{package}/py.typed"
            if repo.has(marker):
                out.evidence(marker)
            else:
                # <project>/src/<pkg>: the project is the folder holding src/
                missing.setdefault(parent_dir(parent_dir(package)), []).append(package)
        facts = PythonFacts.of(repo, self)
        reasons: list[str] = []
        for root, lacking in sorted(missing.items()):
            why_not = self._not_a_library(repo, facts, root)
            if why_not is not None:
                reasons.append(why_not)
                continue
            names = [PurePosixPath(p).name for p in lacking]
            what = (
                f"package `{names[0]}` has no py.typed marker: add an empty {lacking[0]}/py.typed"
                if len(lacking) == 1
                else f"packages {', '.join(f'`{n}`' for n in names)} have no py.typed marker: "
                f"add an empty py.typed to each ({lacking[0]}/py.typed, ...)"
            )
            out.report(
                1,
                f"{what} so type checkers use its annotations (PEP 561)",
                path=f"{lacking[0]}/__init__.py",
                related=tuple((f"{p}/__init__.py", 1) for p in lacking[1:]),
            )
        if reasons and not out.findings and not out.evidence_items:
            out.not_applicable("; ".join(dict.fromkeys(reasons)))

    @staticmethod
    def _not_a_library(repo: RepoIndex, facts: PythonFacts, root: str) -> str | None:
        """Why the project in ``root`` is no published library (None: it is one)."""
        dist = distribution(repo, root)
        where = dist.config or root or "the repository root"
        if dist.not_packaged is not None:
            return f"{where}: not built as a package ({dist.not_packaged})"
        for kind, call in facts.apps():
            if not root or call.path.startswith(root + "/"):
                return f"{where}: a deployed application ({describe(kind, call)})"
        if not dist.classifiers and published(repo) is None:
            return f"{where}: not published (no trove classifiers, no CI step uploads it)"
        return None
