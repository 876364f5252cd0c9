"""src-layout: Python packages live under ``src/<pkg>/`` with ``pyproject.toml`` at the root."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
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


class SrcLayoutAnalyzer(Analyzer):
    """Find each project's top-level packages and check they sit in ``<project>/src/``."""

    name: ClassVar[str] = "src-layout"
    Params = SrcLayoutParams
    params: SrcLayoutParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        inits = [p for p in repo.named("__init__.py") if not path_matches(p, self.params.ignore)]
        package_dirs = {str(PurePosixPath(p).parent) for p in inits}
        # a top package is a package folder whose parent folder is not a package
        tops = sorted(d for d in package_dirs if str(PurePosixPath(d).parent) not in package_dirs)
        project_roots = {
            "" if str(PurePosixPath(p).parent) == "." else str(PurePosixPath(p).parent)
            for name in PROJECT_FILES
            for p in repo.named(name)
            if not path_matches(p, self.params.ignore)
        }
        project_roots.add("")

        def project_of(folder: str) -> str:
            probe = PurePosixPath(folder)
            while True:
                key = "" if str(probe) == "." else str(probe)
                if key in project_roots and key != folder:
                    return key
                if key == "":
                    return ""
                probe = probe.parent

        checked = 0
        for top in tops:
            parent = str(PurePosixPath(top).parent)
            parent = "" if parent == "." else parent
            project = project_of(top)
            src = f"{project}/src" if project else "src"
            pkg = PurePosixPath(top).name
            if parent == src:
                checked += 1
                pyproject = f"{project}/pyproject.toml" if project else "pyproject.toml"
                if repo.has(pyproject):
                    out.evidence(f"package `{pkg}` at {top}/ with {pyproject}")
                else:
                    setup = f"{project}/setup.py" if project else "setup.py"
                    where = setup if repo.has(setup) else f"{top}/__init__.py"
                    out.report(
                        1,
                        f"package `{pkg}` is under src/ but there is no {pyproject}; "
                        "declare the project in pyproject.toml ([build-system] and [project])",
                        path=where,
                    )
            elif parent == project:
                checked += 1
                out.report(
                    1,
                    f"package `{pkg}` sits at the top level of the project; "
                    f"move it to {src}/{pkg}/ (src layout)",
                    path=f"{top}/__init__.py",
                )

        for root in sorted(project_roots):
            setup = f"{root}/setup.py" if root else "setup.py"
            pyproject = f"{root}/pyproject.toml" if root else "pyproject.toml"
            if repo.has(setup) and not repo.has(pyproject):
                checked += 1
                out.report(
                    1,
                    "setup.py-only project: add pyproject.toml at the project root "
                    "and move packages under src/",
                    path=setup,
                )

        if checked == 0:
            flat_modules = self._flat_project_modules(repo)
            if flat_modules:
                out.report(
                    1,
                    f"project modules sit at the top level ({', '.join(flat_modules[:3])}); "
                    "move them into a package under src/",
                    path="pyproject.toml",
                )
                return
            out.not_applicable("no Python package (scripts only, or no Python)")

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
