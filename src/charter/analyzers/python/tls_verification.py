"""tls-verification: TLS certificate (or hostname) verification is never switched off.

Python is judged on the ``ast`` tree (a ``verify=False`` keyword, ``ssl=False``,
``ssl._create_unverified_context``, ``ssl.CERT_NONE``, ``check_hostname = False``); Go, Rust and
TypeScript/JavaScript on the line, for the one setting each ecosystem has for this
(``InsecureSkipVerify: true``, ``danger_accept_invalid_certs(true)``,
``rejectUnauthorized: false``, ``NODE_TLS_REJECT_UNAUTHORIZED = "0"``), with comments skipped.
"""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import TEST_PATH_GLOBS, Analyzer, Emitter, path_matches
from charter.analyzers.python.names import ImportMap, import_map
from charter.sources import SourceFile

#: calls whose ``verify`` keyword is about something other than TLS
NOT_TLS = ("jwt", "jose", "authlib", "itsdangerous")

LINE_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "go": (
        (
            re.compile(r"\bInsecureSkipVerify\s*:\s*true\b"),
            "tls.Config{InsecureSkipVerify: true} accepts any certificate; remove it and trust "
            "the server's CA through RootCAs instead",
        ),
    ),
    "rust": (
        (
            re.compile(r"\.danger_accept_invalid_(certs|hostnames)\s*\(\s*true\s*\)"),
            "danger_accept_invalid_{0}(true) turns TLS verification off; add the CA with "
            "add_root_certificate instead",
        ),
    ),
    "typescript": (
        (
            re.compile(r"\brejectUnauthorized\s*:\s*false\b"),
            "rejectUnauthorized: false accepts any certificate; pass the CA with `ca` instead",
        ),
        (
            re.compile(r"NODE_TLS_REJECT_UNAUTHORIZED\b[\"'\]]*\s*=\s*[\"']?0"),
            "NODE_TLS_REJECT_UNAUTHORIZED=0 turns TLS verification off for the whole process",
        ),
    ),
}
LINE_PATTERNS["javascript"] = LINE_PATTERNS["typescript"]
COMMENT = {"go": "//", "rust": "//", "typescript": "//", "javascript": "//"}

#: names the Python check reports (an alias still spells the imported name)
PYTHON_NAMES = (
    "CERT_NONE",
    "check_hostname",
    "_create_unverified_context",
    "_create_stdlib_context",
)
#: a ``verify``/``ssl`` keyword given a literal False; parentheses, line continuations and
#: comments may come before it. (No leading ``\b``: it would cost the regex its literal-prefix
#: scan, 0.5 s instead of 0.08 s over the stdlib.)
KEYWORD_FALSE = re.compile(r"(?:verify|ssl)\s*=(?:[\s(\\]|#[^\n]*)*False\b")


def python_trigger(text: str) -> bool:
    """Whether a Python text can give a finding at all: one of the names, or the keyword."""
    if any(name in text for name in PYTHON_NAMES):
        return True
    if "False" not in text or ("verify" not in text and "ssl" not in text):
        return False
    return KEYWORD_FALSE.search(text) is not None


class TlsVerificationParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: also check test code
    include_tests: bool = False
    test_paths: tuple[str, ...] = (
        *TEST_PATH_GLOBS,
        "**/*_test.go",
        "**/*.test.ts",
        "**/*.spec.ts",
        "**/*.test.js",
        "**/*.spec.js",
    )


