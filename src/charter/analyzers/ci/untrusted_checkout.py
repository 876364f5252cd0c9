"""ci-no-pull-request-target-checkout: a workflow that runs with the base repository's secrets
and write token (``pull_request_target``, ``workflow_run``) does not check out the pull
request's code.

After OpenSSF Scorecard's Dangerous-Workflow check (untrusted code checkout) and zizmor's
``dangerous-triggers``, narrowed to what makes the trigger exploitable: the workflow fetches
the head of the pull request (``actions/checkout`` with ``ref:`` or ``repository:`` taken from
the pull request's head, or a ``gh pr checkout`` / ``git fetch … pull/N/head`` step), so code an
outsider wrote runs where secrets are readable. A ``pull_request_target`` workflow that only
labels, comments or checks the title (the common, safe use) is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import yaml

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import WORKFLOW_GLOBS, _at_root, _mapping
from charter.repo import RepoIndex

#: triggers whose runs get the base repository's secrets and a write token while the
#: pull request's author controls what the head commit contains
PRIVILEGED_TRIGGERS = ("pull_request_target", "workflow_run")
#: expressions that name the pull request's head (its commit, branch, repository or ref)
HEAD_EXPRESSION = re.compile(
    r"github\.event\.pull_request\.head\.|github\.head_ref\b|"
    r"github\.event\.workflow_run\.head_(?:sha|branch|repository)|"
    r"github\.event\.workflow_run\.pull_requests|"
    r"refs/pull/(?:\$\{\{[^}]*\}\}|[^\s/]+)/(?:head|merge)\b"
)
#: shell commands that fetch or switch to a pull request's head
HEAD_COMMAND = re.compile(
    r"\bgh\s+pr\s+checkout\b|"
    r"\bgit\s+fetch\b[^\n]*\bpull/(?:\$\{\{[^}]*\}\}|[^\s/]+)/(?:head|merge)\b|"
    r"\bgit\s+(?:checkout|switch)\b[^\n]*\$\{\{\s*(?:github\.event\.pull_request\.head\.|"
    r"github\.head_ref|github\.event\.workflow_run\.head_)"
)
#: a job condition that runs it only for runs a push triggered (never a pull request's)
PUSH_ONLY = re.compile(
    r"workflow_run\.event\s*==\s*'push'|workflow_run\.event\s*!=\s*'pull_request'"
)
CHECKOUT_ACTION = re.compile(r"^actions/checkout@", re.IGNORECASE)
#: versions of actions/checkout that refuse to check out a fork's pull request in these
#: workflows unless the step sets ``allow-unsafe-pr-checkout: true`` (actions/checkout#2454,
#: July 2026: v7, backported to the v6, v5 and v4 major tags; v6.1.0 and v4.4.0 onwards as
#: exact versions). A commit SHA or an older exact version has no such guard.
GUARDED_CHECKOUT = re.compile(
    r"^actions/checkout@(?:v[4-9]|v[1-9]\d+|main|v7\.\S*|v([89]|[1-9]\d)\.\S*|"
    r"v6\.(?:[1-9]\d*)\.\S*|v4\.(?:[4-9]|[1-9]\d+)\.\S*)$",
    re.IGNORECASE,
)
#: ``${{ env.NAME }}`` in a step's input
ENV_REFERENCE = re.compile(r"\$\{\{\s*env\.([A-Za-z_][\w-]*)\s*\}\}")


@dataclass(frozen=True)
class UntrustedCheckout:
    path: str
    line: int
    trigger: str
    job: str
    what: str


def _triggers(doc: yaml.Node) -> list[str]:
    """The events of a workflow's ``on:`` (a name, a list, or a mapping). YAML 1.1 reads a
    bare ``on`` key as the boolean true; the composer keeps its text."""
    value = _on(doc)
    if isinstance(value, yaml.ScalarNode):
        return [str(value.value)]
    if isinstance(value, yaml.SequenceNode):
        return [str(v.value) for v in value.value if isinstance(v, yaml.ScalarNode)]
    if isinstance(value, yaml.MappingNode):
        return [str(k.value) for k, _ in value.value if isinstance(k, yaml.ScalarNode)]
    return []


def _on(doc: yaml.Node) -> yaml.Node | None:
    for key, value in doc.value if isinstance(doc, yaml.MappingNode) else []:
        if isinstance(key, yaml.ScalarNode) and key.value in ("on", "true", "True"):
            return value if isinstance(value, yaml.Node) else None
    return None


def _run_sources(doc: yaml.Node) -> list[str]:
    """The workflows a ``workflow_run`` trigger names (``on.workflow_run.workflows``)."""
    on = _on(doc)
    spec = _mapping(on).get("workflow_run") if on is not None else None
    names = _mapping(spec).get("workflows") if spec is not None else None
    if isinstance(names, yaml.SequenceNode):
        return [_scalar(n) for n in names.value]
    return [_scalar(names)] if isinstance(names, yaml.ScalarNode) else []


def pull_request_workflows(docs: dict[str, list[yaml.Node]]) -> dict[str, bool]:
    """Each workflow's ``name:`` (else its file name): whether pull requests trigger it."""
    out: dict[str, bool] = {}
    for path, nodes in docs.items():
        for doc in nodes:
            name = _scalar(_mapping(doc).get("name")) or path.rsplit("/", 1)[-1]
            out[name] = out.get(name, False) or any(
                t.startswith("pull_request") for t in _triggers(doc)
            )
    return out


