"""Kubernetes fix: a container without ``livenessProbe``/``readinessProbe`` gets ``httpGet``
probes of the app's own health route on the container's port (unsafe: a probe that fails
restarts the pod or takes it out of service).

What to write comes with the finding (``Finding.fix_args``, from the ``health-checks`` rule,
which knows the routes the code serves and the ports the container and its image declare):
the path of each missing probe, the port, and the column of the container's keys. The rule
offers it only for a block mapping in plain YAML (no ``{{ }}`` template), a container that runs
an image this repository builds, one app with health routes in that image's project and one
known port. The edit is a line insertion after the container's last line (its keys, nested
values and block scalars: every line indented at least as deep as its keys), so comments,
quoting, key order and line endings stay as they are, byte for byte, everywhere else.

No Dockerfile ``HEALTHCHECK`` fix: the rule reports a Dockerfile only when the code of its
project exposes no health route, so there is no route of the app's own to build one from.
"""

from __future__ import annotations

import json
import re
from typing import ClassVar

from charter.fixes.base import Applicability, Edit, TextFixer

#: a path written as a plain YAML scalar; anything else is double-quoted
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
_EOL = re.compile(rb"\r\n|\r|\n")
PROBES = ("livenessProbe", "readinessProbe")


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _scalar(path: str) -> str:
    return path if _PLAIN_PATH.fullmatch(path) else json.dumps(path)


class KubernetesProbesFixer(TextFixer):
    """Insert the missing ``httpGet`` probes into the reported containers."""

    analyzer: ClassVar[str] = "health-checks"

    def fix_text(self, source: bytes) -> bytes:
        if b"{{" in source or b"{%" in source:
            return source  # a template: its lines are not the manifest that is applied
        lines = source.splitlines(keepends=True)
        # from the last container up, so that an insertion does not move the next one
        for number in sorted((n for n in self.args if n in self.lines), reverse=True):
            args = self.args[number]
            probes = [(p, args[p]) for p in PROBES if p in args]
            port, indent = args.get("port"), args.get("indent")
            if not probes or not port or not port.isdigit() or not (indent or "").isdigit():
                continue
            placed = self._place(lines, number, int(indent or 0), [p for p, _ in probes])
            if placed is None:
                continue
            after, present, keys = placed
            if keys.get("name") != args.get("name") or keys.get("image") != args.get("image"):
                continue  # not the container the audit reported (the file has changed)
            probes = [(p, path) for p, path in probes if p not in present]
            if not probes:
                continue
            shown = " and ".join(p for p, _ in probes)
            routes = ", ".join(dict.fromkeys(path for _, path in probes))
            if not self._allow(number, f"add {shown} (httpGet {routes}, port {port})"):
                continue
            last = lines[after]
            eol_match = _EOL.search(last)
            eol = eol_match.group(0) if eol_match else self._eol(source)
            if eol_match is None:
                lines[after] = last + eol
            pad = " " * int(indent or 0)
            block = []
            for probe, path in probes:
                block += [
                    f"{pad}{probe}:",
                    f"{pad}  httpGet:",
                    f"{pad}    path: {_scalar(path)}",
                    f"{pad}    port: {port}",
                ]
            lines[after + 1 : after + 1] = [b.encode() + eol for b in block]
        return b"".join(lines)

    @staticmethod
    def _eol(source: bytes) -> bytes:
        found = _EOL.search(source)
        return found.group(0) if found else b"\n"

    @staticmethod
    def _place(
        lines: list[bytes], number: int, indent: int, probes: list[str]
    ) -> tuple[int, set[str], dict[str, str]] | None:
        """The index of the container's last line (the one to insert after), the probes it
        already has and its one-line ``name``/``image`` values; None when the finding's line
        does not start a sequence item whose keys sit at ``indent`` (the file is not the one
        the audit read)."""
        if not 0 < number <= len(lines):
            return None
        first = lines[number - 1].decode("utf-8", errors="replace").rstrip("\r\n")
        if len(first) <= indent or not re.fullmatch(r" *- [ -]*", first[:indent]):
            return None
        if first[indent] in " \t#{[":
            return None
        last, present = number - 1, set()
        keys: dict[str, str] = {}
        for index in range(number - 1, len(lines)):
            text = lines[index].decode("utf-8", errors="replace").rstrip("\r\n")
            stripped = text[indent:].strip() if index == number - 1 else text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if index > number - 1 and (_indent(text) < indent or text.startswith(("---", "..."))):
                break
            last = index
            if index == number - 1 or _indent(text) == indent:
                key, _, value = stripped.partition(":")
                key = key.strip("\"'")
                if key in probes:
                    present.add(key)
                value = re.sub(r"\s+#.*$", "", value).strip().strip("\"'")
                keys.setdefault(key, value)
        return last, present, keys

    def _allow(self, line: int, description: str) -> bool:
        applied = self.unsafe
        self.edits.append(Edit(self.rule, line, Applicability.UNSAFE, description, applied))
        return applied


__all__ = ["KubernetesProbesFixer"]
