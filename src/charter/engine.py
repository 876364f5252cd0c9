"""The engine: read and parse each file once, run every analyzer in one pass, collect results.

Per-file work (:func:`analyze_file`) is self-contained: it takes the root, one path and the
analyzers, and returns a picklable :class:`FileResult`. That is what a process pool or a cache
keys on. The repo phase then runs once over the merged facts, and :func:`build_report` turns
everything into the frozen :class:`~charter.models.Report`.
"""

from __future__ import annotations

import ast
import dataclasses
import gc
import hashlib
import json
import operator
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from charter import __version__, conditions
from charter.analyzers import create_analyzer
from charter.analyzers.base import (
    Analyzer,
    AstAnalyzer,
    Emitter,
    RawFinding,
    batched_ast_walk,
)
from charter.discovery import discover_tree, split_undecodable
from charter.models import (
    PROVISIONAL_BELOW,
    Applicability,
    Finding,
    Location,
    ManualItem,
    Note,
    ProfileReport,
    ProfileRule,
    Report,
    RuleResult,
    Severity,
    Status,
    ToolInfo,
)
from charter.pathclass import HEAD_BYTES, PathClassifier
from charter.policy import PolicySet, Profile, Rule
from charter.redact import redact_facts
from charter.repo import RepoIndex
from charter.sources import (
    DEFAULT_MAX_FILE_BYTES,
    ParseProblem,
    SourceFile,
    file_kind,
    safe_message,
)

if TYPE_CHECKING:
    import libcst

    from charter.analyzers.cst import CstAnalyzer

PARSE_ERROR = "parse-error"
#: the report's finding order (path, line, column, rule, message), as a C-level key function
FINDING_ORDER = operator.attrgetter("path", "line", "column", "rule", "message")
#: rules every audit runs, whichever profiles are selected
ALWAYS_ON = (PARSE_ERROR, "suppression-without-reason", "unused-suppression")


@dataclass
class RuleInstance:
    """A rule with its effective parameters and scope, and the analyzer that checks it."""

    key: str
    rule: Rule
    params: dict[str, Any]
    analyzer: Analyzer | None
    #: the severity its findings carry: the highest any selected profile gives it
    severity: Severity = Severity.LOW
    #: the path classes it judges (charter.pathclass)
    scope: frozenset[str] = frozenset({"source"})


@dataclass
class FileResult:
    """Everything the file phase learned about one file; picklable and cacheable."""

    path: str
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    counters: dict[str, Counter[str]] = field(default_factory=dict)
    facts: dict[str, list[Any]] = field(default_factory=dict)
    applicable: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    problems: list[ParseProblem] = field(default_factory=list)
    #: the file's path class (charter.pathclass), from its path and its first lines; empty
    #: when no rule read the file (its class is then the one its path gives)
    klass: str = ""
    #: ``--timing`` only (never cached): {"rules": {key: [wall, cpu]}, "parse": {parser:
    #: [wall, cpu, n]}, "walk": [wall, cpu], "total": wall}
    timing: dict[str, Any] | None = None


def effective_scope(
    rule: Rule, params: dict[str, Any], scope: Sequence[str] | None = None
) -> frozenset[str]:
    """The classes a rule instance judges: the profile's or configuration's scope, else the
    rule's; ``include_tests: true`` (the older way to ask) adds ``test``."""
    chosen = set(scope if scope is not None else rule.scope)
    if params.get("include_tests") is True:
        chosen.add("test")
    return frozenset(chosen)


def _scoped_params(rule: Rule, params: dict[str, Any], scope: frozenset[str]) -> dict[str, Any]:
    """A scope that takes in test files also turns on an analyzer's own ``include_tests``
    (the older switch some analyzers still read), so that widening the scope is enough."""
    if "test" in scope and not params.get("include_tests") and rule.analyzer is not None:
        from charter.analyzers import analyzer_class

        if "include_tests" in analyzer_class(rule.analyzer).Params.model_fields:
            return {**params, "include_tests": True}
    return params


def instance_key(
    rule_id: str,
    params: dict[str, Any],
    base: dict[str, Any],
    scope: frozenset[str] = frozenset(),
    base_scope: frozenset[str] = frozenset(),
) -> str:
    if params == base and scope == base_scope:
        return rule_id
    spec = [params, sorted(scope)] if scope != base_scope else params
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    return f"{rule_id}#{digest[:8]}"


def plan(policies: PolicySet, profiles: Sequence[Profile]) -> dict[str, RuleInstance]:
    """One instance per distinct (rule, parameters, scope) the selected profiles ask for."""
    instances: dict[str, RuleInstance] = {}
    wanted: list[tuple[Rule, dict[str, Any], Sequence[str] | None]] = []
    for rule_id in ALWAYS_ON:
        if rule_id in policies.rules:
            wanted.append((policies.rules[rule_id], dict(policies.rules[rule_id].params), None))
    for profile in profiles:
        for ref in profile.rules:
            rule = policies.rules[ref.id]
            wanted.append((rule, {**rule.params, **ref.params}, ref.scope))
    for rule, params, ref_scope in wanted:
        key = profile_instance_key(policies, rule.id, params, ref_scope)
        if key in instances:
            continue
        scope = effective_scope(rule, params, ref_scope)
        analyzer = (
            create_analyzer(rule, _scoped_params(rule, params, scope)) if rule.analyzer else None
        )
        if analyzer is not None:
            analyzer.instance_key = key
            analyzer.scope = scope
            analyzer.bind(policies)
        instances[key] = RuleInstance(key, rule, params, analyzer, scope=scope)
    for key, level in effective_severities(policies, profiles, instances).items():
        instances[key].severity = level
    return instances


def profile_instance_key(
    policies: PolicySet,
    rule_id: str,
    params: dict[str, Any],
    scope: Sequence[str] | None = None,
) -> str:
    rule = policies.rules[rule_id]
    merged = {**rule.params, **params}
    base = dict(rule.params)
    return instance_key(
        rule_id, merged, base, effective_scope(rule, merged, scope), effective_scope(rule, base)
    )


