"""Terraform version constraints (``~> 5.0``, ``>= 1.5, < 2.0``, ``!= 5.3.1``): parse and bound.

The semantics follow Terraform's own (``apparentlymart/go-versions``, Ruby style):

- ``=`` (or no operator) with fewer than three numbers leaves the rest open: ``= 5`` is 5.x.y;
- ``~> X.Y.Z`` lets only the patch grow (``>= X.Y.Z, < X.(Y+1).0``); ``~> X.Y`` and ``~> X`` let the
  minor grow (``>= X.Y.0, < (X+1).0.0``);
- ``>``, ``>=``, ``<``, ``<=`` compare with missing numbers read as 0;
- a comma list is an intersection: every clause must hold.

A constraint *bounds* a provider or module when no release above some version can be selected,
i.e. the intersection has an upper bound. ``>= 5.0`` alone does not; ``~> 5.0`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: a version as compared: (major, minor, patch, release-flag, prerelease). A release sorts after
#: its prereleases (flag 1 vs 0).
VersionKey = tuple[int, int, int, int, str]

_CLAUSE = re.compile(
    r"""^\s*(?P<op>~>|>=|<=|!=|=|>|<)?\s*
        v?(?P<nums>[0-9]{1,18}(?:\.[0-9]{1,18}){0,2})
        (?:-(?P<pre>[0-9A-Za-z.-]+))?
        (?:\+[0-9A-Za-z.-]+)?\s*$""",
    re.VERBOSE | re.ASCII,
)


class ConstraintError(ValueError):
    """A version constraint Terraform would reject."""


@dataclass(frozen=True)
class Clause:
    """One comparison of a constraint: ``op`` and the version numbers as written."""

    op: str  # one of = != > >= < <= ~>
    numbers: tuple[int, ...]  # 1 to 3 numbers, as written
    prerelease: str = ""

    def __str__(self) -> str:
        version = ".".join(str(n) for n in self.numbers)
        if self.prerelease:
            version += f"-{self.prerelease}"
        return f"{self.op} {version}"

    @property
    def key(self) -> VersionKey:
        """The version with missing numbers as 0."""
        padded = (*self.numbers, 0, 0)[:3]
        return (padded[0], padded[1], padded[2], 0 if self.prerelease else 1, self.prerelease)

    def interval(self) -> tuple[VersionKey | None, bool, VersionKey | None, bool]:
        """``(low, low_inclusive, high, high_inclusive)``; None is unbounded. ``!=`` is open."""
        key = self.key
        if self.op == ">":
            return key, False, None, False
        if self.op == ">=":
            return key, True, None, False
        if self.op == "<":
            return None, False, key, False
        if self.op == "<=":
            return None, False, key, True
        if self.op == "!=":
            return None, False, None, False
        if self.op == "~>":
            major, minor = key[0], key[1]
            if len(self.numbers) == 3:
                high: VersionKey = (major, minor + 1, 0, 0, "")
            else:
                high = (major + 1, 0, 0, 0, "")
            return key, True, high, False
        # "=": exact with three numbers, else the written prefix with anything after it
        if len(self.numbers) == 3:
            return key, True, key, True
        if len(self.numbers) == 2:
            return key, True, (key[0], key[1] + 1, 0, 0, ""), False
        return key, True, (key[0] + 1, 0, 0, 0, ""), False

    def allows(self, version: VersionKey) -> bool:
        if self.op == "!=":
            if len(self.numbers) == 3:
                return version[:3] != self.key[:3] or version[4] != self.prerelease
            return version[: len(self.numbers)] != self.numbers
        low, low_inc, high, high_inc = self.interval()
        if low is not None and (version < low or (version == low and not low_inc)):
            return False
        return not (high is not None and (version > high or (version == high and not high_inc)))


@dataclass(frozen=True)
class Constraint:
    """A parsed comma list of clauses (an intersection)."""

    text: str
    clauses: tuple[Clause, ...]

    def allows(self, version: VersionKey) -> bool:
        return all(clause.allows(version) for clause in self.clauses)

    @property
    def upper(self) -> tuple[VersionKey, bool] | None:
        """The tightest upper bound and whether it is inclusive; None when unbounded above."""
        best: tuple[VersionKey, bool] | None = None
        for clause in self.clauses:
            _, _, high, inclusive = clause.interval()
            if high is None:
                continue
            if best is None or high < best[0] or (high == best[0] and not inclusive):
                best = (high, inclusive)
        return best

    @property
    def lower(self) -> tuple[VersionKey, bool] | None:
        """The tightest lower bound and whether it is inclusive; None when unbounded below."""
        best: tuple[VersionKey, bool] | None = None
        for clause in self.clauses:
            low, inclusive, _, _ = clause.interval()
            if low is None:
                continue
            if best is None or low > best[0] or (low == best[0] and not inclusive):
                best = (low, inclusive)
        return best

    @property
    def bounded(self) -> bool:
        """True when some upper bound caps the versions that can be selected."""
        return self.upper is not None


def parse_constraint(text: str) -> Constraint:
    """Parse ``text`` (e.g. ``">= 5.0, < 6.0"``); raises :class:`ConstraintError`."""
    if not text.strip():
        raise ConstraintError("empty version constraint")
    clauses: list[Clause] = []
    for part in text.split(","):
        match = _CLAUSE.match(part)
        if match is None:
            raise ConstraintError(f"invalid version constraint {part.strip()!r}")
        numbers = tuple(int(n) for n in match["nums"].split("."))
        clauses.append(Clause(match["op"] or "=", numbers, match["pre"] or ""))
    return Constraint(text, tuple(clauses))


def version_key(text: str) -> VersionKey:
    """A version such as ``5.1.0`` or ``1.0.0-beta1`` as a comparable key."""
    clause = parse_constraint(text).clauses
    if len(clause) != 1 or clause[0].op != "=":
        raise ConstraintError(f"{text!r} is not a single version")
    return clause[0].key


def describe_bounds(constraint: Constraint) -> str:
    """A short human reading of the range, e.g. ``>= 5.0.0 and < 6.0.0``."""

    def fmt(key: VersionKey) -> str:
        out = f"{key[0]}.{key[1]}.{key[2]}"
        return f"{out}-{key[4]}" if key[4] else out

    parts = []
    if constraint.lower is not None:
        key, inclusive = constraint.lower
        parts.append(f"{'>=' if inclusive else '>'} {fmt(key)}")
    if constraint.upper is not None:
        key, inclusive = constraint.upper
        parts.append(f"{'<=' if inclusive else '<'} {fmt(key)}")
    return " and ".join(parts) or "any version"
