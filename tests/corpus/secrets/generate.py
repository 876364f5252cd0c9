"""Generate the labelled secrets corpus: FAKE credentials in real formats, and look-alikes.

Run ``python tests/corpus/secrets/generate.py`` to rewrite ``files/`` and ``labels.yaml``.
Every value is produced by a seeded random generator (and carries FAKE/EXAMPLE where the format
allows letters): none is or was ever a real credential.

labels.yaml lists every planted line: ``{path, line, kind, label}`` where ``label`` is
``secret`` (a scanner must report this line) or ``lookalike`` (it must stay quiet here).
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import string
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "files"
rng = random.Random(20261122)

ALNUM = string.ascii_letters + string.digits
UPPER_B32 = string.ascii_uppercase + "234567"
B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"
HEX = "0123456789abcdef"
PW = string.ascii_letters + string.digits + "!#%&*-_"


#: every random value generated since the last line was written (to label the planted value)
recent: list[str] = []


def r(alphabet: str, n: int) -> str:
    value = "".join(rng.choice(alphabet) for _ in range(n))
    recent.append(value)
    return value


def remember(value: str) -> str:
    recent.append(value)
    return value


def fake(alphabet: str, n: int, marker: str = "FAKE") -> str:
    """n random characters with ``marker`` inside (when the alphabet allows it)."""
    if all(c in alphabet for c in marker) and n > len(marker) + 4:
        cut = rng.randint(2, n - len(marker) - 2)
        body = r(alphabet, n - len(marker))
        return remember(body[:cut] + marker + body[cut:])
    return r(alphabet, n)


def password() -> str:
    return remember("fake" + r(PW, 4) + rng.choice(string.digits) + r(PW, 6))


# --- provider formats --------------------------------------------------------------------


def aws_id() -> str:
    return remember("AKIA" + fake(UPPER_B32, 16))


def aws_secret() -> str:
    return remember(fake(B64, 40))


def gcp_api() -> str:
    return remember("AIza" + fake(B64URL, 35))


def gcp_oauth() -> str:
    return remember("GOCSPX-" + fake(B64URL, 28))


def azure_storage() -> str:
    return remember(fake(B64, 86) + "==")


def azure_sas() -> str:
    return remember(fake(B64, 42) + "A=")


def azure_ad() -> str:
    return remember(r(ALNUM, 3) + "8Q~" + fake(ALNUM + "_~.-", 34))


def gh(prefix: str) -> str:
    return remember(prefix + fake(ALNUM, 36))


def gh_fine() -> str:
    return remember("github_pat_" + fake(ALNUM, 22) + "_" + fake(ALNUM, 59))


def glpat() -> str:
    return remember("glpat-" + fake(ALNUM, 20))


def gldt() -> str:
    return remember("gldt-" + fake(ALNUM, 20))


def slack_bot() -> str:
    return remember(f"xoxb-{r(string.digits, 11)}-{r(string.digits, 12)}-{fake(ALNUM, 24)}")


def slack_user() -> str:
    return remember(f"xoxp-{r(string.digits, 11)}-{r(string.digits, 11)}-{r(string.digits, 12)}-{r(HEX, 32)}")


def slack_webhook() -> str:
    return remember(
        "https://hooks.slack.com/services/T"
        + r(string.ascii_uppercase + string.digits, 8)
        + "/B"
        + r(string.ascii_uppercase + string.digits, 10)
        + "/"
        + fake(ALNUM, 24)
    )


def stripe(prefix: str = "sk_live_") -> str:
    return remember(prefix + fake(ALNUM, 24))


def twilio_key() -> str:
    return remember("SK" + r(HEX, 32))


def twilio_token() -> str:
    return remember(r(HEX, 32))


def sendgrid() -> str:
    return remember("SG." + fake(B64URL, 22) + "." + fake(B64URL, 43))


def openai() -> str:
    return remember("sk-proj-" + fake(B64URL, 40) + "T3BlbkFJ" + fake(B64URL, 40))


def anthropic() -> str:
    return remember("sk-ant-api03-" + fake(B64URL, 93) + "AA")


def npm() -> str:
    return remember("npm_" + fake(ALNUM, 36))


def pypi() -> str:
    return remember("pypi-AgEIcHlwaS5vcmc" + fake(B64URL, 70))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt() -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(
        json.dumps({"sub": "fake-user-" + r(string.digits, 6), "iat": 1700000000}).encode()
    )
    return remember(f"{header}.{payload}.{r(B64URL, 43)}")


def pem_body(lines: int = 6) -> list[str]:
    return ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + fake(B64, 32)] + [
        fake(B64, 64) for _ in range(lines - 1)
    ]


# --- files ---------------------------------------------------------------------------------

labels: list[dict[str, object]] = []
files: dict[str, list[str]] = {}


class F:
    """A file being written: plain lines, planted secrets and look-alikes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: list[str] = []
        files[path] = self.lines

    def __call__(self, *lines: str) -> F:
        self.lines.extend(lines)
        recent.clear()
        return self

    def secret(self, kind: str, line: str, needles: list[str] | None = None) -> F:
        """A planted secret; ``needles``: its value(s), by default the random values in it."""
        self.lines.append(line)
        if needles is None:
            needles = [v for v in recent if len(v) >= 8 and v in line]
            needles = [v for v in needles if not any(v != w and v in w for w in needles)]
        recent.clear()
        assert needles, f"{self.path}:{len(self.lines)}: no planted value found"
        labels.append(
            {
                "path": self.path,
                "line": len(self.lines),
                "kind": kind,
                "label": "secret",
                "values": sorted(set(needles)),
            }
        )
        return self

    def look(self, kind: str, line: str) -> F:
        recent.clear()
        self.lines.append(line)
        labels.append(
            {"path": self.path, "line": len(self.lines), "kind": kind, "label": "lookalike"}
        )
        return self


