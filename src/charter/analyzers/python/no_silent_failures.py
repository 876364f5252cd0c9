"""no-silent-failures: broad exception handlers that swallow the error.

A handler is broad when it is a bare ``except:`` or catches ``Exception``/``BaseException``
(alone or in a tuple). It is reported unless its body does something with the failure:

- re-raises (any ``raise`` in the handler, outside nested functions), or
- reports it: a logger call at any level (``logger.exception(...)``, ``log.error(...)``, and
  ``logger.debug(...)``/``self.log.info(...)`` on a logger too: how loud a failure is, is the
  author's choice, and a failure written to the log is not silent), ``print(...)`` or
  ``warnings.warn(...)``, any call passing ``exc_info=``, a ``traceback.*``,
  ``sys.exc_info()`` or ``sys.exit()`` call, or a call of an error handler (a name containing
  ``error``, ``fail``, ``exc`` or ``traceback``: ``self.handle_error(...)``,
  ``on_failure(...)``, ``print_exc()``, ``self.showtraceback()``), or a ``flash(msg, "error")``
  that shows it to the user, or
- counts it: a tally named for failures (``errors += 1``, ``self._records_lost += 1``,
  ``failed.append(item)``), which the program reports as a whole, or
- uses the caught exception (``except Exception as exc: return Error(str(exc))``).

A broad handler is also a deliberate, narrow decision, and passes, when what it guards can
only fail in the one way it handles:

- best-effort cleanup: the ``try`` body only closes, releases or removes things
  (``f.close()``, ``os.unlink(tmp)``, ``sock.shutdown()``, ``proc.kill()``, ``task.cancel()``,
  ``del d[key]``), or the handler is in a ``__del__`` method (which cannot report an error to
  anyone);
- parsing: the ``try`` body only decodes, converts or looks up data (``json.loads``, ``int()``,
  ``resp.json()``, ``urlparse``, ``parse_date``, ``base64.b64decode``, ``strftime``,
  ``d.get(k)``, ``s.find("/")``, subscripts and attribute reads, in-memory
  ``append``/``pop``; no ``await``, no loop, no other call): the broad handler stands for
  ``ValueError``/``KeyError``;
- an optional dependency: the ``try`` body imports a library (``import puremagic``,
  ``importlib.import_module``; not the standard library, a relative import or one of a
  package the file is in), probing a library the code degrades without;
- another way: the ``try`` body is one call and the handler is the same call made differently
  (try the Analytics query, else the N1QL one; format in the user's locale, else in English),
  which raises on its own if it fails too;
- a platform probe: the ``try`` body loads a native library (``ctypes.CDLL("libc.so.6")``,
  ``ctypes.util.find_library``), a feature some systems do not have;
- a local file read with a default: ``with open(path) as f: config = json.load(f)`` (only
  reading and decoding the file in the ``try`` body counts as parsing);
- a status answer: the handler returns what the ``try`` body returns with a success flag
  flipped (``return {"sent": True, ...}`` / ``return {"sent": False, ...}``), so the caller is
  told it failed; or the function is a predicate (``is_*``, ``has_*``, ``can_*``,
  ``detect_*``, a validity check ``_valid``/``is_valid``/``valid_*`` ..., or a function
  annotated ``-> bool`` whose docstring asks a question: ``Check if ...``,
  ``Whether ...``, ``Return True if ...``) whose handler returns ``False``: "no"
  (not valid) is its answer when the check cannot be made; or the function's name says it
  only tries (``try_get_current_user``, ``try_parse``) and the handler returns ``None`` or
  ``False``, the answer its name announces (as .NET's ``TryParse``);
- a default the code checks: the handler only gives variables an empty default (``image =
  None``, ``items = []``, ``a, b = None, None``) and the code after the ``try`` tests them
  (``if image:``, ``if items or steps:``, ``x if x is not None else ...``): the missing value is
  a case the function handles, as after ``d.get(k)``; a default that is only passed on or
  returned (``data = None`` ... ``return data``) is still reported;
- optional entries: the ``try`` body only fills entries of a dict the function builds
  (``data["timeline"] = timeline``, through local names and ``if`` guards; no call made for
  its effect, no ``return`` or loop) and the handler leaves them out (``pass``, or an empty
  default for those local names, which nothing after the ``try`` reads): an entry that is
  sometimes absent is an optional field, whose absence the dict's readers handle
  (``data.get("timeline")``), as with a default the code checks; an entry given an empty value
  in the handler (``result["content"] = ""``), which readers cannot tell from a real one, and
  an entry of a parameter or of a module-level dict (a token cache) are still reported;
- a failure while handling another error: the ``try`` is inside an ``except`` handler that
  re-raises, reports or uses its own error (``except HTTPStatusError as exc: try: detail =
  exc.response.json()["detail"] except Exception: detail = "unknown"``, then the error is
  returned): the original error is the one surfaced;
- said so: a comment in the handler or on its ``except`` line says the failure is expected or
  the fallback deliberate (``# optional``, ``# ignore``, ``# workaround``, ``# best effort``,
  ``# not available on all systems``, ``# fall back to ...``, ``# this is fine``); linter
  pragmas (``# noqa``, ``# pylint: disable=...``, ``# pragma: no cover``) do not count.

So ``except Exception: pass`` after real work, ``except: return None`` around a service call and
``except Exception as e: continue`` are reported, while narrow handlers (``except KeyError:
pass``) are a deliberate choice and pass. ``contextlib.suppress(Exception)`` is reported for
the same reason as ``except Exception: pass``.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from collections.abc import Callable, Iterator
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import FunctionNode, FunctionScopes, PythonRule
from charter.analyzers.python.names import ImportMap
from charter.sources import SourceFile

BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
SUPPRESS = frozenset({"contextlib.suppress"})
#: logger methods that make a failure visible, at any level: the level is the author's choice
LOG_LEVELS = frozenset({"exception", "error", "critical", "fatal", "warning", "warn", "log"})
#: lower levels, which count on a logger (``logger.debug``, ``self.log.info``, ``logging.info``)
QUIET_LEVELS = frozenset({"debug", "info", "trace", "verbose"})
#: a receiver that is a logger
LOGGER = re.compile(r"(?:^|_)(?:get)?log(?:ger|ging)?$", re.IGNORECASE)
#: calls that show a failure to whoever runs the program (a console, a warning)
CONSOLE = frozenset({"print", "warnings.warn", "click.echo", "click.secho", "typer.echo"})
EXC_INFO = frozenset({"sys.exc_info", "sys.exception", "sys.exit", "os._exit", "exit"})
#: categories of a ``flash()`` message that show the user an error
FLASH_ERRORS = frozenset({"error", "danger", "warning"})
#: words in a called name that say it reports or handles the failure
REPORTING_WORDS = ("error", "fail", "exc", "traceback")
#: words in the name of a counter or collection that tallies failures (``errors += 1``,
#: ``self._records_lost += 1``, ``failed.append(item)``)
TALLY_WORDS = ("error", "fail", "lost", "dropped", "skipped", "invalid")
#: methods that add to a collection
ADDS = frozenset({"append", "add", "extend", "appendleft"})
#: first words of calls that release or remove something (best-effort cleanup)
CLEANUP = re.compile(
    r"(close|aclose|shutdown|unlink|rmdir|rmtree|removedirs|kill|terminate|release"
    r"|disconnect|cancel|stop|cleanup|clean_up|dispose|destroy|unregister|unsubscribe|quit)"
    r"(_|$)",
    re.IGNORECASE,
)
#: removals that are cleanup by their qualified name (a ``.remove()`` method may be anything)
REMOVALS = frozenset({"os.remove", "os.unlink", "shutil.rmtree", "os.rmdir", "os.removedirs"})
#: calls (by last name) that only decode, convert or look up data: they fail with
#: ``ValueError``/``TypeError``/``KeyError``/``AttributeError`` on malformed input
PARSING = frozenset(
    {
        # decoding
        "loads", "decode", "b64decode", "urlsafe_b64decode", "b32decode", "b16decode",
        "unhexlify", "a2b_base64", "literal_eval", "fromisoformat", "strptime",
        "fromtimestamp", "parse_qs", "parse_qsl", "urlparse", "urlsplit", "parse_url",
        "unquote", "unquote_plus", "json", "ip_address", "ip_network", "UUID", "Decimal",
        "safe_load", "unpack", "version", "Version", "parse_version", "dumps", "Fraction",
        "fromhex", "hex", "strftime", "isoformat", "astimezone", "timestamp",
        # conversions and builtins
        "int", "float", "str", "bool", "bytes", "len", "dict", "list", "tuple", "set",
        "frozenset", "sorted", "isinstance", "getattr", "hasattr", "next", "iter", "min", "max",
        "sum", "abs", "round", "ord", "chr", "repr", "type",
        # string, mapping and match lookups
        "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper", "get", "group",
        "groups", "groupdict", "match", "search", "fullmatch", "findall", "startswith",
        "endswith", "replace", "items", "keys", "values", "partition", "rpartition", "join",
        "encode", "index", "find", "rfind", "count", "format", "copy", "splitlines", "translate",
        "sub",
        # in-memory container updates
        "append", "extend", "add", "pop", "setdefault",
        # HTML/XML and URL lookups
        "urljoin", "xpath", "eval_xpath", "extract_text", "get_text", "text_content",
    }
)  # fmt: skip
#: native library loading: probing a platform feature (``ctypes.CDLL("libc.so.6")``)
NATIVE_LIBRARIES = frozenset(
    {
        "ctypes.CDLL",
        "ctypes.WinDLL",
        "ctypes.OleDLL",
        "ctypes.PyDLL",
        "ctypes.cdll.LoadLibrary",
        "ctypes.windll.LoadLibrary",
        "ctypes.util.find_library",
    }
)
#: a predicate by its name: ``False`` is its answer when the check cannot be made
PREDICATE = re.compile(
    r"^_*(?:is|has|can|should|supports|exists|valid|detect)(?:_|$)|_valid$", re.IGNORECASE
)
#: a function whose name says it only tries (``try_get_current_user``): ``None`` or ``False``
#: is its documented answer when the attempt fails, as .NET's ``TryParse``
ATTEMPT = re.compile(r"^_*try_", re.IGNORECASE)
#: a docstring saying the function answers a question (``"""Check if the user beat the record."""``)
ASKS = re.compile(
    r"^\s*(?:(?:checks?|tests?|determines?|tells?)\s+(?:if|whether)|whether"
    r"|returns?\s+(?:true|whether))\b",
    re.IGNORECASE,
)
#: a comment saying the failure is expected or the fallback deliberate
DECISION = re.compile(
    r"\b(?:work[- ]?around|best[- ]effort|optional(?:ly)?|ignor(?:e|ed|es|ing)"
    r"|not\s+(?:always\s+)?(?:available|supported|installed|present|fatal|critical)"
    r"|unavailable|unsupported|intentional(?:ly)?|deliberate(?:ly)?|on\s+purpose|harmless"
    r"|expected|fall(?:s|ing)?[- ]?back|fallback|non[- ]?(?:fatal|critical)"
    r"|(?:it'?s|this\s+is|that'?s)\s+(?:ok|okay|fine|safe|expected)|ok\s+if"
    r"|don'?t\s+care|doesn'?t\s+matter)\b",
    re.IGNORECASE,
)
#: linter and coverage pragmas, which say nothing about the decision
PRAGMA = re.compile(
    r"noqa\b[:\s\w,]*|pylint:\s*\S+|type:\s*ignore\S*|pragma:\s*no\s*cover|nosec\b\S*"
    r"|pyright:\s*\S+|mypy:\s*\S+|fmt:\s*\S+",
    re.IGNORECASE,
)
#: reading a local file opened for reading in the same ``try`` (``with open(p) as f``)
FILE_READS = frozenset({"open", "load", "read", "readlines", "readline"})
#: a ``.get()`` on one of these is a request, not a lookup
CLIENT_NAMES = re.compile(r"session|client|http|api|conn|request|requests|httpx", re.IGNORECASE)


def _comments(source: str) -> dict[int, str]:
    """The comment text on each line of the file (1-based)."""
    found: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def _walk_body(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a handler body, not entering nested functions, lambdas or classes."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                stack.append(child)


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _receiver(node: ast.expr) -> str:
    """The last name of a call's receiver: ``logger`` in ``self.logger.debug``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _callee(node)  # logging.getLogger(__name__).debug(...)
    return ""


