"""tests-present: a test suite exists, for each of the repository's main languages: pytest
modules for Python, ``*_test.go`` files for Go, ``#[test]`` functions or ``tests/`` files for
Rust, ``*.test.ts``/``*.spec.ts`` or ``__tests__/`` files for TypeScript."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.repo.project import is_main_language, is_python_project
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


#: a Rust test function or test module (``#[test]``, ``#[tokio::test]``, ``#[cfg(test)]``)
RUST_TEST = re.compile(r"#\[\s*(?:[\w:]*::)?test\b|#\[\s*cfg\s*\(\s*test\s*\)\s*\]")
#: a JavaScript/TypeScript test file by its name
JS_TEST_NAME = re.compile(r"\.(?:test|spec|e2e-spec|e2e)\.[cm]?[jt]sx?$")
JS_TEST_DIRS = frozenset({"__tests__", "test", "tests", "e2e", "spec"})
JS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")


def _shown(files: list[str]) -> str:
    return ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def go_tests(repo: RepoIndex) -> list[str]:
    return [p for p in repo.of_kind("go") if p.endswith("_test.go")]


def rust_tests(repo: RepoIndex) -> list[str]:
    """Integration test files (``tests/*.rs``) and source files with test functions."""
    out = []
    for path in repo.of_kind("rust"):
        if "tests" in PurePosixPath(path).parts[:-1] or RUST_TEST.search(
            repo.source(path).text or ""
        ):
            out.append(path)
    return out


def typescript_tests(repo: RepoIndex) -> list[str]:
    """Test files by name (``*.test.ts``, ``*.spec.tsx``, ``*.e2e-spec.ts``, JavaScript too) or
    by folder (``__tests__/``, ``test/``, ``tests/``, ``e2e/``)."""
    out = []
    for path in repo.files:
        if not path.endswith(JS_SUFFIXES) or path.endswith(".d.ts") or "node_modules/" in path:
            continue
        folders = set(PurePosixPath(path).parts[:-1])
        if JS_TEST_NAME.search(path) or folders & JS_TEST_DIRS:
            out.append(path)
    return out


#: (language, file kinds, how its tests are found, what to add)
OTHER_LANGUAGES = (
    ("Go", ("go",), go_tests, "`*_test.go` files with table-driven tests (`go test ./...`)"),
    (
        "Rust",
        ("rust",),
        rust_tests,
        "`#[cfg(test)] mod tests` beside the code and integration tests in `tests/`",
    ),
    (
        "TypeScript",
        ("typescript",),
        typescript_tests,
        "`*.test.ts` files run by vitest or jest (`npm test`)",
    ),
)


class TestsPresentAnalyzer(Analyzer):
    """Pass when each main language of the repository has tests. Python: test modules
    (``test_*.py``/``*_test.py``, in ``tests/`` or next to the code, or a unittest
    ``tests.py``); the evidence names them and any ``conftest.py``. An empty ``tests/`` folder
    (only ``__init__.py``) does not count. Only Python projects are judged for Python
    (:func:`~charter.analyzers.repo.project.python_project`); Go, Rust and TypeScript when the
    language is one of the repository's main languages
    (:func:`~charter.analyzers.repo.project.is_main_language`)."""

    name: ClassVar[str] = "tests-present"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        judged = False
        if is_python_project(repo):
            judged = True
            self._python(repo, out)
        for language, kinds, find, hint in OTHER_LANGUAGES:
            sources = [p for p in repo.of_kind(*kinds) if repo.path_class(p) == "source"]
            if not sources or not is_main_language(repo, *kinds):
                continue
            judged = True
            tests = find(repo)
            if tests:
                out.evidence(f"{len(tests)} {language} test files: {_shown(tests)}")
                continue
            out.report_repository(
                f"no {language} tests: none of the repository's {len(sources)} {language} "
                f"source files is tested; add {hint}",
                key=f"tests-present:{language}",
            )
        if not judged:
            out.not_applicable(
                "none of Python (as a project), Go, Rust or TypeScript is one of the "
                "repository's main languages"
            )

    def _python(self, repo: RepoIndex, out: Emitter) -> None:
        modules = test_modules(repo)
        if modules:
            out.evidence(f"{len(modules)} test modules: {_shown(modules)}")
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
