"""Credentials a file gives to the containers it starts itself (docs/secrets.md, "Credentials of
a stack's own containers").

A compose file that runs ``image: postgres`` with ``POSTGRES_PASSWORD: ...`` does not leak the
password of a database that exists somewhere: the container *creates* its account from that
variable at first start, on the stack's own network (a development or template default). The
same holds for the clients the file points at that container (a URL whose host is the
service's name, or the same value passed to an admin UI), and for a CI job's throwaway
``services:`` and the job's ``env`` that addresses them (``localhost``, ``127.0.0.1`` or a
service's name). A compose file named or placed for a
deployment (``deploy/``, ``docker-compose.prod.yml``, ``staging``) guards real data and is
judged as before, as is a compose service's password for a database the file does not start
(a URL to ``db.prod.example.net``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from charter.analyzers.secrets.names import secret_strength
from charter.sources import SourceFile

#: images that create the credential they are given at first start: databases, caches, brokers,
#: object stores, search engines and directory servers (one path segment of the image, tag and
#: digest removed: ``postgres:16``, ``bitnami/postgresql``, ``mcr.microsoft.com/mssql/server``)
_SELF_PROVISIONING = re.compile(
    r"^(?:postgres(?:ql)?|postgis|timescaledb|pgvector|mysql|mariadb|percona(?:-server)?"
    r"|mongo(?:db)?|redis|valkey|keydb|rabbitmq|minio|elasticsearch|opensearch|couchdb"
    r"|cassandra|scylla|neo4j|clickhouse(?:-server)?|influxdb|mssql|memcached|nats|openldap)"
    r"(?:-(?:alpine|stack|stack-server|community-server))?$"
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1"})
#: a compose file named or placed for a deployment: its database password guards real data
_DEPLOYMENT = re.compile(
    r"(?:^|[/._-])(?:prod|production|deploy|deployment|deployments|live|release|staging|stage)"
    r"(?=[/._-]|$)"
)
#: a GitHub Actions workflow (its jobs' ``services:`` are the job's throwaway containers)
_WORKFLOW = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")


@dataclass
class OwnStack:
    """What a file provisions for the containers it starts."""

    #: ``id()`` of the scalar nodes holding the provisioned credentials and the client settings
    #: that address those containers
    nodes: set[int] = field(default_factory=set)
    #: lines of those nodes (a URL detector hit on such a line is the same credential)
    lines: set[int] = field(default_factory=set)
    #: the secret-named values given to the containers (the same value elsewhere in the file is
    #: that credential passed to a client)
    values: set[str] = field(default_factory=set)
    #: host names of the self-provisioning containers (compose service and container names)
    hosts: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.values or self.hosts)

    def owns_url(self, url: str, line: int) -> bool:
        """A connection URL to one of the stack's own containers, or with its credential."""
        if line in self.lines:
            return True
        host, password = url_host_password(url)
        return host.lower() in self.hosts or (bool(password) and password in self.values)


def url_host_password(url: str) -> tuple[str, str]:
    """Host and password of ``scheme://user:password@host:port/path``, read as a connection
    string is written rather than by RFC 3986: a password may hold unescaped ``#``, ``?`` or
    ``@`` (the host follows the last ``@`` before the path)."""
    rest = url.partition("://")[2]
    first_at = rest.find("@")
    if first_at < 0:
        return re.split(r"[:/?#]", rest, maxsplit=1)[0], ""
    slash = rest.find("/", first_at)
    authority = rest if slash < 0 else rest[:slash]
    userinfo, _, hostport = authority.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal
        return hostport[1:].partition("]")[0], userinfo.partition(":")[2]
    host = re.split(r"[:?#]", hostport, maxsplit=1)[0]
    return host, userinfo.partition(":")[2]


