"""Repository-level conditions a rule can require before it applies (``applies_if`` in its
YAML). A rule whose condition does not hold is not applicable, with the condition's reason,
and runs neither phase.

- ``agent-workspace``: an AI coding agent works on the repository: a ``.claude/`` or
  ``.project/`` folder (agent files under ``.claude/agents/``, the agent's task list, its build
  plan) is committed. The agent-workspace rules (``agent-*``) describe how the profile's agent
  works; on a repository no agent works on they have nothing to judge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

Condition = Literal["agent-workspace"]

_WORKSPACE_DIRS = (".claude/", ".project/")


def _agent_workspace(files: Sequence[str]) -> str | None:
    if any(rel.startswith(_WORKSPACE_DIRS) for rel in files):
        return None
    return "no agent workspace: the repository has no .claude/ or .project/ folder"


CONDITIONS: dict[str, Callable[[Sequence[str]], str | None]] = {
    "agent-workspace": _agent_workspace,
}


def unmet(conditions: Sequence[str], files: Sequence[str]) -> str | None:
    """The reason the first condition that does not hold fails, or None when all hold."""
    for name in conditions:
        reason = CONDITIONS[name](files)
        if reason is not None:
            return reason
    return None