def _head_env(node: yaml.Node | None) -> frozenset[str]:
    """The names of an ``env:`` mapping whose values name the pull request's head
    (``HEAD_SHA: ${{ github.event.pull_request.head.sha }}``)."""
    if node is None:
        return frozenset()
    return frozenset(
        name for name, value in _mapping(node).items() if HEAD_EXPRESSION.search(_scalar(value))
    )


def _names_head(value: str, head_env: frozenset[str]) -> bool:
    """Whether a checkout input names the head, directly or through an ``env`` variable."""
    if HEAD_EXPRESSION.search(value):
        return True
    return any(name in head_env for name in ENV_REFERENCE.findall(value))


def _opted_in(given: dict[str, yaml.Node]) -> bool:
    """Whether a checkout step sets ``allow-unsafe-pr-checkout`` to anything but false."""
    value = given.get("allow-unsafe-pr-checkout")
    return value is not None and _scalar(value).strip().lower() not in ("", "false")


def _scalar(node: yaml.Node | None) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def untrusted_checkouts(
    path: str, docs: list[yaml.Node], from_pull_requests: dict[str, bool] | None = None
) -> Iterator[UntrustedCheckout]:
    """Each step of a privileged workflow that checks out the pull request's head. A
    ``workflow_run`` trigger counts only when a workflow it names runs on pull requests (or
    is not one of ``from_pull_requests``, the repository's workflows by name): the head of a
    run that only pushes trigger is the repository's own code."""
    known = from_pull_requests or {}
    for doc in docs:
        workflow_env = _head_env(_mapping(doc).get("env"))
        triggers = [t for t in _triggers(doc) if t in PRIVILEGED_TRIGGERS]
        if triggers == ["workflow_run"]:
            named = _run_sources(doc)
            if named and all(n in known and not known[n] for n in named):
                continue
        if not triggers:
            continue
        jobs = _mapping(_mapping(doc).get("jobs", yaml.ScalarNode("", "")))
        for job_name, job in jobs.items():
            if triggers == ["workflow_run"] and PUSH_ONLY.search(_scalar(_mapping(job).get("if"))):
                continue
            steps = _mapping(job).get("steps")
            if not isinstance(steps, yaml.SequenceNode):
                continue
            job_env = workflow_env | _head_env(_mapping(job).get("env"))
            for step in steps.value:
                fields = _mapping(step)
                uses = _scalar(fields.get("uses"))
                if CHECKOUT_ACTION.match(uses):
                    given = _mapping(fields.get("with", yaml.ScalarNode("", "")))
                    if GUARDED_CHECKOUT.match(uses) and not _opted_in(given):
                        continue  # the action refuses a fork's head here
                    head_env = job_env | _head_env(fields.get("env"))
                    for name in ("ref", "repository"):
                        value = given.get(name)
                        if value is not None and _names_head(_scalar(value), head_env):
                            yield UntrustedCheckout(
                                path,
                                value.start_mark.line + 1,
                                triggers[0],
                                job_name,
                                f"`{uses.split('@')[0]}` with `{name}: {_scalar(value).strip()}`",
                            )
                            break
                run = fields.get("run")
                if isinstance(run, yaml.ScalarNode):
                    first = run.start_mark.line + 1 + (1 if run.style in ("|", ">") else 0)
                    for offset, text in enumerate(str(run.value).splitlines()):
                        if HEAD_COMMAND.search(text):
                            line = first + (offset if run.style != ">" else 0)
                            yield UntrustedCheckout(
                                path, line, triggers[0], job_name, f"`{text.strip()[:80]}`"
                            )
                            break


class UntrustedCheckoutAnalyzer(Analyzer):
    """Every GitHub Actions workflow at the repository root, read with line numbers."""

    name: ClassVar[str] = "ci-no-pull-request-target-checkout"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        workflows = [p for p in repo.files if _at_root(p, WORKFLOW_GLOBS)]
        nodes = {path: repo.source(path).yaml_nodes or [] for path in workflows}
        from_pull_requests = pull_request_workflows(nodes)
        privileged = found = 0
        for path, docs in nodes.items():
            if any(set(_triggers(d)) & set(PRIVILEGED_TRIGGERS) for d in docs):
                privileged += 1
            hits = list(untrusted_checkouts(path, docs, from_pull_requests))
            if not hits:
                continue
            found += 1
            hit, others = hits[0], hits[1:]
            more = f" (and {len(others)} more checkout(s) in this workflow)" if others else ""
            out.report(
                hit.line,
                f"job `{hit.job}` runs on `{hit.trigger}`, with the base repository's "
                f"secrets and a write token, and checks out the pull request's head "
                f"({hit.what}){more}: code from a fork runs with those privileges; build the "
                f"pull request in a `pull_request` workflow and pass results to this one "
                f"as an artifact",
                path=path,
                related=tuple((o.path, o.line) for o in others),
            )
        if not workflows:
            out.not_applicable("the repository has no GitHub Actions workflow")
        elif privileged and not found:
            out.evidence(
                f"{privileged} workflow(s) run on pull_request_target or workflow_run and none "
                "checks out the pull request's head"
            )
