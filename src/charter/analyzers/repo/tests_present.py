"""tests-present: a pytest suite exists (test modules, and a conftest.py)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.repo.project import python_project
from charter.repo import RepoIndex

#: what a test module defines: unittest cases or test functions
TEST_CONTENT = re.compile(r"^\s*(?:class\s+\w+\(.*TestCase|(?:async\s+)?def\s+test)", re.M)


def test_modules(repo: RepoIndex) -> list[str]:
    """Test modules: the files pytest collects by default (``test_*.py``, ``*_test.py``), and
    those unittest and Django's runner discover (``test*.py``, such as a ``tests.py`` beside
    the code) when they define test cases or test functions."""
    out = []
    for path in repo.of_kind("python"):
        name = PurePosixPath(path).name
        pytest_name = name.startswith("test_") or name.endswith("_test.py")
        if pytest_name or (
            name.startswith("test") and TEST_CONTENT.search(repo.source(path).text or "")
        ):
            out.append(path)
    return out


class TestsPresentAnalyzer(Analyzer):
    """Pass when the repository has test modules (``test_*.py``/``*_test.py``, in ``tests/`` or
    next to the code, or a unittest ``tests.py``); the evidence names them and any
    ``conftest.py``. An empty ``tests/`` folder (only ``__init__.py``) does not count. Only
    Python projects are judged (:func:`~charter.analyzers.repo.project.python_project`)."""

    name: ClassVar[str] = "tests-present"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if python_project(repo) is None:
            out.not_applicable(
                "Python is not one of the repository's main languages (no Python project)"
            )
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
