"""``charter fix``: repair what the rules find, one file at a time, safe fixes apart from unsafe.

The pipeline (:func:`fix_findings`): the findings of an audit are grouped by file; for each file
with findings of a rule that declares an ``autofix`` (rule YAML) and has a fixer here, the file
is parsed once with LibCST, every fixer runs in one batched pass over the nodes its rule
reported, and the result is checked before anything is written:

- it compiles (``compile(..., "exec")``, which executes nothing);
- when every applied edit is annotation-only, its ``ast`` with annotations stripped is identical;
- fixing it again changes nothing (idempotence); as in ruff, a fix that enables another (an
  f-string return makes ``-> str`` possible) is followed by another pass, up to
  :data:`MAX_PASSES`.

A file that fails a check is left alone and reported. Only regular files inside the target are
touched, never through a symbolic link; writes are atomic (a temporary file renamed over the
original) and keep the file's permissions, bytes and line endings outside the edits. Audited code
is never imported or executed.

Adding a fixer: a :class:`~charter.fixes.base.Fixer` subclass in a module here, one line in
:data:`FIXERS`, an ``autofix`` block and a ``fixed`` example in the rule's YAML.
"""

from __future__ import annotations

import ast
import os
import stat
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst
from libcst.metadata import MetadataWrapper, PositionProvider

from charter.fixes.base import Applicability, BatchedFixers, Edit, Fixer, TextFixer
from charter.fixes.calls import HttpTimeoutsFixer, TlsVerificationFixer
from charter.fixes.context_managers import ContextManagersFixer
from charter.fixes.f_strings import FStringsFixer
from charter.fixes.health import KubernetesProbesFixer
from charter.fixes.pathlib import PathlibFixer
from charter.fixes.terraform import TerraformPinnedProvidersFixer
from charter.fixes.type_hints import TypeHintsFixer
from charter.models import Finding
from charter.policy import PolicySet

__all__ = [
    "FIXERS",
    "Applicability",
    "Edit",
    "FileFix",
    "FixContext",
    "file_jobs",
    "fix_findings",
    "fix_source",
    "fixable_rules",
    "write_atomic",
]

#: how many times a file is fixed before the result must be stable (a fix can enable another)
MAX_PASSES = 4

#: analyzer name (as in rule YAML) -> the fixer that repairs its findings
FIXERS: dict[str, type[Fixer]] = {
    "type-hints": TypeHintsFixer,
    "f-strings": FStringsFixer,
    "tls-verification": TlsVerificationFixer,
    "http-timeouts": HttpTimeoutsFixer,
    "terraform-pinned-providers": TerraformPinnedProvidersFixer,
    "health-checks": KubernetesProbesFixer,
    "pathlib-over-os-path": PathlibFixer,
    "context-managers": ContextManagersFixer,
}


@dataclass
class FileFix:
    """What fixing one file gives: the new bytes (None: unchanged or refused), every edit found
    (applied or withheld), and why the file was left alone, if it was."""

    path: str
    before: bytes
    after: bytes | None = None
    edits: list[Edit] = field(default_factory=list)
    problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.after is not None and self.after != self.before and self.problem is None

    @property
    def applied(self) -> list[Edit]:
        return [e for e in self.edits if e.applied] if self.problem is None else []

    @property
    def withheld(self) -> list[Edit]:
        return [e for e in self.edits if not e.applied]


def fixable_rules(policies: PolicySet) -> dict[str, type[Fixer]]:
    """Rule id -> fixer, for the rules that declare an autofix and have a fixer."""
    out: dict[str, type[Fixer]] = {}
    for rule in policies.rules.values():
        if rule.autofix is not None and rule.analyzer in FIXERS:
            out[rule.id] = FIXERS[rule.analyzer]
    return out


