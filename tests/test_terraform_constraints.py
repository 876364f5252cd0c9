"""Terraform version constraints: parsing, bounds and Terraform's ``~>`` semantics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter.analyzers.terraform.constraints import (
    Clause,
    ConstraintError,
    describe_bounds,
    parse_constraint,
    version_key,
)
from charter.analyzers.terraform.modules import classify_source, git_ref, ref_kind


@pytest.mark.parametrize(
    ("text", "bounded", "reading"),
    [
        ("~> 5.0", True, ">= 5.0.0 and < 6.0.0"),
        ("~> 5", True, ">= 5.0.0 and < 6.0.0"),
        ("~> 5.1.3", True, ">= 5.1.3 and < 5.2.0"),
        ("= 5.1.0", True, ">= 5.1.0 and <= 5.1.0"),
        ("5.1.0", True, ">= 5.1.0 and <= 5.1.0"),
        ("= 5.1", True, ">= 5.1.0 and < 5.2.0"),
        (">= 5.0, < 6.0", True, ">= 5.0.0 and < 6.0.0"),
        (">=4.0,<=5.2", True, ">= 4.0.0 and <= 5.2.0"),
        ("< 6", True, "< 6.0.0"),
        (">= 5.0", False, ">= 5.0.0"),
        ("> 4.2.1", False, "> 4.2.1"),
        ("!= 5.3.0", False, "any version"),
        (">= 4.0, != 4.5.0", False, ">= 4.0.0"),
    ],
)
def test_bounds(text: str, bounded: bool, reading: str):
    constraint = parse_constraint(text)
    assert constraint.bounded is bounded
    assert describe_bounds(constraint) == reading


@pytest.mark.parametrize(
    ("text", "version", "allowed"),
    [
        ("~> 5.0", "5.99.1", True),
        ("~> 5.0", "6.0.0", False),
        ("~> 5.0", "6.0.0-beta1", False),
        ("~> 5.1.3", "5.1.9", True),
        ("~> 5.1.3", "5.2.0", False),
        ("~> 5.1.3", "5.1.2", False),
        ("= 5.1", "5.1.7", True),
        ("= 5.1", "5.2.0", False),
        ("!= 5.3.0", "5.3.0", False),
        ("!= 5.3.0", "5.3.1", True),
        (">= 5.0, < 6.0", "5.0.0-rc1", False),
        ("> 1.0.0", "1.0.0", False),
        ("<= 1.2.0", "1.2.0", True),
    ],
)
def test_allows(text: str, version: str, allowed: bool):
    assert parse_constraint(text).allows(version_key(version)) is allowed


@pytest.mark.parametrize("text", ["", "latest", ">= five", "=> 1.0", "~> 1.2.3.4", ">= 1.0,"])
def test_invalid_constraints_are_rejected(text: str):
    with pytest.raises(ConstraintError):
        parse_constraint(text)


OPS = st.sampled_from(["=", "!=", ">", ">=", "<", "<=", "~>"])
NUMBERS = st.lists(st.integers(0, 12), min_size=1, max_size=3).map(tuple)
CLAUSES = st.builds(Clause, OPS, NUMBERS)
VERSIONS = st.tuples(st.integers(0, 14), st.integers(0, 14), st.integers(0, 14))


@given(st.lists(CLAUSES, min_size=1, max_size=4), VERSIONS)
def test_allowed_versions_lie_within_the_reported_bounds(clauses: list[Clause], version):
    text = ", ".join(str(c) for c in clauses)
    constraint = parse_constraint(text)
    assert constraint.clauses == tuple(clauses)  # round trip through the written form
    key = (*version, 1, "")
    if not constraint.allows(key):
        return
    if constraint.upper is not None:
        high, inclusive = constraint.upper
        assert key < high or (inclusive and key == high)
    if constraint.lower is not None:
        low, inclusive = constraint.lower
        assert key > low or (inclusive and key == low)


@given(st.lists(CLAUSES, min_size=1, max_size=4))
def test_unbounded_constraints_allow_arbitrarily_new_majors(clauses: list[Clause]):
    constraint = parse_constraint(", ".join(str(c) for c in clauses))
    far = (10_000, 0, 0, 1, "")
    if constraint.bounded:
        assert not constraint.allows(far)
    if not constraint.bounded and all(c.op in {">", ">=", "!="} for c in clauses):
        assert constraint.allows(far)


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("./modules/net", "local"),
        ("../shared", "local"),
        ("terraform-aws-modules/vpc/aws", "registry"),
        ("app.terraform.io/acme/vpc/aws", "registry"),
        ("terraform-aws-modules/iam/aws//modules/iam-role", "registry"),
        ("git::https://github.com/acme/x.git?ref=v1", "git"),
        ("github.com/acme/x", "git"),
        ("git@github.com:acme/x.git?ref=v1", "git"),
        ("s3::https://s3.amazonaws.com/b/vpc.zip", "other"),
        ("https://example.com/vpc.zip", "other"),
    ],
)
def test_module_source_kinds(source: str, kind: str):
    assert classify_source(source) == kind


@pytest.mark.parametrize(
    ("source", "ref", "kind"),
    [
        ("git::https://github.com/acme/x.git?ref=v1.2.0", "v1.2.0", "tag"),
        ("git::https://github.com/acme/x.git?ref=1.2", "1.2", "tag"),
        ("git@github.com:acme/x.git?ref=3f1c2a9", "3f1c2a9", "commit"),
        ("github.com/acme/x?ref=main", "main", "branch"),
        ("git::ssh://git@example.com/x.git?depth=1&ref=labels-v1.2.0", "labels-v1.2.0", "tag"),
        ("git::https://github.com/acme/x.git?ref=release/1.2", "release/1.2", "branch"),
        ("git::https://github.com/acme/x.git?ref=feature/login", "feature/login", "branch"),
    ],
)
def test_git_refs(source: str, ref: str, kind: str):
    assert git_ref(source) == ref
    assert ref_kind(ref) == kind


def test_git_source_without_ref():
    assert git_ref("git::https://github.com/acme/x.git") is None


@pytest.mark.parametrize("text", [">= " + "9" * 5000, "~> ٣.0", "= 1.٢"])
def test_hostile_version_numbers_are_constraint_errors(text: str):
    with pytest.raises(ConstraintError):
        parse_constraint(text)