def python_files() -> None:
    f = F("app/settings.py")
    f('"""Settings of the orders service (corpus: fake values)."""', "import os", "")
    f.secret("aws-access-key-id", f'AWS_ACCESS_KEY_ID = "{aws_id()}"')
    f.secret("aws-secret-access-key", f'AWS_SECRET_ACCESS_KEY = "{aws_secret()}"')
    f.secret("py-assign", f'DB_PASSWORD = "{password()}"')
    f.secret("py-annotated", f'SECRET_KEY: str = "{password()}{r(ALNUM, 10)}"')
    f.secret("github-classic-token", f'GITHUB_TOKEN = "{gh("ghp_")}"')
    f.secret("stripe-secret-key", f"STRIPE_API_KEY = '{stripe()}'")
    f.secret("openai-api-key", f'OPENAI_API_KEY = "{openai()}"')
    f.secret("anthropic-api-key", f'ANTHROPIC_API_KEY = "{anthropic()}"')
    f.secret("database-url-password", f'DATABASE_URL = "postgresql://orders:{password()}@db.internal:5432/orders"')
    f.secret("sendgrid-api-key", f'SENDGRID_API_KEY = "{sendgrid()}"')
    f.look("env-reference", 'DB_PASSWORD_FROM_ENV = os.environ["DB_PASSWORD"]')
    f.look("env-reference", 'API_TOKEN = os.getenv("ORDERS_API_TOKEN", "")')
    f.look("env-var-name", 'API_KEY_ENV = "ORDERS_API_KEY"')
    f.look("env-var-name", 'PASSWORD = "ORDERS_DB_PASSWORD"')
    f.look("placeholder", 'ADMIN_PASSWORD = "changeme"')
    f.look("placeholder", 'SLACK_TOKEN = "<token>"')
    f.look("placeholder", 'MAILGUN_API_KEY = "xxxxxxxxxxxxxxxxxxxxxxxx"')
    f.look("placeholder", 'CLIENT_SECRET = "your-client-secret-here"')
    f.look("hash-under-hash-name", 'PASSWORD_HASH = "5f4dcc3b5aa765d61d8327deb882cf99"')
    f.look("hash-under-hash-name", f'TOKEN_SHA256 = "{r(HEX, 64)}"')
    f.look("url-without-credentials", 'TOKEN_URL = "https://auth.example.com/oauth/token"')
    f.look("url-without-credentials", 'DATABASE_URL_LOCAL = "postgresql://localhost:5432/orders"')
    f.look("uuid", 'API_KEY_ID = "123e4567-e89b-12d3-a456-426614174000"')
    f.look("uuid", 'auth_client = "0f8fad5b-d9cb-469f-a165-70867728950e"')
    f.look("file-path", 'PRIVATE_KEY = "/run/secrets/signing.pem"')
    f.look("metadata-name", 'PASSWORD_MIN_LENGTH = "12"')
    f.look("metadata-name", 'SECRET_NAME = "orders/prod/db-credentials"')
    f("")

    f = F("app/clients.py")
    f('"""Clients (corpus: fake values)."""', "import os", "from dataclasses import dataclass", "")
    f.secret("py-kwarg", f'db = connect(host="db", user="orders", password="{password()}")')
    f.secret("py-kwarg", f'bucket = storage(access_key="{aws_id()}", secret_key="{aws_secret()}")')
    f("")
    f.secret("py-default-arg", f'def login(user: str, password: str = "{password()}") -> None:')
    f("    pass", "")
    f.secret("py-dict", f'CONFIG = {{"api_key": "{fake(ALNUM, 32)}", "region": "eu-west-1"}}')
    f.secret("py-dict", f'HEADERS = {{"Authorization": "Bearer {fake(ALNUM, 40)}"}}')
    f("")
    f("class Settings:")
    f("    def __init__(self) -> None:")
    f.secret("py-attribute", f'        self.client_secret = "{fake(ALNUM, 30)}"')
    f.secret("py-subscript", f'        os.environ["TWILIO_AUTH_TOKEN"] = "{twilio_token()}"')
    f.look("env-reference", '        self.password = os.environ.get("DB_PASSWORD")')
    f.look("fstring", '        self.auth = f"Bearer {os.environ[\'API_TOKEN\']}"')
    f("")
    f("@dataclass")
    f("class Credentials:")
    f.secret("py-annotated", f'    token: str = "{gh("gho_")}"')
    f.look("placeholder", '    password: str = ""')
    f.look("none", "    api_key: str | None = None")
    f("")
    f.look("prose", 'PROMPT = input("Enter your password: ")')
    f.look("prose", 'ERROR = dict(password="Password must be at least 12 characters long")')
    f.look("tokenizer-word", 'token = "NEWLINE"')
    f.look("identifier-value", 'auth = "basic"')
    f.look("identifier-value", 'auth_method = "oauth2"')
    f.look("metadata-name", 'api_key_header = "X-Api-Key-Header"')
    f.look("page-token", 'next_page_token = "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA0"')
    f.look("public-key", 'public_key = "AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFake"')
    f.look("call", "secret_key = secrets.token_urlsafe(32)")
    f.look("marked-fixture", f'test_password = "{password()}"  # pragma: allowlist secret')
    f.look("marked-fixture", f'fixture_token = "{fake(ALNUM, 32)}"  # gitleaks:allow')
    f.look("placeholder", 'password = "%(password)s"')
    f.look("placeholder", 'password = "{password}"')
    f.look("placeholder", 'token = "${GITHUB_TOKEN}"')
    f.look("placeholder", 'password = "********"')
    f.secret("py-env-default", f'DB_PASSWORD_OR_DEFAULT = os.getenv("DB_PASSWORD", "{password()}")')
    f.secret("py-env-default", f'os.environ.setdefault("API_TOKEN", "{fake(ALNUM, 32)}")')
    f.look("env-default-empty", 'REDIS_PASSWORD = os.getenv("REDIS_PASSWORD", "")')
    f.look("env-default-placeholder", 'SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "changeme")')
    f("")

    f = F("scripts/tools.py")
    f('"""Scripts (corpus)."""', "")
    f.secret("gitlab-personal-token", f'GITLAB = "{glpat()}"  # used by release.sh')
    f.secret("slack-webhook", f'WEBHOOK = "{slack_webhook()}"')
    f.secret("jwt", f'SERVICE_JWT = "{jwt()}"')
    f.secret("npm-access-token", f'NPM = "{npm()}"')
    f.secret("pypi-upload-token", f'PYPI = "{pypi()}"')
    f.secret("gcp-api-key", f'MAPS = "{gcp_api()}"')
    f.look("jwt-io-example", 'SAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"')
    f.look("jwt-unsigned", 'UNSIGNED = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJmYWtlIn0."')
    f.look("pem-header-only", 'PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"')
    f.look("aws-low-entropy", 'DOC_KEY = "AKIAXXXXXXXXXXXXXXXX"')
    f.look("github-placeholder", 'TEMPLATE = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"')
    f.look("stripe-publishable", f'STRIPE_PUBLISHABLE = "pk_live_{fake(ALNUM, 24)}"')
    f.look("twilio-account-sid", f'TWILIO_ACCOUNT_SID = "AC{r(HEX, 32)}"')
    f.look("git-sha", f'REVISION = "{r(HEX, 40)}"')
    f.look("base64-data", f'LOGO = "data:image/png;base64,iVBORw0KGgo{r(B64, 60)}"')
    f.look("url-placeholder-password", 'DSN = "postgresql://user:password@localhost:5432/db"')
    f.look("url-reference-password", 'DSN2 = "postgresql://app:${DB_PASSWORD}@db:5432/app"')
    f.look("url-without-credentials", 'REDIS = "redis://cache.internal:6379/0"')
    f("")


