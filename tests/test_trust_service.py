"""The service rules on real code's shapes (beyond their YAML examples): the server layer and
framework mechanisms that count, messages that say what is there and what is missing, what is
an API, a dependency or a charging route, and one finding per app."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_rule, write_tree

from charter.policy import PolicySet

DJANGO_WSGI = (
    "from django.core.wsgi import get_wsgi_application\n\napplication = get_wsgi_application()\n"
)
DJANGO_ASGI = (
    "from django.core.asgi import get_asgi_application\n\napplication = get_asgi_application()\n"
)
FASTAPI_APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
FLASK_APP = "from flask import Flask\n\napp = Flask(__name__)\n"


#: a Kubernetes deployment: the fleet observability rules apply
ORCHESTRATED = {"k8s/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n"}


def audit(policies: PolicySet, root: Path, rule: str, files: dict[str, str]):
    """(status, ["path:line message", ...], evidence) of one rule on ``files``."""
    write_tree(root, files)
    report = audit_rule(policies, root, rule)
    found = sorted(f"{f.where} {f.message}" for f in report.findings if f.rule == rule)
    result = next(r for r in report.rules if r.id == rule)
    return result.status.value, found, result.evidence


# --- one finding per app -----------------------------------------------------------------------


def test_django_wsgi_and_asgi_are_one_app(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "tracing",
        {"mysite/asgi.py": DJANGO_ASGI, "mysite/wsgi.py": DJANGO_WSGI, **ORCHESTRATED},
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["mysite/asgi.py:3"]


# --- graceful-shutdown -------------------------------------------------------------------------


def test_granian_in_an_s6_service_script_drains_on_sigterm(policies, tmp_path):
    status, found, evidence = audit(
        policies,
        tmp_path,
        "graceful-shutdown",
        {
            "src/site/asgi.py": DJANGO_ASGI,
            "docker/rootfs/etc/s6-overlay/s6-rc.d/svc-web/run": (
                "#!/command/with-contenv bash\nexec granian --interface asgi site.asgi:app\n"
            ),
        },
    )
    assert (status, found) == ("pass", [])
    assert evidence == (
        "served by Granian (drains workers on SIGTERM) at "
        "docker/rootfs/etc/s6-overlay/s6-rc.d/svc-web/run:2",
    )


def test_a_server_only_in_dev_requirements_does_not_count(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "graceful-shutdown",
        {"app.py": FASTAPI_APP, "requirements-dev.txt": "uvicorn==0.30\npytest\n"},
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["app.py:3"]


def test_a_server_in_a_production_dependency_group_counts(policies, tmp_path):
    status, _, evidence = audit(
        policies,
        tmp_path,
        "graceful-shutdown",
        {
            "site/wsgi.py": DJANGO_WSGI,
            "pyproject.toml": (
                '[project]\nname = "site"\ndependencies = ["django"]\n\n'
                '[dependency-groups]\ndev = ["pytest"]\nprod = [\n    "gunicorn==23.0.0",\n]\n'
            ),
        },
    )
    assert (status, evidence) == (
        "pass",
        ("served by gunicorn (drains workers on SIGTERM), a dependency at pyproject.toml:8",),
    )


def test_uvicorn_run_in_code_handles_sigterm(policies, tmp_path):
    status, _, evidence = audit(
        policies,
        tmp_path,
        "graceful-shutdown",
        {"app.py": FASTAPI_APP + "\nimport uvicorn\n\nuvicorn.run(app)\n"},
    )
    assert status == "pass"
    assert evidence == ("served by uvicorn (drains workers on SIGTERM), imported at app.py:5",)


def test_uwsgi_without_die_on_term_is_named(policies, tmp_path):
    _, found, _ = audit(
        policies,
        tmp_path,
        "graceful-shutdown",
        {"site/wsgi.py": DJANGO_WSGI, "Procfile": "web: uwsgi etc/uwsgi.ini\n"},
    )
    assert found == [
        "site/wsgi.py:3 the Django app at site/wsgi.py:3 is served by uWSGI (Procfile:1) without "
        "die-on-term, so SIGTERM reloads it instead of draining and stopping: set die-on-term = "
        "true (or serve it with gunicorn)"
    ]


def test_a_grpc_server_is_not_drained_by_an_http_server(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "graceful-shutdown",
        {
            "server.py": "import grpc\n\nserver = grpc.server(None)\n",
            "requirements.txt": "grpcio\ngunicorn\n",
        },
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["server.py:3"]


# --- security-headers --------------------------------------------------------------------------


def test_only_x_frame_options_names_what_is_set_and_missing(policies, tmp_path):
    _, found, _ = audit(
        policies,
        tmp_path,
        "security-headers",
        {
            "mysite/wsgi.py": DJANGO_WSGI,
            "settings/common.py": (
                "MIDDLEWARE = [\n"
                '    "django.middleware.common.CommonMiddleware",\n'
                '    "django.middleware.clickjacking.XFrameOptionsMiddleware",\n'
                "]\n"
            ),
        },
    )
    [finding] = found
    assert finding.startswith(
        "mysite/wsgi.py:3 the Django app at mysite/wsgi.py:3 sets only X-Frame-Options "
        "(XFrameOptionsMiddleware at settings/common.py:3) on every response, not "
        "Strict-Transport-Security, Content-Security-Policy or X-Content-Type-Options: add "
        "django.middleware.security.SecurityMiddleware"
    )
    assert "sets no security headers" not in finding


def test_a_header_in_one_handler_is_not_on_every_response(policies, tmp_path):
    _, found, _ = audit(
        policies,
        tmp_path,
        "security-headers",
        {
            "app.py": FASTAPI_APP,
            "views.py": (
                "from fastapi import APIRouter, Response\n\nrouter = APIRouter()\n\n\n"
                '@router.get("/file")\n'
                "def file() -> Response:\n"
                '    response = Response("x")\n'
                '    response.headers["Content-Security-Policy"] = "default-src \'self\'"\n'
                "    return response\n"
            ),
        },
    )
    [finding] = found
    assert finding.startswith(
        "app.py:3 the FastAPI app at app.py:3 sets security headers only in single handlers "
        "(Content-Security-Policy at views.py:9), not on every response:"
    )


def test_nosniff_switched_off_leaves_security_middleware_without_headers(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "security-headers",
        {
            "mysite/wsgi.py": DJANGO_WSGI,
            "mysite/settings.py": (
                'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]\n'
                "SECURE_CONTENT_TYPE_NOSNIFF = False\n"
            ),
        },
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["mysite/wsgi.py:3"]


def test_a_middleware_class_setting_nosniff_counts(policies, tmp_path):
    status, _, evidence = audit(
        policies,
        tmp_path,
        "security-headers",
        {
            "app.py": FASTAPI_APP,
            "headers.py": (
                "from starlette.middleware.base import BaseHTTPMiddleware\n\n\n"
                "class SecureHeadersMiddleware(BaseHTTPMiddleware):\n"
                "    async def dispatch(self, request, call_next):\n"
                "        response = await call_next(request)\n"
                '        response.headers["X-Content-Type-Options"] = "nosniff"\n'
                "        return response\n"
            ),
        },
    )
    assert status == "pass"
    assert evidence == ("X-Content-Type-Options on every response (set at headers.py:7)",)


# --- rate-limiting -----------------------------------------------------------------------------


def test_names_that_only_look_like_limiters_do_not_count(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "rate-limiting",
        {
            "app.py": FASTAPI_APP,
            "csvtools.py": (
                "class Delimiter:\n    pass\n\n\n"
                "class RateLimitError(Exception):\n    pass\n\n\n"
                "def limiter_config() -> dict[str, int]:\n    return {}\n"
            ),
        },
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["app.py:3"]


def test_django_axes_in_installed_apps_counts(policies, tmp_path):
    status, _, evidence = audit(
        policies,
        tmp_path,
        "rate-limiting",
        {"mysite/wsgi.py": DJANGO_WSGI, "mysite/settings.py": 'INSTALLED_APPS = ["axes"]\n'},
    )
    assert (status, evidence) == ("pass", ("axes at mysite/settings.py:1",))


# --- metrics-exposed and tracing ---------------------------------------------------------------


def test_statsd_push_counts_as_metrics(policies, tmp_path):
    status, _, evidence = audit(
        policies,
        tmp_path,
        "metrics-exposed",
        {"app.py": FLASK_APP, "stats.py": "from statsd import StatsClient\n", **ORCHESTRATED},
    )
    assert (status, evidence) == ("pass", ("statsd at stats.py:1",))


def test_sentry_tracing_rate_from_the_environment_counts(policies, tmp_path):
    status, _, evidence = audit(
        policies,
        tmp_path,
        "tracing",
        {
            "app.py": FLASK_APP,
            **ORCHESTRATED,
            "telemetry.py": (
                "import os\n\nimport sentry_sdk\n\n"
                'sentry_sdk.init(traces_sample_rate=float(os.environ["TRACES"]))\n'
            ),
        },
    )
    assert (status, evidence) == (
        "pass",
        ("Sentry performance tracing (traces_sample_rate=...) at telemetry.py:5",),
    )


# --- api-documentation -------------------------------------------------------------------------


def test_pages_with_an_api_blueprint_are_an_api(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "api-documentation",
        {
            "app/__init__.py": (
                "from flask import Flask, render_template\n\nfrom app.api import bp\n\n"
                "app = Flask(__name__)\n"
                'app.register_blueprint(bp, url_prefix="/api")\n'
            ),
            "app/api.py": 'from flask import Blueprint\n\nbp = Blueprint("v1", __name__)\n',
        },
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["app/__init__.py:5"]


def test_a_spec_under_docs_documents_the_app(policies, tmp_path):
    status, _, evidence = audit(
        policies,
        tmp_path,
        "api-documentation",
        {
            "web/app.py": FLASK_APP + '\n\n@app.get("/api/items")\ndef items():\n    return []\n',
            "docs/api-spec.yaml": "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n",
        },
    )
    assert (status, evidence) == ("pass", ("OpenAPI document docs/api-spec.yaml",))


# --- circuit-breakers --------------------------------------------------------------------------


def test_calls_from_background_tasks_are_not_judged(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "circuit-breakers",
        {
            "app.py": FLASK_APP,
            "tasks.py": (
                "import requests\nfrom celery import shared_task\n\nfrom conf import settings\n\n"
                "\n@shared_task\ndef sync() -> None:\n"
                "    requests.get(settings.UPSTREAM_URL + '/api/v2/exercises', timeout=10)\n"
            ),
        },
    )
    assert (status, found) == ("not_applicable", [])


def test_hard_coded_third_party_api_is_not_judged(policies, tmp_path):
    status, _, _ = audit(
        policies,
        tmp_path,
        "circuit-breakers",
        {
            "app.py": FLASK_APP
            + "\nimport requests\n\n\ndef latest() -> str:\n"
            + '    return requests.get("https://api.github.com/repos/o/r", timeout=5).text\n'
        },
    )
    assert status == "not_applicable"


def test_the_finding_names_the_dependency(policies, tmp_path):
    _, found, _ = audit(
        policies,
        tmp_path,
        "circuit-breakers",
        {
            "app.py": FASTAPI_APP,
            "client.py": (
                'import grpc\n\n\ndef stub():\n    return grpc.insecure_channel("users:50051")\n'
            ),
        },
    )
    assert found == [
        "app.py:3 the FastAPI app at app.py:3 calls other services without a circuit breaker "
        "(grpc.insecure_channel(users:50051) at client.py:5): wrap the clients with pybreaker, "
        "aiobreaker or purgatory (or configure outlier detection in the service mesh)"
    ]


# --- idempotency-keys --------------------------------------------------------------------------


def test_the_finding_names_the_charging_routes(policies, tmp_path):
    _, found, _ = audit(
        policies,
        tmp_path,
        "idempotency-keys",
        {
            "app.py": FASTAPI_APP
            + '\n\n@app.post("/notes")\ndef note() -> None:\n    pass\n'
            + '\n\n@app.post("/checkout")\ndef checkout() -> None:\n    pass\n',
        },
    )
    assert found == [
        "app.py:3 the FastAPI app at app.py:3 exposes POST/PATCH routes that charge or order "
        "(POST /checkout (app.py:12)) but reads no Idempotency-Key header: accept one so that "
        "a retried request is not executed twice"
    ]


def test_drf_create_view_named_after_orders_is_a_charging_route(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "idempotency-keys",
        {
            "mysite/wsgi.py": DJANGO_WSGI,
            "shop/views.py": (
                "from rest_framework import viewsets\n\n\n"
                "class OrderViewSet(viewsets.ModelViewSet):\n    pass\n"
            ),
        },
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["mysite/wsgi.py:3"]


# --- error-response-shape ----------------------------------------------------------------------


def test_django_beside_flask_judges_the_flask_app(policies, tmp_path):
    status, found, _ = audit(
        policies,
        tmp_path,
        "error-response-shape",
        {"mysite/wsgi.py": DJANGO_WSGI, "side/app.py": FLASK_APP},
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["side/app.py:3"]


# --- who may call a route: routes-require-auth, csrf-protection -----------------------------

AUTH_ROUTER = """\
from fastapi import APIRouter, Depends

