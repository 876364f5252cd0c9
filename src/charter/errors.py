"""The one error type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

if TYPE_CHECKING:
    from pydantic import ValidationError


class CharterError(Exception):
    """A usage, configuration or policy problem the user can fix; exit code 2."""


class PolicyError(CharterError):
    """A policy or profile file is invalid; the message names the file, field and fix."""


# --- pydantic's errors in the configuration's own words ---------------------------------------


@dataclass(frozen=True)
class FieldHint:
    """What a field holds, in the configuration's words, and an example value."""

    what: str
    example: Any = None


#: pydantic error types -> what the value must be, when no hint says it better
_TYPE_WORDS = {
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "frozen_set_type": "a list",
    "iterable_type": "a list",
    "string_type": "a string",
    "string_sub_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping (key: value)",
    "mapping_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "none_required": "empty",
}
_INDEX = "#"
_KEY = "*"


def _safe(text: str) -> str:
    from charter.sources import safe_message  # late: sources imports this module's users

    return safe_message(text)


def _choices(annotation: Any) -> list[str]:
    """The allowed values of a Literal or Enum annotation (empty for anything else)."""
    if get_origin(annotation) is Literal:
        return [str(a) for a in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(m.value) for m in annotation]
    return []


def _members(annotation: Any) -> list[Any]:
    """The members of a union annotation, None left out (``X | None`` is just ``X``)."""
    if get_origin(annotation) in (Union, UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _keys(model: type[Any]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


@dataclass
class _Place:
    """Where a pydantic error location leads in the model."""

    shown: list[str]  # the field as the file spells it: rules.type-hints.severity
    pattern: list[str]  # the same with rule ids and indexes as _KEY and _INDEX
    annotation: Any = None  # the annotation at that place (None: not known)
    parent: type[Any] | None = None  # the model whose keys are expected there
    union: bool = False  # a value that fits none of several types
    key: bool = False  # the error is about a mapping key, not its value


def _walk(model: type[Any], loc: tuple[int | str, ...]) -> _Place:
    from pydantic import BaseModel

    place = _Place([], [], model)
    for at, part in enumerate(loc):
        if isinstance(part, str) and part.startswith("function-"):
            continue
        if part == "[key]":
            place.key = True
            continue
        members = _members(place.annotation)
        if len(members) > 1:  # pydantic names the member it tried: the field is here
            place.union = True
            break
        current = members[0] if members else None
        if get_origin(current) is Annotated:
            current = get_args(current)[0]
        origin = get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            place.parent = current
            place.shown.append(str(part))
            place.pattern.append(str(part))
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            fields.update(current.model_fields)
            found = fields.get(str(part))
            place.annotation = found.annotation if found is not None else None
        elif origin in (dict, Mapping) or current is dict:
            args = get_args(current)
            place.shown.append(str(part))
            place.pattern.append(_KEY)
            place.annotation = args[1] if len(args) == 2 else Any
            key_annotation = args[0] if len(args) == 2 else str
            place.parent = None
            # a key error comes with [key] after the key: judge the key's annotation then
            if loc[at + 1 : at + 2] == ("[key]",):
                place.annotation = key_annotation
        elif origin in (tuple, list, set, frozenset) and isinstance(part, int):
            place.shown.append(str(part))
            place.pattern.append(_INDEX)
            place.annotation = get_args(current)[0] if get_args(current) else Any
        else:  # free-form (params: dict[str, Any]): keep the names as they are
            place.shown.append(str(part))
            place.pattern.append(str(part))
            place.annotation = None
    return place


def _hint_for(place: _Place, hints: Mapping[str, FieldHint]) -> FieldHint | None:
    pattern = list(place.pattern)
    while pattern:
        found = hints.get(".".join(pattern))
        if found is not None:
            return found
        if pattern[-1] != _INDEX:
            return None
        pattern.pop()
    return None


def _got(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:59] + "…"
        return f"the string {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list" if value else "an empty list"
    if value is None:
        return "nothing (an empty value)"
    return f"a {type(value).__name__}"


def _example(key: str, value: Any, syntax: str) -> str:
    if syntax == "toml":
        return f"{key} = {_toml(value)}"
    if isinstance(value, str) and re.fullmatch(r"[\w./*-]+", value) and value not in _YAML_WORDS:
        return f"{key}: {value}"
    return f"{key}: {json.dumps(value, ensure_ascii=False)}"


_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "~"}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        body = ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + body + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _close(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return "" if not close else " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


def _bound(kind: str, ctx: Mapping[str, Any]) -> str | None:
    words = {
        "greater_than": ("gt", "above"),
        "greater_than_equal": ("ge", "at least"),
        "less_than": ("lt", "below"),
        "less_than_equal": ("le", "at most"),
        "too_short": ("min_length", "at least"),
        "too_long": ("max_length", "at most"),
        "string_too_short": ("min_length", "at least"),
        "string_too_long": ("max_length", "at most"),
    }
    if kind not in words:
        return None
    key, word = words[kind]
    limit = ctx.get(key)
    if kind.startswith("too_"):
        return f"must list {word} {limit} item(s)"
    if kind.startswith("string_"):
        return f"must be {word} {limit} character(s) long"
    return f"must be {word} {limit}"


def describe_validation(
    error: ValidationError,
    where: str,
    model: type[Any],
    *,
    syntax: str = "yaml",
    hints: Mapping[str, FieldHint] | None = None,
    keys_doc: str = "",
    prefix: str = "",
) -> str:
    """The first error of ``error`` as one line in the configuration's words: the file
    (``where``), the field as the file spells it, what it must be, what it got, and the fix,
    usually an example in the file's own ``syntax`` (``yaml`` or ``toml``).

    ``hints`` say what a field holds (``exclude`` -> a list of globs, ``["gen/"]``); keys are
    dotted field paths with ``*`` for a mapping key (``rules.*.severity``). ``keys_doc`` says
    where the valid keys are documented (for an unknown key); ``prefix`` names where ``model``
    sits in the file (``params``)."""
    details = error.errors(include_url=False)
    first = details[0]
    kind = first["type"]
    ctx: Mapping[str, Any] = first.get("ctx") or {}
    place = _walk(model, tuple(first["loc"]))
    hint = _hint_for(place, hints or {})
    if prefix:
        place.shown.insert(0, prefix)
        place.pattern.insert(0, prefix)
    # list items as charter's other messages name them: rules.0.severity (counted from 0)
    field = _safe(".".join(place.shown)) or "(top level)"
    label = f"field '{field}'"
    names = [p for p, k in zip(place.shown, place.pattern, strict=True) if k != _INDEX]
    leaf = names[-1] if names else ""
    got_value = first.get("input")
    got = f" (got {_safe(_got(got_value))})" if kind not in ("missing", "extra_forbidden") else ""
    example = ""
    if hint is not None and hint.example is not None:
        value = hint.example
        if place.pattern[-1:] == [_INDEX] and hints and ".".join(place.pattern) in hints:
            value = [value]  # an item's example, shown in its list
        example = f", e.g. {_example(leaf or field, value, syntax)}"

    if kind == "extra_forbidden":
        known = _keys(place.parent) if place.parent is not None else []
        name = _safe(place.shown[-1]) if place.shown else field
        parent = ".".join(place.shown[:-1])
        scope = f" under '{_safe(parent)}'" if parent else ""
        listed = f"; the keys{scope} are {', '.join(known)}" if known else ""
        doc = f" ({keys_doc})" if keys_doc else ""
        return (
            f"{where}: {label} is not a key charter knows{scope}{_close(name, known)}; "
            f"remove it or fix its spelling{listed}{doc}"
        )
    if kind == "missing":
        what = f" ({hint.what})" if hint is not None else ""
        return f"{where}: {label} is missing{what}; add it{example}"
    choices = _choices(_members(place.annotation)[0]) if place.annotation is not None else []
    if kind in ("literal_error", "enum") or (choices and kind.endswith("_type")):
        allowed = ", ".join(choices) or str(ctx.get("expected", ""))
        near = _close(str(got_value), choices) if isinstance(got_value, str) else ""
        if place.key:
            return (
                f"{where}: field '{field}': the key {_safe(repr(str(got_value)))} must be one "
                f"of {allowed}{near}; rename or remove it"
            )
        if near:
            got = f"{got[:-1]}; did you mean{near.removeprefix(' (did you mean')}"
        fix = example or "; use one of those"
        return f"{where}: {label} must be one of {allowed}{got}{fix}"
    if kind in ("value_error", "assertion_error"):
        reason = str(ctx.get("error") or first["msg"]).removeprefix("Value error, ")
        return f"{where}: {label}: {_safe(reason)}{example or '; correct the value'}"
    bound = _bound(kind, ctx)
    if bound is not None:
        return f"{where}: {label} {bound}{got}{example or '; correct the value'}"
    if place.union or kind in _TYPE_WORDS:
        what = hint.what if hint is not None else _TYPE_WORDS.get(kind, "of another type")
        exact = ".".join(place.pattern) in (hints or {})
        if place.pattern[-1:] == [_INDEX] and not exact:  # an item: the item's own type
            what = _TYPE_WORDS.get(kind, "of another type")
        return f"{where}: {label} must be {what}{got}{example or f'; write {what} there'}"
    return f"{where}: {label}: {_safe(first['msg'])}{got}; correct the value{example}"
