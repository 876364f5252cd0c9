"""rust-spawn-handled: the ``JoinHandle`` of ``tokio::spawn`` is not thrown away.

A spawn counts when the call is ``tokio::spawn(...)`` or ``tokio::task::spawn(...)`` (or a bare
``spawn(...)`` in a file that ``use``s one of them) and its handle is discarded: the call is a
statement of its own, or bound to ``_`` (``let _ = tokio::spawn(...)``). Keeping the handle in a
variable, a collection, a ``JoinSet``/``TaskTracker`` (their ``spawn`` methods are not
``tokio::spawn``) or awaiting it passes. Test code is left out as for ``rust-no-unwrap``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import tree_sitter
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.rust.common import is_test_crate_file, is_test_item
from charter.analyzers.treesitter import ancestors, captures, descendants, report, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

_QUERY = "(call_expression function: [(scoped_identifier) (identifier)] @callee) @call"
SPAWNS = frozenset({"tokio::spawn", "tokio::task::spawn", "::tokio::spawn", "::tokio::task::spawn"})
#: a value that signals the task to stop
_CANCEL = re.compile(
    r"\.cancelled\s*\(|\bCancellationToken\b"
    r"|\b(?:stop|cancel|shutdown)(?:_(?:token|signal|rx|tx|flag|notify|receiver))?\b"
    r"|\b\w*cancellation\w*\b"
)
#: the task hands its result to a channel
_REPLY = re.compile(r"\b\w*(?:tx|sender|callback|reply|respond\w*)\s*\.\s*send\s*\(")
_COUNTER = re.compile(r"\b(\w+)\s*\.\s*fetch_add\s*\(")
_PERIODIC = re.compile(r"\.tick\s*\(\s*\)\s*\.await|\bsleep(?:_until)?\s*\(")
#: the task matches its own error (`if let Err(e) = ..`, a `match` arm `Err(e) =>`) ...
_HANDLES_ERROR = re.compile(r"\bif\s+let\s+Err\s*\(|\bErr\s*\([^)]*\)\s*=>|\.inspect_err\s*\(")
#: ... and reports it
_LOGS = re.compile(
    r"\b(?:tracing::|log::)?(?:error|warn|info|debug)!\s*\(|\beprintln!\s*\("
    r"|\bsentry::capture_\w+\s*\("
)
_USE_SPAWN = re.compile(r"use\s+(::)?tokio::(task::)?(\{[^}]*\bspawn\b[^}]*\}|spawn\b)")


class RustSpawnHandledParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: tuple[str, ...] = (
        "tests/**",
        "**/tests/**",
        "examples/**",
        "**/examples/**",
        "benches/**",
        "**/benches/**",
    )


def _discarded(call: tree_sitter.Node) -> bool:
    parent = call.parent
    if parent is None:
        return False
    if parent.type == "expression_statement":
        return True
    if parent.type == "let_declaration":
        pattern = parent.child_by_field_name("pattern")
        return pattern is not None and text(pattern) == "_"
    return False


def _spawned(call: tree_sitter.Node) -> tree_sitter.Node | None:
    """The future given to the spawn, without ``.instrument(..)``-like wrappers."""
    args = call.child_by_field_name("arguments")
    node = next((a for a in args.named_children if "comment" not in a.type), None) if args else None
    while node is not None and node.type == "call_expression":
        callee = node.child_by_field_name("function")
        if callee is None or callee.type != "field_expression":
            break
        node = callee.child_by_field_name("value")
    return node


def _own_text(node: tree_sitter.Node) -> str:
    """The text of ``node`` without the tasks it spawns itself (their code is theirs)."""
    nested = [
        call
        for call in descendants(node, ("call_expression",))
        if call != node and text(call.child_by_field_name("function")).endswith("spawn")
    ]
    if not nested:
        return text(node)
    data = node.text or b""
    parts: list[bytes] = []
    at = node.start_byte
    for call in sorted(nested, key=lambda c: c.start_byte):
        if call.start_byte < at:
            continue  # inside one already cut
        parts.append(data[at - node.start_byte : call.start_byte - node.start_byte])
        at = call.end_byte
    parts.append(data[at - node.start_byte :])
    return b"".join(parts).decode("utf-8", "replace")


def _local_functions(spawned: tree_sitter.Node) -> list[tree_sitter.Node]:
    """The functions of the same file that the task calls by a plain name (one level)."""
    names = {
        text(callee)
        for call in descendants(spawned, ("call_expression",))
        if (callee := call.child_by_field_name("function")) is not None
        and callee.type == "identifier"
    }
    if spawned.type == "call_expression":
        callee = spawned.child_by_field_name("function")
        if callee is not None and callee.type == "identifier":
            names.add(text(callee))
    if not names:
        return []
    root = spawned
    while root.parent is not None:
        root = root.parent
    return [
        item
        for item in descendants(root, ("function_item",))
        if text(item.child_by_field_name("name")) in names
    ]


def _completion_ensured(call: tree_sitter.Node) -> bool:
    """Whether something other than the ``JoinHandle`` ends or tracks the task (see above)."""
    spawned = _spawned(call)
    if spawned is None:
        return False
    function = next(
        (a for a in ancestors(call) if a.type in {"function_item", "closure_expression"}), None
    )
    scope = text(function) if function is not None else ""
    body = _own_text(spawned)
    if spawned.type == "identifier":
        name = re.escape(body)
        if re.search(rf"\b{name}\s*\.\s*handle\s*\(\s*\)", scope):
            return True  # a server whose handle is kept
    for awaited in [*re.findall(r"\b(\w+)\s*\.await", body), body]:
        driver = rf"let\s*\([\w\s,]*\b{re.escape(awaited)}\s*\)\s*=[^;]*\bconnect\w*\s*\("
        if re.match(r"^\w+$", awaited) and re.search(driver, scope):
            return True  # the connection driver of a client
    # the task's code: its own body, and the functions of this file it calls by name
    # (`tokio::spawn(async move { run_schedule(pool).await })`)
    bodies = [spawned, *_local_functions(spawned)]
    loops = [
        loop
        for node in bodies
        for loop in descendants(node, ("loop_expression", "while_expression", "for_expression"))
    ]
    if any(_PERIODIC.search(_own_text(loop)) for loop in loops):
        return True  # a periodic task for the life of the process
    if not loops and _HANDLES_ERROR.search(body) and _LOGS.search(body):
        return True  # one fire-and-forget operation that reports its own failure
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)  # words in strings are not code
    if _CANCEL.search(code) or _REPLY.search(code):
        return True
    return any(
        re.search(rf"\b{re.escape(counter)}\s*\.\s*fetch_sub\s*\(", body)
        for counter in _COUNTER.findall(body)
    )


class RustSpawnHandledAnalyzer(Analyzer):
    """Report ``tokio::spawn`` calls whose ``JoinHandle`` is dropped."""

    name: ClassVar[str] = "rust-spawn-handled"
    Params = RustSpawnHandledParams
    params: RustSpawnHandledParams
    kinds: ClassVar[frozenset[str]] = frozenset({"rust"})
    prefilter: ClassVar[tuple[str, ...]] = ("spawn",)

    def applies_to(self, file: SourceFile) -> bool:
        return super().applies_to(file) and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        source = file.text or ""
        if tree is None or "tokio" not in source:
            return
        out.fact(True)
        if is_test_crate_file(tree.root_node):
            return
        bare_ok = bool(_USE_SPAWN.search(source))
        for call in captures(tree.language, tree.root_node, _QUERY).get("call", []):
            callee = call.child_by_field_name("function")
            name = text(callee).replace(" ", "")
            if name not in SPAWNS and not (bare_ok and name == "spawn"):
                continue
            if not _discarded(call) or _completion_ensured(call):
                continue
            if any(
                a.type in {"mod_item", "function_item", "impl_item", "macro_definition"}
                and is_test_item(a)
                for a in ancestors(call)
            ):
                continue
            report(
                out,
                callee or call,
                f"the JoinHandle of {name}(...) is dropped: the task's panic or error is lost "
                "and shutdown cannot wait for it; keep the handle (await it, or add the task "
                "to a JoinSet/TaskTracker)",
            )

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not any(repo.facts(self).values()):
            out.not_applicable("no non-test Rust code uses tokio")
