"""coverage-threshold: a coverage floor of at least 80% is enforced."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import ci_model
from charter.analyzers.repo.project import (
    config_paths,
    find_line,
    ini_line,
    ini_parse,
    is_main_language,
    is_python_project,
    is_test_path,
    pyproject_tools,
    settings_file,
    toml_line,
)
from charter.repo import RepoIndex
from charter.sources import file_kind

CLI_FLAG = re.compile(r"(?:--cov-fail-under|--fail-under)[=\s]+(\d+(?:\.\d+)?)")
INI_FILES = (
    (".coveragerc", "report"),
    ("setup.cfg", "coverage:report"),
    ("tox.ini", "coverage:report"),
)
PYTEST_INI = (("pytest.ini", "pytest"), ("setup.cfg", "tool:pytest"), ("tox.ini", "pytest"))
LINE_RATE = re.compile(r"<coverage\b[^>]*\bline-rate=\"([0-9.]+)\"")
#: JavaScript/TypeScript: c8/nyc ``--check-coverage --lines 80``, vitest
#: ``--coverage.thresholds.lines=80``
JS_FLAG = re.compile(r"--(?:coverage\.thresholds\.)?lines[=\s]+(\d+(?:\.\d+)?)")
JS_CONFIG = re.compile(r"^(?:jest|vitest|vite)\.config\.(?:js|cjs|mjs|ts|mts|cts)$")
JS_THRESHOLD = re.compile(r"\blines\s*:\s*(\d+(?:\.\d+)?)")
#: end-to-end tests drive a running build (a browser, a server in a container) from outside:
#: the coverage tool instruments the test process, not the application, so they measure none
E2E = re.compile(
    r"(?:^|/)(?:e2e|cypress|playwright)(?:/|$)|\.e2e(?:-spec|-test)?\.[cm]?[jt]sx?$", re.I
)


#: what a test folder holds besides tests: fixtures, helpers and mocks the tests import
TEST_SUPPORT = re.compile(
    r"(?:^|/)(?:fixtures?|helpers?|utils?|support|mocks?|__mocks__|types|setup)(?:/|$)", re.I
)

TEST_NAME = re.compile(r"[._-](?:test|spec)\.[cm]?[jt]sx?$", re.I)


def _js_suite(path: str) -> bool:
    """Whether a JS/TS file of the tests is a test that measures coverage: not an end-to-end
    test, nor a fixture, helper or mock beside the tests."""
    if E2E.search(path):
        return False
    folder, _, name = path.rpartition("/")
    return TEST_NAME.search(name) is not None or not TEST_SUPPORT.search(folder)


class CoverageThresholdParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    minimum: float = Field(default=80, ge=0, le=100)


class CoverageThresholdAnalyzer(Analyzer):
    """Find every coverage floor, per language: for Python, ``fail_under`` in
    ``[tool.coverage.report]``, ``.coveragerc``, ``setup.cfg``/``tox.ini`` ``[coverage:report]``,
    ``--cov-fail-under`` in pytest ``addopts`` and ``--cov-fail-under``/``coverage report
    --fail-under`` in a CI step; for JavaScript/TypeScript, jest/vitest thresholds and c8/nyc
    ``--check-coverage --lines N``. Each language that is one of the repository's main
    languages (JavaScript/TypeScript: with tests) passes when one of its floors is at least
    ``minimum``; each lower one is reported at its line, and a language with none gets one
    finding (with that language's advice) at its project file. Other languages (Go, Rust, ...)
    are not judged. A committed ``coverage.xml`` whose line rate is below the minimum is
    reported too."""

    name: ClassVar[str] = "coverage-threshold"
    Params = CoverageThresholdParams
    params: CoverageThresholdParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        judged = self._languages(repo)
        if not judged:
            out.not_applicable(
                "no Python or JavaScript/TypeScript project with tests (a project without tests "
                "has no coverage to measure: tests-present judges that; other languages' "
                "coverage floors are not checked)"
            )
            return
        minimum = self.params.minimum
        floors = {"python": self._floors(repo), "javascript": self._js_floors(repo)}
        model = ci_model(repo)
        for step in model.steps:
            for match in CLI_FLAG.finditer(step.text):
                floors["python"].append((step.path, step.line, float(match.group(1))))
            if "check-coverage" in step.text or "coverage.thresholds" in step.text:
                for match in JS_FLAG.finditer(step.text):
                    floors["javascript"].append((step.path, step.line, float(match.group(1))))
        gates = self._codecov(repo)
        for language, anchor in judged.items():
            found = sorted(set(floors[language]))
            good = [f for f in found if f[2] >= minimum]
            ratchets = [g for g in gates if g[2] is None]
            good += [(p, n, v) for p, n, v in gates if v is not None and v >= minimum]
            for path, line, _ in ratchets:
                out.evidence(f"Codecov fails a change that lowers coverage ({path}:{line})")
            if ratchets:
                continue
            for path, line, value in good:
                out.evidence(f"coverage floor {value:g}% at {path}:{line}")
            if good:
                continue
            for path, line, value in found:
                out.report(
                    line,
                    f"coverage floor is {value:g}%, below the required {minimum:g}%: raise it",
                    path=path,
                )
            if not found:
                out.report_at(anchor, self._advice(repo, language, anchor))
        for path in repo.named("coverage.xml"):
            if repo.path_class(path) == "test":
                continue  # a fixture of the tests
            text = repo.source(path).text or ""
            rate = LINE_RATE.search(text[:4096])
            if rate and float(rate.group(1)) * 100 < minimum:
                out.report(
                    find_line(repo.source(path), r"<coverage\b"),
                    f"committed coverage report shows {float(rate.group(1)) * 100:.1f}% line "
                    f"coverage, below {minimum:g}%",
                    path=path,
                )

    @staticmethod
    def _codecov(repo: RepoIndex) -> list[tuple[str, int, float | None]]:
        """Codecov status checks, which fail CI on coverage for every language: a numeric
        ``target`` is a floor (value), ``target: auto`` a ratchet (None: coverage may not
        drop)."""
        gates: list[tuple[str, int, float | None]] = []
        for path in repo.files:
            if path.rsplit("/", 1)[-1] not in ("codecov.yml", ".codecov.yml", "codecov.yaml"):
                continue
            docs = repo.source(path).yaml_documents or []
            data = docs[0] if docs else None
            coverage = data.get("coverage") if isinstance(data, dict) else None
            status = coverage.get("status") if isinstance(coverage, dict) else None
            project = status.get("project") if isinstance(status, dict) else None
            if project is False or project is None:
                continue
            checks = project.values() if isinstance(project, dict) else []
            for check in checks:
                if not isinstance(check, dict) or check.get("informational") is True:
                    continue
                target = check.get("target", "auto")
                line = find_line(repo.source(path), r"^\s*target\s*:") or find_line(
                    repo.source(path), r"^\s*project\s*:"
                )
                if target == "auto":
                    gates.append((path, line, None))
                else:
                    value = _number(str(target).rstrip("%"))
                    if value is not None:
                        gates.append((path, line, value))
        return gates

    @staticmethod
    def _languages(repo: RepoIndex) -> dict[str, str]:
        """The languages judged, each with the file its floor goes into: Python when the
        repository is a Python project with Python tests; JavaScript/TypeScript when it is a
        main language of a package.json project that has tests (a project without tests has
        no coverage to measure, and ``tests-present`` reports the missing suite; a lint-only
        ``npm test`` is not a suite). End-to-end tests (``*.e2e-spec.ts``,
        ``e2e/``, ``cypress/``, ``playwright/``) do not count: they drive a running build from
        outside, so the coverage tool sees none of the application's code."""
        judged: dict[str, str] = {}
        tests = [p for p in repo.files if repo.path_class(p) == "test"]
        if is_python_project(repo) and any(file_kind(p) == "python" for p in tests):
            judged["python"] = settings_file(repo)
        packages = config_paths(repo, "package.json")
        if (
            packages
            and is_main_language(repo, "typescript", "javascript")
            and any(
                file_kind(p) in ("typescript", "javascript") and _js_suite(p) for p in tests
            )
        ):
            judged["javascript"] = packages[0]
        return judged

    def _advice(self, repo: RepoIndex, language: str, anchor: str) -> str:
        minimum = self.params.minimum
        if language == "python":
            return (
                f"no coverage floor: set fail_under = {minimum:g} in "
                "[tool.coverage.report] (or pass --cov-fail-under to pytest in CI)"
            )
        text = repo.source(anchor).text or ""
        if "vitest" in text or any(
            JS_CONFIG.match(p.rsplit("/", 1)[-1]) and "vite" in p for p in repo.files
        ):
            return (
                f"no coverage floor for the JavaScript/TypeScript tests: set "
                f"test.coverage.thresholds.lines = {minimum:g} in vitest.config"
            )
        return (
            f"no coverage floor for the JavaScript/TypeScript tests: set "
            f"coverageThreshold: {{ global: {{ lines: {minimum:g} }} }} in the jest config "
            f'({anchor} "jest" or jest.config.js)'
        )

    def _floors(self, repo: RepoIndex) -> list[tuple[str, int, float]]:
        """The Python floors in configuration files."""
        floors: list[tuple[str, int, float]] = []
        for path, tool in pyproject_tools(repo):
            file = repo.source(path)
            coverage = tool.get("coverage")
            report = coverage.get("report") if isinstance(coverage, dict) else None
            if isinstance(report, dict) and "fail_under" in report:
                value = _number(report["fail_under"])
                if value is not None:
                    line = toml_line(file, "tool.coverage.report", "fail_under")
                    floors.append((path, line, value))
            pytest = tool.get("pytest")
            options = pytest.get("ini_options") if isinstance(pytest, dict) else None
            addopts = options.get("addopts") if isinstance(options, dict) else None
            if addopts:
                text = " ".join(addopts) if isinstance(addopts, list) else str(addopts)
                for match in CLI_FLAG.finditer(text):
                    line = find_line(file, r"--cov-fail-under")
                    floors.append((path, line, float(match.group(1))))
        for name, section in INI_FILES:
            for path in config_paths(repo, name):
                file = repo.source(path)
                parser = ini_parse(file)
                if parser is not None and parser.has_option(section, "fail_under"):
                    value = _number(parser.get(section, "fail_under"))
                    if value is not None:
                        floors.append((path, ini_line(file, section, "fail_under"), value))
        for name, section in PYTEST_INI:
            for path in config_paths(repo, name):
                file = repo.source(path)
                parser = ini_parse(file)
                if parser is not None and parser.has_option(section, "addopts"):
                    for match in CLI_FLAG.finditer(parser.get(section, "addopts")):
                        line = find_line(file, r"--cov-fail-under")
                        floors.append((path, line, float(match.group(1))))
        return floors

    @staticmethod
    def _js_floors(repo: RepoIndex) -> list[tuple[str, int, float]]:
        """jest ``coverageThreshold.global.lines`` in package.json, and ``lines: N`` after
        ``coverageThreshold``/``thresholds`` in jest/vitest/vite config files."""
        floors: list[tuple[str, int, float]] = []
        for path in config_paths(repo, "package.json"):
            file = repo.source(path)
            data = file.json
            jest = data.get("jest") if isinstance(data, dict) else None
            threshold = jest.get("coverageThreshold") if isinstance(jest, dict) else None
            overall = threshold.get("global") if isinstance(threshold, dict) else None
            if isinstance(overall, dict) and "lines" in overall:
                value = _number(overall["lines"])
                if value is not None:
                    floors.append((path, find_line(file, r'"lines"\s*:'), value))
        for path in repo.files:
            if not JS_CONFIG.match(path.rsplit("/", 1)[-1]) or is_test_path(path):
                continue
            file = repo.source(path)
            started = False
            for number, line in enumerate(file.lines, start=1):
                started = started or "coverageThreshold" in line or "thresholds" in line
                match = JS_THRESHOLD.search(line) if started else None
                if match:
                    floors.append((path, number, float(match.group(1))))
                    break
        return floors


def _number(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None
