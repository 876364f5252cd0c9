"""Repository-level conditions a rule can require before it applies (``applies_if`` in its
YAML). A rule whose condition does not hold is not applicable, with the condition's reason,
and runs neither phase.

- ``agent-workspace``: an AI coding agent works on the repository: a ``.claude/`` or
  ``.project/`` folder is committed (the agent context file rule);
- ``profile-agent``: the profile's own agent works here: a backend agent's file under
  ``.claude/agents/``, its ``.claude/tasks/`` or its ``.project/`` workspace. The rules about
  that agent's task list, build plan and requirements file have nothing to judge where only
  another agent (or none) works;
- ``orchestrated-service``: the repository deploys to an orchestrator (Kubernetes manifests,
  kustomize, Helm, Nomad, ECS): the fleet observability rules (metrics, tracing) are about
  services a team operates at scale, not a self-hosted single-container application;
- ``not-example``: the repository is not example code. Its README says, in its title or its
  first two paragraphs, that it is an example, sample or demo application ("This is an example
  Temporal application", "Wagtail demo project"), the companion code of a tutorial, book or
  course, or the work of a fictional team. The rules about how a team builds, tests, deploys
  and operates its own service (CI gates, coverage floors, container hardening, health checks,
  log format, rate limits, stack choices) have nothing to judge there; the rules about what the
  code does (secrets, SQL, timeouts, types) still apply, since examples get copied. The
  configuration's ``example-repository`` (true or false) replaces the README's word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from markdown_it import MarkdownIt

Condition = Literal["agent-workspace", "profile-agent", "orchestrated-service", "not-example"]

#: a file's text (None when unreadable), for the conditions that read one
Reader = Callable[[str], "str | None"]

_WORKSPACE_DIRS = (".claude/", ".project/")


def _agent_workspace(files: Sequence[str], read: Reader) -> str | None:
    if any(rel.startswith(_WORKSPACE_DIRS) for rel in files):
        return None
    return "no agent workspace: the repository has no .claude/ or .project/ folder"


#: the profile's own agent at work: its agent file, its task list, its .project/ workspace
_PROFILE_AGENT = re.compile(
    r"^(?:\.claude/agents/[^/]*backend[^/]*\.md|\.claude/tasks/|\.project/)"
)


def _profile_agent(files: Sequence[str], read: Reader) -> str | None:
    if any(_PROFILE_AGENT.match(rel) for rel in files):
        return None
    return (
        "the profile's agent does not work here: no .claude/agents/ file of a backend agent, "
        "no .claude/tasks/ and no .project/ folder (another agent's workspace has other files)"
    )


#: deployment to an orchestrator: Kubernetes manifests (also templated), kustomize, Helm,
#: Skaffold, Nomad, ECS task definitions, Cloud Run and Knative services
_ORCHESTRATED = re.compile(
    r"(?:^|/)(?:k8s|kubernetes|kube|manifests|helm|charts|deploy/k8s)/[^\0]*\.ya?ml"
    r"(?:\.j2|\.jinja2?|\.tmpl|\.tpl|\.gotmpl)?$"
    r"|(?:^|/)(?:kustomization|Chart|skaffold|helmfile)\.ya?ml$"
    r"|\.nomad(?:\.hcl)?$|(?:^|/)task-?definition[^/]*\.json$"
)


def orchestrated(files: Sequence[str]) -> bool:
    """Whether the repository deploys to an orchestrator (the ``orchestrated-service``
    condition)."""
    return any(_ORCHESTRATED.search(rel) for rel in files)


def orchestration_file(rel: str) -> bool:
    """A file that deploys to an orchestrator (see :func:`orchestrated`)."""
    return _ORCHESTRATED.search(rel) is not None


def _orchestrated_service(files: Sequence[str], read: Reader) -> str | None:
    if orchestrated(files):
        return None
    return (
        "no orchestrated deployment (Kubernetes manifests, Helm, Nomad, ECS): fleet "
        "observability is for services a team operates at scale"
    )


_README = re.compile(r"^readme(?:\.(?:md|markdown|rst|txt))?$", re.I)
_WORD = r"(?:\W+[\w'-]+){0,3}?\W+"
_NOUN = (
    r"(?:app|apps|application|project|repo|repository|site|website|code|codebase|server"
    r"|service|pipeline|stack)\b"
)
#: a title such as "Wagtail demo project" or "Example of excalidraw collaboration server"
_EXAMPLE_TITLE = re.compile(r"\b(?:example|sample|demo|demonstration)" + _WORD + _NOUN, re.I)
#: prose in which the repository calls itself one: "This is an example Temporal application",
#: "Wild Workouts is an example Go DDD project", "An example service that ..."; not "audits
#: the sample service" or "for example, the service" (about something else)
_EXAMPLE_SELF = re.compile(
    r"(?:\bis|^(?:an?|the)|\bserves as)\s+(?:an?\s+)?(?:[\w'-]+\s+){0,2}?"
    r"(?:example|sample|demo|demonstration)"
    + _WORD
    + _NOUN,
    re.I,
)
#: "a companion repo to the ... tutorial", "supplementary material for the book", "the code
#: to support the tutorial"
_COMPANION = re.compile(
    r"\b(?:companion|supplementary|supplemental|accompanying|supports? the|to support the)"
    r"(?:\W+[\w'-]+){0,8}?\W+(?:tutorial|book|course|workshop|learning path|blog post)s?\b",
    re.I,
)
#: "Code for blog at ...", "the code for the book ...", "source code of my talk"
_CODE_FOR = re.compile(
    r"\b(?:source\s+)?code\s+(?:for|of|from)\s+(?:(?:the|this|my|our|an?)\s+)?"
    r"(?:blog(?:\s+post)?|article|tutorial|book|course|workshop|talk)s?"
    # then where or what it is ("at", "on", a title, a link), not "a blog engine"
    r"(?=\s+(?:at|on|about|by|titled|called|series)\b|\s*[\[(:\"'\u201c,.]|\s*$)",
    re.I,
)
_FICTIONAL = re.compile(r"\bfictional\b", re.I)
_INTRO_PARAGRAPHS = 2
#: how a rule's not-applicable reason starts when the README made it so
EXAMPLE_REASON = "example code: "


def _intro_markdown(text: str) -> tuple[list[tuple[int, str]], bool]:
    """The README's first heading and first paragraphs of prose, with their lines: badges,
    logos and HTML blocks left out, links reduced to their text."""
    out: list[tuple[int, str]] = []
    tokens = MarkdownIt("commonmark").parse(text)
    heading_seen = paragraphs = 0
    for i, tok in enumerate(tokens):
        if tok.type != "inline" or tok.map is None or i == 0:
            continue
        opener = tokens[i - 1].type
        words = "".join(
            c.content for c in tok.children or () if c.type in ("text", "code_inline")
        ).strip()
        if not re.search(r"[A-Za-z]{3}", words):
            continue  # a badge or logo line
        if opener == "paragraph_open" and tokens[i - 1].hidden:
            continue  # an item of a tight list (a table of contents), not prose
        if opener == "heading_open" and not heading_seen and not paragraphs:
            heading_seen = 1
            out.append((tok.map[0] + 1, words))
        elif opener == "paragraph_open":
            out.append((tok.map[0] + 1, words))
            paragraphs += 1
            if paragraphs >= _INTRO_PARAGRAPHS:
                break
    return out, bool(heading_seen)


def _intro_plain(text: str) -> tuple[list[tuple[int, str]], bool]:
    """reStructuredText or plain text: the title and the first paragraphs, directives, badge
    substitutions and underlines left out."""
    out: list[tuple[int, str]] = []
    block: list[str] = []
    start = 0
    for n, line in enumerate([*text.splitlines(), ""], 1):
        bare = line.strip()
        skip = bare.startswith(("..", "|", ":")) or re.fullmatch(r"([=\-~^*#`'])\1{2,}", bare)
        if bare and not skip:
            if not block:
                start = n
            block.append(bare)
            continue
        if block:
            out.append((start, " ".join(block)))
            block = []
            if len(out) > _INTRO_PARAGRAPHS:
                break
    return out, True  # the first block of a reStructuredText README is its title


def example_statement(files: Sequence[str], read: Reader) -> tuple[str, int, str] | None:
    """Where the repository's README says it is example code: (path, line, the words), or
    None."""
    readmes = sorted((f for f in files if "/" not in f and _README.match(f)), key=len)
    for rel in readmes[:1]:
        text = read(rel)
        if not text:
            continue
        markdown = not rel.lower().endswith((".rst", ".txt"))
        intro, intro_has_title = _intro_markdown(text) if markdown else _intro_plain(text)
        for n, (line, words) in enumerate(intro):
            title = n == 0 and intro_has_title
            patterns = (
                (_EXAMPLE_TITLE,) if title else (_EXAMPLE_SELF, _COMPANION, _CODE_FOR, _FICTIONAL)
            )
            for pattern in patterns:
                m = pattern.search(words)
                if m:
                    return rel, line, m.group(0).strip()
    return None


def _not_example(files: Sequence[str], read: Reader) -> str | None:
    found = example_statement(files, read)
    if found is None:
        return None
    rel, line, words = found
    return (
        f"{EXAMPLE_REASON}{rel}:{line} describes the repository as {words!r}; the rules about "
        "operating a team's own service do not judge it (example-repository = false in the "
        "configuration says otherwise)"
    )


CONDITIONS: dict[str, Callable[[Sequence[str], Reader], str | None]] = {
    "agent-workspace": _agent_workspace,
    "profile-agent": _profile_agent,
    "orchestrated-service": _orchestrated_service,
    "not-example": _not_example,
}


def _no_read(rel: str) -> str | None:
    return None


def unmet(
    conditions: Sequence[str],
    files: Sequence[str],
    read: Reader = _no_read,
    *,
    example: bool | None = None,
) -> str | None:
    """The reason the first condition that does not hold fails, or None when all hold.
    ``example`` is the configuration's ``example-repository``: it decides ``not-example``
    instead of the README when set."""
    for name in conditions:
        if name == "not-example" and example is not None:
            if example:
                return (
                    "example code (example-repository = true in the configuration): the rules "
                    "about operating a team's own service do not judge it"
                )
            continue
        reason = CONDITIONS[name](files, read)
        if reason is not None:
            return reason
    return None
