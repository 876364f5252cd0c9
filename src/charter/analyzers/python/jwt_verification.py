"""jwt-verification: JWTs decoded without verifying them.

``jwt.decode`` of PyJWT (and of python-jose, ``jose.jwt.decode``) is reported when it turns a
check off or leaves it open:

- ``options={"verify_signature": False}`` or any other ``"verify_…": False`` (exp, aud, iss …);
- ``verify=False`` (PyJWT 1);
- ``algorithms`` containing ``"none"``;
- no ``algorithms=`` at all, which lets the token choose its own algorithm (PyJWT 2 refuses it at
  run time; older versions and other libraries accept it).

A call passing ``**options`` may set ``algorithms`` and is not reported for its absence.
``jwt.get_unverified_header`` (needed to pick a key) and ``bytes.decode`` are not decode calls.
Not applicable when the code decodes no JWT.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from charter.analyzers.python.common import RelevantRule, has_star_kwargs, keyword

DECODERS = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode", "jwt.decode_complete"})


def _false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


class JwtVerificationAnalyzer(RelevantRule):
    """Report ``jwt.decode`` calls that skip or weaken verification."""

    name: ClassVar[str] = "jwt-verification"
    prefilter: ClassVar[tuple[str, ...]] = ("jwt",)
    na_reason: ClassVar[str] = "the code decodes no JWT"

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualify(node.func)
        if name not in DECODERS:
            return
        self.relevant = True
        problems: list[str] = []
        options = keyword(node, "options")
        if options is not None and isinstance(options.value, ast.Dict):
            for key, value in zip(options.value.keys, options.value.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and key.value.startswith("verify")
                    and _false(value)
                ):
                    problems.append(f"`{key.value}` is off")
        verify = keyword(node, "verify")
        if verify is not None and _false(verify.value):
            problems.append("`verify=False`")
        algorithms = keyword(node, "algorithms")
        if algorithms is None:
            if not has_star_kwargs(node) and len(node.args) < 3:
                problems.append("no `algorithms=` allow-list")
        else:
            for item in ast.walk(algorithms.value):
                if (
                    isinstance(item, ast.Constant)
                    and isinstance(item.value, str)
                    and item.value.lower() == "none"
                ):
                    problems.append('`"none"` is an accepted algorithm')
                    break
        if problems:
            self.at(
                node,
                f"`{name}()` does not verify the token: {'; '.join(problems)}. Verify the "
                "signature with an explicit algorithm list, and exp, aud and iss",
            )