def _scalar(node: yaml.Node | None) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return None


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _env_entries(node: yaml.Node | None) -> Iterator[tuple[str, str, yaml.ScalarNode]]:
    """``(name, value, node)`` of an ``environment``/``env`` mapping (with ``<<`` merges of
    anchors) or ``NAME=value`` list."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            if key.value == "<<":
                merged = value.value if isinstance(value, yaml.SequenceNode) else [value]
                for item in merged:
                    yield from _env_entries(item)
            elif isinstance(value, yaml.ScalarNode):
                yield str(key.value), str(value.value), value
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                name, sep, value = str(item.value).partition("=")
                if sep:
                    yield name.strip(), value, item


def _image_provisions(image: str) -> bool:
    path = image.split("@", 1)[0].lower()
    last = path.rsplit("/", 1)
    if ":" in last[-1]:
        path = path[: len(path) - len(last[-1])] + last[-1].split(":", 1)[0]
    return any(_SELF_PROVISIONING.match(segment) for segment in path.split("/"))


def _add(
    stack: OwnStack, name: str, value: str, node: yaml.ScalarNode, *, credential: bool
) -> None:
    stack.nodes.add(id(node))
    stack.lines.add(node.start_mark.line + 1)
    if credential and secret_strength(name) is not None and value.strip():
        stack.values.add(value.strip())


def _compose(doc: yaml.Node, stack: OwnStack) -> None:
    services = _mapping(_mapping(doc).get("services"))
    defined = {name: _mapping(body) for name, body in services.items()}
    if not any("image" in body or "build" in body for body in defined.values()):
        return  # not a compose file
    for name, body in defined.items():
        image = _scalar(body.get("image"))
        if image is None or "build" in body or not _image_provisions(image):
            continue
        stack.hosts.add(name.lower())
        container = _scalar(body.get("container_name"))
        if container:
            stack.hosts.add(container.lower())
        for key, value, node in _env_entries(body.get("environment")):
            _add(stack, key, value, node, credential=True)


#: setting names whose bare value is a host (``POSTGRES_HOST: postgres``)
_HOST_NAME = re.compile(r"host|server|addr", re.IGNORECASE)


def _addresses(name: str, value: str, hosts: set[str]) -> bool:
    """A setting that points at this machine or at one of the job's service containers."""
    text = value.strip().lower()
    if text in _LOCAL_HOSTS or (text in hosts and _HOST_NAME.search(name)):
        return True
    if "://" not in text:
        return False
    host = url_host_password(text)[0]
    return host in _LOCAL_HOSTS or host in hosts


def _workflow(doc: yaml.Node, stack: OwnStack) -> None:
    for job in _mapping(_mapping(doc).get("jobs")).values():
        body = _mapping(job)
        services = _mapping(body.get("services"))
        if not services:
            continue
        hosts = {name.lower() for name in services}
        for service in services.values():
            for key, value, node in _env_entries(_mapping(service).get("env")):
                _add(stack, key, value, node, credential=True)
        steps = body.get("steps")
        envs = [body.get("env")]
        if isinstance(steps, yaml.SequenceNode):
            envs.extend(_mapping(step).get("env") for step in steps.value)
        for env in envs:
            entries = list(_env_entries(env))
            if any(_addresses(key, value, hosts) for key, value, _ in entries):
                for key, value, node in entries:
                    _add(stack, key, value, node, credential=False)


def own_stack(file: SourceFile) -> OwnStack:
    """The credentials ``file`` (a compose file or a GitHub Actions workflow) provisions for
    the containers it starts; empty for any other file."""
    stack = OwnStack()
    if file.kind != "yaml":
        return stack
    docs = file.yaml_nodes or []
    workflow = _WORKFLOW.match(file.path) is not None
    for doc in docs:
        if workflow:
            _workflow(doc, stack)
        elif PurePosixPath(file.path).suffix.lower() in (".yml", ".yaml") and not (
            _DEPLOYMENT.search(file.path.lower())
        ):
            _compose(doc, stack)
    return stack
