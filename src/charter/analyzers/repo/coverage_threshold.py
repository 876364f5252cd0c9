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
    is_test_path,
    pyproject_tools,
    python_anchor,
    python_code,
    toml_line,
)
from charter.repo import RepoIndex

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


class CoverageThresholdParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    minimum: float = Field(default=80, ge=0, le=100)


class CoverageThresholdAnalyzer(Analyzer):
    """Find every coverage floor: ``fail_under`` in ``[tool.coverage.report]``, ``.coveragerc``,
    ``setup.cfg``/``tox.ini`` ``[coverage:report]``; ``--cov-fail-under`` in pytest ``addopts``;
    ``--cov-fail-under``/``coverage report --fail-under`` in a CI step. Pass when one is at least
    ``minimum``; each lower one is reported at its line. A committed ``coverage.xml`` whose
    line rate is below the minimum is reported too."""

    name: ClassVar[str] = "coverage-threshold"
    Params = CoverageThresholdParams
    params: CoverageThresholdParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        packages = config_paths(repo, "package.json")
        js_code = packages and any(
            not is_test_path(p) for p in repo.of_kind("typescript", "javascript")
        )
        if not python_code(repo) and not js_code:
            out.not_applicable(
                "the repository has no (non-test) Python code and no JavaScript/TypeScript package"
            )
            return
        floors = self._floors(repo)
        minimum = self.params.minimum
        good = [f for f in floors if f[2] >= minimum]
        for path, line, value in good:
            out.evidence(f"coverage floor {value:g}% at {path}:{line}")
        if not good:
            for path, line, value in floors:
                out.report(
                    line,
                    f"coverage floor is {value:g}%, below the required {minimum:g}%: raise it",
                    path=path,
                )
            if not floors:
                out.report_at(
                    python_anchor(repo),
                    f"no coverage floor: set fail_under = {minimum:g} in "
                    "[tool.coverage.report] (or pass --cov-fail-under to pytest in CI)",
                )
        for path in repo.named("coverage.xml"):
            text = repo.source(path).text or ""
            match = LINE_RATE.search(text[:4096])
            if match and float(match.group(1)) * 100 < minimum:
                out.report(
                    find_line(repo.source(path), r"<coverage\b"),
                    f"committed coverage report shows {float(match.group(1)) * 100:.1f}% line "
                    f"coverage, below {minimum:g}%",
                    path=path,
                )

    def _floors(self, repo: RepoIndex) -> list[tuple[str, int, float]]:
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
        floors.extend(self._js_floors(repo))
        model = ci_model(repo)
        for step in model.steps:
            for match in CLI_FLAG.finditer(step.text):
                floors.append((step.path, step.line, float(match.group(1))))
            if "check-coverage" in step.text or "coverage.thresholds" in step.text:
                for match in JS_FLAG.finditer(step.text):
                    floors.append((step.path, step.line, float(match.group(1))))
        return sorted(set(floors))

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