def yaml_files() -> None:
    f = F("deploy/docker-compose.yml")
    f("services:", "  api:", "    image: orders:1.4.2", "    environment:")
    f.secret("compose-env-list", f"      - DB_PASSWORD={password()}")
    f.secret("compose-env-list", f"      - STRIPE_SECRET_KEY={stripe('rk_live_')}")
    f.look("compose-reference", "      - API_TOKEN=${API_TOKEN}")
    f.look("compose-placeholder", "      - ADMIN_PASSWORD=changeme")
    f("      - LOG_LEVEL=info")
    f("  worker:", "    image: orders:1.4.2", "    environment:")
    f.secret("compose-env-map", f"      RABBITMQ_URL: amqp://orders:{password()}@rabbit:5672/")
    f.secret("compose-env-map", f'      REDIS_PASSWORD: "{password()}"')
    f.look("compose-reference", "      SENTRY_AUTH_TOKEN: ${SENTRY_AUTH_TOKEN:?set it}")
    f.look("compose-empty", "      SECRET_KEY:")
    f("  db:", "    image: postgres:16", "    environment:")
    f.secret("compose-env-map", f"      POSTGRES_PASSWORD: {password()}")
    f.look("compose-file-ref", "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password")
    f("")

    f = F("deploy/k8s/deployment.yaml")
    f("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: orders", "spec:", "  template:", "    spec:", "      containers:", "        - name: orders", "          env:")
    f("            - name: DB_PASSWORD")
    f.secret("k8s-env-value", f'              value: "{password()}"')
    f("            - name: API_TOKEN")
    f("              valueFrom:", "                secretKeyRef:")
    f.look("secret-key-ref", "                  name: orders-secrets")
    f.look("secret-key-ref", "                  key: api-token")
    f("            - name: STRIPE_KEY")
    f.look("helm-template", '              value: "{{ .Values.stripe.key }}"')
    f("            - name: GITHUB_TOKEN")
    f.secret("github-app-token", f"              value: {gh('ghs_')}")
    f("")

    f = F("deploy/k8s/secret.yaml")
    f("apiVersion: v1", "kind: Secret", "metadata:", "  name: orders-secrets", "stringData:")
    f.secret("yaml-key", f"  api-token: {fake(ALNUM, 32)}")
    f.secret("yaml-key", f"  db-password: '{password()}'")
    f.secret("azure-storage-connection-string", f"  storage: DefaultEndpointsProtocol=https;AccountName=ordersfake;AccountKey={azure_storage()};EndpointSuffix=core.windows.net")
    f.look("azure-emulator-key", "  emulator: DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")
    f("")

    f = F("config/app.yaml")
    f("app:", "  name: orders", "  database:", "    host: db.internal", "    user: orders")
    f.secret("yaml-key", f"    password: {password()}")
    f.look("yaml-placeholder", "    password_confirm: <password>")
    f.look("yaml-metadata", "    password_file: /etc/orders/db.pass")
    f.look("yaml-metadata", "    password_min_length: 12")
    f("  auth:")
    f.secret("yaml-key", f"    client_secret: {fake(ALNUM, 40)}")
    f.look("yaml-url", "    token_url: https://login.example.com/oauth2/token")
    f.look("yaml-identifier", "    auth: oidc")
    f.look("yaml-uuid", "    client_id: 7c9e6679-7425-40de-944b-e07fc1f90ae7")
    f.look("yaml-placeholder", "    api_key: ${ORDERS_API_KEY}")
    f.look("yaml-placeholder", '    token: "{{ .Values.token }}"')
    f.look("yaml-placeholder", "    secret: example")
    f.look("yaml-placeholder", "    signing_key: dummy")
    f.look("yaml-placeholder", "    access_key: TODO")
    f.look("yaml-hash", f"    password_sha256: {r(HEX, 64)}")
    f.look("ansible-vault", "    vault_password: !vault |")
    f("      $ANSIBLE_VAULT;1.1;AES256", "      " + r(HEX, 64))
    f.look("sops-encrypted", f"    smtp_password: ENC[AES256_GCM,data:{r(B64, 24)},iv:{r(B64, 43)}=,tag:{r(B64, 22)}==,type:str]")
    f("  integrations:")
    f.secret("slack-token", f"    slack: {slack_bot()}")
    f.secret("slack-token", f"    slack_user: {slack_user()}")
    f.secret("twilio-api-key", f"    twilio_key_sid: {twilio_key()}")
    f.secret("gcp-oauth-client-secret", f"    google_oauth: {gcp_oauth()}")
    f.secret("azure-ad-client-secret", f"    azure_ad: {azure_ad()}")
    f.look("slack-webhook-placeholder", "    webhook: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")
    f("")

    f = F(".github/workflows/release.yml")
    f("name: release", "on: push", "jobs:", "  publish:", "    runs-on: ubuntu-latest", "    env:")
    f.look("gha-secret-ref", "      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}")
    f.look("gha-secret-ref", "      PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}")
    f.secret("yaml-key", f"      SONAR_TOKEN: {fake(HEX, 40)}")
    f("    steps:", "      - uses: actions/checkout@v4")
    f.look("git-sha", f"      - uses: actions/setup-python@{r(HEX, 40)}")
    f("      - run: npm publish")
    f("")

    f = F("pnpm-lock.yaml")
    f("lockfileVersion: '9.0'", "packages:", "  left-pad@1.3.0:", "    resolution:")
    f.look("lockfile-integrity", f"      integrity: sha512-{r(B64, 86)}==")
    f("  is-number@7.0.0:", "    resolution:")
    f.look("lockfile-integrity", f"      integrity: sha512-{r(B64, 86)}==")
    f("")


