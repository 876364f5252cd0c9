"""ci-go-race: a Go repository's CI runs its tests with the race detector (``go test -race``)."""

from __future__ import annotations

import re
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import ci_model, tools
from charter.analyzers.ci.rules import _short
from charter.analyzers.repo.project import is_main_language
from charter.repo import RepoIndex

GO_TEST = tools(("go test", r"\bgo\s+test\b|\bgotestsum\b|\bginkgo\b"))
RACE = re.compile(r"(?:^|\s)-{1,2}race\b|\bGOFLAGS=\S*-race")
SPECIAL_RUN = re.compile(r"integration|e2e|-fuzz|-bench|-run[= ]\S*(?:Fuzz|Bench)", re.I)
#: flags that come from a variable charter cannot resolve (``go test $(TESTFLAGS) ./...``)
UNRESOLVED = re.compile(r"\$\(|\$\{|\$[A-Za-z_]")


class CiGoRaceAnalyzer(Analyzer):
    name: ClassVar[str] = "ci-go-race"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        sources = [p for p in repo.of_kind("go") if repo.path_class(p) == "source"]
        if not sources or not is_main_language(repo, "go"):
            out.not_applicable("Go is not one of the repository's main languages")
            return
        if not any(p.endswith("_test.go") for p in repo.classes):
            out.not_applicable("the Go code has no tests yet (tests-present judges that)")
            return
        model = ci_model(repo)
        runs = [step for _, step in model.find(GO_TEST, raw=True)]
        if not runs:
            out.not_applicable("CI runs no `go test` (ci-runs-tests judges that)")
            return
        for step in runs:
            if RACE.search(step.text):
                out.evidence(f"`{_short(step)}` at {step.where()}")
                return
        for path in model.ci_files:
            text = repo.source(path).text or ""
            if re.search(r"GOFLAGS\s*[:=]\s*[\"']?[^\n]*-race", text):
                out.evidence(f"GOFLAGS sets -race in {path}")
                return
        unresolved = [s for s in runs if UNRESOLVED.search(s.text.split("test", 1)[-1])]
        if unresolved:
            step = unresolved[0]
            out.evidence(
                f"not judged: `{_short(step)}` at {step.where()} takes flags from a variable"
            )
            return
        # the unit test run is where -race belongs: integration, e2e, fuzz and benchmark runs last
        runs.sort(key=lambda s: bool(SPECIAL_RUN.search(s.text)))
        first = runs[0]
        more = f" (and {len(runs) - 1} other go test command(s))" if len(runs) > 1 else ""
        out.report(
            first.line,
            f"CI runs `{_short(first)}`{more} without `-race`: data races between goroutines "
            "go unnoticed until production; add `-race` to one CI test run (it needs cgo)",
            path=first.path,
            related=tuple((s.path, s.line) for s in runs[1:5]),
        )
