"""no-secrets-in-logs: a log call is given a value named like a secret.

A *log call* is ``print(...)``, a ``logging``/``structlog``/``loguru`` function, or a method
``debug``/``info``/``warning``/``error``/``exception``/``critical``/``log``/``msg`` called on a
logger (a name or attribute called ``log``, ``logger``, ``_log``, ``audit_logger`` ...). It is
reported when one of its arguments (f-string parts and ``%``/``.format`` operands included)
refers to a variable or attribute whose name *ends* with a secret word — ``password``,
``access_token``, ``client_secret``, ``api_key``, ``authorization`` — or passes one as a keyword
(``log.info("login", password=pw)``). Values wrapped in a masking or hashing call
(``mask(token)``, ``sha256(...)``, ``len(password)``) are fine, and so are names that merely
start with the word (``token_count``, ``password_changed``). A session id is a handle, not a
credential, and is not a secret word. Not reported either: a name logged where its value is
known to be a literal (inside ``if api_key == "public":``), and a token logged in the handler of
the error that rejected it (``except BadSignature:``, ``except InvalidAuthToken:``,
``except NoResultFound:``): a token that failed verification or matches nothing is not a usable
credential (a rejected *password* still is, since it is
often a typo of the real one, and stays reported).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import PythonRule
from charter.analyzers.python.names import name_chain
from charter.sources import SourceFile

SECRET_NAME = re.compile(
    r"(?:^|_)(password|passwd|pwd|passphrase|secret|token|api_?key|apikey|access_?key|"
    r"secret_?key|private_?key|credentials?|authorization|auth_?header|bearer|cookie|"
    r"ssn|card_?number|cvv)$",
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


#: exceptions that say a token was rejected (bad signature, expired, invalid, or nothing
#: matches it: ``NoResultFound``, ``DoesNotExist``)
REJECTED = re.compile(
    r"signature|expired|invalid|unauthori[sz]ed|forbidden|denied|decode|jwterror|badtoken|"
    r"noresult|notfound|doesnotexist",
    re.IGNORECASE,
)
TOKEN_NAME = re.compile(r"(?:^|_)token$", re.IGNORECASE)


class NoSecretsInLogsAnalyzer(PythonRule):
    """Report log calls that are handed a secret-named value."""

    name: ClassVar[str] = "no-secrets-in-logs"
    prefilter: ClassVar[tuple[str, ...]] = ("log", "print")

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        #: per log call inside ``if name == "literal":`` bodies: the names known to be literals
        self.literal_names: dict[int, set[str]] = {}
        #: per enclosing ``except``: whether it handles a rejected token
        self.handlers: list[bool] = []

    def visit_If(self, node: ast.If) -> None:
        known = _literal_names(node.test)
        if not known:
            return
        for stmt in node.body:
            for inner in ast.walk(stmt):
                if isinstance(inner, ast.Call):
                    self.literal_names.setdefault(id(inner), set()).update(known)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        names = [chain[-1] for t in types if t is not None and (chain := name_chain(t))]
        self.handlers.append(bool(names) and all(REJECTED.search(n) for n in names))

    def leave_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self.handlers.pop()

    def visit_Call(self, node: ast.Call) -> None:
        if not self._is_log_call(node):
            return
        for kw in node.keywords:
            if kw.arg and SECRET_NAME.search(kw.arg) and self._secret(node, kw.arg):
                self._report(node, kw.arg)
                return
        for arg in [*node.args, *(kw.value for kw in node.keywords)]:
            for name in self._secret_names(arg):
                if self._secret(node, name):
                    self._report(node, name)
                    return

    def _secret(self, node: ast.Call, name: str) -> bool:
        """Whether the value named ``name`` can still be a secret at this log call."""
        if name in self.literal_names.get(id(node), ()):
            return False
        rejected = bool(self.handlers) and self.handlers[-1]
        return not (rejected and TOKEN_NAME.search(name.rsplit(".", 1)[-1]))

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


def _literal_names(test: ast.expr) -> set[str]:
    """Names that ``test`` holding true pins to a literal: ``key == "public"``,
    ``self.mode in ("a", "b")``, joined with ``and``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return set().union(*(_literal_names(v) for v in test.values))
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return set()
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq | ast.Is):
        if isinstance(left, ast.Constant):
            left, right = right, left
        literal = isinstance(right, ast.Constant)
    elif isinstance(op, ast.In):
        literal = isinstance(right, ast.Tuple | ast.List | ast.Set) and all(
            isinstance(e, ast.Constant) for e in right.elts
        )
    else:
        return set()
    chain = name_chain(left)
    return {".".join(chain)} if literal and chain else set()
