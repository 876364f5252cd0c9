"""Where a credential was found, and where a secret-looking value is no credential at all.

"Judge where it matters" (docs/secrets.md): a credential's *place* decides what is reported
and whether it fails the gate. A test that logs in with ``"pizza"`` leaks nothing anyone can
use; a provider-issued key (``AKIA…``, ``ghp_…``, ``sk_live_…``) is live wherever it sits. So
outside ``source`` only issued provider formats are reported by default (the rule's
``outside_source`` parameter; ``all`` reports everything there, advisory unless certain).

Places:

- ``source``: the code and configuration a team ships (path class ``source``, ``tooling``,
  ``migration``);
- ``test``: tests (path class ``test``);
- ``dev-config``: configuration named for a development, CI or test environment
  (``settings/ci.py``, ``values-dev.yaml``);
- ``fixture``: recorded or canned data of tests (``fixtures/``, ``testdata/``, ``cassettes/``,
  ``.har`` recordings);
- ``example``: examples, samples and demos (path class ``example``, ``*.example.py``);
- ``docs``: prose documentation (Markdown, reStructuredText, AsciiDoc, text files, anything
  under ``docs/``).

Some files hold no credentials whatever their values look like (:func:`not_credentials`):
lockfiles, translation catalogues (by folder or by content), the throwaway stacks of CI and
tests, example and template copies of a configuration (``.env.example``,
``config.sample.yml``, ``*.dist``) and a Helm chart's default ``values.yaml``: documented
defaults. Issued provider keys are still reported there.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal

from charter.sources import SourceFile

Place = Literal["source", "test", "dev-config", "fixture", "example", "docs"]

#: dependency lockfiles: their keys are package names and their values versions
LOCKFILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "pnpm-lock.yaml",
        "yarn.lock",
        "bun.lock",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "Pipfile.lock",
        "pylock.toml",
        "Cargo.lock",
        "go.sum",
        "composer.lock",
        "Gemfile.lock",
        "mix.lock",
        "Package.resolved",
        "packages.lock.json",
        "gradle.lockfile",
        ".terraform.lock.hcl",
    }
)
#: folders of translation catalogues: their keys name UI labels ("PASSWORD": "Passwort")
_I18N_DIRS = frozenset(
    {"locale", "locales", "lang", "langs", "i18n", "l10n", "intl", "translations", "messages"}
)
_I18N_KINDS = frozenset({"json", "yaml", "properties", "toml", "other", "javascript", "typescript"})
#: documented defaults and templates of configuration, not configuration in use
_EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tmpl", ".tpl")
_DOCS_KINDS = frozenset({"markdown"})
_DOCS_SUFFIXES = (".rst", ".adoc", ".asciidoc", ".txt", ".markdown")
_DOCS_DIRS = frozenset({"docs", "doc", "documentation", "man"})
_FIXTURE_DIRS = frozenset(
    {
        "fixtures",
        "fixture",
        "__fixtures__",
        "testdata",
        "test-data",
        "test_data",
        "cassettes",
        "vcr_cassettes",
        "recordings",
        "snapshots",
        "__snapshots__",
        "mocks",
        "__mocks__",
        "stubs",
    }
)
_FIXTURE_SUFFIXES = (".har", ".snap")

#: the compose stacks of CI, tests and development (a CI workflow's own ``services:`` are left
#: out by the YAML reader; the rest of a workflow is judged: a release job's secret is real)
_CI_CONFIG = re.compile(
    r"(?:^|/)(?:\.ci/"
    r"|(?:docker-)?compose[._-](?:[\w.-]*[._-])?(?:ci|test|tests|testing|dev|development|local"
    r"|e2e|cypress|override)(?:[._-][\w.-]*)?\.ya?ml$)"
)
#: ``config.example.yml``, ``sentry.conf.sample.py``, ``receivers.example.yaml``
_EXAMPLE_NAME = re.compile(r"[._-](?:example|sample|template|dist)[._-]")
#: configuration named for a development, CI or test environment: ``settings/ci.py``,
#: ``local_dev.py``, ``values-dev.yaml``, ``k8s/dev/...``, ``dev-auth-configmap.yaml``
_DEV_CONFIG = re.compile(
    r"(?:^|[/._-])(?:dev|devel|development|local|ci|test|testing|e2e)(?=[/._-])"
)
#: Python is configuration only as a settings module (``settings/ci.py``,
#: ``config_local.py``); ``flask/testing.py`` is a library's code
_SETTINGS_MODULE = re.compile(r"(?:^|/)(?:settings|config|configs|conf)/|settings|config")
_CONFIG_FILE = re.compile(r"\.(?:ya?ml|json|toml|ini|cfg|conf|env|py|properties|hcl)$")
#: a chart's values.yaml sits next to its Chart.yaml (any depth)
_CHART_VALUES = re.compile(r"(?:^|/)values\.ya?ml$")


#: JSON ``"key": "value"`` and YAML ``key: value`` pairs with a string value
_JSON_PAIR = re.compile(r'"[^"\n]{1,200}+"[ \t]*+:[ \t]*+"(?P<value>[^"\n]{0,400}+)"')
_YAML_PAIR = re.compile(r"^[ \t]*+[\w.-]{1,200}+:[ \t]++(?P<value>[^\n#]{1,400}+)$", re.MULTILINE)
_PROSE = re.compile(r"\S[ \t]+\S|[^\x00-\x7f]")


def _prose_catalogue(text: str, sample: int = 200_000) -> bool:
    """An i18n catalogue or a description file, recognised by content: at least 10 string
    values, 60% of them prose (words separated by blanks, or non-ASCII letters)."""
    head = text[:sample]
    values = [m.group("value") for m in _JSON_PAIR.finditer(head)]
    if len(values) < 10:
        values = [m.group("value").strip().strip("'\"") for m in _YAML_PAIR.finditer(head)]
    if len(values) < 10:
        return False
    prose = sum(1 for v in values if _PROSE.search(v))
    return prose >= 0.6 * len(values)


def not_credentials(file: SourceFile) -> str | None:
    """Why no value of this file is a credential, whatever it looks like (issued provider
    keys are still reported), or None."""
    name = PurePosixPath(file.path).name
    if name in LOCKFILES:
        return "a lockfile: its keys are package names"
    if file.kind in _I18N_KINDS and _I18N_DIRS & set(file.path.lower().split("/")[:-1]):
        return "a translation catalogue: its keys name UI labels"
    if file.kind in ("json", "yaml") and _prose_catalogue(file.text or ""):
        return "a catalogue of text (most values are sentences): its keys name UI labels"
    if _CI_CONFIG.search(file.path):
        return "a CI, test or development stack: throwaway services and their default secrets"
    lowered = name.lower()
    if lowered.endswith(_EXAMPLE_SUFFIXES) or (
        _EXAMPLE_NAME.search(lowered) and _CONFIG_FILE.search(lowered)
    ):
        return "an example or template of a configuration: documented defaults"
    if lowered in ("values.yaml", "values.yml") and _CHART_VALUES.search(file.path):
        return "a Helm chart's default values, documented for users to override"
    return None


def place_of(file: SourceFile) -> Place:
    """Where a finding in this file sits (see the module docstring)."""
    lowered = PurePosixPath(file.path).name.lower()
    folders = set(file.path.lower().split("/")[:-1])
    if file.kind in _DOCS_KINDS or lowered.endswith(_DOCS_SUFFIXES):
        return "docs"
    if folders & _FIXTURE_DIRS or lowered.endswith(_FIXTURE_SUFFIXES):
        return "fixture"
    if file.path_class == "test":
        return "test"
    if file.path_class == "example":
        return "docs" if folders & _DOCS_DIRS else "example"
    if lowered.endswith(_EXAMPLE_SUFFIXES) or _EXAMPLE_NAME.search(lowered):
        return "example"  # (an example copy of a configuration is not judged at all)
    if (
        _CONFIG_FILE.search(lowered)
        and _DEV_CONFIG.search(file.path.lower())
        and (not lowered.endswith(".py") or _SETTINGS_MODULE.search(file.path.lower()))
    ):
        return "dev-config"
    return "source"


#: how a message names each place outside ``source``
PLACE_NOTE: dict[str, str] = {
    "test": "in a test",
    "dev-config": "in a development, CI or test configuration",
    "fixture": "in a test fixture",
    "example": "in an example",
    "docs": "in documentation",
}
