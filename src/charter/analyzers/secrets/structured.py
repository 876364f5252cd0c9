"""Secret-named keys in configuration files, read by each format's own parser.

YAML (incl. compose ``environment:`` lists and Kubernetes ``{name, value}`` env entries) from the
shared composed node tree, which keeps lines; HCL/Terraform from the shared python-hcl2 tree;
TOML and INI from ``tomllib``/``configparser`` (the key/value pair must exist in the parsed data,
its line is then found in the text); Dockerfile ``ENV``/``ARG`` from dockerfile-parse; JSON by
its string tokens (a string followed by ``:`` is a key, so the line of each pair is exact);
``.env``, shell and ``.properties`` are line formats and are read line by line.
"""

from __future__ import annotations

import base64
import binascii
import configparser
import io
import json
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import yaml

from charter.analyzers.secrets.code import read_code
from charter.analyzers.secrets.common import Assignment, NameFilter
from charter.analyzers.secrets.detectors import LineIndex
from charter.analyzers.secrets.lines import read_lines
from charter.analyzers.secrets.stacks import own_stack
from charter.sources import SourceFile

Reader = Callable[[SourceFile, NameFilter], Iterator[Assignment]]

_STR_TAG = "tag:yaml.org,2002:str"
#: YAML keys whose list items are ``NAME=value`` environment entries (compose, CI files)
ENV_LIST_KEYS = frozenset({"environment", "env", "args", "build_args", "variables"})


def _env_pair(item: str) -> tuple[str, str] | None:
    name, sep, value = item.partition("=")
    name = name.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
        return None
    return name, value


#: CI configuration files: the ``services:`` they start for a job (a throwaway database with
#: its documented default password) are not the project's configuration
_CI_FILE = re.compile(
    r"^(?:\.github/workflows/[^/]+|\.gitlab-ci\.ya?ml|\.circleci/config\.ya?ml"
    r"|azure-pipelines\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml|\.woodpecker/[^/]+)$"
)


