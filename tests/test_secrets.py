# charter: ignore-file[no-hardcoded-secrets] -- fake keys in real formats, planted on purpose
"""no-hardcoded-secrets: redaction, detector policy files, the value and name judges, the
Python prefilter, and fingerprints that survive moving lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import audit_rule, write_tree

from charter import api, cli
from charter.analyzers.base import Emitter, NoParams
from charter.analyzers.secrets import SecretsAnalyzer, python_tree, structured
from charter.analyzers.secrets.names import Strength, secret_strength
from charter.analyzers.secrets.values import lookalike_reason
from charter.errors import PolicyError
from charter.policy import PolicySet, load_policies
from charter.redact import redact, scrub, secret_key
from charter.sources import SourceFile

RULE = "no-hardcoded-secrets"
AWS_ID = "AKIAQ7FAKE2TESTQ7Z3M"
GH_TOKEN = "ghp_FAKEa1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"


def _findings(policies: PolicySet, root: Path) -> list[tuple[str, int, str]]:
    report = audit_rule(policies, root, RULE)
    return [(f.path, f.line, f.message) for f in report.findings if f.rule == RULE]


# --- redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (AWS_ID, "AKIA…(20 chars)"),
        ("hunter22", "h…(8 chars)"),
        ("abc", "…(3 chars)"),
        ("x" * 200, "xxxx…(200 chars)"),
        ("a\nbcdefghij", "a?…(11 chars)"),
    ],
)
def test_redact_shows_at_most_four_characters_and_the_length(value: str, shown: str) -> None:
    assert redact(value) == shown


def test_secret_key_is_stable_and_does_not_contain_the_value() -> None:
    assert secret_key(AWS_ID) == secret_key(AWS_ID)
    assert secret_key(AWS_ID) != secret_key(AWS_ID[:-1] + "Y")
    assert AWS_ID not in secret_key(AWS_ID)


def test_scrub_replaces_every_occurrence() -> None:
    text = f"error: bad key {AWS_ID} (key {AWS_ID})"
    assert scrub(text, AWS_ID) == "error: bad key AKIA…(20 chars) (key AKIA…(20 chars))"


def test_messages_are_redacted(policies: PolicySet, tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": f'KEY = "{AWS_ID}"\n', "cfg.yaml": f"token: {GH_TOKEN}\n"})
    found = _findings(policies, tmp_path)
    assert [(p, n) for p, n, _ in found] == [("app.py", 1), ("cfg.yaml", 1)]
    for _, _, message in found:
        assert AWS_ID not in message and GH_TOKEN not in message
        assert AWS_ID[:5] not in message and GH_TOKEN[:5] not in message


def test_an_internal_error_never_quotes_the_file(
    policies: PolicySet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(file: SourceFile, wanted: object) -> None:
        raise ValueError(f"cannot parse {file.text!r}")

    monkeypatch.setitem(structured.READERS, "dotenv", explode)
    write_tree(tmp_path, {".env": "DB_PASSWORD=Zq8!fakeTw92\n"})
    report = audit_rule(policies, tmp_path, RULE)
    result = next(r for r in report.rules if r.id == RULE)
    assert result.status.value == "error"
    assert "ValueError" in result.message
    assert "Zq8!fakeTw92" not in report.model_dump_json()


def test_fingerprint_survives_the_secret_moving_lines(policies: PolicySet, tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": f'PASSWORD = "Zq8!fakeTw92"\nKEY = "{AWS_ID}"\n'})
    before = {f.message: f.fingerprint for f in audit_rule(policies, tmp_path, RULE).findings}
    write_tree(
        tmp_path,
        {"app.py": f'"""Doc."""\n\nimport os\n\nKEY = "{AWS_ID}"\n\nPASSWORD = "Zq8!fakeTw92"\n'},
    )
    after = audit_rule(policies, tmp_path, RULE).findings
    assert sorted(f.line for f in after) == [5, 7]
    assert {f.message: f.fingerprint for f in after} == before


# --- detectors as policy data -------------------------------------------------------------------


def _user_policies(tmp_path: Path, detector_yaml: str) -> Path:
    folder = tmp_path / "policies"
    write_tree(folder, {"secrets/custom.yaml": detector_yaml, "rules/.keep": ""})
    return folder


def test_a_user_folder_adds_and_disables_detectors(tmp_path: Path) -> None:
    folder = _user_policies(
        tmp_path,
        """\
