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
  services a team operates at scale, not a self-hosted single-container application.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

Condition = Literal["agent-workspace", "profile-agent", "orchestrated-service"]

_WORKSPACE_DIRS = (".claude/", ".project/")


def _agent_workspace(files: Sequence[str]) -> str | None:
    if any(rel.startswith(_WORKSPACE_DIRS) for rel in files):
        return None
    return "no agent workspace: the repository has no .claude/ or .project/ folder"


#: the profile's own agent at work: its agent file, its task list, its .project/ workspace
_PROFILE_AGENT = re.compile(
    r"^(?:\.claude/agents/[^/]*backend[^/]*\.md|\.claude/tasks/|\.project/)"
)


def _profile_agent(files: Sequence[str]) -> str | None:
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


def _orchestrated_service(files: Sequence[str]) -> str | None:
    if any(_ORCHESTRATED.search(rel) for rel in files):
        return None
    return (
        "no orchestrated deployment (Kubernetes manifests, Helm, Nomad, ECS): fleet "
        "observability is for services a team operates at scale"
    )


CONDITIONS: dict[str, Callable[[Sequence[str]], str | None]] = {
    "agent-workspace": _agent_workspace,
    "profile-agent": _profile_agent,
    "orchestrated-service": _orchestrated_service,
}


def unmet(conditions: Sequence[str], files: Sequence[str]) -> str | None:
    """The reason the first condition that does not hold fails, or None when all hold."""
    for name in conditions:
        reason = CONDITIONS[name](files)
        if reason is not None:
            return reason
    return None