def json_files() -> None:
    f = F("config/service-account.json")
    pem = pem_body(8)
    body = "\\n".join(pem)
    f("{", '  "type": "service_account",', '  "project_id": "orders-fake-project",')
    f.look("gcp-key-id", f'  "private_key_id": "{r(HEX, 40)}",')
    f.secret("gcp-service-account-key", f'  "private_key": "-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n",', needles=pem)
    f('  "client_email": "orders@orders-fake-project.iam.gserviceaccount.com",', '  "client_id": "101234567890123456789"', "}")

    f = F("config/local.settings.json")
    f("{", '  "IsEncrypted": false,', '  "Values": {')
    f.secret("azure-shared-access-key", f'    "ServiceBus": "Endpoint=sb://orders-fake.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={azure_sas()}",')
    f.secret("json-key", f'    "ApiKey": "{fake(ALNUM, 32)}",')
    f.secret("json-key", f'    "DbPassword": "{password()}",')
    f.look("json-placeholder", '    "AdminPassword": "",')
    f.look("json-placeholder", '    "ClientSecret": "<client-secret>",')
    f.look("json-reference", '    "AuthToken": "%AUTH_TOKEN%",')
    f.look("json-url", '    "TokenEndpoint": "https://login.example.com/token",')
    f('    "FUNCTIONS_WORKER_RUNTIME": "python"', "  }", "}")

    f = F("config/docker-config.json")
    f("{", '  "auths": {', '    "registry.example.com": {')
    auth = base64.b64encode(("ci-bot:" + password()).encode()).decode()
    f.secret("json-key", f'      "auth": "{auth}"', needles=[auth])
    f("    }", "  },")
    f.look("json-identifier", '  "credsStore": "desktop"')
    f("}")

    f = F("package-lock.json")
    f("{", '  "name": "orders-web",', '  "lockfileVersion": 3,', '  "packages": {', '    "node_modules/left-pad": {', '      "version": "1.3.0",')
    f.look("lockfile-integrity", f'      "integrity": "sha512-{r(B64, 86)}=="')
    f("    },", '    "node_modules/js-tokens": {', '      "version": "4.0.0",')
    f.look("lockfile-integrity", f'      "integrity": "sha1-{r(B64, 27)}="')
    f("    }", "  }", "}")

    f = F("web/.npmrc.json")
    f("{")
    f.secret("npm-access-token", f'  "//registry.npmjs.org/:_authToken": "{npm()}"')
    f("}")


