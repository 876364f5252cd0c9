"""Property tests (hypothesis) for the parsers charter owns.

Every parser that reads something an audited repository controls must either succeed or fail
with charter's own error type: a config or policy problem is a one-line ``CharterError`` (exit
2), never an unexpected exception (which the CLI reports as an internal error).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.analyzers.terraform.constraints import (
    ConstraintError,
    describe_bounds,
    parse_constraint,
)
from charter.config import Config, load_config
from charter.discovery import discover
from charter.errors import CharterError, PolicyError
from charter.policy import load_policies
from charter.sources import (
    YAML_MAX_ALIAS_NODES,
    BoundedSafeLoader,
    SourceFile,
    YamlAliasError,
)
from charter.suppressions import COMMENT_KINDS, parse_directives

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@contextmanager
def scratch() -> Iterator[Path]:
    folder = tempfile.mkdtemp(prefix="charter-fuzz-")
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- strategies ----------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=12), inner, max_size=4),
    ),
    max_leaves=20,
)
CONFIG_KEYS = ("profiles", "fail-on", "exclude", "policies", "max-file-bytes", "fail_on")
config_like = st.dictionaries(
    st.one_of(st.sampled_from(CONFIG_KEYS), st.text(max_size=10)), yaml_values, max_size=5
)
# text that looks like YAML/TOML: structural characters, quotes, anchors, tags, tabs, BOMs
yamlish_text = st.text(
    alphabet=st.sampled_from(list("abc:-[]{},&*!|>'\"#%@`\t\n \\=.0123456789\ufeff\x00\x85")),
    max_size=200,
)


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True)


# --- config --------------------------------------------------------------------------------


def _assert_config_loads_or_fails_cleanly(name: str, text: str) -> None:
    """``load_config`` on a repo whose ``name`` file holds ``text``: a Config or a one-line
    CharterError, nothing else."""
    with scratch() as root:
        (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            config, source = load_config(root)
        except CharterError as exc:
            assert "\n" not in str(exc)
        else:
            assert isinstance(config, Config)
            assert source is None or source.name == name


@FUZZ
@given(st.one_of(config_like.map(_dump), yamlish_text, st.text(max_size=200)))
def test_charter_yml_loads_or_raises_charter_error(text: str) -> None:
    _assert_config_loads_or_fails_cleanly(".charter.yml", text)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if value == value else "nan"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


toml_like = st.dictionaries(
    st.sampled_from(CONFIG_KEYS),
    st.recursive(
        st.one_of(st.booleans(), st.integers(-5, 10**6), st.text(max_size=10)),
        lambda inner: st.lists(inner, max_size=3),
        max_leaves=6,
    ),
    max_size=4,
).map(lambda d: "[tool.charter]\n" + "".join(f'"{k}" = {_toml_value(v)}\n' for k, v in d.items()))


@FUZZ
@given(st.one_of(toml_like, yamlish_text))
def test_pyproject_tool_charter_loads_or_raises_charter_error(text: str) -> None:
    _assert_config_loads_or_fails_cleanly("pyproject.toml", text)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", "tool = 5\n"),
        (".charter.yml", '"a\\nb": 1\n'),
        ("pyproject.toml", "[tool]\ncharter = 3\n"),
        ("pyproject.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n"),
        (".charter.yml", "exclude: " + "[" * 5000 + "]" * 5000 + "\n"),
        (".charter.yml", "a: &a [*a]\n"),
        (".charter.yml", "!!python/object/apply:os.system ['true']\n"),
    ],
)
def test_hostile_config_files_fail_cleanly(name: str, text: str) -> None:
    _assert_config_loads_or_fails_cleanly(name, text)


def test_config_is_never_read_through_a_symlink() -> None:
    with scratch() as base:
        (base / "repo").mkdir()
        (base / "outside.yml").write_text("fail-on: none\n", encoding="utf-8")
        (base / "repo" / ".charter.yml").symlink_to(base / "outside.yml")
        assert load_config(base / "repo") == (Config(), None)


# --- policies --------------------------------------------------------------------------------

VALID_RULE: dict[str, Any] = {
    "id": "fuzz-rule",
    "title": "A fuzzed rule",
    "severity": "high",
    "applicability": "always",
    "docs": {"what": "Checks a fuzzed thing.", "why": "Because fuzzing finds bugs."},
    "sources": [{"profile": "fuzz-profile", "quote": "fuzz me"}],
}
VALID_PROFILE: dict[str, Any] = {
    "id": "fuzz-profile",
    "title": "A fuzzed profile",
    "rules": [{"id": "fuzz-rule"}],
}


def _mutate(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The valid document with some fields replaced by random values or dropped."""
    return st.fixed_dictionaries(
        {},
        optional={
            key: st.one_of(st.just(value), yaml_values)
            for key, value in {**base, "analyzer": "type-hints", "params": {}}.items()
        },
    )


