"""The optional second stage of ``no-hardcoded-secrets``: CredSweeper's model judges the values
charter's own judge leaves out (``ml_validator: true``, needs ``pip install 'charter[ml]'``).

charter proposes: every literal under a credential-like name that its value judge calls a
look-alike (a UUID, an identifier, a plain word, a placeholder-looking value). CredSweeper
(https://github.com/Samsung/CredSweeper) disposes: the candidate *lines* of one file are handed
to its scanner as a :class:`StringContentProvider` (its rules and value filters run on those
lines only, with the file's path for its path features), and the candidates that need it go
through its ONNX model (``MlValidator.validate_groups``), as its own ``post_processing`` does.
A line it keeps is reported, advisory. The model reads text only: nothing audited is imported
or run. Its values never leave this module (only line numbers do).

CredSweeper's model was trained on Samsung's CredData, so figures measured on CredData
(``benchmarks/secrets_creddata.py --tools charter,charter-ml``) are in-sample and optimistic.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

#: the ``pip`` extra that installs the stage
EXTRA_HINT = "pip install 'charter[ml]'"
#: lines longer than this are not handed to the model (minified code, data blobs)
MAX_LINE_CHARS = 4000


@dataclass(frozen=True)
class Verdict:
    """What the judge found on a line it keeps: the variable (may be empty) and the value."""

    name: str
    value: str


class MlJudge(Protocol):
    """Which of a file's candidate lines hold a credential."""

    def accepted(self, path: str, lines: Sequence[tuple[int, str]]) -> dict[int, Verdict]:
        """The lines, among ``lines`` (number, text), judged to hold a credential, with the
        name and value the judge found there (for the redacted message only)."""
        ...


def available() -> bool:
    """Whether the extra is installed (CredSweeper importable), without importing it."""
    return importlib.util.find_spec("credsweeper") is not None


class CredSweeperJudge:
    """CredSweeper's rules, filters and ML validator on given lines of one file."""

    def __init__(self) -> None:
        # imported here: CredSweeper, onnxruntime and pandas cost about a second to import
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # its own, at import time
            from credsweeper.app import CredSweeper
            from credsweeper.credentials.candidate_key import CandidateKey

        logging.getLogger("credsweeper").setLevel(logging.ERROR)
        self._key = CandidateKey
        # one thread for the model: the audit already runs one worker per core
        self._app: Any = CredSweeper(pool_count=1, ml_threads_limit=1)

    def accepted(self, path: str, lines: Sequence[tuple[int, str]]) -> dict[int, Verdict]:
        from credsweeper.file_handler.string_content_provider import StringContentProvider

        lines = [(n, t) for n, t in lines if len(t) <= MAX_LINE_CHARS]
        if not lines:
            return {}
        with warnings.catch_warnings():
            # the class is "to be removed from the public exports"; still the documented way
            # to scan text that is not a file on disk
            warnings.simplefilter("ignore", DeprecationWarning)
            provider = StringContentProvider(
                [t for _, t in lines], line_numbers=[n for n, _ in lines], file_path=path
            )
        candidates = self._app.file_scan(provider)
        keep: dict[int, Verdict] = {}
        groups: dict[Any, list[Any]] = {}
        for candidate in candidates:
            line_data = candidate.line_data_list[0]
            if not candidate.use_ml:  # a rule CredSweeper trusts without the model
                keep.setdefault(int(line_data.line_num), _verdict(line_data))
                continue
            groups.setdefault(self._key(line_data), []).append(candidate)
        if groups:
            grouped = list(groups.items())
            is_cred, _ = self._app.ml_validator.validate_groups(
                grouped, self._app.ml_batch_size, None
            )
            for (_, group), cred in zip(grouped, is_cred, strict=True):
                if cred:
                    line_data = group[0].line_data_list[0]
                    keep.setdefault(int(line_data.line_num), _verdict(line_data))
        return keep


def _verdict(line_data: Any) -> Verdict:
    return Verdict(str(line_data.variable or ""), str(line_data.value or ""))


_LOCK = threading.Lock()
_JUDGE: list[MlJudge] = []


def judge() -> MlJudge:
    """The process's judge, built on first use (the model loads once per worker)."""
    with _LOCK:
        if not _JUDGE:
            _JUDGE.append(CredSweeperJudge())
        return _JUDGE[0]
