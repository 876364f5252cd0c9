"""Secret-named literals in formats charter has no parser for, line by line.

Java, Kotlin, Scala, C#, PHP, Ruby, SQL, Markdown and reStructuredText (code blocks and
prose), ``.conf``, text and log files, and YAML that does not parse (a Helm template): a
``name <separator> value`` pair on one line, where the separator is one of ``=``, ``:``,
``=>``, ``:=``, ``,`` (``map.put("password", "…")``) or ``(`` (``setPassword("…")``), and the
value a quoted literal. In configuration-like text (not code) an unquoted value counts too
(``password = hunter2`` in a ``.conf``), and so do command-line flags (``--password s3cr3t``)
and SQL's ``IDENTIFIED BY '…'`` / ``PASSWORD '…'``.

Every pattern is linear-time: a match starts only where a run of name characters starts (a
look-behind), every repetition is bounded or possessive, and nothing backtracks into a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from charter.analyzers.secrets.common import Assignment, NameFilter
from charter.analyzers.secrets.names import Strength, secret_strength
from charter.sources import SourceFile

#: kinds whose unquoted values are expressions (identifiers, calls): only literals count
CODE_KINDS = frozenset(
    {"java", "kotlin", "ruby", "php", "csharp", "python-stub", "scala", "groovy", "swift"}
)
#: extensions of code that ``file_kind`` calls ``other``
_CODE_SUFFIXES = (
    ".scala", ".groovy", ".gradle", ".swift", ".m", ".c", ".h", ".cc", ".cpp", ".hpp",
    ".ex", ".exs", ".hs", ".erl", ".clj", ".lua", ".pl", ".pm", ".r", ".dart", ".vue",
    ".svelte", ".pyx", ".pxd", ".ps1", ".psm1", ".vb", ".fs", ".kts", ".rake", ".erb",
    ".cshtml", ".jsp",
)

_NAME = r"[A-Za-z_][\w.\-]{0,80}+"
#: ``name <sep> "value"``: the name run, optional closing quote/bracket, a separator, an
#: optional constructor (``new String(``, ``Some(``), a quoted value on the same line
_QUOTED = re.compile(
    r"(?<![\w.\-])(?P<name>" + _NAME + r""")['"\]]{0,2}+[ \t]{0,40}+"""
    r"""(?:=>|:=|\|\|=|\?\?=|=(?!=)|:(?!:)|(?P<call>,|\()|(?P<ws>(?<=[ \t])(?=['"])))"""
    r"""[ \t]{0,8}+"""
    r"""(?:(?:new[ \t]+[A-Za-z]\w{0,20}+|Some|String|str|b|u8|@|L|N)[ \t]*+\(?[ \t]*+)?"""
    r"""(?P<q>['"`])(?P<value>[^'"`\n\\]{1,4096}+)(?P=q)"""
)
#: ``name = value`` without quotes, in configuration-like text
_BARE = re.compile(
    r"(?<![\w.\-])(?P<name>" + _NAME + r")[ \t]{0,40}+(?:=|:(?!//))[ \t]{0,8}+"
    r"""(?P<value>[^\s'"`,;<>(){}\[\]]{4,400}+)(?=[\s,;]|$)"""
)
#: ``--password s3cr3t``, ``--token=abc``, ``-Password 'x'`` (PowerShell)
_FLAG = re.compile(
    r"(?<![\w\-])--?(?P<name>[A-Za-z][\w\-]{0,40}+)(?:=|[ \t]{1,4}+)"
    r"""(?P<q>['"]?)(?P<value>[^\s'"`|;&<>]{4,400}+)(?P=q)(?![^\s;&|])"""
)
#: ``NAME=value`` handed to a flag (``docker run -e NAME=value``)
_ENV_PAIR = re.compile(r"^(?P<name>[A-Za-z_][\w.]{0,80}+)=(?P<value>.+)$")
#: SQL: ``IDENTIFIED BY 'x'``, ``WITH PASSWORD 'x'``
_SQL = re.compile(
    r"""(?i)(?<!\w)(?P<name>identified[ \t]++by|password)[ \t]++'(?P<value>[^'\n]{1,200}+)'"""
)
#: an HTTP ``Authorization`` header as recorded (VCR cassettes, HAR files, curl commands, test
#: requests): ``Authorization: Bearer …``, ``"authorization": ["Basic …"]``, ``-H 'Authorization:
#: token …'``; the scheme's credential is judged (a Basic one decoded first)
_HEADER = re.compile(
    r"""(?i)(?<![\w-])(?:proxy-)?authorization['"]?[ \t]{0,4}+[:=,][ \t]{0,4}+[\[(]?[ \t]{0,4}+"""
    r"""(?:['"]value['"][ \t]{0,4}+:[ \t]{0,4}+)?['"]?"""
    r"""(?P<value>(?:bearer|basic|token|apikey)[ \t]++[A-Za-z0-9._~+/=-]{4,4096}+)"""
)
_HINT = re.compile(r"pass|pwd|secret|token|key|cred|auth|identified", re.IGNORECASE)
#: after a quoted literal: a key separator (``:``, ``=``, ``=>``, not ``::`` or ``==``), so the
#: literal is a key, not a value
_KEY_AFTER = re.compile(r"[ \t]{0,8}+(?::(?!:)|=(?!=))")