def toml_ini_files() -> None:
    f = F("config/settings.toml")
    f("[database]", 'host = "db.internal"')
    f.secret("toml-key", f'password = "{password()}"')
    f.look("toml-placeholder", 'replica_password = "changeme"')
    f.look("toml-metadata", 'password_env = "ORDERS_DB_PASSWORD"')
    f("", "[stripe]")
    f.secret("stripe-secret-key", f'api_key = "{stripe("sk_live_")}"')
    f.look("toml-url", 'webhook_url = "https://example.com/hooks/stripe"')
    # a test-mode key reaches only simulated data (docs/secrets.md); fixed, not from the rng
    f.look("stripe-test-key", 'test_api_key = "sk_test_4qYvFAKEm2Lp9Xw7Zr3Tn8Kd"')
    f("", "[auth]")
    f.secret("toml-key", f"client_secret = '{fake(ALNUM, 36)}'")
    f.secret("toml-inline-table", f'oauth = {{ client_id = "orders", client_secret = "{fake(ALNUM, 36)}" }}')
    f.look("toml-commented", f'# password = "{r(ALNUM, 3)}"')
    f("")

    f = F("Cargo.lock")
    f("version = 3", "", "[[package]]", 'name = "serde"', 'version = "1.0.200"', 'source = "registry+https://github.com/rust-lang/crates.io-index"')
    f.look("lockfile-checksum", f'checksum = "{r(HEX, 64)}"')
    f("")

    f = F("config/app.ini")
    f("[database]", "host = db.internal")
    f.secret("ini-key", f"password = {password()}")
    f.look("ini-placeholder", "backup_password = ${BACKUP_PASSWORD}")
    f("", "[smtp]")
    f.secret("ini-key", f"smtp_password: {password()}")
    f.secret("broker-url-password", f"url = smtps://mailer:{password()}@smtp.example.com:465")
    f.look("ini-placeholder", "auth_token = xxx")
    f("")

    f = F("deploy/aws/credentials.cfg")
    f("[default]")
    f.secret("aws-access-key-id", f"aws_access_key_id = {aws_id()}")
    f.secret("aws-secret-access-key", f"aws_secret_access_key = {aws_secret()}")
    f.look("aws-region", "region = eu-west-1")
    f("", "[profile ci]")
    f.secret("aws-access-key-id", f"aws_access_key_id = {aws_id()}")
    f.secret("aws-secret-access-key", f"aws_secret_access_key = {aws_secret()}")
    f("")


