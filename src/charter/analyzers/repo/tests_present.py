"""tests-present: a pytest suite exists (test modules, and a conftest.py)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.repo.project import python_code
from charter.repo import RepoIndex


def test_modules(repo: RepoIndex) -> list[str]:
    """Python files pytest collects by default: ``test_*.py`` and ``*_test.py``."""
    out = []
    for path in repo.of_kind("python"):
        name = PurePosixPath(path).name
        if name.startswith("test_") or name.endswith("_test.py"):
            out.append(path)
    return out


class TestsPresentAnalyzer(Analyzer):
    """Pass when the repository has pytest test modules (``test_*.py``/``*_test.py``, in
    ``tests/`` or next to the code); the evidence names them and any ``conftest.py``. An empty
    ``tests/`` folder (only ``__init__.py``) does not count."""

    name: ClassVar[str] = "tests-present"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not python_code(repo):
            out.not_applicable("the repository has no (non-test) Python code")
            return
        modules = test_modules(repo)
        if modules:
            shown = ", ".join(modules[:3]) + (
                f" and {len(modules) - 3} more" if len(modules) > 3 else ""
            )
            out.evidence(f"{len(modules)} test modules: {shown}")
            conftests = repo.named("conftest.py")
            if conftests:
                out.evidence(f"fixtures in {', '.join(conftests[:3])}")
            return
        folders = [d for d in ("tests", "test") if any(p.startswith(d + "/") for p in repo.files)]
        detail = f" ({folders[0]}/ holds no test_*.py module)" if folders else ""
        out.report_repository(
            f"no pytest suite{detail}: add tests/ with test_*.py modules and a conftest.py "
            "for shared fixtures"
        )
