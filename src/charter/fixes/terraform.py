"""Terraform fix: a provider constraint ``>= X.Y`` becomes ``~> X.Y`` (unsafe: the bound narrows).

``~> X.Y`` allows ``X.Y`` and later releases of major version ``X`` (``>= X.Y, < X+1.0``): the
same lower bound, with the upper bound the rule asks for. Unsafe, since a configuration that
already runs on a later major version no longer installs it. Only a constraint that is exactly
``>= X.Y`` (two numbers) is rewritten: ``>= X.Y.Z`` as ``~> X.Y.Z`` would allow patch releases
only, and ``~> X.Y`` would lower the bound. The edit touches the version string on the finding's
line and nothing else: the file stays byte-identical elsewhere (comments, alignment, line
endings).
"""

from __future__ import annotations

import re
from typing import ClassVar

from charter.fixes.base import Applicability, Edit, TextFixer

#: ``version = ">= 4.0"`` on one line (the constraint alone in its string; the analyzer marks
#: the constraints :data:`charter.analyzers.terraform.providers.FIXABLE` matches)
VERSION_AT_LEAST = re.compile(rb'(\bversion\s*=\s*")\s*>=\s*(\d+\.\d+)\s*(")')


class TerraformPinnedProvidersFixer(TextFixer):
    """``version = ">= X.Y"`` -> ``version = "~> X.Y"`` on the reported lines."""

    analyzer: ClassVar[str] = "terraform-pinned-providers"

    def fix_text(self, source: bytes) -> bytes:
        lines = source.splitlines(keepends=True)
        for number in sorted(self.lines):
            if not 0 < number <= len(lines):
                continue
            line = lines[number - 1]
            match = VERSION_AT_LEAST.search(line)
            if match is None:
                continue
            version = match.group(2).decode()
            if not self._allow(number, f"`>= {version}` -> `~> {version}`"):
                continue
            lines[number - 1] = VERSION_AT_LEAST.sub(rb"\1~> \2\3", line, count=1)
        return b"".join(lines)

    def _allow(self, line: int, description: str) -> bool:
        applied = self.unsafe
        self.edits.append(Edit(self.rule, line, Applicability.UNSAFE, description, applied))
        return applied