def line_formats() -> None:
    f = F(".env")
    f("# local development (corpus: fake values)", "APP_ENV=development")
    f.secret("dotenv", f"DB_PASSWORD={password()}")
    f.secret("dotenv", f'export API_KEY="{fake(ALNUM, 32)}"')
    f.secret("dotenv", f"SECRET_KEY='{password()}{r(ALNUM, 8)}'")
    f.secret("openai-api-key", f"OPENAI_API_KEY={openai()}")
    f.secret("database-url-password", f"DATABASE_URL=mysql://orders:{password()}@127.0.0.1:3306/orders")
    f.secret("database-url-password", f"MONGO_URL=mongodb+srv://orders:{password()}@cluster0.fake.mongodb.net/orders")
    f.look("dotenv-placeholder", "STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx")
    f.look("dotenv-placeholder", "ADMIN_PASSWORD=")
    f.look("dotenv-reference", "REDIS_PASSWORD=${REDIS_PASSWORD}")
    f.look("dotenv-placeholder", "JWT_SECRET=change-me")
    f.look("dotenv-url", "AUTH_URL=https://auth.example.com")
    f.look("dotenv-placeholder", "GITHUB_TOKEN=<your-github-token>")
    f("")

    f = F(".env.example")
    f("# copy to .env and fill in")
    for name in ("DB_PASSWORD", "API_KEY", "SECRET_KEY", "AWS_SECRET_ACCESS_KEY", "SLACK_TOKEN"):
        f.look("dotenv-example-empty", f"{name}=")
    f.look("dotenv-example", "STRIPE_SECRET_KEY=sk_test_your_key_here")
    f.look("dotenv-example", "DATABASE_URL=postgres://user:pass@localhost:5432/orders")
    f("")

    f = F("scripts/deploy.sh")
    f("#!/bin/sh", "set -eu")
    f.secret("shell-export", f'export VAULT_TOKEN="hvs.{fake(ALNUM, 24)}"')
    f.secret("gitlab-other-token", f"DEPLOY_TOKEN={gldt()}")
    f.secret("url-basic-auth-password", f'curl -fsS "https://deploy:{password()}@artifacts.example.com/orders.tar.gz" -o orders.tar.gz')
    f.look("shell-reference", 'export DB_PASSWORD="$(cat /run/secrets/db)"')
    f.look("shell-reference", 'TOKEN="${CI_JOB_TOKEN}"')
    f.look("shell-prose", 'echo "password: ********"')
    f("")

    f = F("src/main/resources/application.properties")
    f("spring.application.name=orders", "spring.datasource.url=jdbc:postgresql://db:5432/orders", "spring.datasource.username=orders")
    f.secret("properties", f"spring.datasource.password={password()}")
    f.secret("jdbc-password", f"legacy.datasource.url=jdbc:sqlserver://db:1433;databaseName=orders;user=orders;password={password()}")
    f.secret("properties", f"orders.api.token = {fake(ALNUM, 32)}")
    f.look("properties-reference", "spring.mail.password=${MAIL_PASSWORD}")
    f.look("properties-metadata", "orders.password.min-length=12")
    f.look("properties-placeholder", "orders.client-secret=<set-in-vault>")
    f("")


def hcl_files() -> None:
    f = F("infra/main.tf")
    f('provider "aws" {', '  region = "eu-west-1"')
    f.secret("aws-access-key-id", f'  access_key = "{aws_id()}"')
    f.secret("aws-secret-access-key", f'  secret_key = "{aws_secret()}"')
    f("}", "")
    f('resource "aws_db_instance" "orders" {', '  engine   = "postgres"', '  username = "orders"')
    f.secret("hcl-attribute", f'  password = "{password()}"')
    f("}", "")
    f('resource "aws_db_instance" "replica" {')
    f.look("hcl-reference", "  password = var.db_password")
    f.look("hcl-reference", '  master_password = "${random_password.db.result}"')
    f("}", "")
    f('variable "api_token" {', "  type      = string", "  sensitive = true")
    f.secret("hcl-attribute", f'  default   = "{fake(ALNUM, 32)}"')
    f("}", "")
    f('resource "kubernetes_secret" "orders" {', '  metadata { name = "orders" }', "  data = {")
    f.secret("hcl-object", f'    api_key = "{fake(ALNUM, 32)}"')
    f.look("hcl-reference", "    db_password = random_password.db.result")
    f("  }", "}", "")

    f = F("infra/prod.tfvars")
    f.secret("hcl-tfvars", f'db_password = "{password()}"')
    f.secret("datadog-like-key", f'datadog_api_key = "{r(HEX, 32)}"')
    f.look("hcl-placeholder", 'admin_password = "REPLACE_ME"')
    f.look("hcl-metadata", 'password_length = "24"')
    f("")


