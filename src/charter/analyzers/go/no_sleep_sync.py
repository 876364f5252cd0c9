"""go-no-sleep-sync: ``time.Sleep`` in non-test Go code."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.go.common import import_names, is_foreign, is_test_file, package_calls
from charter.analyzers.treesitter import report
from charter.sources import SourceFile


class GoNoSleepSyncParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    include_tests: bool = False


class GoNoSleepSyncAnalyzer(Analyzer):
    name: ClassVar[str] = "go-no-sleep-sync"
    Params = GoNoSleepSyncParams
    params: GoNoSleepSyncParams
    kinds: ClassVar[frozenset[str]] = frozenset({"go"})
    prefilter: ClassVar[tuple[str, ...]] = ("Sleep",)

    def applies_to(self, file: SourceFile) -> bool:
        return (
            super().applies_to(file)
            and (self.params.include_tests or not is_test_file(file.path))
            and not is_foreign(file)
        )

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        time_names = import_names(tree.root_node, "time")
        if not time_names:
            return
        for call in package_calls(tree, time_names, "Sleep"):
            report(
                out,
                call,
                "time.Sleep in production code: wait on a sync.WaitGroup, errgroup, channel "
                "or `select` with ctx.Done()/time.After instead of sleeping",
            )
