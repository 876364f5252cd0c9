"""config-value: a key in a TOML, YAML or JSON file has the expected value."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.generic.common import one_or_many
from charter.repo import RepoIndex
from charter.sources import SourceFile

Op = Literal["==", "!=", ">=", ">", "<=", "<", "in", "not-in", "contains", "matches", "exists"]
MISSING = object()


class ConfigValueParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: globs of the config files (``pyproject.toml``, ``**/tsconfig.json``)
    files: tuple[str, ...] = Field(min_length=1)
    #: dotted key path (``tool.mypy.strict``); a segment in quotes may hold dots
    #: (``tool."setuptools.packages"``); a number indexes a list
    key: str = Field(min_length=1)
    op: Op = "=="
    #: the expected value (a list for ``in``/``not-in``, a regex for ``matches``)
    value: Any = None
    #: a file that lacks the key fails; set ``true`` to let it pass
    missing_ok: bool = False
    #: with no matching file the rule is not applicable; set ``true`` to fail instead
    require_file: bool = False
    message: str | None = None

    _globs = field_validator("files", mode="before")(one_or_many)

    @model_validator(mode="after")
    def _value_fits(self) -> ConfigValueParams:
        if self.op != "exists" and "value" not in self.model_fields_set:
            raise ValueError(f"op {self.op!r} needs a 'value'")
        if self.op in ("in", "not-in") and not isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs a list 'value'")
        if self.op == "matches":
            try:
                re.compile(str(self.value))
            except re.error as exc:
                raise ValueError(f"'value' is not a valid regular expression: {exc}") from None
        return self


def split_key(key: str) -> list[str]:
    """``tool."a.b".c`` -> ``["tool", "a.b", "c"]``."""
    return [a or b for a, b in re.findall(r'"([^"]*)"|([^.]+)', key)]


def lookup(data: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif (
            isinstance(data, list)
            and part.lstrip("-").isdigit()
            and -len(data) <= int(part) < len(data)
        ):
            data = data[int(part)]
        else:
            return MISSING
    return data


def compare(actual: Any, op: str, expected: Any) -> bool:
    try:
        if op == "exists":
            return True
        if op == "==":
            return bool(actual == expected)
        if op == "!=":
            return bool(actual != expected)
        if op == "in":
            return actual in expected
        if op == "not-in":
            return actual not in expected
        if op == "contains":
            return expected in actual
        if op == "matches":
            return re.search(str(expected), str(actual)) is not None
        ops = {
            ">=": lambda a, b: a >= b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            "<": lambda a, b: a < b,
        }
        return bool(ops[op](actual, expected))
    except TypeError:
        return False


def _load(file: SourceFile) -> Any:
    if file.kind == "toml":
        return file.toml
    if file.kind == "yaml":
        docs = file.yaml_documents
        return docs[0] if docs else None
    if file.kind == "json":
        return file.json
    return None


def key_line(file: SourceFile, parts: list[str]) -> int:
    """Best line for the key: the last segment written as a key (``strict =``, ``strict:``,
    ``"strict":``) after the line of the previous segment; 1 when not found."""
    line = 0
    for part in parts:
        if part.lstrip("-").isdigit():
            continue
        pattern = re.compile(
            rf'^\s*(?:\[+\s*)?(?:[\w."\-]*\.)?"?{re.escape(part)}"?\s*(?:[=:\]]|$)'
            rf'|"{re.escape(part)}"\s*:'
        )
        for number, text in enumerate(file.lines, start=1):
            if number > line and pattern.search(text):
                line = number
                break
    return line or 1


class ConfigValueAnalyzer(Analyzer):
    """Each file matching ``files`` must have ``key`` satisfy ``op value``; each that does not
    is a finding at the key's line (or line 1 when the key is missing)."""

    name: ClassVar[str] = "config-value"
    Params = ConfigValueParams
    params: ConfigValueParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        p = self.params
        matched = [f for f in repo.files if path_matches(f, p.files)]
        if not matched:
            if p.require_file:
                out.report(1, p.message or f"no file matches {', '.join(p.files)}", path=p.files[0])
            else:
                out.not_applicable(f"no file matches {', '.join(p.files)}")
            return
        parts = split_key(p.key)
        expectation = p.key if p.op == "exists" else f"{p.key} {p.op} {p.value!r}"
        for path in matched:
            file = repo.source(path)
            data = _load(file)
            if data is None:
                out.report(1, f"{path} could not be read as TOML, YAML or JSON", path=path)
                continue
            actual = lookup(data, parts)
            if actual is MISSING:
                if not p.missing_ok:
                    out.report(
                        1, p.message or f"{p.key} is not set; expected {expectation}", path=path
                    )
                continue
            line = key_line(file, parts)
            if compare(actual, p.op, p.value):
                out.evidence(f"{path}:{line} {p.key} = {actual!r}")
            else:
                out.report(
                    line,
                    p.message or f"{p.key} is {actual!r}; expected {expectation}",
                    path=path,
                )