def comment_lines(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    """Secret-named pairs in the comment lines of a configuration file (``# password: …``):
    configuration commented out is still committed."""
    for assignment in read_lines(file, wanted):
        text = file.line_text(assignment.line).lstrip()
        if text.startswith(("#", "!", ";", "//")):
            yield assignment


def prose_like(file: SourceFile) -> bool:
    """Configuration or documentation text, where an unquoted value can be a literal."""
    if file.kind in CODE_KINDS or file.path.lower().endswith(_CODE_SUFFIXES):
        return False
    return file.kind in {"markdown", "other", "yaml", "sql", "makefile"}


def _pair(line: str, match: re.Match[str], wanted: NameFilter) -> bool:
    """Whether a quoted-value match binds a credential to its name.

    The name's last dotted part is judged (``mail.password`` is a password, ``password.encode``
    a call). A ``,`` binds only a quoted name (``put("password", "…")``, not a positional
    argument after a variable); ``(`` only a setter named for the credential
    (``setPassword("…")``, not ``askPassword("…")``); a blank only a strong name
    (``PASSWORD 'x'``, not ``key "…"`` in prose). A literal followed by a key separator is
    the next pair's key (``Pass "confirm": true``), never the name's value."""
    name = match.group("name").strip(".-")
    last = name.rsplit(".", 1)[-1]
    if not wanted(last):
        return False
    if _KEY_AFTER.match(line, match.end()):
        # the quoted "value" is the next pair's key: ``'Pass "confirm": true to confirm'``
        # (an error message), ``{password "user": …}``: no value bound to the name
        return False
    call = match.group("call")
    if call == ",":
        before = line[match.start("name") - 1 : match.start("name")]
        after = line[match.end("name") : match.end("name") + 1]
        # ``put("password", "…")``: a quoted name, and the call ends after the value (not a
        # list of labels ``{"User", "Password", "Host"}``)
        closing = line[match.end() :].lstrip()[:1]
        # ... and the name is the call's first argument (not "detect-secrets" in the middle
        # of a tuple of tool names)
        opening = line[: match.start("name") - 1].rstrip()[-1:]
        return before in ("'", '"') and after == before and closing == ")" and opening == "("
    if call == "(":
        return last[:3].lower() == "set" and last[3:4].isupper()
    if match.group("ws") is not None:
        return secret_strength(last) is Strength.STRONG
    return True


def code_lines(text: str) -> set[int]:
    """The 1-based numbers of the lines of a Markdown document's code blocks (fenced or
    indented): what a reader copies and runs. Its prose ("detect-secrets: precision 0.31",
    "Password: the user's own") names credentials without holding any."""
    from markdown_it import MarkdownIt  # imported on use

    lines: set[int] = set()
    for token in MarkdownIt("commonmark").parse(text):
        if token.type in ("fence", "code_block", "html_block") and token.map is not None:
            lines.update(range(token.map[0] + 1, token.map[1] + 1))
    return lines


def read_lines(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    """Secret-named pairs of every line (see the module docstring); in Markdown, of the lines
    of its code blocks only."""
    bare = prose_like(file)
    sql = file.kind == "sql" or file.kind == "markdown"
    only = code_lines(file.text or "") if file.kind == "markdown" else None
    for number, line in enumerate(file.lines, 1):
        if len(line) > 8192 or not _HINT.search(line):
            continue
        if only is not None and number not in only:
            continue
        seen: set[int] = set()
        pos = 0
        while (match := _QUOTED.search(line, pos)) is not None:
            name = match.group("name").strip(".-")
            if _pair(line, match, wanted):
                seen.add(match.start("value"))
                yield Assignment(name, match.group("value"), number, match.start("value") + 1)
                pos = match.end()
            else:  # ``put("password", "…")``: the value may be the next pair's name
                pos = match.start("value")
        for match in _FLAG.finditer(line):
            if match.start("value") in seen:
                continue
            name, value, column = match.group("name"), match.group("value"), match.start("value")
            inner = _ENV_PAIR.match(value)
            if inner is not None:  # ``-e DB_PASSWORD=…``, ``--build-arg TOKEN=…``
                name, value = inner.group("name"), inner.group("value")
                column += inner.start("value")
            if wanted(name):
                seen.add(match.start("value"))
                yield Assignment(name, value, number, column + 1)
        if bare:
            for match in _BARE.finditer(line):
                name = match.group("name").strip(".-")
                if match.start("value") not in seen and wanted(name):
                    seen.add(match.start("value"))
                    yield Assignment(name, match.group("value"), number, match.start("value") + 1)
        for match in _HEADER.finditer(line):
            if match.start("value") not in seen:
                seen.add(match.start("value"))
                yield Assignment(
                    "Authorization", match.group("value"), number, match.start("value") + 1
                )
        if sql:
            for match in _SQL.finditer(line):
                if match.start("value") not in seen:
                    yield Assignment(
                        "password", match.group("value"), number, match.start("value") + 1
                    )
