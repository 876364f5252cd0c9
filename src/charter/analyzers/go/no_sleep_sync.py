"""go-no-sleep-sync: ``time.Sleep`` used to synchronise with another goroutine.

A sleep synchronises when it stands in for waiting on another goroutine:

- a straight-line ``time.Sleep`` after a ``go`` statement of the same function (``go worker()``
  then ``time.Sleep(2 * time.Second)``, hoping the goroutine is done or ready by then);
- a loop that sleeps until shared state written by another goroutine changes: its condition, or
  an ``if`` that leaves it, reads an atomic (``atomic.LoadInt32(&done)``, ``ready.Load()``).

Other sleeps are not synchronisation and are left alone: retry and backoff loops, polling an
external system with a timeout, pacing between batches, a sleep inside a loop that also starts
the goroutines (a ticker), and deliberate delays (a configurable wait, a rate limit).
"""

from __future__ import annotations

from typing import ClassVar

import tree_sitter
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.go.common import (
    import_names,
    is_copied,
    is_foreign,
    is_test_code,
    package_calls,
)
from charter.analyzers.treesitter import ancestors, descendants, line, report, text
from charter.sources import SourceFile

_FUNCTIONS = frozenset({"function_declaration", "method_declaration", "func_literal"})
_LEAVE = frozenset({"break_statement", "return_statement", "goto_statement"})


class GoNoSleepSyncParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    include_tests: bool = False


def _own(node: tree_sitter.Node, function: tree_sitter.Node) -> bool:
    """Whether ``node`` belongs to ``function`` itself, not to a function literal inside it."""
    for parent in ancestors(node):
        if parent == function:
            return True
        if parent.type in _FUNCTIONS:
            return False
    return False


def _loops_between(node: tree_sitter.Node, function: tree_sitter.Node) -> list[tree_sitter.Node]:
    """The ``for`` loops around ``node`` inside ``function``, innermost first."""
    loops: list[tree_sitter.Node] = []
    for parent in ancestors(node):
        if parent == function:
            break
        if parent.type == "for_statement":
            loops.append(parent)
    return loops


def _reads_atomic(node: tree_sitter.Node | None, atomic_names: set[str]) -> bool:
    """Whether an expression reads an atomic: ``atomic.LoadX(...)`` or ``x.Load()``."""
    if node is None:
        return False
    for call in descendants(node, ("call_expression",)):
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "selector_expression":
            continue
        operand = callee.child_by_field_name("operand")
        field = text(callee.child_by_field_name("field"))
        if operand is not None and text(operand) in atomic_names and field.startswith("Load"):
            return True
        args = call.child_by_field_name("arguments")
        if field == "Load" and (args is None or not args.named_children):
            return True
    return False


def _polls_shared_state(loop: tree_sitter.Node, atomic_names: set[str]) -> bool:
    """A loop whose condition, or an ``if`` in its body that leaves it, reads an atomic."""
    header = next((c for c in loop.named_children if c.type != "block"), None)
    if header is not None and header.type != "range_clause" and _reads_atomic(header, atomic_names):
        return True
    body = loop.child_by_field_name("body")
    if body is None:
        return False
    for statement in descendants(body, ("if_statement",)):
        consequence = statement.child_by_field_name("consequence")
        leaves = consequence is not None and any(True for _ in descendants(consequence, _LEAVE))
        if leaves and _reads_atomic(statement.child_by_field_name("condition"), atomic_names):
            return True
    return False


class GoNoSleepSyncAnalyzer(Analyzer):
    name: ClassVar[str] = "go-no-sleep-sync"
    Params = GoNoSleepSyncParams
    params: GoNoSleepSyncParams
    kinds: ClassVar[frozenset[str]] = frozenset({"go"})
    prefilter: ClassVar[tuple[str, ...]] = ("Sleep",)

    def applies_to(self, file: SourceFile) -> bool:
        return super().applies_to(file) and not is_foreign(file)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        if not self.params.include_tests and is_test_code(file):
            return
        if is_copied(file):
            return
        tree = file.syntax_tree
        if tree is None:
            return
        time_names = import_names(tree.root_node, "time")
        if not time_names:
            return
        atomic_names = import_names(tree.root_node, "sync/atomic")
        for call in package_calls(tree, time_names, "Sleep"):
            function = next((a for a in ancestors(call) if a.type in _FUNCTIONS), None)
            if function is None:
                continue
            loops = _loops_between(call, function)
            if not loops:
                started = [
                    go
                    for go in descendants(function, ("go_statement",))
                    if go.end_byte <= call.start_byte and _own(go, function)
                ]
                if started:
                    report(
                        out,
                        call,
                        f"time.Sleep waits for the goroutine started at line {line(started[-1])}: "
                        "a sleep is a race with a delay; wait on a sync.WaitGroup, errgroup or "
                        "channel instead",
                    )
                continue
            polling = next((lp for lp in loops if _polls_shared_state(lp, atomic_names)), None)
            if polling is not None:
                report(
                    out,
                    call,
                    f"time.Sleep in the loop at line {line(polling)} polls an atomic that another "
                    "goroutine sets: wait on a channel, sync.Cond or sync.WaitGroup instead",
                )
