"""text-pattern: a regex that must not appear in some files; each matching line is reported."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, field_validator

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.generic.common import one_or_many, valid_regex
from charter.sources import SourceFile


class TextPatternParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the regular expression (Python syntax), searched in each line
    pattern: str
    #: globs of the files to search (``**/*.py``); every file when empty
    files: tuple[str, ...] = ()
    #: globs of files to leave out (``tests/**``)
    exclude: tuple[str, ...] = ()
    ignore_case: bool = False
    #: the finding's message; ``{match}`` is replaced by the matched text
    message: str = "matches the forbidden pattern /{pattern}/: {match}"

    _globs = field_validator("files", "exclude", mode="before")(one_or_many)
    _regex = field_validator("pattern")(valid_regex)


class TextPatternAnalyzer(Analyzer):
    """Report every line of the selected files that matches ``pattern``; not applicable when no
    file is selected."""

    name: ClassVar[str] = "text-pattern"
    Params = TextPatternParams
    params: TextPatternParams

    def __init__(self, params: BaseModel) -> None:
        super().__init__(params)
        flags = re.IGNORECASE if self.params.ignore_case else 0
        self._regex = re.compile(self.params.pattern, flags)

    @classmethod
    def has_file_phase(cls) -> bool:
        return True  # every kind of file: the globs select them

    def applies_to(self, file: SourceFile) -> bool:
        path = file.path
        if self.params.files and not path_matches(path, self.params.files):
            return False
        return not (self.params.exclude and path_matches(path, self.params.exclude))

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        for number, line in enumerate(file.lines, start=1):
            match = self._regex.search(line)
            if match:
                text = match.group(0)
                shown = text if len(text) <= 60 else text[:57] + "..."
                message = self.params.message.replace("{match}", shown).replace(
                    "{pattern}", self.params.pattern
                )
                out.report(number, message, column=match.start() + 1)