@FUZZ
@given(
    st.one_of(_mutate(VALID_RULE).map(_dump), yamlish_text),
    st.one_of(_mutate(VALID_PROFILE).map(_dump), st.just(_dump(VALID_PROFILE)), yamlish_text),
)
def test_policy_folder_loads_or_raises_policy_error(rule: str, profile: str) -> None:
    with scratch() as folder:
        (folder / "rules").mkdir()
        (folder / "profiles").mkdir()
        (folder / "rules" / "fuzz-rule.yaml").write_text(rule, encoding="utf-8")
        (folder / "profiles" / "fuzz-profile.yaml").write_text(profile, encoding="utf-8")
        try:
            policies = load_policies([folder], include_builtin=False)
        except PolicyError as exc:
            assert "\n" not in str(exc)
        else:
            assert set(policies.rules) == {"fuzz-rule"}
            assert set(policies.profiles) == {"fuzz-profile"}


def test_policy_alias_bomb_is_a_policy_error() -> None:
    """A policy folder can come from the audited repo ([tool.charter] policies)."""
    from hostile_corpus import _billion_laughs

    with scratch() as folder:
        (folder / "rules").mkdir()
        bomb = _billion_laughs() + _dump(VALID_RULE).replace("title: A fuzzed rule", "title: *j")
        (folder / "rules" / "fuzz-rule.yaml").write_text(bomb, encoding="utf-8")
        try:
            load_policies([folder], include_builtin=False)
        except PolicyError as exc:
            assert "alias" in str(exc)
        else:
            raise AssertionError("an alias bomb must not load")


# --- YAML loading of audited files ---------------------------------------------------------


@FUZZ
@given(yamlish_text)
def test_bounded_yaml_loader_accepts_what_safe_load_accepts(text: str) -> None:
    """The alias-bomb guard changes nothing for documents without runaway aliases."""
    try:
        expected = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        expected = None
    except RecursionError:
        return
    try:
        got = list(yaml.load_all(text, Loader=BoundedSafeLoader))
    except YamlAliasError:
        assert expected is not None  # only ever stricter on aliases
        return
    except yaml.YAMLError:
        got = None
    assert (got is None) == (expected is None)
    if got is not None:
        assert repr(got) == repr(expected)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=2, max_value=12), st.integers(min_value=2, max_value=12))
def test_alias_expansion_is_capped(width: int, depth: int) -> None:
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    for level in range(1, depth):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    text = "\n".join(lines) + "\n"
    # nodes the aliases stand for: level k holds `width` aliases to level k-1
    size = 1 + width  # l0: a sequence of `width` scalars
    aliased = 0
    for _ in range(1, depth):
        aliased += width * size
        size = 1 + width * size
    try:
        docs = list(yaml.load_all(text, Loader=BoundedSafeLoader))
    except YamlAliasError as exc:
        assert aliased > YAML_MAX_ALIAS_NODES
        assert "alias" in str(exc)
    else:
        assert aliased <= YAML_MAX_ALIAS_NODES
        assert len(docs[0]) == depth


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["a.py", "a.yaml", "a.toml", "a.json", "a.tf"]))
def test_source_file_parsers_never_raise(data: bytes, name: str) -> None:
    with scratch() as root:
        (root / name).write_bytes(data)
        file = SourceFile(root, name)
        _ = (file.text, file.lines)
        if name.endswith(".py"):
            _ = (file.python_ast, file.python_cst)
        elif name.endswith(".yaml"):
            _ = (file.yaml_documents, file.yaml_nodes)
        elif name.endswith(".toml"):
            _ = file.toml
        elif name.endswith(".json"):
            _ = file.json
        else:
            _ = file.hcl
        for problem in file.problems:
            assert problem.path == name
            assert problem.line >= 1
            assert problem.message.startswith(("parse error", "skipped"))


# --- discovery -----------------------------------------------------------------------------

name_chars = st.sampled_from(list("ab .-_~ü🦀"))
names = st.text(name_chars, min_size=1, max_size=6).filter(lambda n: n not in {".", ".."})
tree_entries = st.lists(
    st.tuples(
        st.lists(names, min_size=1, max_size=3),
        st.sampled_from(["file", "gitignore", "link-in", "link-out", "link-dir", "fifo"]),
    ),
    max_size=12,
)
gitignore_lines = st.lists(st.text(st.sampled_from(list("ab*?![]/\\# .")), max_size=6), max_size=4)