class TlsVerificationAnalyzer(Analyzer):
    """Each place that switches TLS verification off is a finding."""

    name: ClassVar[str] = "tls-verification"
    Params = TlsVerificationParams
    params: TlsVerificationParams
    kinds: ClassVar[frozenset[str]] = frozenset(
        {"python", "go", "rust", "typescript", "javascript"}
    )
    prefilter: ClassVar[tuple[str, ...]] = (
        "InsecureSkipVerify",
        "danger_accept_invalid",
        "rejectUnauthorized",
        "NODE_TLS_REJECT_UNAUTHORIZED",
    )

    def wants_text(self, text: str) -> bool:
        # "verify" and "ssl" are common words (49 of the stdlib's files): only the spellings
        # the Python check can report send a file to the walk
        return python_trigger(text) or super().wants_text(text)

    def applies_to(self, file: SourceFile) -> bool:
        if file.kind not in self.kinds:
            return False
        return self.params.include_tests or not path_matches(file.path, self.params.test_paths)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        if file.kind == "python":
            self._python(file, out)
            return
        patterns = LINE_PATTERNS.get(file.kind, ())
        comment = COMMENT.get(file.kind, "//")
        lines = file.lines
        for number, line in enumerate(lines, start=1):
            code = line.split(comment, 1)[0] if comment in line else line
            for pattern, message in patterns:
                match = pattern.search(code)
                if match and not opt_in_block(lines, number - 1):
                    text = message.format(*match.groups()) if match.groups() else message
                    out.report(number, text, column=match.start() + 1)

    def _python(self, file: SourceFile, out: Emitter) -> None:
        tree = file.python_ast
        if tree is None:
            return
        names = import_map(tree)
        aiohttp = names.imports_any(["aiohttp"])
        exempt = _exempt_nodes(tree, names)
        for node in ast.walk(tree):
            if id(node) in exempt:
                continue
            if isinstance(node, ast.Call):
                callee = names.qualify(node.func) or ""
                if callee.split(".", 1)[0] in NOT_TLS:
                    continue
                if callee in {"ssl._create_unverified_context", "ssl._create_stdlib_context"}:
                    out.report(
                        node.lineno,
                        f"{callee}() skips certificate checks; use ssl.create_default_context()",
                        column=node.col_offset + 1,
                    )
                    continue
                for kw in node.keywords:
                    # ssl=False means "no verification" for aiohttp, "no TLS at all" elsewhere
                    relevant = kw.arg == "verify" or (kw.arg == "ssl" and aiohttp)
                    if relevant and kw.value is not None and _is_false(kw.value):
                        out.report(
                            kw.value.lineno,
                            f"{kw.arg}=False turns TLS certificate verification off for "
                            f"{callee or 'this call'}; pass a CA bundle path instead",
                            column=kw.value.col_offset + 1,
                            fix="unsafe",  # charter fix --unsafe-fixes removes the keyword
                        )
            elif isinstance(node, ast.Attribute | ast.Name) and _last(node) == "CERT_NONE":
                if names.qualify(node) == "ssl.CERT_NONE":
                    out.report(
                        node.lineno,
                        "ssl.CERT_NONE accepts any certificate; use ssl.CERT_REQUIRED",
                        column=node.col_offset + 1,
                    )
            elif isinstance(node, ast.Assign) and _is_false(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and target.attr == "check_hostname":
                        out.report(
                            node.lineno,
                            "check_hostname = False accepts a certificate for any host name",
                            column=target.col_offset + 1,
                        )


#: an ``if`` line of Go, Rust or TypeScript and its condition
IF_LINE = re.compile(r"^\s*(?:}\s*else\s+)?if\b(?P<cond>[^{]*)\{\s*$")
OPT_IN_WORDS = re.compile(r"insecure|skip|ignore|no_?verify|disable|allow", re.IGNORECASE)
VERIFY_WORDS = re.compile(r"insecure|verify|ssl|tls|cert", re.IGNORECASE)


def opt_in_words(text: str) -> bool:
    """Words of a condition on an option that asks for verification to be off
    (``SkipVerify``, ``NS1IgnoreSSL``, ``allow_insecure``)."""
    return bool(OPT_IN_WORDS.search(text)) and bool(VERIFY_WORDS.search(text))


def opt_in_block(lines: list[str], index: int, reach: int = 12) -> bool:
    """Whether line ``index`` sits inside an ``if`` block (up to ``reach`` lines above, at a
    smaller indentation) whose condition is an opt-in option such as ``SkipVerify``."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for i in range(index - 1, max(index - reach, 0) - 1, -1):
        line = lines[i]
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if depth >= indent:
            continue
        match = IF_LINE.match(line)
        if match and opt_in_words(match.group("cond")):
            return True
        indent = depth
        if depth == 0:
            return False
    return False


#: markers of a server-side TLS context, whose verify mode is about client certificates
SERVER_CONTEXT = frozenset({"ssl.Purpose.CLIENT_AUTH", "ssl.PROTOCOL_TLS_SERVER"})
VERIFYING_MODES = frozenset({"ssl.CERT_REQUIRED", "ssl.CERT_OPTIONAL"})


def _exempt_nodes(tree: ast.AST, names: ImportMap) -> set[int]:
    """Nodes that do not switch outbound verification off, by their surroundings:

    - ``ssl.CERT_NONE`` in a function that sets up a server-side context
      (``ssl.Purpose.CLIENT_AUTH``, ``PROTOCOL_TLS_SERVER``, ``server_side=True``): there the
      mode is whether *incoming clients* must show a certificate;
    - ``ssl.CERT_NONE`` offered as one choice next to a verifying mode
      (``CERT_REQUIRED if verify else CERT_NONE``, ``{"none": CERT_NONE, "required": ...}``):
      an operator's option whose default verifies;
    - ``check_hostname = False`` in a function that trusts only a CA it loads
      (``load_verify_locations``): the chain is still verified, against a pinned private CA.
    """
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _opt_in_test(node.test):
            for stmt in node.body:
                exempt.update(id(n) for n in ast.walk(stmt))
        if isinstance(node, ast.IfExp | ast.Dict):
            parts = [node.body, node.orelse] if isinstance(node, ast.IfExp) else list(node.values)
            qualified = {names.qualify(p) for p in parts if p is not None}
            if "ssl.CERT_NONE" in qualified and qualified & VERIFYING_MODES:
                exempt.update(id(p) for p in parts if p is not None)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        inner = list(ast.walk(node))
        server = any(
            (isinstance(n, ast.Attribute) and names.qualify(n) in SERVER_CONTEXT)
            or (
                isinstance(n, ast.keyword)
                and n.arg == "server_side"
                and isinstance(n.value, ast.Constant)
                and n.value.value is True
            )
            for n in inner
        )
        pinned = any(
            isinstance(n, ast.Attribute) and n.attr == "load_verify_locations" for n in inner
        )
        for n in inner:
            if server and isinstance(n, ast.Attribute | ast.Name) and _last(n) == "CERT_NONE":
                exempt.add(id(n))
            if pinned and isinstance(n, ast.Assign):
                exempt.add(id(n))
    return exempt


def _opt_in_test(test: ast.expr) -> bool:
    """``if self.insecure:``, ``if options.get("skip_verify"):``, ``if not verify_ssl:``: a
    condition on an option that asks for verification to be off."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    words = " ".join(
        n.id
        if isinstance(n, ast.Name)
        else n.attr
        if isinstance(n, ast.Attribute)
        else n.value
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
        else ""
        for n in ast.walk(test)
    )
    if negated:
        return bool(re.search(r"verify|ssl|tls|cert", words, re.IGNORECASE))
    return opt_in_words(words)


def _last(node: ast.Attribute | ast.Name) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id


def _is_false(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is False
