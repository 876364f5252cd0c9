"""Is a key or variable name one that holds a credential?

A name is split into lower-case words (``dbPassword`` -> db, password; ``API-KEY`` -> api, key).
It is secret-like when a word (or a known two-word phrase) names a credential, unless a word
says the value is *about* the credential rather than the credential itself (``password_file``,
``token_url``, ``secret_name``, ``password_hash``, ``public_key``, ``next_page_token``).
"""

from __future__ import annotations

import re
from enum import Enum
from itertools import pairwise

_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class Strength(Enum):
    """How much a name alone says: ``STRONG`` accepts any non-placeholder value."""

    STRONG = "strong"
    WEAK = "weak"


STRONG_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "secrets",
        "credential",
        "credentials",
        "creds",
        "privatekey",
        "clientsecret",
        "secretkey",
    }
)
WEAK_WORDS = frozenset(
    {
        "token",
        "apikey",
        "accesskey",
        "auth",
        "authorization",
        "bearer",
        "authtoken",
        "accesstoken",
        "refreshtoken",
        "apitoken",
        "signingkey",
        "encryptionkey",
        "masterkey",
        "accountkey",
        "sharedaccesskey",
    }
)
#: two adjacent words that together name a credential
PHRASES = {
    ("api", "key"): Strength.WEAK,
    ("access", "key"): Strength.WEAK,
    ("account", "key"): Strength.WEAK,
    ("signing", "key"): Strength.WEAK,
    ("encryption", "key"): Strength.WEAK,
    ("master", "key"): Strength.WEAK,
    ("private", "key"): Strength.STRONG,
    ("secret", "key"): Strength.STRONG,
    ("client", "secret"): Strength.STRONG,
}
#: substrings of a run-together lower-case name (``dbpassword``, ``stripeapikey``)
STRONG_SUBSTRINGS = ("password", "passwd", "passphrase", "secret", "privatekey", "credential")
WEAK_SUFFIXES = ("apikey", "accesskey", "authtoken", "accesstoken", "apitoken")

#: a final word that makes the value metadata about a credential, not the credential
METADATA_LAST = frozenset(
    {
        "name",
        "names",
        "type",
        "types",
        "file",
        "files",
        "path",
        "paths",
        "dir",
        "url",
        "uri",
        "urls",
        "endpoint",
        "host",
        "env",
        "var",
        "vars",
        "variable",
        "field",
        "fields",
        "header",
        "id",
        "ids",
        "arn",
        "ref",
        "refs",
        "length",
        "len",
        "size",
        "count",
        "max",
        "min",
        "ttl",
        "timeout",
        "expiry",
        "expires",
        "expiration",
        "lifetime",
        "format",
        "fmt",
        "prefix",
        "suffix",
        "pattern",
        "regex",
        "re",
        "policy",
        "label",
        "hint",
        "prompt",
        "message",
        "msg",
        "error",
        "err",
        "placeholder",
        "help",
        "description",
        "desc",
        "doc",
        "example",
        "template",
        "mode",
        "method",
        "scheme",
        "provider",
        "class",
        "cls",
        "kind",
        "version",
        "enabled",
        "enable",
        "disabled",
        "required",
        "char",
        "chars",
        "attr",
        "param",
        "option",
        "column",
        "col",
        "table",
        "index",
        "idx",
        "location",
        "store",
        "storage",
        "manager",
        "backend",
        "handler",
        "validator",
        "rotation",
        "algorithm",
        "alg",
        "bits",
        "level",
        "source",
        "usage",
        "scope",
        "scopes",
        "audience",
        "issuer",
        "reset",
        "changed",
        "expired",
        "valid",
        "strength",
        "input",
        "widget",
        "form",
        "rule",
        "rules",
        "mount",
        "volume",
        "namespace",
        "ns",
        "arg",
        "key",
        "keys",
        "hash",
        "hashed",
        "digest",
        "salt",
        "cache",
        "callback",
        "handle",
        "service",
        "client",
        "command",
        "cmd",
        "script",
        "selector",
        "item",
        "items",
        "list",
        "set",
        "dict",
        "map",
        "fn",
        "func",
        "position",
        "pos",
        "start",
        "end",
        "mask",
        "masked",
        "redacted",
    }
)
#: a word anywhere that says the value is not the secret itself
METADATA_ANY = frozenset(
    {
        "hash",
        "hashed",
        "digest",
        "sha",
        "sha1",
        "sha256",
        "sha512",
        "md5",
        "checksum",
        "fingerprint",
        "integrity",
        "public",
        "pub",
        "page",
        "next",
        "continuation",
        "pagination",
        "cursor",
        "sync",
        "csrf",
        "xsrf",
        "keyref",
        "secretkeyref",
        "no",
        "without",
        "is",
        "has",
        "use",
        "show",
        "forgot",
        "check",
        "verify",
        "tokenizer",
        "tokens_total",
        "num",
        "kms",
        # the name of a secret object elsewhere (Kubernetes, Helm): existingSecret,
        # configFromSecret, valueFrom
        "existing",
        "from",
    }
)


def words(name: str) -> list[str]:
    return [w.lower() for w in _SPLIT.split(name) if w]


def secret_strength(name: str) -> Strength | None:
    """STRONG/WEAK when ``name`` names a credential, else None."""
    if not name or len(name) > 64:
        return None
    parts = words(name)
    if not parts:
        return None
    stripped = [p for p in parts if not p.isdigit()]
    if not stripped:
        return None
    if stripped[-1] in METADATA_LAST and not _key_phrase_ends(stripped):
        return None
    if any(p in METADATA_ANY for p in stripped):
        return None
    if stripped[-1] == "secret" and "tls" in stripped:
        # ingress_tls_secret, tlsSecret: the name of a Kubernetes TLS secret object
        return None
    if any(p in STRONG_WORDS for p in stripped):
        return Strength.STRONG
    for pair in pairwise(stripped):
        strength = PHRASES.get(pair)
        if strength is not None:
            return strength
    if any(p in WEAK_WORDS for p in stripped):
        return Strength.WEAK
    joined = "".join(stripped)
    if any(s in joined for s in STRONG_SUBSTRINGS):
        return Strength.STRONG
    if joined.endswith(WEAK_SUFFIXES) or joined.endswith("token"):
        return Strength.WEAK
    return None


def _key_phrase_ends(parts: list[str]) -> bool:
    """``api_key``, ``secret_key``: a final "key" that completes a credential phrase."""
    return len(parts) >= 2 and parts[-1] == "key" and (parts[-2], "key") in PHRASES
