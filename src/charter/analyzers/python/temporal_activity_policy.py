"""temporal-activity-policy: Temporal activities scheduled with a timeout and a retry policy.

Each ``workflow.execute_activity``/``start_activity`` (also the ``_method`` and ``local_``
variants) of ``temporalio.workflow`` must set ``start_to_close_timeout`` or
``schedule_to_close_timeout`` (the SDK refuses neither being set only at run time) and, with
``require_retry_policy`` (the default), an explicit ``retry_policy`` rather than the server's
unbounded default. One finding per call, naming what is missing. A call passing ``**options``
is given the benefit of the doubt. Not applicable when no code imports ``temporalio``.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.python.common import PythonRuleParams, RelevantRule, has_star_kwargs, keyword

SCHEDULERS = frozenset(
    f"temporalio.workflow.{verb}_{kind}"
    for verb in ("execute", "start")
    for kind in (
        "activity",
        "activity_method",
        "activity_class",
        "local_activity",
        "local_activity_method",
        "local_activity_class",
    )
)
TIMEOUTS = ("start_to_close_timeout", "schedule_to_close_timeout")


class TemporalActivityParams(PythonRuleParams):
    require_retry_policy: bool = True


class TemporalActivityPolicyAnalyzer(RelevantRule):
    """Report activity calls without a close timeout or an explicit retry policy."""

    name: ClassVar[str] = "temporal-activity-policy"
    Params = TemporalActivityParams
    params: TemporalActivityParams
    prefilter: ClassVar[tuple[str, ...]] = ("temporalio",)

    na_reason: ClassVar[str] = "no code imports temporalio"

    def end(self) -> None:
        self.relevant = self.imports.imports_any(["temporalio"])
        super().end()

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualify(node.func)
        if name not in SCHEDULERS or has_star_kwargs(node):
            return
        missing: list[str] = []
        if not any(keyword(node, t) for t in TIMEOUTS):
            missing.append("`start_to_close_timeout` (or `schedule_to_close_timeout`)")
        if self.params.require_retry_policy and keyword(node, "retry_policy") is None:
            missing.append("`retry_policy=RetryPolicy(...)`")
        if missing:
            verb = name.rsplit(".", 1)[-1]
            self.at(node, f"`workflow.{verb}()` without {' and '.join(missing)}")