def _tallies(node: ast.AST) -> bool:
    """The failure is counted or collected in a tally named for failures: ``errors += 1``,
    ``self._records_lost += 1``, ``failed.append(item)``."""
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
        target = _receiver(node.target)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr not in ADDS:
            return False
        target = _receiver(node.func.value)
    else:
        return False
    return any(word in target.lower() for word in TALLY_WORDS)


def _cleanup_only(body: list[ast.stmt], qualify: Callable[[ast.AST], str | None]) -> bool:
    """The statements only close, release or remove things (``if`` guards allowed)."""
    for stmt in body:
        if isinstance(stmt, ast.Delete | ast.Pass):
            continue
        if isinstance(stmt, ast.If) and not stmt.orelse:
            if _cleanup_only(stmt.body, qualify):
                continue
            return False
        if not isinstance(stmt, ast.Expr):
            return False
        value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
        if not isinstance(value, ast.Call):
            return False
        if not (CLEANUP.match(_callee(value)) or qualify(value.func) in REMOVALS):
            return False
    return bool(body)


def _parser_name(name: str) -> bool:
    """A decoding function by its name: ``json_loads``, ``parse_date``, ``b64decode``."""
    return name in PARSING or name.startswith("parse_") or name.endswith(("loads", "dumps"))


def _parsing_only(body: list[ast.stmt], imports: ImportMap) -> bool:
    """The statements only decode, convert and look up data: no other call, no ``await``,
    no ``with`` or loop (a loop body is the work of an iteration, not a lookup)."""
    reads_file = False
    for node in _walk_body(body):
        if isinstance(node, ast.With) and all(_opens_file(i.context_expr) for i in node.items):
            reads_file = True  # reading a local file: its calls are checked as any other
            continue
        if isinstance(node, ast.Await | ast.With | ast.AsyncWith | ast.For | ast.AsyncFor):
            return False
    for node in _walk_body(body):
        if isinstance(node, ast.Call):
            name = _callee(node)
            qualified = imports.qualify(node.func) or ""
            real = qualified.rsplit(".", 1)[-1]  # an alias's real name
            if reads_file and name in FILE_READS:
                continue
            if not (_parser_name(name) or _parser_name(real)):
                return False
            if "get" in (name, real) and not _lookup(node, imports):
                return False
    return True