@FUZZ
@given(tree_entries, gitignore_lines)
def test_discovery_on_random_trees(entries: list[tuple[list[str], str]], ignore: list[str]) -> None:
    with scratch() as base:
        root = base / "repo"
        root.mkdir()
        outside = base / "outside.py"
        outside.write_text("x = 1\n", encoding="utf-8")
        regular: set[str] = set()
        for parts, kind in entries:
            path = root.joinpath(*parts)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.exists() or path.is_symlink():
                    continue
                if kind == "file":
                    path.write_text("x = 1\n", encoding="utf-8")
                    regular.add("/".join(parts))
                elif kind == "gitignore":
                    path.mkdir()
                    (path / ".gitignore").write_text("\n".join(ignore), encoding="utf-8")
                elif kind == "link-in":
                    path.symlink_to(root)
                elif kind == "link-out":
                    path.symlink_to(outside)
                elif kind == "link-dir":
                    path.symlink_to(base)
                elif hasattr(os, "mkfifo"):
                    os.mkfifo(path)
            except (FileExistsError, NotADirectoryError):
                continue
        files = discover(root)
        assert files == sorted(set(files))
        resolved_root = root.resolve()
        for rel in files:
            pure = PurePosixPath(rel)
            assert not pure.is_absolute() and ".." not in pure.parts
            full = root / rel
            assert full.is_file() and not full.is_symlink()
            assert full.resolve().is_relative_to(resolved_root)
            assert not any(p.is_symlink() for p in full.parents if p.is_relative_to(root))
        if not ignore:
            # nothing ignored: every regular file outside skipped folders is listed
            from charter.discovery import _skip_dir

            expected = {
                r
                for r in regular
                if not any(_skip_dir(p) for p in r.split("/")[:-1])
                and (root / r).is_file()
                and not any(p.is_symlink() for p in (root / r).parents)
            }
            assert set(files) >= expected


# --- suppression comments -------------------------------------------------------------------

rule_ids = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
reasons = st.text(
    st.characters(
        min_codepoint=0x20, max_codepoint=0x2000, exclude_characters="\x7f\x85\u2028\u2029"
    ),
    max_size=40,
)
DIRECTIVE_KINDS = sorted(COMMENT_KINDS | {"other", "json", "markdown"})


@FUZZ
@given(st.text(max_size=300), st.sampled_from(DIRECTIVE_KINDS))
def test_directive_parser_never_raises(text: str, kind: str) -> None:
    directives = parse_directives("f", text, kind)
    line_count = max(1, len(text.splitlines()), text.count("\n") + 1)
    for directive in directives:
        assert 1 <= directive.line <= line_count
        assert all(rule and rule == rule.strip() for rule in directive.rules)


@FUZZ
@given(
    st.lists(rule_ids, min_size=1, max_size=3, unique=True),
    reasons,
    st.sampled_from(["python", "yaml", "terraform", "go", "shell"]),
    st.booleans(),
)
def test_directive_round_trip(ids: list[str], reason: str, kind: str, own_line: bool) -> None:
    mark = "//" if kind == "go" else "#"
    comment = f"{mark} charter: ignore[{', '.join(ids)}] -- {reason}"
    code = {"python": "x = 1", "yaml": "key: value", "terraform": "a = 1"}.get(kind, "run x")
    text = f"{comment}\n{code}\n" if own_line else f"{code}  {comment}\n"
    directives = parse_directives("f", text, kind)
    assert len(directives) == 1
    found = directives[0]
    assert found.line == 1
    assert list(found.rules) == ids
    assert found.reason == (reason.strip() or None)
    assert found.own_line is own_line


# --- Terraform version constraints -----------------------------------------------------------

versions = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=3).map(
    lambda nums: ".".join(map(str, nums))
)
clause_text = st.tuples(
    st.sampled_from(["", "=", "!=", ">", ">=", "<", "<=", "~>"]),
    st.sampled_from(["", " ", "  "]),
    versions,
    st.sampled_from(["", "-beta1", "-rc.1", "+build.5"]),
).map(lambda t: f"{t[0]}{t[1]}{t[2]}{t[3]}")
constraint_text = st.lists(clause_text, min_size=1, max_size=4).map(", ".join)


@FUZZ
@given(st.one_of(constraint_text, st.text(max_size=40)))
def test_constraint_parses_or_raises_constraint_error(text: str) -> None:
    try:
        constraint = parse_constraint(text)
    except ConstraintError:
        return
    describe_bounds(constraint)
    assert len(constraint.clauses) == text.count(",") + 1


@FUZZ
@given(constraint_text)
def test_constraint_bounds_are_consistent(text: str) -> None:
    constraint = parse_constraint(text)
    # each clause prints as text that parses back to the same clause
    for clause in constraint.clauses:
        assert parse_constraint(str(clause)).clauses == (clause,)
    upper = constraint.upper
    if upper is not None:
        key = upper[0]
        above = (key[0] + 1, 0, 0, 1, "")
        assert not constraint.allows(above)
        assert constraint.bounded
    else:
        assert not constraint.bounded


def test_policy_error_names_a_key_on_one_line() -> None:
    with scratch() as folder:
        (folder / "rules").mkdir()
        rule = {**VALID_RULE, "docs": {**VALID_RULE["docs"], "bad\nkey": 1}}
        (folder / "rules" / "fuzz-rule.yaml").write_text(_dump(rule), encoding="utf-8")
        try:
            load_policies([folder], include_builtin=False)
        except PolicyError as exc:
            assert "\n" not in str(exc)
            assert "bad?key" in str(exc)
        else:
            raise AssertionError("an unknown key must not load")
