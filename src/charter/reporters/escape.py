"""Text from the audited repository is data in every output format, never control.

File names, finding messages, suppression ids, git branch names and the text of a repository's
own policy folder all reach the reports. Linux allows a newline or an ESC byte in a file name,
so without care a name can start a line with a GitHub workflow command (``::error …``), move
the cursor or recolour a terminal, or make a JUnit file ill-formed. Every reporter passes such
text through this module:

- :func:`visible` for the human formats (text, github, markdown, junit and the messages of
  SARIF): every C0 and C1 control character, DEL, the bidirectional-override characters used
  by "Trojan Source", the line and paragraph separators, lone surrogates and the XML
  non-characters U+FFFE/U+FFFF are shown as escapes (``\\n``, ``\\x1b``, ``\\u202e``). The result
  is one line of printable text that XML 1.0 accepts.
- :func:`json_safe` for JSON text (the JSON and SARIF formats): the same characters become
  JSON ``\\uXXXX`` escapes. That is lossless (a consumer parsing the JSON gets the exact
  value back), and no raw control byte is left in the file.
"""

from __future__ import annotations

import re

_BEYOND_C0 = (
    "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufeff\ufffe\uffff"
)
#: the characters never written as they are
UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
#: those a JSON serialiser leaves raw inside strings (it escapes C0 itself, and C0 whitespace
#: outside strings is JSON's own layout)
_JSON_UNSAFE = re.compile(f"[{_BEYOND_C0}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match[str]) -> str:
    char = match[0]
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep: str = "") -> str:
    """``text`` with every unsafe character shown as an escape; the characters in ``keep``
    (a reporter that escapes line breaks its own way) are left as they are."""
    if not UNSAFE.search(text):
        return text
    if keep:
        return UNSAFE.sub(lambda m: m[0] if m[0] in keep else _shown(m), text)
    return UNSAFE.sub(_shown, text)


def json_safe(serialized: str) -> str:
    """JSON text with every unsafe character that a serialiser left raw (C1 controls, DEL,
    bidirectional overrides, separators, lone surrogates) written as a ``\\uXXXX`` escape.

    Outside strings JSON text is ASCII, so each such character is inside a string, where the
    escape stands for exactly the same character."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", serialized)