detectors:
  - id: acme-api-key
    description: ACME API key
    regex: '(?P<secret>acme_[a-z0-9]{24})'
    keywords: [acme_]
    entropy: 3.0
  - id: github-classic-token
    description: GitHub personal access token (classic)
    regex: 'ghp_[A-Za-z0-9]{36}'
    keywords: [ghp_]
    enabled: false
""",
    )
    repo = write_tree(
        tmp_path / "repo",
        {"notes.md": f"acme: acme_q8w7e6r5t4y3u2i1o9p8a7s6\ngithub: {GH_TOKEN}\n"},
    )
    found = _findings(load_policies([folder]), repo)
    assert [(p, n) for p, n, _ in found] == [("notes.md", 1)]
    assert found[0][2].startswith("ACME API key acme…(29 chars)")


@pytest.mark.parametrize(
    ("detector", "field"),
    [
        ("  - id: bad\n    description: broken\n    regex: '(unclosed'\n    keywords: [x]\n",
         "detectors.0.regex"),
        ("  - id: bad\n    description: extra field\n    regex: 'x'\n    keywords: [x]\n"
         "    severity: high\n", "detectors.0.severity"),
        ("  - id: bad\n    description: no keywords\n    regex: 'x'\n", "detectors.0.keywords"),
        ("  - id: Not_Kebab\n    description: bad id\n    regex: 'x'\n    keywords: [x]\n",
         "detectors.0.id"),
    ],
)
def test_a_bad_detector_file_names_the_file_and_field(
    tmp_path: Path, detector: str, field: str
) -> None:
    folder = _user_policies(tmp_path, "detectors:\n" + detector)
    analyzer = SecretsAnalyzer(NoParams())
    with pytest.raises(PolicyError) as exc:
        analyzer.bind(load_policies([folder]))
    assert str(folder / "secrets" / "custom.yaml") in str(exc.value)
    assert f"field '{field}'" in str(exc.value)


def test_a_bad_detector_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _user_policies(tmp_path, "detectors:\n  - id: bad\n    regex: 'x'\n")
    repo = write_tree(tmp_path / "repo", {"app.py": "x = 1\n"})
    code = cli.main(["audit", str(repo), "--policies", str(folder)])
    err = capsys.readouterr().err
    assert code == 2
    assert "custom.yaml" in err and "detectors.0" in err


def test_builtin_detectors_cover_the_promised_providers() -> None:
    analyzer = SecretsAnalyzer(NoParams())
    analyzer.bind(load_policies())
    assert analyzer.detectors is not None
    ids = {d.id for d in analyzer.detectors.detectors}
    for expected in (
        "aws-access-key-id", "aws-secret-access-key", "gcp-service-account-key", "gcp-api-key",
        "azure-storage-account-key", "azure-shared-access-key", "github-classic-token",
        "github-fine-grained-token", "github-app-token", "github-oauth-token",
        "gitlab-personal-token", "slack-token", "slack-webhook", "stripe-secret-key",
        "twilio-api-key", "sendgrid-api-key", "openai-api-key", "anthropic-api-key",
        "npm-access-token", "pypi-upload-token", "jwt", "private-key", "database-url-password",
        "broker-url-password",
    ):
        assert expected in ids


# --- the judges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "strength"),
    [
        ("password", Strength.STRONG),
        ("DB_PASSWORD", Strength.STRONG),
        ("dbPassword", Strength.STRONG),
        ("client_secret", Strength.STRONG),
        ("PRIVATE_KEY", Strength.STRONG),
        ("api_key", Strength.WEAK),
        ("apiKey", Strength.WEAK),
        ("GITHUB_TOKEN", Strength.WEAK),
        ("auth", Strength.WEAK),
        ("password_hash", None),
        ("password_file", None),
        ("token_url", None),
        ("secretKeyRef", None),
        ("public_key", None),
        ("next_page_token", None),
        ("api_key_id", None),
        ("author", None),
        ("tokenizer", None),
        ("monkey", None),
        ("ingress_tls_secret", None),
        ("tlsSecret", None),
        ("tls_password", Strength.STRONG),
    ],
)
def test_secret_names(name: str, strength: Strength | None) -> None:
    assert secret_strength(name) is strength


@pytest.mark.parametrize(
    ("value", "strong", "reason"),
    [
        ("changeme", True, "placeholder"),
        ("change-me", True, "placeholder"),
        ("your-api-key-here", False, "placeholder"),
        ("<your-token>", False, "reference"),
        ("${DB_PASSWORD}", True, "reference"),
        ("{{ .Values.token }}", False, "whitespace"),
        ("{{.Values.token}}", False, "reference"),
        ("xxxxxxxxxxxx", False, "mask"),
        ("ORDERS_API_KEY", False, "environment variable"),
        ("123e4567-e89b-12d3-a456-426614174000", False, "UUID"),
        ("sha512-Q2f5hGqE0nXbq3t9v1Jd2Kx0u8Yz7b1W9mCkGJd1rGk7Pq==", False, "integrity"),
        ("https://auth.example.com/token", False, "URL without credentials"),
        ("//www.fatsecret.com/calories-nutrition/search?q=x", True, "URL without credentials"),
        ("/run/secrets/db_password", True, "file path"),
        ("Enter your password", True, "whitespace"),
        ("%(password)s", True, "reference"),
        ("1.3.6.1.5.5.7.3.1", False, "number"),
        ("Proxy-Authorization", False, "name or label"),
        ("oidc_provider", False, "words or an identifier"),
        ("hunt2", True, "shorter"),
        ("(?:key|pwd|password|pass|token)", True, "regular expression"),
        ("allowCredentials", True, "name or label"),
        ("X-Auth-Token", False, "placeholder words"),
        ("gym:gym:reset-user-password", True, "namespaced name"),
    ],
)
def test_lookalike_values_stay_quiet(value: str, strong: bool, reason: str) -> None:
    got = lookalike_reason(value, strong=strong)
    assert got is not None and reason in got


@pytest.mark.parametrize(
    ("value", "strong"),
    [
        ("Zq8!fakeTw92", True),
        ("correct-horse-battery-staple-9", True),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY", True),
        ("a8f5f167f44f4964e6c998dee827110c", False),
        ("dGhpcyBpcyBmYWtlOmZha2UtcGFzcw==", False),
        ("//admin:Zq8fakeTw92x@db.internal/app", True),
        ("admin:s3cret-pass", True),
    ],
)
def test_credentials_are_not_mistaken_for_lookalikes(value: str, strong: bool) -> None:
    assert lookalike_reason(value, strong=strong) is None


# --- cost: a Python file is walked only when it holds a plausible secret, and never re-parsed ---


@pytest.mark.parametrize(
    ("code", "walked"),
    [
        ('import os\nTOKEN = os.environ["TOKEN"]\nkey = "name"\n', False),
        ('"""Docs: password = "changeme"."""\n', False),
        ('"""Docs: password = "Zq8!fakeTw92" in an example."""\n', True),  # the tree decides
        ("print(\"password = 'Zq8!fakeTw92'\")\n", True),
        ('DB_PASSWORD = "Zq8!fakeTw92"\n', True),
    ],
)
def test_python_files_are_walked_only_when_a_secret_is_plausible(
    tmp_path: Path, code: str, walked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[object] = []
    original = python_tree._Walk.run
    monkeypatch.setattr(
        python_tree._Walk, "run", lambda self, tree: (runs.append(tree), original(self, tree))
    )
    write_tree(tmp_path, {"app.py": code})
    file = SourceFile(tmp_path, "app.py")
    analyzer = SecretsAnalyzer(NoParams())
    out = Emitter(path="app.py")
    analyzer.check_file(file, out)
    assert bool(runs) is walked
    # the engine's shared ast tree is read: no second parser (LibCST) for the file
    assert "python_cst" not in file.__dict__
    assert all(tree is file.python_ast for tree in runs)
    # a docstring mention is never a finding: the tree decides
    assert bool(out.findings) is code.startswith("DB_PASSWORD")


def test_a_literal_the_line_hint_misses_is_placed_at_its_character_column(
    policies: PolicySet, tmp_path: Path
) -> None:
    # implicit concatenation and a literal on the next line: the regex hint sees neither, the
    # tree gives the place; "ü" is two bytes in UTF-8 but one column
    code = (
        'DB_PASSWORD = "Zq8!fakeTw93"\n'
        'connect(user="ü", password=("Zq8!" "fakeTw94"))\n'
        "connect(\n"
        "    token=\n"
        '        "Zq8!fakeTw95",\n'
        ")\n"
    )
    write_tree(tmp_path, {"app.py": code})
    report = audit_rule(policies, tmp_path, RULE)
    got = [(f.line, f.column, f.message.split(" ")[0]) for f in report.findings if f.rule == RULE]
    line2 = code.splitlines()[1]
    assert got == [
        (1, 15, "'DB_PASSWORD'"),
        (2, line2.index('("Zq8!') + 2, "'password'"),
        (5, 9, "'token'"),
    ]


@pytest.mark.skipif(
    __import__("sys").version_info >= (3, 14),
    reason="`except A, B:` parses natively from Python 3.14: no older form, no LibCST fallback",
)
def test_syntax_newer_than_the_interpreter_is_placed_from_the_files_own_lines(
    policies: PolicySet, tmp_path: Path
) -> None:
    # the ast tree of a rewritten older form (`except (A, B):`) has shifted columns: LibCST
    # places a literal the line hint misses (an implicit concatenation) at the file's column
    code = (
        "try:\n"
        '    DB_PASSWORD = "Zq8!fakeTw96"\n'
        'except ValueError, TypeError: connect(token=("Zq8!" "fakeTw97"))\n'
    )
    write_tree(tmp_path, {"app.py": code})
    assert SourceFile(tmp_path, "app.py").python_downgraded
    report = audit_rule(policies, tmp_path, RULE)
    got = [(f.line, f.column, f.message.split(" ")[0]) for f in report.findings if f.rule == RULE]
    line3 = code.splitlines()[2]
    assert got == [(2, 19, "'DB_PASSWORD'"), (3, line3.index('("Zq8!') + 2, "'token'")]


def test_binary_files_are_not_read_as_text(policies: PolicySet, tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"logo.png": b"\x89PNG\0" + AWS_ID.encode(), "blob.dat": b"\0" + AWS_ID.encode()},
    )
    report = audit_rule(policies, tmp_path, RULE)
    assert [f for f in report.findings] == []


def test_marked_fixture_lines_stay_quiet(policies: PolicySet, tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/settings.py": (
                'PASSWORD = "Zq8!fakeTw92"  # pragma: allowlist secret\n'
                f'KEY = "{AWS_ID}"  # gitleaks:allow\n'
                "# pragma: allowlist nextline secret\n"
                f'TOKEN = "{GH_TOKEN}"\n'
                'OTHER_PASSWORD = "Zq8!fakeTw93"\n'
            )
        },
    )
    assert [(p, n) for p, n, _ in _findings(policies, tmp_path)] == [("app/settings.py", 5)]


# --- gate: issued credentials are certain, generic ones follow the rule's class -----------------


def test_a_url_that_ends_with_its_slash_is_judged_not_crashed(
    policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {"compose.yml": "x:\n  URL: mongodb://ops:Zq8fakeTw92x@10.2.3.4:27017/\n  A: b\n"},
    )
    report = audit_rule(policies, tmp_path, RULE)
    status = next(r for r in report.rules if r.id == RULE)
    assert status.status.value == "fail"
    assert [(f.path, f.line) for f in report.findings] == [("compose.yml", 2)]


def test_an_issued_key_fails_the_default_gate_whatever_the_rule_class(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tests/test_login.py": f'KEY = "{AWS_ID}"\n'})
    assert cli.main(["audit", str(tmp_path), "--no-cache", "--no-repo-config"]) == 1
    (tmp_path / "tests/test_login.py").unlink()
    write_tree(tmp_path, {"app/settings.py": 'PASSWORD = "Zq8!fakeTw92"\n'})
    # a generic secret-named literal follows the rule's measured class
    gates = load_policies().rules[RULE].precision.gates
    report = api.audit(tmp_path, api.Options(use_cache=False, repo_config=False))
    found = [(f.path, f.advisory) for f in report.findings if f.rule == RULE]
    assert found == [("app/settings.py", not gates)]
    assert cli.main(["audit", str(tmp_path), "--no-cache", "--no-repo-config"]) == int(gates)


def test_a_google_api_key_is_reported_but_not_certain(tmp_path: Path) -> None:
    write_tree(tmp_path, {"web/maps.py": 'MAPS_KEY = "AIzaSyFAKE1x2y3z4A5B6C7D8E9F0g1h2i3j4k5"\n'})
    report = api.audit(tmp_path, api.Options(use_cache=False, repo_config=False))
    found = [f for f in report.findings if f.rule == RULE]
    assert [(f.path, f.line, f.certain) for f in found] == [("web/maps.py", 1, False)]
    assert found[0].advisory is not load_policies().rules[RULE].precision.gates