# --- fingerprints ----------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def fingerprint(rule: str, path: str, basis: str, occurrence: int) -> str:
    """Stable id of a finding: rule, path, the flagged line's content (or an analyzer key) and
    which occurrence of that content it is. Moving unrelated lines does not change it."""
    normalized = _WS.sub(" ", basis).strip()
    raw = f"{rule}\0{path}\0{normalized}\0{occurrence}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def line_basis(text: str, message: str) -> str:
    """The fingerprint basis of a finding without an analyzer key: a digest of the flagged
    line (whitespace-normalised) and the message. A digest, never the text, because it is
    cached and the line may hold a secret."""
    raw = f"{_WS.sub(' ', text).strip()}\0{message}"
    return "line:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def finalize(
    rule_id: str, severity: Severity, raws: Iterable[RawFinding], line_text: Any
) -> list[Finding]:
    """Turn an analyzer's raw findings into frozen findings with fingerprints, each at the
    rule's severity (``severity``, after the user's overrides) or the lower one its analyzer
    gave it (a credential in a test)."""
    seen: Counter[tuple[str, str]] = Counter()
    out: list[Finding] = []
    for raw in sorted(raws, key=lambda r: (r.path, r.line, r.column, r.message)):
        basis = raw.key
        if basis is None:
            basis = line_basis(line_text(raw.path, raw.line), raw.message)
        seen[(raw.path, basis)] += 1
        out.append(
            Finding(
                rule=rule_id,
                severity=(
                    raw.severity
                    if raw.severity is not None and raw.severity.rank < severity.rank
                    else severity
                ),
                path=raw.path,
                line=raw.line,
                column=raw.column,
                end_line=raw.end_line,
                end_column=raw.end_column,
                message=raw.message,
                fingerprint=fingerprint(rule_id, raw.path, basis, seen[(raw.path, basis)]),
                related=tuple(Location(path=p, line=n) for p, n in raw.related),
                certain=raw.certain,
                fix=Applicability(raw.fix) if raw.fix else None,
                fix_args=raw.fix_args if raw.fix else None,
            )
        )
    return out


# --- file phase ------------------------------------------------------------------------------


def _run_isolated(
    analyzers: Sequence[Analyzer],
    run_all: Any,
    run_one: Any,
    result: FileResult,
    emitters: dict[str, Emitter],
    path: str,
) -> None:
    """Run analyzers together; if that raises, rerun each alone to find the one that broke."""
    try:
        run_all(analyzers)
        return
    # charter: ignore[no-silent-failures] -- not swallowed: the loop below reruns each analyzer
    except Exception:  # noqa: BLE001 - an analyzer bug must not cost the other rules
        pass
    for analyzer in analyzers:
        emitters[analyzer.instance_key] = Emitter(path=path)
        try:
            run_one(analyzer)
        except Exception as exc:  # noqa: BLE001
            _file_failure(result, analyzer, path, exc)
            emitters.pop(analyzer.instance_key, None)


def _file_failure(result: FileResult, analyzer: Analyzer, path: str, exc: Exception) -> None:
    """A rule that raised on a file: an error of the rule (exit code 2), except when the file
    is nested too deeply to walk (RecursionError), which is the file's problem: ``skipped``."""
    if isinstance(exc, RecursionError):
        why = f"skipped: nested too deeply for rule {analyzer.name} (RecursionError)"
        result.problems.append(ParseProblem(path, 1, 1, why, skipped=True))
        return
    result.errors[analyzer.instance_key] = safe_message(f"{path}: {type(exc).__name__}: {exc}")


class _Applicability:
    """Which analyzers' file phase may look at a file of each kind, worked out once per set
    of rule instances (not ``applies_to`` per file per rule: 407k calls on Django). Each entry
    says whether the analyzer overrides :meth:`Analyzer.applies_to` (a path or content
    filter), in which case it is still asked per file."""

    def __init__(self, instances: Sequence[RuleInstance]) -> None:
        self.instances = instances
        self.by_key = {inst.key: inst for inst in instances}
        self._file_phase = [
            inst.analyzer
            for inst in instances
            if inst.analyzer is not None and inst.analyzer.has_file_phase()
        ]
        self._by_kind: dict[str, list[tuple[Analyzer, bool]]] = {}

    def for_kind(self, kind: str) -> list[tuple[Analyzer, bool]]:
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = [
                (a, type(a).applies_to is not Analyzer.applies_to)
                for a in self._file_phase
                if type(a).applies_to is not Analyzer.applies_to or kind in a.kinds
            ]
        return found


_APPLICABILITY: list[_Applicability] = []


def _applicability(instances: Sequence[RuleInstance]) -> _Applicability:
    """The applicability of ``instances``, kept for the last set seen (a worker, or a serial
    audit, passes the same list for every file)."""
    if _APPLICABILITY and _APPLICABILITY[0].instances is instances:
        return _APPLICABILITY[0]
    plan = _Applicability(instances)
    _APPLICABILITY[:] = [plan]
    return plan


