"""src-layout: Python packages live under ``src/<pkg>/`` with ``pyproject.toml`` at the root."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Emitter, path_matches
from charter.analyzers.repo.project import (
    Distribution,
    distribution,
    is_setup_script,
    is_test_package,
    parent_dir,
)
from charter.analyzers.repo.service import PythonFacts, PythonFactsAnalyzer, describe
from charter.repo import RepoIndex

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
NOT_PROJECT_MODULES = frozenset(
    {"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "manage.py", "tasks.py", "dodo.py"}
)


class SrcLayoutParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: tuple[str, ...] = (
        "tests/**",
        "test/**",
        "**/tests/**",
        "**/test/**",
        "docs/**",
        "doc/**",
        "examples/**",
        "benchmarks/**",
        "scripts/**",
    )


def _join(root: str, name: str) -> str:
    return f"{root}/{name}" if root else name


class SrcLayoutAnalyzer(PythonFactsAnalyzer):
    """Find each project's top-level packages and check they sit in ``<project>/src/``.

    Only projects built into a distribution are judged: a project that says it is not a
    package (``[tool.uv] package = false``, Poetry ``package-mode = false``), one with no build
    configuration at all, and a deployed web application (a Flask, FastAPI, Django ... app
    constructed in the project) keep their layout. Packages the build leaves out (scripts, a
    ``settings`` package) and test packages (``*_tests``) are not the project's. A project whose
    only package is a one-module wrapper without tests is not judged either: nothing imports a
    working copy of it. One finding per project."""

    name: ClassVar[str] = "src-layout"
    Params = SrcLayoutParams
    params: SrcLayoutParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        package_dirs = self._package_dirs(repo)
        # a top package is a package folder whose parent folder is not a package
        tops = sorted(d for d in package_dirs if parent_dir(d) not in package_dirs)
        project_roots = {
            parent_dir(p)
            for name in PROJECT_FILES
            for p in repo.named(name)
            if not path_matches(p, self.params.ignore)
            and (name != "setup.py" or is_setup_script(repo, p))
        }
        project_roots.add("")

        def project_of(folder: str) -> str:
            probe = folder
            while probe:
                probe = parent_dir(probe)
                if probe in project_roots:
                    return probe
            return ""

        by_project: dict[str, list[str]] = {}
        for top in tops:
            by_project.setdefault(project_of(top), []).append(top)
        facts = PythonFacts.of(repo, self)
        skipped: list[str] = []
        checked = 0
        for root in sorted(project_roots):
            dist = distribution(repo, root)
            setup = _join(root, "setup.py")
            pyproject = _join(root, "pyproject.toml")
            packages = [
                t
                for t in by_project.get(root, [])
                if not is_test_package(PurePosixPath(t).name) and dist.ships(PurePosixPath(t).name)
            ]
            src = _join(root, "src")
            under_src = [t for t in packages if parent_dir(t) == src]
            flat = [t for t in packages if parent_dir(t) == root]
            if (
                not under_src
                and not flat
                and not (is_setup_script(repo, setup) and not repo.has(pyproject))
            ):
                continue
            why_not = self._not_judged(repo, facts, dist, flat)
            if why_not is not None:
                skipped.append(f"{dist.config or root or '.'}: {why_not}")
                if not under_src:
                    continue
                flat = []  # only the packages already under src/ are looked at
            checked += 1
            for top in under_src:
                pkg = PurePosixPath(top).name
                if repo.has(pyproject):
                    out.evidence(f"package `{pkg}` at {top}/ with {pyproject}")
                elif not is_setup_script(repo, setup):
                    out.report(
                        1,
                        f"package `{pkg}` is under src/ but there is no {pyproject}; "
                        "declare the project in pyproject.toml ([build-system] and [project])",
                        path=f"{top}/__init__.py",
                    )
            if why_not is None and is_setup_script(repo, setup) and not repo.has(pyproject):
                out.report(
                    1,
                    "setup.py-only project: add pyproject.toml at the project root "
                    "and move packages under src/",
                    path=setup,
                    related=tuple((f"{t}/__init__.py", 1) for t in flat + under_src),
                )
            elif flat:
                names = [PurePosixPath(t).name for t in flat]
                if len(names) == 1:
                    what = f"package `{names[0]}` sits at the top level of the project; move it"
                    target = f"{src}/{names[0]}/"
                else:
                    listed = ", ".join(f"`{n}`" for n in names)
                    what = f"packages {listed} sit at the top level of the project; move them"
                    target = f"{src}/"
                out.report(
                    1,
                    f"{what} to {target} (src layout)",
                    path=f"{flat[0]}/__init__.py",
                    related=tuple((f"{t}/__init__.py", 1) for t in flat[1:]),
                )

        if checked == 0:
            root_reason = self._not_judged(repo, facts, distribution(repo, ""), [])
            flat_modules = self._flat_project_modules(repo) if root_reason is None else []
            if flat_modules:
                out.report(
                    1,
                    f"project modules sit at the top level ({', '.join(flat_modules[:3])}); "
                    "move them into a package under src/",
                    path="pyproject.toml",
                )
                return
            if skipped:
                out.not_applicable("; ".join(skipped))
            else:
                out.not_applicable("no Python package (scripts only, or no Python)")

    def _package_dirs(self, repo: RepoIndex) -> set[str]:
        """Folders with an ``__init__.py``: those of the audited files, and the folders of
        audited modules whose ``__init__.py`` is generated (a client generated from an API
        spec is still a package)."""
        dirs = {
            parent_dir(p)
            for p in repo.named("__init__.py")
            if not path_matches(p, self.params.ignore)
        }
        for path in repo.of_kind("python"):
            folder = parent_dir(path)
            if (
                folder
                and folder not in dirs
                and not path_matches(path, self.params.ignore)
                and repo.exists(f"{folder}/__init__.py")
            ):
                dirs.add(folder)
        return dirs

    @staticmethod
    def _not_judged(
        repo: RepoIndex, facts: PythonFacts, dist: Distribution, packages: list[str]
    ) -> str | None:
        """Why the layout of this project does not matter, or None when it does."""
        if dist.not_packaged is not None:
            return f"not built as a package ({dist.not_packaged})"
        root = dist.root
        for kind, call in facts.apps():
            if not root or call.path.startswith(root + "/"):
                return f"a deployed application ({describe(kind, call)}), not a library"
        modules = [
            p for p in repo.of_kind("python") if any(p.startswith(t + "/") for t in packages)
        ]
        has_tests = repo.exists(_join(root, "tests")) or repo.exists(_join(root, "test"))
        if packages and len(modules) <= 1 and not has_tests:
            return "a one-module wrapper package without tests"
        return None

    def _flat_project_modules(self, repo: RepoIndex) -> list[str]:
        data = repo.pyproject
        if not data or not ("project" in data or "poetry" in data.get("tool", {})):
            return []
        return [
            p
            for p in repo.of_kind("python")
            if "/" not in p
            and p not in NOT_PROJECT_MODULES
            and not path_matches(p, ("test_*.py", "*_test.py"))
        ]