def _opens_file(node: ast.expr) -> bool:
    """``open(path)`` or ``Path(p).open()`` for reading (no ``w``/``a``/``x``/``+`` mode)."""
    if not isinstance(node, ast.Call) or _callee(node) != "open":
        return False
    modes = [*node.args[1:2], *(kw.value for kw in node.keywords if kw.arg == "mode")]
    if isinstance(node.func, ast.Attribute):  # Path.open(mode)
        modes = [*node.args[:1], *(kw.value for kw in node.keywords if kw.arg == "mode")]
    return all(
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and not set(mode.value) & set("wax+")
        for mode in modes
    )


def _lookup(call: ast.Call, imports: ImportMap) -> bool:
    """A ``.get()`` on data (``d.get(k)``), not a request (``requests.get(url)``,
    ``http_get(url)``, ``self.session.get(url)``)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False  # a function named get: an HTTP helper, never a mapping's method
    receiver = func.value
    if isinstance(receiver, ast.Name) and receiver.id in imports.names:
        return False  # a module's or an imported class's get
    if isinstance(receiver, ast.Attribute):
        label = receiver.attr
    elif isinstance(receiver, ast.Name):
        label = receiver.id
    else:
        return True  # (d or {}).get(k), f(x).get(k)
    return not CLIENT_NAMES.search(label)


def _optional(body: list[ast.stmt], own: set[str]) -> bool:
    """The ``try`` body imports a library (``import ctypes``, ``importlib.import_module``): it
    probes an optional dependency or platform feature and degrades without it. The standard
    library is always there, and a relative or first-party import (``own``: the folders of the
    file's path) is a lazy import of the program's own code: neither is a probe."""
    for node in _walk_body(body):
        if isinstance(node, ast.Import):
            if any(_library(a.name, own) for a in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _library(node.module or "", own):
                return True
        elif isinstance(node, ast.Call) and _callee(node) == "import_module":
            return True
    return False


def _native_library(body: list[ast.stmt], qualify: Callable[[ast.AST], str | None]) -> bool:
    """The ``try`` body loads a native library: a platform feature some systems lack."""
    return any(
        isinstance(node, ast.Call) and qualify(node.func) in NATIVE_LIBRARIES
        for node in _walk_body(body)
    ) or any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Call)
        and qualify(node.func.value.func) in NATIVE_LIBRARIES
        for node in _walk_body(body)
    )


def _returns(body: list[ast.stmt]) -> list[ast.expr]:
    """The values the statements return (not in nested functions)."""
    return [
        node.value
        for node in _walk_body(body)
        if isinstance(node, ast.Return) and node.value is not None
    ]


def _status_flipped(tried: ast.expr, answer: ast.expr) -> bool:
    """``answer`` is ``tried`` with success flags turned from ``True`` to ``False``:
    ``{"sent": True, "data": d}`` / ``{"sent": False, "data": d}``,
    ``Result(ok=True, x=x)`` / ``Result(ok=False, x=x)``."""
    flipped = 0
    if isinstance(tried, ast.Dict) and isinstance(answer, ast.Dict):
        if len(tried.keys) != len(answer.keys):
            return False
        pairs = zip(tried.keys, tried.values, answer.keys, answer.values, strict=True)
        for key, value, other_key, other_value in pairs:
            if key is None or other_key is None or ast.dump(key) != ast.dump(other_key):
                return False
            if _true(value) and _false(other_value):
                flipped += 1
            elif ast.dump(value) != ast.dump(other_value):
                return False
        return flipped > 0
    if isinstance(tried, ast.Call) and isinstance(answer, ast.Call):
        if ast.dump(tried.func) != ast.dump(answer.func) or tried.args or answer.args:
            return False
        theirs = {kw.arg: kw.value for kw in answer.keywords}
        if None in theirs or set(theirs) != {kw.arg for kw in tried.keywords}:
            return False
        for kw in tried.keywords:
            if _true(kw.value) and _false(theirs[kw.arg]):
                flipped += 1
            elif ast.dump(kw.value) != ast.dump(theirs[kw.arg]):
                return False
        return flipped > 0
    return False


def _true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _false(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _predicate(node: ast.AST | None) -> bool:
    """A predicate by its name (``is_logged_in``, ``has_access``, ``_valid``) or, for a
    function annotated ``-> bool``, by its docstring (``Check if ...``, ``Whether ...``)."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    if PREDICATE.match(node.name):
        return True
    if not (isinstance(node.returns, ast.Name) and node.returns.id == "bool"):
        return False
    return bool(ASKS.match(ast.get_docstring(node) or ""))


def _reports_status(
    try_body: list[ast.stmt], handler: list[ast.stmt], predicate: bool, attempt: bool
) -> bool:
    """The handler answers the caller that it failed: the ``try`` body's result with its success
    flag flipped, ``False`` from a predicate (``is_logged_in``, ``has_access``), or ``None``/
    ``False`` from a function whose name says it only tries (``try_get_current_user``)."""
    answers = [*_returns(handler)]
    if len(handler) != 1 or len(answers) != 1:
        return False
    answer = answers[0]
    if predicate and _false(answer):
        return True
    if attempt and isinstance(answer, ast.Constant) and answer.value in (None, False):
        return True
    return any(_status_flipped(tried, answer) for tried in _returns(try_body))


def _empty(node: ast.expr) -> bool:
    """``None``, ``False``, ``0``, ``""``, an empty list/dict/tuple/set, or a tuple of those."""
    if isinstance(node, ast.Constant):
        return not node.value
    if isinstance(node, ast.List | ast.Set | ast.Dict) and not (
        node.keys if isinstance(node, ast.Dict) else node.elts
    ):
        return True
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        return isinstance(node.func, ast.Name) and node.func.id in {"list", "dict", "set"}
    return isinstance(node, ast.Tuple) and all(_empty(e) for e in node.elts)


def _defaults(handler: list[ast.stmt]) -> set[str]:
    """The names a handler only gives an empty default (``image = None``, ``a, b = None,
    None``; ``pass`` aside), or nothing when it does anything else."""
    names: set[str] = set()
    for stmt in handler:
        if isinstance(stmt, ast.Pass):
            continue
        if not (isinstance(stmt, ast.Assign) and _empty(stmt.value)):
            return set()
        for target in stmt.targets:
            items = target.elts if isinstance(target, ast.Tuple) else [target]
            if not all(isinstance(t, ast.Name) for t in items):
                return set()
            names.update(t.id for t in items if isinstance(t, ast.Name))
    return names


def _tested(names: set[str], after: list[ast.stmt]) -> bool:
    """Every name is read in a condition (``if``, ``while``, a conditional expression, an
    ``assert``) of the statements after the ``try``."""
    found: set[str] = set()
    for stmt in after:
        for node in ast.walk(stmt):
            if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
                found.update(
                    n.id for n in ast.walk(node.test) if isinstance(n, ast.Name) and n.id in names
                )
    return found == names


def _following(scope: ast.AST, node: ast.stmt) -> list[ast.stmt]:
    """The statements after ``node`` in the block of ``scope`` that holds it."""
    for parent in ast.walk(scope):
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and node in block:
                return block[block.index(node) + 1 :]
    return []


def _entry_fills(body: list[ast.stmt], names: set[str], dicts: set[str]) -> bool:
    """The statements only fill entries of dicts held in names (``data["timeline"] =
    timeline``; the dicts' names collected in ``dicts``) and assign names (collected in
    ``names``), under ``if`` guards: no call made for its effect, no ``return``, loop, ``with``
    or ``del``."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            if not (
                _entry_fills(stmt.body, names, dicts) and _entry_fills(stmt.orelse, names, dicts)
            ):
                return False
            continue
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets = [stmt.target]
        else:
            return False
        for target in targets:
            for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(item, ast.Name):
                    names.add(item.id)
                elif isinstance(item, ast.Subscript) and isinstance(item.value, ast.Name):
                    dicts.add(item.value.id)
                else:
                    return False
    return True


def _locals(scope: ast.AST) -> set[str]:
    """The names a function assigns (not in nested functions), less those it declares
    ``global`` or ``nonlocal``."""
    body = getattr(scope, "body", None)
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) or not body:
        return set()
    stored: set[str] = set()
    shared: set[str] = set()
    for node in _walk_body(body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored.add(node.id)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            shared.update(node.names)
    return stored - shared


def _reads(names: set[str], after: list[ast.stmt]) -> bool:
    """Any of the names is read in the statements."""
    return any(
        isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load)
        for stmt in after
        for node in ast.walk(stmt)
    )


def _library(module: str, own: set[str]) -> bool:
    top = module.split(".")[0]
    return bool(top) and top not in own and top not in sys.stdlib_module_names


def _single_call(body: list[ast.stmt]) -> ast.Call | None:
    """The call of a one-statement body: ``return f(...)``, ``x = f(...)`` or ``f(...)``."""
    if len(body) != 1:
        return None
    stmt = body[0]
    value = stmt.value if isinstance(stmt, ast.Return | ast.Assign | ast.Expr) else None
    if isinstance(value, ast.Await):
        value = value.value
    return value if isinstance(value, ast.Call) else None


def _retried(try_body: list[ast.stmt], handler: list[ast.stmt]) -> bool:
    """The ``try`` body is one call and the handler makes the same call another way (another
    query, another locale), which raises on its own if that fails too."""
    tried = _single_call(try_body)
    again = _single_call(handler)
    if tried is None or again is None:
        return False
    name = ast.unparse(tried.func)
    return name == ast.unparse(again.func) and ast.unparse(tried) != ast.unparse(again)


class NoSilentFailuresAnalyzer(FunctionScopes, PythonRule):
    """Report broad ``except`` handlers that neither re-raise, log nor use the error."""

    name: ClassVar[str] = "no-silent-failures"
    prefilter: ClassVar[tuple[str, ...]] = ("except", "suppress")

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.functions: list[str] = []
        #: the enclosing ``def`` nodes, innermost last
        self.scopes: list[ast.AST] = []
        #: for each enclosing ``except`` handler, whether it does something with its error
        self.handlers: list[bool] = []
        self.outer_handlers: list[list[bool]] = []
        #: top-level names of the program's own packages, as far as this path tells
        self.own = set(file.path.split("/")[:-1])
        #: comments by line, read when a handler needs them
        self.comments: dict[int, str] | None = None

    def enter_function(self, node: FunctionNode) -> None:
        self.functions.append(node.name)
        self.scopes.append(node)
        self.outer_handlers.append(self.handlers)  # a nested def starts outside any handler
        self.handlers = []

    def exit_function(self, node: FunctionNode) -> None:
        self.functions.pop()
        self.scopes.pop()
        self.handlers = self.outer_handlers.pop()

    def _broad(self, node: ast.expr | None) -> str | None:
        if node is None:
            return "bare `except:`"
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        for item in items:
            name = self.qualify(item)
            if name in BROAD:
                return f"`except {name.rsplit('.', 1)[-1]}`"
        return None

    def visit_Try(self, node: ast.Try) -> None:
        self._try(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self._try(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self.handlers.append(self._handled(node))

    def leave_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self.handlers.pop()

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        if any(self.handlers):
            # a failure while handling an error the enclosing handler reports (parsing the
            # error response for its message): the original error is the one surfaced
            return
        deliberate: bool | None = None  # worked out once per try, when a handler needs it
        for handler in node.handlers:
            what = self._broad(handler.type)
            if what is None or self._handled(handler):
                continue
            if deliberate is None:
                deliberate = (
                    bool(self.functions and self.functions[-1] == "__del__")
                    or _cleanup_only(node.body, self.qualify)
                    or _parsing_only(node.body, self.imports)
                    or _optional(node.body, self.own)
                    or _native_library(node.body, self.qualify)
                )
            predicate = _predicate(self.scopes[-1] if self.scopes else None)
            attempt = bool(self.functions and ATTEMPT.match(self.functions[-1]))
            if (
                deliberate
                or _retried(node.body, handler.body)
                or _reports_status(node.body, handler.body, predicate, attempt)
                or self._commented(handler)
                or self._default_checked(node, handler)
                or self._optional_entries(node, handler)
            ):
                continue
            self.at(
                handler,
                f"{what} swallows the error: re-raise, log it with `logger.exception(...)`, "
                "or catch the specific exceptions you expect",
            )

    def _default_checked(self, node: ast.Try | ast.TryStar, handler: ast.ExceptHandler) -> bool:
        """The handler gives variables an empty default that the code after the ``try``
        tests: a missing value the function handles."""
        names = _defaults(handler.body)
        if not names:
            return False
        scope = self.scopes[-1] if self.scopes else self.file.python_ast
        return scope is not None and _tested(names, _following(scope, node))

    def _optional_entries(self, node: ast.Try | ast.TryStar, handler: ast.ExceptHandler) -> bool:
        """The ``try`` body only fills entries of a dict the function builds (``data["timeline"]
        = timeline``, through local names and ``if`` guards) and the handler leaves them out
        (``pass``, or an empty default for those local names, which nothing after the ``try``
        reads): the entries are optional fields, whose absence the dict's readers handle."""
        names: set[str] = set()
        dicts: set[str] = set()
        if not self.scopes or not _entry_fills(node.body, names, dicts) or not dicts:
            return False
        defaults = _defaults(handler.body)
        if not (defaults or all(isinstance(stmt, ast.Pass) for stmt in handler.body)):
            return False
        scope = self.scopes[-1]
        return (
            defaults <= names
            and dicts <= _locals(scope)
            and not _reads(names, _following(scope, node))
        )

    def _commented(self, handler: ast.ExceptHandler) -> bool:
        """A comment in the handler or on its ``except`` line says the failure is expected or
        the fallback deliberate (linter pragmas left out)."""
        if self.comments is None:
            self.comments = _comments(self.file.text or "")
        end = handler.end_lineno or handler.lineno
        return any(
            DECISION.search(PRAGMA.sub("", self.comments.get(line, "")))
            for line in range(handler.lineno, end + 1)
        )

    def _handled(self, node: ast.ExceptHandler) -> bool:
        for child in _walk_body(node.body):
            if isinstance(child, ast.Raise):
                return True
            if isinstance(child, ast.Call) and self._reports(child):
                return True
            if _tallies(child):
                return True
            if (
                node.name
                and isinstance(child, ast.Name)
                and child.id == node.name
                and isinstance(child.ctx, ast.Load)
            ):
                return True
        return False

    def _reports(self, call: ast.Call) -> bool:
        """Whether a call in a handler makes the failure visible."""
        if any(kw.arg == "exc_info" for kw in call.keywords):
            return True
        name = self.qualify(call.func)
        if name is not None and (name in EXC_INFO or name.startswith("traceback.")):
            return True
        if name in CONSOLE:
            return True  # shown on the console or as a warning
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr.lower() in QUIET_LEVELS
            and LOGGER.search(_receiver(call.func.value))
        ):
            return True  # logged: at a level its author chose
        if _callee(call) == "flash" and any(
            isinstance(a, ast.Constant) and a.value in FLASH_ERRORS
            for a in [*call.args, *(kw.value for kw in call.keywords)]
        ):
            return True  # shown to the user as an error (Flask's ``flash(msg, "error")``)
        func = call.func
        if isinstance(func, ast.Attribute):  # also ``logging.getLogger(__name__).exception()``
            last = func.attr.lower()
        elif isinstance(func, ast.Name):
            last = func.id.lower()
        else:
            return False
        return last in LOG_LEVELS or any(word in last for word in REPORTING_WORDS)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            expr = item.context_expr
            if not isinstance(expr, ast.Call) or self.qualify(expr.func) not in SUPPRESS:
                continue
            if any(self._broad(arg) for arg in expr.args):
                self.at(
                    node,
                    "`suppress(Exception)` swallows every error: suppress the specific "
                    "exceptions you expect",
                )