def read_yaml(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    docs = file.yaml_nodes
    if docs is None and file.text:
        # a template or broken YAML: line-level ``key: value`` pairs instead
        yield from read_lines(file, wanted)
        return
    if not docs:
        return
    ci = _CI_FILE.match(file.path) is not None
    own = own_stack(file)
    for assignment in _yaml_assignments(docs, wanted, ci=ci):
        if assignment.node_id in own.nodes or assignment.value.strip() in own.values:
            continue  # a credential the file gives to a container it starts itself
        yield assignment.assignment


@dataclass(frozen=True)
class _Found:
    assignment: Assignment
    node_id: int

    @property
    def value(self) -> str:
        return self.assignment.value


def _base64_text(value: str) -> str | None:
    """The one line of text a Kubernetes Secret's ``data`` value encodes, or None (not base64,
    not UTF-8, several lines such as a PEM key, control characters: judged as written)."""
    try:
        text = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return text if text and text.isprintable() else None


def _secret_data(node: yaml.MappingNode, scalars: dict[str, yaml.Node]) -> yaml.Node | None:
    """The ``data`` mapping of a Kubernetes ``kind: Secret`` manifest, whose values are base64."""
    kind, data = scalars.get("kind"), scalars.get("data")
    if (
        isinstance(kind, yaml.ScalarNode)
        and kind.value == "Secret"
        and "apiVersion" in scalars
        and isinstance(data, yaml.MappingNode)
    ):
        return data
    return None


def _yaml_assignments(docs: list[yaml.Node], wanted: NameFilter, *, ci: bool) -> Iterator[_Found]:
    stack: list[tuple[yaml.Node, str | None]] = [(doc, None) for doc in docs]
    seen: set[int] = set()
    encoded: set[int] = set()  # the ``data`` mappings of Kubernetes Secrets
    while stack:
        node, parent = stack.pop()
        if id(node) in seen:  # an alias repeats a node
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            scalars = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            data = _secret_data(node, scalars)
            if data is not None:
                encoded.add(id(data))
            name, value = scalars.get("name"), scalars.get("value")
            if (
                isinstance(name, yaml.ScalarNode)
                and isinstance(value, yaml.ScalarNode)
                and value.tag == _STR_TAG
                and wanted(name.value)
            ):
                yield _yaml_assignment(name.value, value)
            for key, child in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                if isinstance(child, yaml.ScalarNode):
                    if child.tag == _STR_TAG and wanted(key.value):
                        found = _yaml_assignment(key.value, child)
                        if id(node) in encoded and (text := _base64_text(child.value)):
                            found = _Found(
                                replace(found.assignment, decoded=text), found.node_id
                            )
                        yield found
                elif not (ci and key.value == "services"):
                    stack.append((child, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if isinstance(item, yaml.ScalarNode):
                    if parent in ENV_LIST_KEYS and item.tag == _STR_TAG:
                        pair = _env_pair(item.value)
                        if pair is not None and wanted(pair[0]):
                            yield _yaml_assignment(pair[0], item, pair[1])
                    elif parent is not None and item.tag == _STR_TAG and wanted(parent):
                        # a list under a credential's name: a recorded header
                        # (``Authorization: [Bearer …]``), a list of tokens
                        yield _yaml_assignment(parent, item)
                else:
                    stack.append((item, parent))


def _yaml_assignment(name: str, node: yaml.ScalarNode, value: str | None = None) -> _Found:
    mark = node.start_mark
    return _Found(
        Assignment(name, node.value if value is None else value, mark.line + 1, mark.column + 1),
        id(node),
    )


#: a string token from its opening quote; group 2 is empty when the line ends first (the
#: token is unterminated). Possessive and always matching where it starts, so a search never
#: rescans the rest of a line from each escaped quote (``'\\"' * n`` was quadratic)
_JSON_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*+)("?)')
_JSON_VALUE = re.compile(r'\s*+:\s*+"((?:[^"\\\n]|\\.)*+)"')


def _json_unescape(raw: str) -> str | None:
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def read_json(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    """Outside strings JSON has no quotes, so scanning string tokens in order stays aligned:
    a string followed by ``:`` and another string is a key with a literal value."""
    text = file.text or ""
    index = LineIndex(text)
    pos = 0
    while True:
        match = _JSON_STRING.search(text, pos)
        if match is None:
            return
        pos = match.end()
        if not match.group(2):
            continue  # unterminated on its line: go on after it
        pair = _JSON_VALUE.match(text, pos)
        if pair is None:
            continue
        pos = pair.end()
        key = _json_unescape(match.group(1))
        if key is None or not wanted(key):
            continue
        value = _json_unescape(pair.group(1))
        if value is not None:
            line, column = index.position(pair.start(1) - 1)
            yield Assignment(key, value, line, column)


def _string_pairs(data: Any) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    pairs.add((str(key), value))
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return pairs


#: linear time: a bare key starts where a run of key characters starts, a quoted key at a quote
#: no backslash escapes (a long string value is not rescanned from each character or escape)
_TOML_PAIR = re.compile(
    r"""(?P<key>(?<![A-Za-z0-9_-])[A-Za-z0-9_-]++|(?<!\\)"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
    r"""[ \t]*+=[ \t]*+(?P<val>"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
)


def read_toml(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    data = file.toml
    if data is None:
        return
    pairs = _string_pairs(data)
    text = file.text or ""
    index = LineIndex(text)
    for match in _TOML_PAIR.finditer(text):
        raw_key = match.group("key")
        key = raw_key[1:-1] if raw_key[0] in "\"'" else raw_key
        if not wanted(key):
            continue
        try:
            value = tomllib.loads(f"v = {match.group('val')}")["v"]
        except tomllib.TOMLDecodeError:
            continue
        if (key, value) in pairs:  # a real pair, not a comment or a string's content
            line, column = index.position(match.start("val"))
            yield Assignment(key, value, line, column)


#: key and value end on a character that is not a blank, so that the blanks before the
#: separator and at the end of the line are scanned once (``.*?[ \t]*$`` is quadratic on a
#: long run of blanks)
_INI_LINE = re.compile(
    r"^[ \t]*+(?P<key>[^=:\s#;\[](?:[^=:]*?[^=: \t])?)[ \t]*+[=:][ \t]*+"
    r"(?P<val>(?:.*?[^ \t])?)[ \t]*+$"
)


_INI_MAX_LINE = 8192


def read_ini(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    text = file.text or ""
    parser = configparser.RawConfigParser(
        strict=False, interpolation=None, allow_no_value=True, default_section="\0defaults"
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    # configparser's option regex (``.*?\s*=``) is quadratic on a long line: a line too long
    # to hold a credential (see values.lookalike_reason) is read as a comment
    if any(len(line) > _INI_MAX_LINE for line in file.lines):
        text = "\n".join("#" if len(line) > _INI_MAX_LINE else line for line in file.lines)
    try:
        parser.read_string("[\0top]\n" + text)
    except configparser.Error:
        return  # not INI after all: nothing structural to say
    pairs = {
        (option, value)
        for section in parser.sections()
        for option, value in parser.items(section, raw=True)
        if isinstance(value, str)
    }
    for number, line in enumerate(text.splitlines(), 1):
        match = _INI_LINE.match(line)
        if match is None:
            continue
        key, value = match.group("key"), match.group("val")
        if (key, value) in pairs and wanted(key):
            yield Assignment(key, value, number, match.start("val") + 1)


_ENV_LINE = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*(?P<val>.*)$"
)


_SHELL_MAX = 8192


def _shell_value(raw: str) -> str:
    if raw.lstrip("\"'").startswith(("$(", "`")):
        return raw.strip()  # a command substitution: the judge sees the whole `$(...)` reference
    try:
        if len(raw) <= _SHELL_MAX:
            words = shlex.split(raw, comments=True)
        else:
            # shlex is quadratic on a long token (it appends to an attribute character by
            # character): read only the first word, which is all the judge looks at; one
            # longer than this is "too long for a credential" anyway
            lexer = shlex.shlex(raw[:_SHELL_MAX], posix=True)
            lexer.whitespace_split = True
            first = lexer.get_token()
            words = [first] if first else []
    except ValueError:
        return raw.strip()
    return words[0] if words else ""


def read_dotenv(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    """``.env`` files and shell scripts: ``[export] NAME=value`` lines (shell quoting)."""
    for number, line in enumerate(file.lines, 1):
        match = _ENV_LINE.match(line)
        if match is None or not wanted(match.group("key")):
            continue
        yield Assignment(
            match.group("key"), _shell_value(match.group("val")), number, match.start("val") + 1
        )


_PROPERTIES_LINE = re.compile(
    r"^[ \t]*(?P<key>[^#!\s=:][^=:\s]*)[ \t]*(?:[=:][ \t]*|[ \t]+)(?P<val>(?:.*?[^ \t])?)"
    r"[ \t]*+$"
)


def read_properties(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    for number, line in enumerate(file.lines, 1):
        match = _PROPERTIES_LINE.match(line)
        if match is None or not wanted(match.group("key")):
            continue
        yield Assignment(match.group("key"), match.group("val"), number, match.start("val") + 1)


def read_hcl(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    tree = file.hcl
    if tree is None:
        return
    from hcl2.rules.base import AttributeRule, BlockRule
    from hcl2.rules.containers import ObjectElemRule
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(with_comments=False, strip_string_quotes=False)

    def text_of(node: Any) -> str | None:
        try:
            value = node.serialize(options)
        except (RuntimeError, ValueError, TypeError, AttributeError):
            return None
        return value if isinstance(value, str) else None

    # (node, name of the enclosing ``variable`` block: its ``default`` is that variable's value)
    stack: list[tuple[Any, str | None]] = [(tree, None)]
    while stack:
        node, variable = stack.pop()
        if isinstance(node, BlockRule):
            labels = [_unquote(text_of(label) or "") for label in node.labels]
            variable = labels[1] if len(labels) >= 2 and labels[0] == "variable" else None
        elif isinstance(node, AttributeRule | ObjectElemRule):
            key_node = node.identifier if isinstance(node, AttributeRule) else node.key
            key = _unquote(text_of(key_node) or "")
            if key == "default" and variable is not None:
                key = variable
            value = text_of(node.expression)
            quoted = value is not None and len(value) >= 2 and value[0] == value[-1] == '"'
            if quoted and value is not None and wanted(key):
                meta = getattr(node, "_meta", None)
                yield Assignment(key, value[1:-1], int(getattr(meta, "line", 1) or 1))
        children = getattr(node, "children", None) or []
        stack.extend((c, variable) for c in children if c is not None and not isinstance(c, str))


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def read_dockerfile(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    from dockerfile_parse import DockerfileParser

    text = file.text or ""
    try:
        parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8", "surrogatepass")))
        structure = parser.structure
    except (ValueError, OSError):
        return
    lines = file.lines
    for instruction in structure:
        if instruction.get("instruction") not in {"ENV", "ARG"}:
            continue
        raw = str(instruction.get("value", ""))
        try:
            words = shlex.split(raw)
        except ValueError:
            continue
        pairs: list[tuple[str, str]] = []
        if words and "=" not in words[0] and instruction["instruction"] == "ENV":
            pairs.append((words[0], " ".join(words[1:])))  # legacy ``ENV NAME value``
        else:
            pairs.extend(p for p in map(_env_pair, words) if p is not None)
        start, end = int(instruction["startline"]), int(instruction["endline"])
        for name, value in pairs:
            if not wanted(name):
                continue
            line = next(
                (n + 1 for n in range(start, end + 1) if n < len(lines) and name in lines[n]),
                start + 1,
            )
            yield Assignment(name, value, line)


READERS: dict[str, Reader] = {
    "yaml": read_yaml,
    "json": read_json,
    "toml": read_toml,
    "ini": read_ini,
    "dotenv": read_dotenv,
    "shell": read_dotenv,
    "properties": read_properties,
    "terraform": read_hcl,
    "terraform-vars": read_hcl,
    "hcl": read_hcl,
    "dockerfile": read_dockerfile,
    "go": read_code,
    "rust": read_code,
    "typescript": read_code,
    "javascript": read_code,
    **dict.fromkeys(
        ("java", "kotlin", "ruby", "php", "csharp", "sql", "markdown", "makefile", "other"),
        read_lines,
    ),
}
