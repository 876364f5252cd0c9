"""no-secrets-in-logs: a log call is given a value named like a secret.

A *log call* is ``print(...)``, a ``logging``/``structlog``/``loguru`` function, or a method
``debug``/``info``/``warning``/``error``/``exception``/``critical``/``log``/``msg`` called on a
logger (a name or attribute called ``log``, ``logger``, ``_log``, ``audit_logger`` ...). It is
reported when one of its arguments (f-string parts and ``%``/``.format`` operands included)
refers to a variable or attribute whose name *ends* with a secret word — ``password``,
``access_token``, ``client_secret``, ``api_key``, ``authorization`` — or passes one as a keyword
(``log.info("login", password=pw)``). Values wrapped in a masking or hashing call
(``mask(token)``, ``sha256(...)``, ``len(password)``) are fine, and so are names that merely
start with the word (``token_count``, ``password_changed``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import ClassVar

from charter.analyzers.python.common import PythonRule
from charter.analyzers.python.names import name_chain

SECRET_NAME = re.compile(
    r"(?:^|_)(password|passwd|pwd|passphrase|secret|token|api_?key|apikey|access_?key|"
    r"secret_?key|private_?key|credentials?|authorization|auth_?header|bearer|cookie|"
    r"session_?id|ssn|card_?number|cvv)$",
    re.IGNORECASE,
)
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"}
)
LOGGER_NAME = re.compile(r"^_*(\w*_)?(log|logger|logging|audit)$", re.IGNORECASE)
LOG_MODULES = ("logging", "structlog", "loguru")
SAFE_WRAPPERS = re.compile(
    r"(mask|redact|hash|sha\d*|md5|blake\w*|len|bool|type|obfuscate|censor|truncate|hmac|"
    r"fingerprint|digest)\w*$",
    re.IGNORECASE,
)


class NoSecretsInLogsAnalyzer(PythonRule):
    """Report log calls that are handed a secret-named value."""

    name: ClassVar[str] = "no-secrets-in-logs"
    prefilter: ClassVar[tuple[str, ...]] = ("log", "print")

    def visit_Call(self, node: ast.Call) -> None:
        if not self._is_log_call(node):
            return
        for kw in node.keywords:
            if kw.arg and SECRET_NAME.search(kw.arg):
                self._report(node, kw.arg)
                return
        for arg in [*node.args, *(kw.value for kw in node.keywords)]:
            for name in self._secret_names(arg):
                self._report(node, name)
                return

    def _report(self, node: ast.Call, name: str) -> None:
        self.at(
            node,
            f"`{name}` is passed to a log call: log that it happened, never the value "
            "(drop it, or log a masked or hashed form)",
        )

    def _is_log_call(self, node: ast.Call) -> bool:
        qualified = self.qualify(node.func) or ""
        if qualified in {"print", "builtins.print"}:
            return True
        if qualified.split(".", 1)[0] in LOG_MODULES and qualified.rsplit(".", 1)[-1] in (
            LOG_METHODS | {"print"}
        ):
            return True
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in LOG_METHODS:
            return False
        chain = name_chain(func.value)
        if chain:
            return bool(LOGGER_NAME.match(chain[-1]))
        # structlog.get_logger().info(...), logging.getLogger(__name__).error(...)
        if isinstance(func.value, ast.Call):
            inner = self.qualify(func.value.func) or ""
            return inner.split(".", 1)[0] in LOG_MODULES
        return False

    def _secret_names(self, node: ast.AST) -> Iterator[str]:
        stack: list[ast.AST] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Call):
                callee = name_chain(current.func)
                if callee and SAFE_WRAPPERS.match(callee[-1]):
                    continue
            if isinstance(current, ast.Name) and SECRET_NAME.search(current.id):
                yield current.id
                continue
            if isinstance(current, ast.Attribute) and SECRET_NAME.search(current.attr):
                chain = name_chain(current)
                yield ".".join(chain) if chain else current.attr
                continue
            if isinstance(current, ast.Constant | ast.Lambda):
                continue
            stack.extend(ast.iter_child_nodes(current))