class _Clock:
    """Where one file's analysis time went (``--timing``): each rule's own wall and CPU time,
    parse time apart (:data:`charter.sources.PARSE_CLOCK`), and the batched walk's."""

    def __init__(self) -> None:
        self.rules: dict[str, list[float]] = {}
        self.parse: dict[str, list[float]] = {}
        self.walk = [0.0, 0.0]

    def parse_total(self) -> tuple[float, float]:
        values = self.parse.values()
        return sum(v[0] for v in values), sum(v[1] for v in values)

    def add(self, key: str, wall: float, cpu: float) -> None:
        acc = self.rules.get(key)
        if acc is None:
            acc = self.rules[key] = [0.0, 0.0]
        acc[0] += wall
        acc[1] += cpu

    def run(self, key: str, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` with its time, less the parses it set off, added to rule ``key``."""
        parsed = self.parse_total()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args)
        finally:
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu
            after = self.parse_total()
            self.add(
                key, max(0.0, wall - after[0] + parsed[0]), max(0.0, cpu - after[1] + parsed[1])
            )


def analyze_file(
    root: Path,
    rel: str,
    instances: Sequence[RuleInstance],
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    file: SourceFile | None = None,
    classifier: PathClassifier | None = None,
    timing: bool = False,
) -> FileResult:
    """The file phase for one file: every applicable analyzer whose scope holds the file's
    path class, one parse per parser. With ``timing``, the result says where the time went."""
    if not timing:
        return _analyze_file(root, rel, instances, max_bytes, file, classifier, None)
    from charter import sources

    clock = _Clock()
    started = time.perf_counter()
    sources.PARSE_CLOCK = clock.parse
    try:
        result = _analyze_file(root, rel, instances, max_bytes, file, classifier, clock)
    finally:
        sources.PARSE_CLOCK = None
    result.timing = {
        "rules": clock.rules,
        "parse": clock.parse,
        "walk": clock.walk,
        "total": time.perf_counter() - started,
    }
    return result


def _analyze_file(
    root: Path,
    rel: str,
    instances: Sequence[RuleInstance],
    max_bytes: int,
    file: SourceFile | None,
    classifier: PathClassifier | None,
    clock: _Clock | None,
) -> FileResult:
    file = file or SourceFile(root, rel, max_bytes)
    result = FileResult(path=rel)
    applicability = _applicability(instances)
    candidates = applicability.for_kind(file.kind)
    if not candidates:
        return result
    # only analyzers with their own path or content filters are asked about this file
    active = [a for a, custom in candidates if not custom or a.applies_to(file)]
    if not active:
        return result
    classifier = classifier or PathClassifier()
    head = file.data[:HEAD_BYTES] if file.data is not None else None
    result.klass = classifier.classify(rel, head)
    file.path_class = result.klass
    active = [a for a in active if result.klass in a.scope]
    if not active:
        return result  # no rule judges this class of file: nothing to report about it
    for analyzer in active:
        result.applicable.add(analyzer.instance_key)
    text = file.text
    if text is None:
        if file.kind != "other":  # a binary .py/.yaml/... is a problem; a binary asset is not
            file.source_problem()
        result.problems = list(file.problems)
        return result
    runnable: list[Analyzer] = []
    # analyzers whose file phase only gathers the same facts share one run of it
    shared: dict[Any, Analyzer] = {}
    aliases: dict[str, str] = {}
    for a in active:
        if not a.wants_text(text):
            continue
        key = a.file_phase_key()
        if key is not None:
            key = (key, a.scope)
        if key is not None and key in shared:
            aliases[a.instance_key] = shared[key].instance_key
            continue
        if key is not None:
            shared[key] = a
        runnable.append(a)
    emitters: dict[str, Emitter] = {a.instance_key: Emitter(path=rel) for a in runnable}

    ast_rules = [a for a in runnable if isinstance(a, AstAnalyzer)]
    cst_rules = cast("list[CstAnalyzer]", [a for a in runnable if a.uses_cst])
    plain = [a for a in runnable if not isinstance(a, AstAnalyzer) and not a.uses_cst]

    if ast_rules:
        tree = file.python_ast
        if tree is not None:

            def ast_all(group: Sequence[AstAnalyzer]) -> None:
                if clock is not None:
                    return _timed_ast_walk(tree, group, file, emitters, clock)
                for a in group:
                    a.begin(file, emitters[a.instance_key])
                batched_ast_walk(tree, list(group))
                for a in group:
                    a.end()

            _run_isolated(ast_rules, ast_all, lambda a: ast_all([a]), result, emitters, rel)

    if cst_rules:
        module = file.python_cst
        if module is not None:
            if clock is None:
                _run_cst(file, module, cst_rules, emitters, result)
            else:  # one batched visit: its time is shared evenly by its rules
                before = dict(clock.rules)
                clock.run("\0cst", _run_cst, file, module, cst_rules, emitters, result)
                spent = clock.rules.pop("\0cst")
                clock.rules.update(before)
                for a in cst_rules:
                    clock.add(a.instance_key, spent[0] / len(cst_rules), spent[1] / len(cst_rules))

    for analyzer in plain:
        try:
            if clock is None:
                analyzer.check_file(file, emitters[analyzer.instance_key])
            else:
                clock.run(
                    analyzer.instance_key,
                    analyzer.check_file,
                    file,
                    emitters[analyzer.instance_key],
                )
        except Exception as exc:  # noqa: BLE001
            _file_failure(result, analyzer, rel, exc)
            emitters.pop(analyzer.instance_key, None)

    by_key = applicability.by_key
    for key, out in emitters.items():
        if out.findings:
            inst = by_key[key]
            result.findings[key] = finalize(
                inst.rule.id, inst.severity, out.findings, _line_reader(file)
            )
        if out.counters:
            result.counters[key] = out.counters
        if out.facts:
            # facts are cached: a value under a secret-like name is kept only in redacted form
            result.facts[key] = redact_facts(out.facts)
    for alias, source in aliases.items():
        if source in result.errors:
            result.errors[alias] = result.errors[source]
        if source in result.counters:
            result.counters[alias] = result.counters[source]
        if source in result.facts:
            result.facts[alias] = result.facts[source]
    result.problems = [*_name_blind_rules(file, active, emitters), *result.problems]
    return result


#: rules whose work is about the file's text or charter's own comments, not its parse
_TEXT_RULES = frozenset({PARSE_ERROR, "suppression-without-reason", "unused-suppression"})


def _name_blind_rules(
    file: SourceFile, active: Sequence[Analyzer], emitters: dict[str, Emitter]
) -> list[ParseProblem]:
    """The file's problems, a parse error saying which rules could not judge the file: those
    that ran on it and reported nothing (a rule that found something did read it)."""
    out: list[ParseProblem] = []
    for problem in file.problems:
        if problem.note or problem.skipped or not problem.message.startswith("parse error"):
            out.append(problem)
            continue
        blind = sorted(
            {
                a.instance_key.split("#")[0]
                for a in active
                if a.name not in _TEXT_RULES
                and a.needs_parse
                and not (
                    (e := emitters.get(a.instance_key)) is not None and (e.findings or e.facts)
                )
            }
        )
        if not blind:
            out.append(problem)
            continue
        names = ", ".join(blind[:4]) + (f" and {len(blind) - 4} more" if len(blind) > 4 else "")
        message = f"{problem.message} (not judged by {names})"
        out.append(dataclasses.replace(problem, message=message))
    return out


def _timed_ast_walk(
    tree: ast.Module,
    group: Sequence[AstAnalyzer],
    file: SourceFile,
    emitters: dict[str, Emitter],
    clock: _Clock,
) -> None:
    """The batched walk with each rule's begin, handlers and end timed (``--timing``); what
    is left of the walk's time is the walk's own."""
    spent_before = sum(clock.rules.get(a.instance_key, [0.0])[0] for a in group)
    cpu_before = sum(clock.rules.get(a.instance_key, [0.0, 0.0])[1] for a in group)
    wall, cpu = time.perf_counter(), time.process_time()
    for a in group:
        clock.run(a.instance_key, a.begin, file, emitters[a.instance_key])
    batched_ast_walk(tree, list(group), timer=clock.add)
    for a in group:
        clock.run(a.instance_key, a.end)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    spent = sum(clock.rules.get(a.instance_key, [0.0])[0] for a in group) - spent_before
    spent_cpu = sum(clock.rules.get(a.instance_key, [0.0, 0.0])[1] for a in group) - cpu_before
    clock.walk[0] += max(0.0, wall - spent)
    clock.walk[1] += max(0.0, cpu - spent_cpu)


def _run_cst(
    file: SourceFile,
    module: libcst.Module,
    rules: Sequence[CstAnalyzer],
    emitters: dict[str, Emitter],
    result: FileResult,
) -> None:
    """One batched LibCST visit; metadata only as declared; positions only for reports."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)

    def run(group: Sequence[CstAnalyzer]) -> None:
        for a in group:
            a.begin(file, emitters[a.instance_key])
        wrapper.visit_batched(list(group))
        for a in group:
            a.end()

    _run_isolated(rules, run, lambda a: run([a]), result, emitters, file.path)
    reported = [
        (a, node, msg) for a in rules if a.instance_key in emitters for node, msg in a.reported
    ]
    for a in rules:
        a.reported = []
    if not reported:
        return
    try:
        positions = wrapper.resolve(PositionProvider)
    except RecursionError:
        why = "skipped: nested too deeply for LibCST positions (RecursionError)"
        result.problems.append(ParseProblem(file.path, 1, 1, why, skipped=True))
        return
    for analyzer, node, message in reported:
        out = emitters[analyzer.instance_key]
        pos = positions.get(node)
        if pos is None:
            out.report(1, message)
        else:
            out.report(
                pos.start.line,
                message,
                column=pos.start.column + 1,
                end_line=pos.end.line,
                end_column=pos.end.column + 1,
            )


def _line_reader(file: SourceFile) -> Any:
    def read(path: str, line: int) -> str:
        return file.line_text(line) if path == file.path else ""

    return read


# --- files no rule read: the streaming secret scan and unscanned-file ------------------------

UNSCANNED_FILE = "unscanned-file"
#: skips that mean no rule read the file at all: over the size cap (not LibCST's own cap),
#: unreadable, past the time cap, a crashed or out-of-memory worker, an undecodable name
_WHOLE_FILE_SKIP = re.compile(
    r"^skipped: (?:\d+ bytes is over the \d+-byte limit(?! of)|cannot read file"
    r"|analysis took over|analyzing this file|the file name is not valid UTF-8)"
)


#: the streaming scans' outcomes of this process: (rule set key, root, path, content digest,
#: path class) -> per scanner (instance key or None, raw findings, counters, why not scanned).
#: ``charter history`` audits one commit after another in one tree, and a file over the size
#: cap that did not change between two points is not streamed again (the digest of such a
#: file is its size and modification time, which history derives from its blob id)
_UNREAD_MEMO: dict[tuple[str, ...], list[tuple[str | None, Any, Any, str | None]]] = {}
_UNREAD_MEMO_MAX = 256


def scan_unread_files(
    root: Path,
    file_results: Sequence[FileResult],
    instances: Sequence[RuleInstance],
    classifier: PathClassifier,
    max_seconds: float,
    memo: tuple[str, dict[str, str], int] | None = None,
) -> bool:
    """Scan the files no rule read (see :data:`_WHOLE_FILE_SKIP`) for secrets with the
    streaming pass, and report those it could not finish under ``unscanned-file``.

    The hits go to ``no-hardcoded-secrets`` when it is selected (else the pass only tells
    whether the file could be scanned). Runs in this process after the file phase, on every
    audit: its results are not in the result cache (a file over the size cap is known to the
    cache by its size and mtime only). ``memo`` (the rule set's cache key, the audit's content
    digests, the size cap), given when the cache is on, reuses the outcome of an earlier audit
    of this process for a file whose digest is unchanged (:data:`_UNREAD_MEMO`). Returns True
    when a result depends on this run (the time cap stopped a scan), so that the finished
    report is not reused."""
    secrets = [i for i in instances if i.analyzer is not None and i.analyzer.name == "secrets"]
    unscanned = [
        i for i in instances if i.analyzer is not None and i.analyzer.name == UNSCANNED_FILE
    ]
    if not secrets and not unscanned:
        return False
    from charter.analyzers.secrets.unscanned import BINARY_PROBLEM, TEXT_KINDS
    from charter.cache import file_digest

    transient = False
    if file_results and unscanned:
        # unscanned-file judges every file: applicable as soon as there is one (the per-file
        # sets may be shared between files, see charter.compact: never changed in place)
        first = file_results[0]
        first.applicable = set(first.applicable) | {inst.key for inst in unscanned}
    for fr in file_results:
        skip = next(
            (p for p in fr.problems if p.skipped and _WHOLE_FILE_SKIP.match(p.message)), None
        )
        binary = (
            skip is None
            and bool(unscanned)
            and any(p.message.startswith(BINARY_PROBLEM) for p in fr.problems)
            and file_kind(fr.path) in TEXT_KINDS
        )
        if skip is None and not binary:
            continue
        klass: str
        whys: list[str] = []
        if binary:
            klass = fr.klass or classifier.by_path(fr.path)
            whys.append(
                "it holds binary content (a NUL byte in its first 8 KiB) although its name says "
                "text, and the secret scan reads text only"
            )
        elif skip is not None and skip.message.startswith(
            "skipped: the file name is not valid UTF-8"
        ):
            klass = classifier.by_path(fr.path)
            whys.append("its name is not valid UTF-8, so it was never read")
        else:
            head: bytes | None = None
            try:
                with (root / fr.path).open("rb") as stream:
                    head = stream.read(HEAD_BYTES)
            except OSError:
                head = None
            klass = fr.klass or classifier.classify(fr.path, head)
            scanners: list[tuple[RuleInstance | None, Any]] = [
                (i, i.analyzer) for i in secrets if klass in i.scope
            ]
            if not scanners and any(klass in i.scope for i in unscanned):
                scanners = [(None, cast(Any, unscanned[0].analyzer).scanner())]
            key: tuple[str, ...] | None = None
            if memo is not None:
                ruleset, digests, max_bytes = memo
                digest = digests.get(fr.path) or file_digest(root / fr.path, max_bytes)
                key = (ruleset, str(root), fr.path, digest, klass)
            outcomes = _UNREAD_MEMO.get(key) if key is not None else None
            if outcomes is None:
                file = SourceFile(root, fr.path)
                file.path_class = klass
                outcomes = []
                for owner, scanner in scanners:
                    out = Emitter(path=fr.path)
                    deadline = time.monotonic() + max_seconds if max_seconds > 0 else None
                    why = scanner.check_unread(file, out, deadline)
                    owner_key = owner.key if owner is not None else None
                    outcomes.append((owner_key, out.findings, out.counters, why))
                if key is not None and all(why is None for *_, why in outcomes):
                    # scanned through: not a time cap or a read error of this run
                    if len(_UNREAD_MEMO) >= _UNREAD_MEMO_MAX:
                        _UNREAD_MEMO.clear()
                    _UNREAD_MEMO[key] = outcomes
            owners = {i.key: i for i in secrets}
            for owner_key, found, counters, why in outcomes:
                owner = owners.get(owner_key) if owner_key is not None else None
                if owner is not None:
                    if found:
                        fr.findings.setdefault(owner.key, []).extend(
                            finalize(owner.rule.id, owner.severity, found, _no_line_text)
                        )
                    _add_counts(fr, owner.key, counters)
                    fr.applicable = set(fr.applicable) | {owner.key}
                if why is not None:
                    whys.append(why)
                    transient = transient or "max-file-seconds" in why
        for inst in unscanned:
            if klass not in inst.scope:
                continue
            if not whys:
                _add_counts(fr, inst.key, Counter(streamed=1))
                continue
            _add_counts(fr, inst.key, Counter(unscanned=1))
            message = (
                f"not scanned for secrets: {whys[0]}; a secret in it would pass unseen. Make the "
                "file scannable, or accept it: exclude the path, or disable unscanned-file"
            )
            raw = RawFinding(fr.path, 1, safe_message(message), 1, key=UNSCANNED_FILE)
            fr.findings.setdefault(inst.key, []).extend(
                finalize(inst.rule.id, inst.severity, [raw], _no_line_text)
            )
    return transient


def _no_line_text(path: str, line: int) -> str:
    return ""


def _add_counts(fr: FileResult, key: str, counts: Counter[str]) -> None:
    """Add to a file result's counters without changing a Counter another file may share."""
    merged = Counter(fr.counters.get(key, Counter()))
    merged.update(counts)
    fr.counters = {**fr.counters, key: merged}


# --- the whole audit -------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditOptions:
    """Knobs of one audit that are not policy."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    exclude: tuple[str, ...] = ()
    #: worker processes for the file phase; 0 means one per available CPU
    jobs: int = 0
    #: fewest files to analyse that start the pool (None: ``runner.POOL_MIN_FILES``)
    pool_min_files: int | None = None
    #: result cache folder; None disables the cache
    cache_dir: Path | None = None
    #: show a progress bar on stderr for long audits
    progress: bool = False
    #: wall-clock cap on one file's analysis; past it the file is reported as skipped
    max_file_seconds: float = 60.0
    #: whose results the cache holds: the audited folder (None), or for a temporary checkout
    #: what it is a checkout of (a URL, a local repository)
    cache_scope: str | None = None
    #: the configuration's explicit path classes: class -> globs
    path_classes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: the configuration's ``example-repository``: None lets the README decide
    example_repository: bool | None = None
    #: ``--timing``: each rule's wall and CPU time, parse time apart, and the slowest files
    timing: bool = False


def effective_severities(
    policies: PolicySet, profiles: Sequence[Profile], instances: dict[str, RuleInstance]
) -> dict[str, Severity]:
    """A finding's severity: the highest any selected profile gives its rule instance."""
    sev = {key: inst.rule.severity for key, inst in instances.items()}
    strongest: dict[str, Severity] = {}
    for profile in profiles:
        for ref in profile.rules:
            key = profile_instance_key(policies, ref.id, ref.params, ref.scope)
            level = ref.severity or policies.rules[ref.id].severity
            if key not in strongest or level.rank > strongest[key].rank:
                strongest[key] = level
    sev.update(strongest)
    return sev


@contextmanager
def gc_paused() -> Iterator[None]:
    """Syntax trees are acyclic and freed by reference counting; the cyclic collector only
    rescans them over and over (measured: ~20% of the file phase on the stdlib)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Tree:
    """What an audit is about to read: the discovered files (sorted), names that cannot be
    decoded (reported, never read) and, once computed, each file's content digest."""

    files: list[str]
    odd_names: list[tuple[str, str]]
    digests: dict[str, str] = field(default_factory=dict)
    discover_s: float = 0.0
    classifier: PathClassifier = field(default_factory=PathClassifier)
    #: files git tracks under the target (None outside git), and discovery's notes
    tracked: int | None = None
    notes: list[str] = field(default_factory=list)


def scan(root: Path, options: AuditOptions) -> Tree:
    started = time.perf_counter()
    resolved = root.resolve()
    found = discover_tree(resolved, options.exclude)
    files, odd_names = split_undecodable(found.files)
    classifier = PathClassifier.for_tree(resolved, files, dict(options.path_classes))
    return Tree(
        files,
        odd_names,
        discover_s=time.perf_counter() - started,
        classifier=classifier,
        tracked=found.tracked,
        notes=list(found.notes),
    )


@dataclass
class Trace:
    """What an audit depended on beyond its files' contents, for the report cache: paths the
    repo phase read or probed, and whether a result was transient (a time cap or a crashed
    worker) and must not be reused."""

    reads: set[str] = field(default_factory=set)
    transient: bool = False


def run_audit(
    root: Path,
    policies: PolicySet,
    profiles: Sequence[Profile],
    options: AuditOptions = AuditOptions(),
    *,
    target_label: str | None = None,
    tree: Tree | None = None,
    trace: Trace | None = None,
) -> Report:
    """Audit ``root`` against ``profiles`` and build the report."""
    root = root.resolve()
    tree = tree if tree is not None else scan(root, options)
    started = time.perf_counter()  # after discovery, which tree.discover_s measured
    trace = trace if trace is not None else Trace()
    files = tree.files
    instances = plan(policies, profiles)
    # a rule whose repository condition does not hold (no agent workspace, ...) runs nowhere
    readme_cap = min(options.max_file_bytes, 1 << 18)

    def read(rel: str) -> str | None:
        return SourceFile(root, rel, readme_cap).text

    # each condition judged once per audit (not once per rule: not-example parses the README)
    verdicts = {
        name: conditions.unmet([name], files, read, example=options.example_repository)
        for name in sorted({c for inst in instances.values() for c in inst.rule.applies_if})
    }
    unmet_reasons = {
        key: reason
        for key, inst in instances.items()
        if (reason := next((r for c in inst.rule.applies_if if (r := verdicts[c])), None))
        is not None
    }
    inst_list = [inst for key, inst in instances.items() if key not in unmet_reasons]
    t_discover = time.perf_counter()

    from charter import runner
    from charter.cache import AuditCache, ruleset_key

    cache = None
    if options.cache_dir is not None:
        key = ruleset_key(policies, inst_list, options.max_file_bytes, tree.classifier.digest())
        cache = AuditCache(options.cache_dir, options.cache_scope or root, key)
    digests = tree.digests
    file_results = runner.run_file_phase(
        root,
        files,
        inst_list,
        max_bytes=options.max_file_bytes,
        jobs=options.jobs or runner.default_jobs(),
        pool_min_files=options.pool_min_files,
        cache=cache,
        progress=options.progress,
        digests=digests,
        max_seconds=options.max_file_seconds,
        classifier=tree.classifier,
        timing=options.timing,
    )
    for shown, why in tree.odd_names:  # reported by parse-error, never analyzed
        file_results.append(FileResult(shown, problems=[ParseProblem(shown, 1, 1, why, True)]))
    # files no rule read still get the (streaming) secret scan, or an unscanned-file finding
    memo = (cache.key, digests, options.max_file_bytes) if cache is not None else None
    if scan_unread_files(
        root, file_results, inst_list, tree.classifier, options.max_file_seconds, memo
    ):
        trace.transient = True
    trace.transient = trace.transient or any(
        p.transient for fr in file_results for p in fr.problems
    )
    t_files = time.perf_counter()

    facts: dict[str, dict[str, list[Any]]] = {}
    for fr in file_results:
        for key, values in fr.facts.items():
            facts.setdefault(key, {})[fr.path] = values
    classes = {fr.path: fr.klass for fr in file_results if fr.klass}
    for rel in files:
        if rel not in classes:
            classes[rel] = tree.classifier.by_path(rel)
    repo = RepoIndex(root, files, max_bytes=options.max_file_bytes, facts=facts, classes=classes)
    repo_clock: dict[str, list[float]] | None = {} if options.timing else None
    repo_parse: dict[str, list[float]] = {}
    from charter import sources

    if options.timing:
        sources.PARSE_CLOCK = repo_parse
    try:
        repo_out, repo_errors = runner.run_repo_phase(
            repo,
            inst_list,
            cache=cache,
            digests=digests,
            facts=facts,
            reads=trace.reads,
            clock=repo_clock,
        )
    finally:
        if options.timing:
            sources.PARSE_CLOCK = None
    if cache is not None:
        cache.save()
    t_repo = time.perf_counter()

    severities = effective_severities(policies, profiles, instances)
    results, findings = _collect(repo, inst_list, file_results, repo_out, repo_errors, severities)
    for key, reason in unmet_reasons.items():
        inst = instances[key]
        results[key] = RuleResult(
            id=inst.rule.id,
            title=inst.rule.title,
            severity=severities[key],
            status=Status.NOT_APPLICABLE,
            message=reason,
        )
    notes = {
        Note(path=p.path, line=p.line, message=p.message): None
        for problems in [
            *(fr.problems for fr in file_results),
            *(src.problems for src in repo.sources()),
        ]
        for p in problems
        if p.note
    }
    notes.update({Note(path="", line=0, message=m): None for m in tree.notes})
    profile_reports = tuple(_profile_report(policies, p, results) for p in profiles)
    ended = time.perf_counter()
    timing: dict[str, Any] = {
        "discover_s": round(tree.discover_s + t_discover - started, 4),
        "files_s": round(t_files - t_discover, 4),
        "repo_s": round(t_repo - t_files, 4),
        "total_s": round(tree.discover_s + ended - started, 4),
        "cache_hits": cache.hits if cache is not None else 0,
        "cache_misses": cache.misses if cache is not None else 0,
        "repo_cache_hits": cache.repo_hits if cache is not None else 0,
        "repo_cache_misses": cache.repo_misses if cache is not None else 0,
    }
    if options.timing:
        timing.update(rule_timing(file_results, repo_clock or {}, repo_parse, instances))
    return Report(
        tool=ToolInfo(version=__version__),
        target=target_label if target_label is not None else str(root),
        profiles=profile_reports,
        rules=tuple(results[k] for k in sorted(results)),
        findings=tuple(sorted(findings, key=FINDING_ORDER)),
        files_scanned=len(files),
        files_tracked=tree.tracked,
        notes=tuple(sorted(notes, key=lambda n: (n.path, n.line, n.message))),
        timing=timing,
    )


def _fix_as_declared(rule: Rule, found: list[Finding]) -> list[Finding]:
    """A finding is marked fixable only when its rule declares an ``autofix`` (a policy that
    reuses a fixing analyzer without one is not fixed), and never safer than it declares."""
    if not any(f.fix for f in found):
        return found
    if rule.autofix is None:
        return [f.model_copy(update={"fix": None}) if f.fix else f for f in found]
    if rule.autofix.applicability == "unsafe":
        return [
            f.model_copy(update={"fix": Applicability.UNSAFE}) if f.fix else f for f in found
        ]
    return found


#: how many of the slowest files ``--timing`` names
TOP_FILES = 10


def rule_timing(
    file_results: Sequence[FileResult],
    repo_clock: dict[str, list[float]],
    repo_parse: dict[str, list[float]],
    instances: dict[str, RuleInstance],
) -> dict[str, Any]:
    """``--timing``'s part of the report: per rule instance its wall and CPU seconds in the
    file and repo phases, the files it ran on and its slowest file; parse time per parser;
    the batched ``ast`` walk's own time; the slowest files. Files taken from the cache were
    not analyzed and count nowhere."""
    import heapq

    rules: dict[str, dict[str, Any]] = {}
    parse: dict[str, list[float]] = {}
    walk = [0.0, 0.0]
    top: list[tuple[float, str]] = []

    def row(key: str) -> dict[str, Any]:
        found = rules.get(key)
        if found is None:
            found = rules[key] = {
                "rule": instances[key].rule.id if key in instances else key,
                "wall_s": 0.0,
                "cpu_s": 0.0,
                "file_wall_s": 0.0,
                "repo_wall_s": 0.0,
                "files": 0,
                "slowest_file": None,
                "slowest_file_s": 0.0,
            }
        return found

    def add_parse(source: dict[str, list[float]]) -> None:
        for parser, (wall, cpu, count) in source.items():
            acc = parse.setdefault(parser, [0.0, 0.0, 0])
            acc[0] += wall
            acc[1] += cpu
            acc[2] += count

    for fr in file_results:
        spent = fr.timing
        if not spent:
            continue
        fr.timing = None  # aggregated: the per-file detail is not kept
        for key, (wall, cpu) in spent["rules"].items():
            r = row(key)
            r["wall_s"] += wall
            r["cpu_s"] += cpu
            r["file_wall_s"] += wall
            r["files"] += 1
            if wall > r["slowest_file_s"]:
                r["slowest_file"], r["slowest_file_s"] = fr.path, wall
        add_parse(spent["parse"])
        walk[0] += spent["walk"][0]
        walk[1] += spent["walk"][1]
        item = (spent["total"], fr.path)
        if len(top) < TOP_FILES:
            heapq.heappush(top, item)
        elif item > top[0]:
            heapq.heapreplace(top, item)
    for key, (wall, cpu) in repo_clock.items():
        r = row(key)
        r["wall_s"] += wall
        r["cpu_s"] += cpu
        r["repo_wall_s"] += wall
    add_parse(repo_parse)
    for r in rules.values():
        for name in ("wall_s", "cpu_s", "file_wall_s", "repo_wall_s", "slowest_file_s"):
            r[name] = round(r[name], 6)
    return {
        "rules": dict(sorted(rules.items(), key=lambda kv: (-kv[1]["wall_s"], kv[0]))),
        "parse": {
            name: {"wall_s": round(w, 6), "cpu_s": round(c, 6), "files": int(n)}
            for name, (w, c, n) in sorted(parse.items(), key=lambda kv: -kv[1][0])
        },
        "ast_walk": {"wall_s": round(walk[0], 6), "cpu_s": round(walk[1], 6)},
        "top_files": [
            {"path": path, "wall_s": round(wall, 6)} for wall, path in sorted(top, reverse=True)
        ],
    }


def _collect(
    repo: RepoIndex,
    instances: Sequence[RuleInstance],
    file_results: Sequence[FileResult],
    repo_out: dict[str, Emitter],
    repo_errors: dict[str, str],
    severities: dict[str, Severity],
) -> tuple[dict[str, RuleResult], list[Finding]]:
    def line_text(path: str, line: int) -> str:
        return repo.source(path).line_text(line) if repo.has(path) else ""

    all_findings: list[Finding] = []
    results: dict[str, RuleResult] = {}
    # one pass over the file results, each rule's share in file order (linear in findings,
    # not rules x files)
    found_of: dict[str, list[Finding]] = {}
    counters_of: dict[str, Counter[str]] = {}
    errors_of: dict[str, list[str]] = {}
    applicable_keys: set[str] = set()
    seen_sets: set[int] = set()  # the per-file sets are shared between files (charter.compact)
    for fr in file_results:
        for key, values in fr.findings.items():
            found_of.setdefault(key, []).extend(values)
        for key, counts in fr.counters.items():
            counters_of.setdefault(key, Counter()).update(counts)
        if id(fr.applicable) not in seen_sets:
            seen_sets.add(id(fr.applicable))
            applicable_keys.update(fr.applicable)
        for key, error in fr.errors.items():
            errors_of.setdefault(key, []).append(error)
    for inst in instances:
        key = inst.key
        severity = severities[key]
        found: list[Finding] = found_of.pop(key, [])
        counters: Counter[str] = counters_of.get(key, Counter())
        applicable = key in applicable_keys
        errors: list[str] = errors_of.get(key, [])
        out = repo_out.get(key)
        if out is not None:
            found.extend(finalize(inst.rule.id, severity, out.findings, line_text))
        if key in repo_errors:
            errors.append(repo_errors[key])
        if inst.analyzer is not None and inst.analyzer.name == PARSE_ERROR:
            # files the repo phase read (e.g. workflows, pyproject.toml) fail there, not in
            # the file phase; a problem found by both is reported once
            problems = [p for fr in file_results for p in fr.problems if not p.note]
            problems += [p for src in repo.sources() for p in src.problems if not p.note]
            problems = list(dict.fromkeys(problems))
            # the fingerprint leaves out which rules were blind: that depends on the profiles
            raws = [
                RawFinding(
                    p.path, p.line, p.message, p.column, key=p.message.split(" (not judged by")[0]
                )
                for p in problems
            ]
            found.extend(finalize(inst.rule.id, severity, raws, line_text))
            applicable = bool(file_results)
        # the instance's severity; a lower one is the analyzer's for that finding alone (a
        # credential in a test, see finalize)
        found = [
            f
            if f.severity is severity or f.severity.rank < severity.rank
            else f.model_copy(update={"severity": severity})
            for f in found
        ]
        found = _fix_as_declared(inst.rule, found)
        message = ""
        evidence: tuple[str, ...] = ()
        if inst.analyzer is None:
            status = Status.NOT_IMPLEMENTED
            message = "not implemented yet: this standard is not verified"
        elif errors:
            status = Status.ERROR
            extra = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            message = f"analyzer error: {errors[0]}{extra}"
        elif out is not None and out.na_reason is not None:
            status = Status.NOT_APPLICABLE
            message = out.na_reason
        elif not applicable and not inst.analyzer.has_repo_phase():
            status = Status.NOT_APPLICABLE
            message = "no files this rule checks"
        else:
            status = Status.FAIL if found else Status.PASS
        if inst.analyzer is not None and status in (Status.PASS, Status.FAIL):
            summary = inst.analyzer.summarize(counters)
            message = (out.message if out is not None and out.message else None) or summary
            if out is not None:
                evidence = tuple(out.evidence_items)
        metrics = inst.analyzer.metrics(counters) if inst.analyzer is not None else {}
        results[key] = RuleResult(
            id=inst.rule.id,
            title=inst.rule.title,
            severity=severity,
            status=status,
            message=message,
            findings=len(found),
            evidence=evidence,
            metrics=metrics,
        )
        all_findings.extend(found)
    return results, _dedupe(all_findings)


def _dedupe(findings: Sequence[Finding]) -> list[Finding]:
    """Two instances of one rule (different profile parameters) may find the same thing: each
    finding is kept once (the most severe copy, at the place of the first), in order.

    Copies are rare, so the findings are not all keyed at once (that cost 40 MB on a tree
    with 400,000 findings): a first pass marks in a bitmap the hash of each finding's key,
    and only the findings whose hash is met twice (copies, and a few others sharing a
    bit) are keyed in full."""
    bits = max(1 << 16, 1 << (8 * len(findings)).bit_length())
    seen = bytearray(bits >> 3)
    twice: set[int] = set()
    for f in findings:
        at = hash((f.rule, f.path, f.line, f.column, f.message)) & (bits - 1)
        if seen[at >> 3] & (1 << (at & 7)):
            twice.add(at)
        else:
            seen[at >> 3] |= 1 << (at & 7)
    del seen
    if not twice:
        return list(findings)
    out: list[Finding] = []
    first: dict[tuple[str, str, int, int, str], int] = {}
    for f in findings:
        k = (f.rule, f.path, f.line, f.column, f.message)
        if hash(k) & (bits - 1) not in twice:
            out.append(f)
        elif k not in first:
            first[k] = len(out)
            out.append(f)
        elif f.severity.rank > out[first[k]].severity.rank:
            out[first[k]] = f
    return out


def score(rules: Iterable[tuple[Status, Severity]]) -> float | None:
    """Severity-weighted share of applicable, implemented rules that pass, 0-100.

    ``100 * sum(w(r) for passing r) / sum(w(r) for r passing, failing or in error)``, with the
    weights critical 10, high 7.5, medium 5, low 2.5. Rules that are not applicable or not
    implemented count neither way; a rule in error counts as not passing. None when no rule
    was applicable.
    """
    earned = 0.0
    possible = 0.0
    for status, severity in rules:
        if status in (Status.PASS, Status.FAIL, Status.ERROR):
            possible += severity.weight
            if status is Status.PASS:
                earned += severity.weight
    if possible == 0:
        return None
    return round(100.0 * earned / possible, 1)


def profile_summary(rows: Sequence[ProfileRule]) -> dict[str, Any]:
    """A profile's score and counts from its rows: the score, how many rules it rests on
    (``applicable`` of ``total``; provisional under :data:`PROVISIONAL_BELOW`) and the count of
    each status."""
    counts = Counter(r.status for r in rows)
    applicable = counts[Status.PASS] + counts[Status.FAIL] + counts[Status.ERROR]
    value = score((r.status, r.severity) for r in rows)
    return {
        "score": value,
        "applicable": applicable,
        "total": len(rows),
        "provisional": value is not None and applicable < PROVISIONAL_BELOW,
        "passed": counts[Status.PASS],
        "failed": counts[Status.FAIL],
        "not_applicable": counts[Status.NOT_APPLICABLE],
        "not_implemented": counts[Status.NOT_IMPLEMENTED],
        "errors": counts[Status.ERROR],
    }


def _profile_report(
    policies: PolicySet, profile: Profile, results: dict[str, RuleResult]
) -> ProfileReport:
    rows: list[ProfileRule] = []
    for ref in profile.rules:
        result = results[profile_instance_key(policies, ref.id, ref.params, ref.scope)]
        rows.append(
            ProfileRule(
                id=ref.id,
                title=result.title,
                status=result.status,
                severity=ref.severity or policies.rules[ref.id].severity,
                findings=result.findings,
                message=result.message,
                quote=ref.quote,
                where=(f"{ref.path}:{ref.line}" if ref.line else ref.path) if ref.path else None,
            )
        )
    return ProfileReport(
        id=profile.id,
        title=profile.title,
        seed=profile.seed,
        **profile_summary(rows),
        rules=tuple(rows),
        manual=tuple(ManualItem(quote=m.quote, line=m.line) for m in profile.manual),
    )