class _StripAnnotations(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        node.annotation = ast.Constant(None)
        self.generic_visit(node)
        return node


def ast_without_annotations(source: bytes) -> str:
    """``ast.dump`` of ``source`` with every annotation stripped (the equivalence of
    annotation-only fixes)."""
    return ast.dump(_StripAnnotations().visit(ast.parse(source)))


@dataclass(frozen=True)
class FixContext:
    """What a rule's fixer knows besides its findings' lines: the rule's parameters and the
    findings' (line, column) spots."""

    params: Mapping[str, Any] = field(default_factory=dict)
    spots: frozenset[tuple[int, int]] = frozenset()
    #: line -> what the finding there says its fix needs (``Finding.fix_args``)
    args: Mapping[int, Mapping[str, str]] = field(default_factory=dict)


def _run_fixers(
    source: bytes,
    jobs: dict[str, tuple[type[Fixer], frozenset[int]]],
    unsafe: bool,
    context: Mapping[str, FixContext] | None = None,
) -> tuple[bytes, list[Fixer]]:
    if all(cls.text_edit for cls, _ in jobs.values()):
        text_fixers: list[Fixer] = []
        for rule, (cls, lines) in jobs.items():
            fixer = cls(rule, lines, {}, unsafe, source)
            if context and rule in context:
                fixer.params = context[rule].params
                fixer.spots = context[rule].spots
                fixer.args = context[rule].args
            assert isinstance(fixer, TextFixer)
            source = fixer.fix_text(source)
            text_fixers.append(fixer)
        return source, text_fixers
    module = libcst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    fixers = []
    for rule, (cls, lines) in jobs.items():
        fixer = cls(rule, lines, positions, unsafe, source)
        if context and rule in context:
            fixer.params = context[rule].params
            fixer.spots = context[rule].spots
            fixer.args = context[rule].args
        fixers.append(fixer)
    fixed = wrapper.module.visit(BatchedFixers(fixers))
    return fixed.bytes, fixers


def fix_source(
    path: str,
    source: bytes,
    jobs: dict[str, tuple[type[Fixer], frozenset[int]]],
    unsafe: bool,
    context: Mapping[str, FixContext] | None = None,
    *,
    settle: bool = True,
) -> FileFix:
    """Fix one file's ``source``: ``jobs`` maps each rule to its fixer and the lines of its
    findings (``context``: the rules' parameters and the findings' columns). Checks the result
    (compiles, annotation-only equivalence, idempotence). ``settle`` False: one pass only, no
    idempotence check (a suggestion shows the first pass's patch)."""
    result = FileFix(path, source)
    try:
        after, fixers = _run_fixers(source, jobs, unsafe, context)
    except (libcst.ParserSyntaxError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        result.problem = f"not fixed: LibCST cannot parse it ({first})"
        return result
    result.edits = [e for f in fixers for e in f.edits]
    if after == source:
        return result
    # one fix can enable another (an f-string makes a return `-> str`): as ruff, fix again
    # until nothing changes, at most MAX_PASSES times
    python = not all(cls.text_edit for cls, _ in jobs.values())
    for _ in range(MAX_PASSES - 1 if settle else 0):
        try:
            if python:
                compile(after, path, "exec", dont_inherit=True)
            again, more = _run_fixers(after, jobs, unsafe, context)
        except (SyntaxError, ValueError, libcst.ParserSyntaxError, RecursionError):
            break  # reported by the compile check below
        if again == after:
            break
        result.edits += [e for f in more for e in f.edits if e.applied]
        fixers += more
        after = again
    else:
        if settle:
            result.after = after
            result.problem = "not fixed: a second fix would change the file again"
            return result
    result.after = after
    if not python:
        return result
    try:
        compile(after, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        result.problem = f"not fixed: the fixed file would not compile{where}: {exc}"
        return result
    applied = [f for f in fixers if any(e.applied for e in f.edits)]
    annotation_only = bool(applied) and all(f.annotation_only for f in applied)
    if annotation_only and ast_without_annotations(source) != ast_without_annotations(after):
        result.problem = "not fixed: the fix changed more than annotations"
    return result


def _safe_target(root: Path, rel: str) -> Path | None:
    """``root/rel`` when it is a regular file inside ``root`` reached through no link."""
    if Path(rel).is_absolute() or ".." in Path(rel).parts:
        return None
    current = root
    for part in Path(rel).parts:
        current = current / part
        if current.is_symlink():
            return None
    try:
        if not current.resolve().is_relative_to(root.resolve()):
            return None
        mode = current.lstat().st_mode
    except OSError:
        return None
    return current if stat.S_ISREG(mode) else None


def file_jobs(
    found: Iterable[Finding],
    policies: PolicySet,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[dict[str, tuple[type[Fixer], frozenset[int]]], dict[str, FixContext]]:
    """The fixer jobs of one file's findings (of fixing rules): each rule's fixer with the lines
    of its findings, and its parameters (the rule's, with the configuration's ``overrides``)
    and the findings' (line, column) spots."""
    overrides = overrides or {}
    fixable = fixable_rules(policies)
    lines: dict[str, set[int]] = defaultdict(set)
    spots: dict[str, set[tuple[int, int]]] = defaultdict(set)
    args: dict[str, dict[int, dict[str, str]]] = defaultdict(dict)
    for f in found:
        if f.rule in fixable:
            lines[f.rule].add(f.line)
            spots[f.rule].add((f.line, f.column))
            if f.fix_args:
                args[f.rule][f.line] = dict(f.fix_args)
    jobs = {rule: (fixable[rule], frozenset(ls)) for rule, ls in sorted(lines.items())}
    context = {
        rule: FixContext(
            {**policies.rules[rule].params, **overrides.get(rule, {})},
            frozenset(spots[rule]),
            args.get(rule, {}),
        )
        for rule in jobs
    }
    return jobs, context


def fix_findings(
    root: Path,
    findings: Iterable[Finding],
    policies: PolicySet,
    *,
    unsafe: bool,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[FileFix]:
    """Fix the files of ``findings`` under ``root`` (nothing is written: see
    :func:`write_atomic`). Suppressed and baselined findings are left as they are.
    ``overrides``: rule id -> the configuration's parameters for it (``rules.<id>.params``)."""
    fixable = fixable_rules(policies)
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.rule in fixable and f.line > 0 and f.path and not (f.suppressed or f.baselined):
            by_file[f.path].append(f)
    results: list[FileFix] = []
    for rel in sorted(by_file):
        target = _safe_target(root, rel)
        if target is None:
            results.append(
                FileFix(rel, b"", problem="not fixed: not a regular file inside the target")
            )
            continue
        try:
            source = target.read_bytes()
        except OSError as exc:
            results.append(FileFix(rel, b"", problem=f"not fixed: cannot read it ({exc})"))
            continue
        jobs, context = file_jobs(by_file[rel], policies, overrides)
        results.append(fix_source(rel, source, jobs, unsafe, context))
    return results


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a temporary file in the same folder, given the original's
    permissions, then renamed over it (a reader sees the old file or the new one, never half)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".charter-fix")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