def docker_files() -> None:
    f = F("Dockerfile")
    f.look("image-digest", f"FROM python:3.12-slim@sha256:{r(HEX, 64)}")
    f.secret("dockerfile-env", f"ENV DB_PASSWORD={password()}")
    f.secret("dockerfile-arg", f"ARG NPM_TOKEN={npm()}")
    f.secret("dockerfile-env-legacy", f"ENV API_SECRET {password()}")
    f.look("dockerfile-arg-empty", "ARG GITHUB_TOKEN")
    f.look("dockerfile-reference", "ENV API_TOKEN=${API_TOKEN}")
    f("RUN pip install --no-cache-dir orders", 'CMD ["orders"]')
    f("")

    f = F("docker/worker.Dockerfile")
    f("FROM node:20")
    f.secret("dockerfile-env", f"ENV SENTRY_AUTH_TOKEN={fake(HEX, 64)} \\")
    f("    NODE_ENV=production")
    f.look("dockerfile-secret-mount", "RUN --mount=type=secret,id=npm_token npm ci")
    f("")


def code_files() -> None:
    f = F("web/src/config.ts")
    f("export const config = {")
    f.secret("stripe-secret-key", f'  stripeKey: "{stripe()}",')
    f.secret("slack-webhook", f'  alerts: "{slack_webhook()}",')
    f.secret("jwt", f'  serviceToken: "{jwt()}",')
    f.look("ts-reference", "  apiKey: process.env.ORDERS_API_KEY,")
    f.look("ts-publishable", f'  stripePublishable: "pk_test_{fake(ALNUM, 24)}",')
    f("};")
    f("")

    f = F("web/src/firebase.js")
    f("export default {")
    f.secret("gcp-api-key", f'  apiKey: "{gcp_api()}",')
    f('  authDomain: "orders-fake.firebaseapp.com",')
    f.secret("github-refresh-token", f'  ghRefresh: "{gh("ghr_")}",')
    f.look("js-uuid", '  appId: "1:123456789012:web:0f8fad5bd9cb469f"')
    f("};")
    f("")

    f = F("services/notify/main.go")
    f("package main", "", "const (")
    f.secret("twilio-auth-token", f'\ttwilioAuthToken = "{twilio_token()}"')
    f.secret("twilio-api-key", f'\ttwilioKeySid = "{twilio_key()}"')
    f.secret("sendgrid-api-key", f'\tsendgridKey = "{sendgrid()}"')
    f.secret("github-fine-grained-token", f'\tghToken = "{gh_fine()}"')
    f.look("go-reference", '\tsmtpPasswordEnv = "SMTP_PASSWORD"')
    f(")", "")

    f = F("services/billing/Billing.java")
    f("class Billing {")
    f.secret("database-url-password", f'  static final String URL = "postgres://billing:{password()}@db:5432/billing";')
    f.secret("broker-url-password", f'  static final String BROKER = "amqps://billing:{password()}@mq.internal:5671/";')
    f.secret("github-app-token", f'  static final String GH = "{gh("ghu_")}";')
    f.look("java-reference", '  static final String PASSWORD = System.getenv("BILLING_DB_PASSWORD");')
    f("}", "")


def key_files() -> None:
    for path, kind in (
        ("deploy/keys/id_rsa", "RSA PRIVATE KEY"),
        ("deploy/keys/ec.pem", "EC PRIVATE KEY"),
        ("deploy/keys/id_ed25519", "OPENSSH PRIVATE KEY"),
        ("deploy/keys/service.key", "PRIVATE KEY"),
        ("deploy/keys/legacy.pem", "ENCRYPTED PRIVATE KEY"),
    ):
        f = F(path)
        body = pem_body(10)
        f.secret("private-key", f"-----BEGIN {kind}-----", needles=body)
        f(*body, f"-----END {kind}-----", "")
    f = F("deploy/keys/signing.asc")
    body = ["lQOYBGXfakeBCAD" + fake(B64, 49), *(fake(B64, 64) for _ in range(8))]
    f.secret("private-key", "-----BEGIN PGP PRIVATE KEY BLOCK-----", needles=body)
    f("", *body, "=" + r(B64, 4), "-----END PGP PRIVATE KEY BLOCK-----", "")

    f = F("deploy/keys/public.pem")
    f.look("public-key-block", "-----BEGIN PUBLIC KEY-----")
    f(*(r(B64, 64) for _ in range(6)), "-----END PUBLIC KEY-----", "")
    f = F("deploy/keys/ca.crt")
    f.look("certificate", "-----BEGIN CERTIFICATE-----")
    f(*(r(B64, 64) for _ in range(10)), "-----END CERTIFICATE-----", "")

    f = F("docs/keys.md")
    f("# Keys", "", "Generate a key and keep it out of git:", "", "```")
    f.look("doc-truncated-key", "-----BEGIN RSA PRIVATE KEY-----")
    f("MIIE...", "-----END RSA PRIVATE KEY-----", "```", "")
    f.look("doc-placeholder", "Set `AWS_SECRET_ACCESS_KEY=<your secret key>` and `GITHUB_TOKEN=ghp_<token>`.")
    f.look("doc-url", "The API lives at https://api.example.com/v1 and needs a token from https://example.com/settings/tokens.")
    f("")
    f("Example config (not real):", "", "```yaml")
    f.secret("doc-real-looking-token", f"token: {gh('ghp_')}")
    f("```", "")


