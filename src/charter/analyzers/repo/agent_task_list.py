"""agent-task-list: the agent's task list with In Progress / To Do / Completed checkboxes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.repo import RepoIndex

if TYPE_CHECKING:
    from markdown_it.token import Token

SECTIONS = {
    "in progress": "In Progress",
    "to do": "To Do",
    "todo": "To Do",
    "to-do": "To Do",
    "completed": "Completed",
    "done": "Completed",
}
CHECKBOX = re.compile(r"^\[( |x|X)\]\s")
DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{4}/\d{2}/\d{2}\b|"
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}\b"
)


class AgentTaskListParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = ".claude/tasks/backend-engineer-tasks.md"


def _section(heading: str) -> str | None:
    words = re.sub(r"[^a-z\- ]+", " ", heading.lower()).split()
    text = " ".join(words)
    for key, name in SECTIONS.items():
        if text == key or text.startswith(key + " ") or text.endswith(" " + key):
            return name
    return None


class AgentTaskListAnalyzer(Analyzer):
    """The task file exists with the three sections (any heading level; "Todo"/"To-Do" and
    "Done" accepted); every top-level list item in them is a checkbox (``- [ ]``/``- [x]``);
    items under Completed are checked and carry a date (2025-01-31, 2025/01/31 or
    Jan 31, 2025)."""

    name: ClassVar[str] = "agent-task-list"
    Params = AgentTaskListParams
    params: AgentTaskListParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        path = self.params.path
        if not repo.has(path):
            out.report_repository(
                f"{path} is missing: keep the task list there with In Progress, To Do and "
                "Completed sections of checkbox items"
            )
            return
        file = repo.source(path)
        from markdown_it import MarkdownIt  # imported on use: ~20 ms

        tokens = MarkdownIt("commonmark").parse(file.text or "")
        found: dict[str, int] = {}
        section: str | None = None
        depth = 0
        items = 0
        for index, token in enumerate(tokens):
            if token.type == "heading_open":
                section = _section(tokens[index + 1].content)
                if section and section not in found and token.map:
                    found[section] = token.map[0] + 1
            elif token.type in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif token.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
            elif token.type == "list_item_open" and depth == 1 and section and token.map:
                items += 1
                line = token.map[0] + 1
                text = self._item_text(tokens, index)
                self._check_item(section, text, line, path, out)
        missing = [s for s in ("In Progress", "To Do", "Completed") if s not in found]
        if missing:
            out.report_file(
                path,
                f"task list has no {', '.join(missing)} section: use headings "
                "'In Progress', 'To Do' and 'Completed'",
            )
        else:
            out.evidence(f"{path}: In Progress, To Do and Completed sections, {items} items")

    @staticmethod
    def _item_text(tokens: list[Token], index: int) -> str:
        for token in tokens[index + 1 :]:
            if token.type == "inline":
                return str(token.content)
            if token.type == "list_item_close":
                break
        return ""

    @staticmethod
    def _check_item(section: str, text: str, line: int, path: str, out: Emitter) -> None:
        box = CHECKBOX.match(text)
        if box is None:
            out.report(
                line, f"item under {section} is not a checkbox: write `- [ ] task`", path=path
            )
            return
        if section != "Completed":
            return
        if box.group(1) == " ":
            out.report(
                line, "unchecked item under Completed: check it (`- [x]`) or move it", path=path
            )
        elif not DATE.search(text):
            out.report(
                line, "completed item has no date: add when it was done (YYYY-MM-DD)", path=path
            )
