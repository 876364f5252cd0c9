# charter: ignore-file[no-hardcoded-secrets] -- fake credentials planted on purpose
"""no-hardcoded-secrets on the classes of issue 15 (measured on CredData): detect everywhere
and judge by place, the value judge's look-alikes, and the formats the rule now reaches.

Each case is a small file written for the test (docs/secrets.md, "Detect everywhere, gate by
place" and "Measured on CredData")."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from helpers import audit_rule, write_tree

from charter import api, cli
from charter.analyzers.secrets.place import place_of
from charter.policy import PolicySet
from charter.sources import SourceFile

RULE = "no-hardcoded-secrets"
AWS_ID = "AKIAQ7FAKE2TESTQ7Z3M"
NKEY_SEED = "SUANACKPBDJXPHV5WRZQWONWUOT2O527F5X4U4ZE7BMILBS7JGHZDE5SZO"
SWARM = (
    "SWMTKN-1-l86wfpttkuy4v2er4jh5yyaqfsec2dqk545c6d4f3o2qfadvy1-wdt2t9b1yawy7ajqp56vupu5u"
)
JWK_D = "aTCRhwnZQqQmOR69pYamt7uzPVZDo7uR60dIRqITxh7"
PASSWORD = "Vq7-fake!Lm2x"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join(
        ["MIIEpAIBAAKCAQEA7fAkE0q9Zx3Lw5TnR2vB8yUj1Hc4Gm6Ke9Pd2Sf7Ya0Xb3Wc"] * 5
        + ["Qp8Tz1Lm4Vn7Rb2Kc5Xd9Hf3Jg6Ws0Ye8Ua1Ib4Oc7Pd2Qe5Rf9Sg3Th6Ui0Vj"]
    )
    + "\n-----END RSA PRIVATE KEY-----\n"
)


#: the sweep: secret-named literals and generic forms judged outside the project's source too
SWEEP = {"outside_source": "all"}
SWEEP_CONFIG = f"rules:\n  {RULE}:\n    params: {{outside_source: all}}\n"


def found(
    policies: PolicySet, tmp_path: Path, files: dict[str, str], params: dict | None = None
) -> list[str]:
    write_tree(tmp_path, files)
    report = audit_rule(policies, tmp_path, RULE, params)
    return sorted(f.where for f in report.findings if f.rule == RULE)


def audited(
    tmp_path: Path, files: dict[str, str], *, repo_config: bool = False
) -> list[tuple[str, bool, bool, str]]:
    """(where, certain, advisory, message) of the rule's findings under the default gate
    (``repo_config``: with the ``.charter.yml`` among ``files``)."""
    write_tree(tmp_path, files)
    report = api.audit(tmp_path, api.Options(use_cache=False, repo_config=repo_config))
    return sorted(
        (f.where, f.certain, f.advisory, f.message) for f in report.findings if f.rule == RULE
    )


# --- detect everywhere, gate by place ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "place"),
    [
        ("app/settings.py", "source"),
        ("scripts/deploy.sh", "source"),
        ("tests/test_login.py", "test"),
        ("spec/fixtures/cassettes/login.yml", "fixture"),
        ("tests/testdata/session.har", "fixture"),
        ("examples/client.py", "example"),
        ("config/app.example.yml", "example"),
        (".env.sample", "example"),
        ("docs/install.md", "docs"),
        ("README.md", "docs"),
        ("docs/conf/settings.py", "docs"),
        ("config/settings.ci.yaml", "dev-config"),
        ("deploy/k8s/dev/db-configmap.yaml", "dev-config"),
        ("src/flask/testing.py", "source"),
        ("app/config_local.py", "dev-config"),
    ],
)
def test_each_finding_has_a_place(path: str, place: str, tmp_path: Path) -> None:
    from charter.pathclass import PathClassifier

    file = SourceFile(tmp_path, path)
    file.path_class = PathClassifier().by_path(path)
    assert place_of(file) == place


def test_a_test_password_is_silent_by_default_and_advisory_in_the_sweep(tmp_path: Path) -> None:
    # a test that logs in with a plain word: the test's own value, not reported by default;
    # the sweep (outside_source: all) reports it (CredData calls it a credential), named as a
    # test's, never gating
    files = {
        "tests/test_login.py": 'def test_login(client):\n    client.login(password="pizzeria")\n',
        "spec/login_spec.rb": 'user.password = "letmein1"\n',
    }
    assert audited(tmp_path, files) == []
    got = audited(tmp_path, {**files, ".charter.yml": SWEEP_CONFIG}, repo_config=True)
    assert [(w, c, a) for w, c, a, _ in got] == [
        ("spec/login_spec.rb:1", False, True),
        ("tests/test_login.py:2", False, True),
    ]
    assert all("in a test;" in m for *_, m in got)
    assert all("pizzeria" not in m and "letmein1" not in m for *_, m in got)
    assert cli.main(["audit", str(tmp_path), "--no-cache"]) == 0


def test_in_a_test_file_an_issued_key_is_reported_and_a_password_only_in_the_sweep(
    policies: PolicySet, tmp_path: Path
) -> None:
    key_id = "AKIA" + "Z7FAKE3TESTW4X5N"  # a made-up key id in AWS's issued format
    files = {
        "tests/test_x.py": (
            f'KEY_ID = "{key_id}"\n'
            "def test_signup(client):\n"
            '    client.post("/signup", json={"password": "Hq7-fake!Zt2w"})\n'
        )
    }
    assert found(policies, tmp_path, files) == ["tests/test_x.py:1"]
    assert found(policies, tmp_path, files, SWEEP) == ["tests/test_x.py:1", "tests/test_x.py:3"]


def test_a_plain_word_in_source_stays_quiet(policies: PolicySet, tmp_path: Path) -> None:
    # the lenient judge is for advisory places only: `postgres` as a default in source is no
    # secret (docs/secrets.md)
    assert found(policies, tmp_path, {"app/db.py": 'connect(password="pizzeria")\n'}) == []


def test_provider_keys_gate_everywhere_private_keys_follow_the_class(tmp_path: Path) -> None:
    # a private key block is reported in source but gates nowhere by itself: committed
    # development and test keys are common (the ecosystem labels them noise); in a test it is
    # the test's own key, reported only by the sweep
    files = {
        "tests/fixtures/aws.json": f'{{"id": "{AWS_ID}"}}\n',
        "deploy/key.pem": PEM,
        "tests/data/key.pem": PEM,
    }
    got = audited(tmp_path, files)
    assert [(w, c, a) for w, c, a, _ in got] == [
        ("deploy/key.pem:1", False, True),
        ("tests/fixtures/aws.json:1", True, False),
    ]
    assert cli.main(["audit", str(tmp_path), "--no-cache", "--no-repo-config"]) == 1
    got = audited(tmp_path, {**files, ".charter.yml": SWEEP_CONFIG}, repo_config=True)
    assert [(w, c, a) for w, c, a, _ in got] == [
        ("deploy/key.pem:1", False, True),
        ("tests/data/key.pem:1", False, True),
        ("tests/fixtures/aws.json:1", True, False),
    ]


def test_a_key_id_in_a_presigned_url_is_reported_but_never_gates(tmp_path: Path) -> None:
    url = f"https://b.s3.amazonaws.com/f?X-Amz-Algorithm=AWS4&X-Amz-Credential={AWS_ID}%2F2020"
    got = audited(tmp_path, {"spec/fixtures/build.json": f'{{"output_url": "{url}"}}\n'})
    assert [(w, c, a) for w, c, a, _ in got] == [("spec/fixtures/build.json:1", False, True)]


# --- value first: look-alikes of the issue stay quiet -----------------------------------------


LOOKALIKES = {
    "pyproject entry points named auth": (
        "pyproject.toml",
        '[project.entry-points."app.plugins"]\nauth = "app.plugins.auth:AuthPlugin"\n'
        'oauth_token = "app.plugins.oauth:TokenPlugin"\n',
    ),
    "an email address in a test": (
        "tests/test_users.py",
        'auth_user = "jane.doe@example.com"\nsecret_contact = "ops+alerts@example.org"\n',
    ),
    "the base64 of a JWT header in a test": (
        "tests/test_jwt.py",
        'token_header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"\n',
    ),
    ".env.example placeholders": (
        ".env.example",
        "API_KEY=your-api-key-here\nDB_PASSWORD=changeme\nSECRET_KEY=<generate-one>\n",
    ),
    "fetch credentials include": (
        "tests/api.test.js",
        'fetch("/api", { credentials: "include" });\n'
        "fetch('/b', {credentials: 'same-origin'});\n",
    ),
    "an i18n catalogue outside a locale folder": (
        "src/strings.json",
        "{\n"
        + "".join(f'  "LABEL_{i}": "Ein Text für Feld {i}",\n' for i in range(12))
        + '  "LABEL_CURRENT_PASSWORD": "Aktuelles Passwort",\n'
        + '  "LABEL_NEW_PASSWORD": "Neues-Passwort"\n}\n',
    ),
    "DNS names under auth keys": (
        "config/app.yaml",
        "auth_domain: login.example-corp.com\nauthServer: sso.internal.example.net\n",
    ),
    "bcrypt, crypt and prefixed hashes": (
        "db/seeds.yml",
        "admin_password: $2b$12$Wq3fakeZp9Lw4xR8vN2kQeFAKEhashABCDEFGHIJKLMNOPQRSTu\n"
        "root_password: $6$rounds=5000$fakesalt$Xk3FAKEhashvaluefortestsonly\n"
        "token: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
    ),
    "runtime-generated values": (
        "bin/bootstrap.sh",
        'SECRET_KEY=$(openssl rand -hex 32)\nexport DB_PASSWORD="$(pwgen 24 1)"\n',
    ),
    "media types and dependency versions": (
        "bower.json",
        '{"name": "app", "dependencies": {"angular-auth-token": "~1.2.3",'
        ' "ng-token-auth": "^0.0.29-beta1"}, "accept_token": "application/vnd.api+json"}\n',
    ),
    "error messages": (
        "src/Messages.java",
        'String invalidPassword = "The password you entered is wrong";\n',
    ),
    "documented placeholders": ("config/app.yml", "secret_key_base: __TODO:_GENERATE__\n"),
    "a tuple of tool names in a test": (
        "tests/test_peers.py",
        'PEERS = ("semgrep", "bandit", "detect-secrets", "checkov")\n',
    ),
    "colours keyed by a status named pass": (
        "src/app/theme.py",
        'STATUS_COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "token": "#8250dfcc"}\n',
    ),
    "the prose of a Markdown page": (
        "docs/tools.md",
        "# Tools\n\n- detect-secrets: precision and recall measured on the same files.\n"
        "- Password: the one your administrator gave you, never written here.\n\n"
        "```yaml\nusername: admin\n```\n",
    ),
    "a call on a credential, a label in a message": (
        "app/Login.rb",
        "digest = password.encode('utf-8')\nflash('Incorrect password.', 'danger')\n",
    ),
}


@pytest.mark.parametrize("case", sorted(LOOKALIKES))
def test_lookalikes_of_the_issue_stay_quiet(
    case: str, policies: PolicySet, tmp_path: Path
) -> None:
    path, text = LOOKALIKES[case]
    assert found(policies, tmp_path, {path: text}) == []


# --- reach: what was missed -------------------------------------------------------------------


BASIC = base64.b64encode(f"deploy:{PASSWORD}".encode()).decode()
BASIC_PLACEHOLDER = base64.b64encode(b"deploy:password").decode()
REACHED = {
    ".env names ending in _KEY": (".env", "MAPBOX_KEY=pk9Xq2fakeLm7Rt4Wz8Vb\n", [1]),
    "terraform.tfstate attributes": (
        "infra/terraform.tfstate",
        '{"resources": [{"instances": [{"attributes": {\n  "password": "Tq7#fakeRds9x",\n'
        '  "master_password": "Hx4-fakeTn8q"\n}}]}]}\n',
        [2, 3],
    ),
    "YAML that does not parse": (
        "deploy/templates/db.yaml",
        "{{- if .Values.enabled }}\ndb:\n  password: Zt8#fakeRq2w\n{{- end }}\n",
        [3],
    ),
    "a recorded Bearer header": (
        "spec/fixtures/cassettes/login.yml",
        "request:\n  headers:\n    Authorization:\n    - Bearer 9fQ2xLm7fakeRt4Wz8Vb3Kc\n",
        [4],
    ),
    "a recorded Basic header, decoded": (
        "tests/fixtures/session.har",
        f'{{"headers": [{{"name": "Authorization", "value": "Basic {BASIC}"}}],\n'
        f' "other": [{{"name": "Authorization", "value": "Basic {BASIC_PLACEHOLDER}"}}]}}\n',
        [1],
    ),
    "NATS NKEY seeds": ("docs/nkeys.md", f"Your seed:\n\n    {NKEY_SEED}\n", [3]),
    "JWK private members": (
        "keys/jwk.json",
        f'{{"kty": "oct", "kid": "k1",\n "k": "{JWK_D}"}}\n',
        [2],
    ),
    "Swarm join tokens in Markdown": (
        "README.md",
        f"```sh\ndocker swarm join --token {SWARM} 10.0.0.1:2377\n```\n",
        [2],
    ),
    "a PEM block in a Ruby heredoc": ("lib/signer.rb", f"KEY = <<~PEM\n{PEM}PEM\n", [2]),
    ".mjs and .cjs": (
        "src/client.mjs",
        'export const client = { apiKey: "k7Fq2fakeZp9Lw4xR8vN" };\n',
        [1],
    ),
    "TOML": ("config/app.toml", '[db]\npassword = "Zt8#fakeRq2w"\n', [2]),
    ".conf": ("etc/app.conf", "db_password = Zt8#fakeRq2w\n", [1]),
    ".properties": ("src/main/resources/app.properties", "db.password=Zt8#fakeRq2w\n", [1]),
    "Java, C#, PHP and SQL literals": (
        "src/Db.java",
        'String dbPassword = "Zt8#fakeRq2w";\nprops.put("password", "Hx4-fakeTn8q");\n'
        'ds.setPassword("Pz3!fakeKm9w");\n',
        [1, 2, 3],
    ),
    "SQL": ("db/init.sql", "CREATE USER app IDENTIFIED BY 'Zt8#fakeRq2w';\n", [1]),
    "a command-line flag": (
        "docs/run.md",
        "    docker run -e DB_PASSWORD=Zt8#fakeRq2w app\n    mysql --password=Hx4-fakeTn8q\n",
        [1, 2],
    ),
    "configuration commented out": (
        "config/application.yml",
        "db:\n  user: app\n#  password: Zt8#fakeRq2w\n",
        [3],
    ),
    "a URL with userinfo in any scheme": (
        "contrib/usql-config",
        'DB="pgx://app:Zt8fakeRq2w@localhost"\n',
        [1],
    ),
}


@pytest.mark.parametrize("case", sorted(REACHED))
def test_formats_of_the_issue_are_reached(
    case: str, policies: PolicySet, tmp_path: Path
) -> None:
    # reach is measured by the sweep (CredData labels test and docs credentials too)
    path, text, lines = REACHED[case]
    assert found(policies, tmp_path, {path: text}, SWEEP) == [f"{path}:{n}" for n in lines]


def test_nkey_seeds_and_swarm_tokens_gate_everywhere(tmp_path: Path) -> None:
    got = audited(
        tmp_path,
        {"docs/nkeys.md": f"    {NKEY_SEED}\n", "examples/join.sh": f"TOKEN={SWARM}\n"},
    )
    assert [(w, c) for w, c, _, _ in got] == [
        ("docs/nkeys.md:1", True),
        ("examples/join.sh:1", True),
    ]
    assert all(NKEY_SEED[:10] not in m and SWARM[:14] not in m for *_, m in got)


# --- linear time: the line scan on lines just under its 8 KiB cap ------------------------------

LINE_ADVERSARIAL = {
    "setter": "setPassword(" * 600,
    "quoted names": '"password", ' * 650,
    "flags": "--password " * 700,
    "headers": "authorization: " * 500,
    "sql": "IDENTIFIED BY " * 550,
    "pairs": "password=" * 850,
    "names": "a" * 8000,
    "blanks": "password" + " " * 8000,
    "quotes": "password = '" + "'" * 8000,
    "versions": "token: " + "1.11" * 1900,
    "urls": "://a:" * 1500,
    "jwk": "\"kty\" k:'" + "A" * 7900,
}


@pytest.mark.parametrize("name", sorted(LINE_ADVERSARIAL))
def test_the_line_scan_is_linear(tmp_path: Path, name: str) -> None:
    from test_unscanned import BOUND_S, _timed_scan

    body = (LINE_ADVERSARIAL[name] + "\n") * 130  # about 1 MB
    for rel in ("README.md", "App.java", "tests/spec.rb", "tests/app_test.go"):
        write_tree(tmp_path, {rel: f'{body}AWS_ACCESS_KEY_ID = "{AWS_ID}"\n'})
        took, findings = _timed_scan(tmp_path, rel)
        assert took < BOUND_S, f"{name} in {rel}: {took:.1f} s"
        assert [line for line, m in findings if "AWS access key" in m] == [131], rel
        (tmp_path / rel).unlink()