def code_name_files() -> None:
    """Secret-named literals in Go and TypeScript (appended last: earlier values unchanged)."""
    f = F("services/payments/client.go")
    f("package payments", "", 'import "os"', "")
    f("type Config struct {", "\tUser     string", "\tPassword string", "}", "")
    f.secret("go-var", f'var dbPassword = "{password()}"')
    f.secret("go-const", f'const signingSecret = "{fake(ALNUM, 28)}"')
    f("", "func connect() Config {")
    f.secret("go-short-var", f'\tapiToken := "{r(ALNUM, 24)}"')
    f.secret("go-keyed-element", f'\tcfg := Config{{User: "payments", Password: "{password()}"}}')
    f.look("go-env-reference", '\tcfg.Password = os.Getenv("PAYMENTS_DB_PASSWORD")')
    f.look("go-placeholder", '\tdefaults := Config{Password: "changeme"}')
    f.look("go-label", '\tlabels := map[string]string{"password": "Password"}')
    f("\t_, _, _ = apiToken, defaults, labels", "\treturn cfg", "}", "")

    f = F("web/src/auth.ts")
    f.secret("ts-const", f'const adminPassword = "{password()}";')
    f("", "export class Session {")
    f.secret("ts-class-field", f'  private clientSecret = "{fake(ALNUM, 32)}";')
    f("  authToken = \"\";", "", "  login(): void {")
    f.secret("ts-member-assignment", f'    this.authToken = "{r(ALNUM, 24)}";')
    f.secret("ts-object-template", f"    const creds = {{ user: \"admin\", password: `{password()}` }};")
    f.look("ts-env-reference", "    const fromEnv = { password: process.env.ADMIN_PASSWORD };")
    f.look("ts-template-substitution", "    const header = { token: `Bearer ${this.authToken}` };")
    f.look("ts-label", '    const form = { passwordField: "password" };')
    f("    console.log(adminPassword, creds, fromEnv, header, form);", "  }", "}", "")

    f = F("services/cache/src/config.rs")
    f("use std::env;", "")
    f.secret("rust-const", f'const ADMIN_TOKEN: &str = "{r(ALNUM, 24)}";')
    f("", "pub fn config() -> Config {")
    f.secret("rust-let-to-string", f'    let password = "{password()}".to_string();')
    f.secret("rust-struct-field", f'    let auth = Auth {{ secret: String::from("{fake(ALNUM, 28)}") }};')
    f.look("rust-env-reference", '    let from_env = env::var("CACHE_PASSWORD").unwrap_or_default();')
    f.look("rust-placeholder", '    let fallback = Auth { secret: "changeme".into() };')
    f("    Config { password, auth, from_env, fallback }", "}", "")


def main() -> None:
    python_files()
    yaml_files()
    json_files()
    toml_ini_files()
    line_formats()
    hcl_files()
    docker_files()
    code_files()
    key_files()
    code_name_files()
    if OUT.exists():
        shutil.rmtree(OUT)
    for path, lines in files.items():
        target = OUT / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + ("\n" if lines and lines[-1] != "" else ""), encoding="utf-8")
    with (HERE / "labels.yaml").open("w", encoding="utf-8") as out:
        out.write("# Generated by generate.py: every planted line, secret or look-alike.\n")
        out.write("labels:\n")
        for item in labels:
            out.write(
                f"  - {{path: {item['path']}, line: {item['line']}, kind: {item['kind']}, "
                f"label: {item['label']}"
            )
            if "values" in item:
                out.write(", values: " + json.dumps(item["values"]))
            out.write("}\n")
    secrets = [x for x in labels if x["label"] == "secret"]
    print(
        f"{len(files)} files, {len(secrets)} secrets in "
        f"{len({x['kind'] for x in secrets})} kinds, {len(labels) - len(secrets)} look-alikes"
    )


if __name__ == "__main__":
    main()