from app.auth import check_admin, require_wallet_key

router = APIRouter()


@router.get("/wallets")
def list_wallets(admin: dict = Depends(check_admin)) -> list:
    return []


@router.post("/wallets/decode")
def decode(text: str) -> dict:
    return {}


@router.post("/wallets/{wallet_id}/pay")
def pay(wallet_id: str, key: dict = Depends(require_wallet_key)) -> None:
    return None


@router.post("/wallets/webhook")
def webhook(payload: dict) -> None:
    return None


@router.delete("/wallets/{wallet_id}")
def delete_wallet(wallet_id: str) -> None:
    return None
"""


def test_only_an_unchecked_mutation_beside_a_protected_route_is_reported(policies, tmp_path):
    """Any dependency may be the caller (Depends(require_wallet_key)), a webhook is public by
    nature; the routes with no check at all are reported, naming the protected one."""
    status, found, _ = audit(
        policies,
        tmp_path,
        "routes-require-auth",
        {"app/main.py": FASTAPI_APP, "app/wallets.py": AUTH_ROUTER},
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["app/wallets.py:14", "app/wallets.py:29"]
    assert "GET /wallets of the same resource does (Depends(check_admin) at line 9)" in found[0]


def test_a_payload_type_is_not_an_authentication_concept(policies, tmp_path):
    """``data: LoginForm`` or ``GroupAdminUpdate`` name a request body, not the caller: a module
    whose only "auth" words are in payload types has no authentication concept."""
    routes = (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        '@router.put("/groups/{gid}")\n'
        "def update(gid: int, data: GroupAdminUpdate) -> None: ...\n\n\n"
        '@router.delete("/groups/{gid}")\ndef delete(gid: int) -> None: ...\n'
    )
    status, found, _ = audit(
        policies, tmp_path, "routes-require-auth", {"app/main.py": FASTAPI_APP, "app/g.py": routes}
    )
    assert (status, found) == ("not_applicable", [])


def test_a_csrf_exempt_webhook_passes_and_a_session_view_fails(policies, tmp_path):
    views = (
        "from django.views.decorators.csrf import csrf_exempt\n\n\n"
        "@csrf_exempt\ndef hook(request):\n    return verify(request.body)\n\n\n"
        "@csrf_exempt\ndef profile(request):\n    request.session['x'] = 1\n"
    )
    status, found, _ = audit(
        policies, tmp_path, "csrf-protection", {"site/wsgi.py": DJANGO_WSGI, "app/views.py": views}
    )
    assert status == "fail"
    assert [f.split(" ", 1)[0] for f in found] == ["app/views.py:9"]
    assert "(request.session)" in found[0]
