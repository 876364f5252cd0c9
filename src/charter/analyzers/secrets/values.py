"""Is a literal value a credential, or one of its look-alikes?

Every heuristic here keeps a documented class of look-alike quiet (see docs/secrets.md); each
returns the reason, so tests and docs can name it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter

#: words that make up placeholder values (``your-api-key-here``, ``example_password``)
PLACEHOLDER_WORDS = (
    "changeme",
    "changethis",
    "replaceme",
    "placeholder",
    "redacted",
    "example",
    "sample",
    "dummy",
    "insert",
    "replace",
    "your",
    "here",
    "enter",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "apikey",
    "api",
    "key",
    "value",
    "default",
    "string",
    "none",
    "null",
    "undefined",
    "empty",
    "todo",
    "tbd",
    "fixme",
    "test",
    "demo",
    "mock",
    "fake",
    "pass",
    "foo",
    "bar",
    "baz",
    "admin",
    "user",
    "name",
    "my",
    "client",
    "access",
    "auth",
    "private",
    "account",
    "service",
    "database",
    "db",
    "app",
    "set",
    "put",
    "goes",
    "real",
    "actual",
    "some",
    "with",
    "random",
    "generate",
    "generated",
    "long",
    "strong",
    "change",
)
_WORDS = re.compile("|".join(sorted(PLACEHOLDER_WORDS, key=len, reverse=True)))
_SEPARATORS = re.compile(r"[\s_\-.:/+=@#!]+")
_MASK = re.compile(r"^(?:[x*•.#?-]{3,}|(.)\1{3,})$", re.IGNORECASE)
_REFERENCE = re.compile(
    r"""
    \$\{(?:[^}$]|\$(?!\{))*+\}  # ${VAR}, ${{ secrets.X }} (the innermost ${: linear time)
    | \$\((?:[^)$]|\$(?!\())*+\)  # $(cmd)
    | ^\$[A-Za-z_][\w:]*$   # $VAR, $Env:TOKEN (PowerShell)
    | \{\{(?:(?!\{\{).)*?\}\}  # {{ .Values.x }} (Helm, Jinja)
    | \{%(?:(?!\{%(?!\})).)*?%\}  # Jinja statements
    | %\([A-Za-z_]\w*\)[sd] # %(name)s
    | ^%[A-Za-z_]\w*%$     # %VAR% (Windows)
    | ^\{[A-Za-z_][\w.]*\}$ # {name} (str.format)
    | ^<[^<>]+>$           # <token>
    | ^\[[^\[\]]+\]$       # [password]
    | \#\{(?:[^}\#]|\#(?!\{))*+\}  # #{var} (Ruby, Octopus)
    | ^@[A-Za-z_]\w*@$     # @VAR@ (autoconf)
    | ^%s$
    | ^@?(?:env|secret|vault|ssm|op|awssm|gcpsm|azkv|ref)\+?:
    | ^(?:\s*[A-Z_][A-Z0-9_]*=[\w./-]+:[\w./-]+)+\s*$  # NAME=path:key lines of a vault action
    | ^(?:arn|projects/[^/]+/secrets)[:/]
    | ^ENC\[[A-Z0-9_]+,        # sops-encrypted value
    | ^\$ANSIBLE_VAULT;       # ansible-vault ciphertext
    """,
    re.VERBOSE,
)
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_INTEGRITY = re.compile(r"^(?:sha(?:1|256|384|512)|md5)-[A-Za-z0-9+/]+={0,2}$")
#: ``https://host/path`` and scheme-relative ``//host/path``
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//[^\s]*$", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//[^/@\s]*:[^/@\s]*@", re.IGNORECASE)
_PATH = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\)?[\w.@-]+(?:[/\\][\w.@-]+)*[/\\]?$")
_FILE_NAME = re.compile(
    r"\.(?:pem|key|crt|cer|p12|pfx|jks|json|ya?ml|txt|env|cfg|ini|toml|pass|gpg|asc|pub)$"
)
_IDENTIFIER = re.compile(r"^[a-z]+(?:[_.-][a-z]+)*$")
#: words joined by separators, each all lower, Capitalized or ALL CAPS: ``Proxy-Authorization``
_WORDS_ONLY = re.compile(r"^(?:[A-Z]?[a-z]+|[A-Z]+)(?:[-_.](?:[A-Z]?[a-z]+|[A-Z]+))*$")
#: credential words that a label or field name mentions (``allowCredentials``, ``X-Auth-Token``)
_CREDENTIAL_WORD = re.compile(r"pass|pwd|secret|token|credential|key|auth", re.IGNORECASE)
#: a name in namespaces, each a lower-case slug without digits: Django's URL names
#: (``accounts:password-reset``, ``gym:gym:reset-user-password``), Rails and Symfony route names
_NAMESPACED_NAME = re.compile(r"[a-z]+(?:[-_][a-z]+)*(?::[a-z]+(?:[-_][a-z]+)*)+")
#: regex syntax: ``(?:``, ``(?=``, ``\w``, ``\d``, ``[^...]``
_REGEX_SYNTAX = re.compile(r"\(\?[:=!<P]|\\[wdsbWDS][*+?{]?|\[\^")
_NUMBERISH = re.compile(r"^[\d.:,+-]+$")
_PRINTF = r"%(?:\([A-Za-z_]\w*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgGc]"
#: ``%s``-style at the start or twice, or a ``{}``/``{0}``/``{name}`` field anywhere
_FORMAT = re.compile(
    rf"^{_PRINTF}|{_PRINTF}.*{_PRINTF}|\{{[A-Za-z_0-9]*(?:![rsa])?(?::[^{{}}]*)?\}}"
)
#: Stripe test-mode keys (the ``stripe-test-secret-key`` detector, off by default, reports them)
_STRIPE_TEST_KEY = re.compile(r"^(?:sk|rk|pk)_test_[A-Za-z0-9]+$")
_CALL = re.compile(r"^[A-Za-z_$][\w$.]{0,80}+\([^()]{0,80}+\)$")
_LDAP_DN = re.compile(
    r"^(?:cn|ou|dc|uid|o|c|l|st|street|sn|mail)=[^,=]{1,200}+(?:,[A-Za-z]{1,16}+=[^,=]{1,200}+)*+$",
    re.IGNORECASE,
)
_ENTRY_POINT = re.compile(
    r"^[A-Za-z_]\w*+(?:\.[A-Za-z_]\w*+)++:[A-Za-z_]\w*+(?:\.[A-Za-z_]\w*+)*+$"
)
_DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")


def _is_path(value: str) -> bool:
    """``/run/secrets/db``, ``./certs/tls.key``, ``config/db.pass``: folders and file names,
    not a base64 secret that happens to contain ``/`` (its segments are long and mixed-case)."""
    if not _PATH.match(value):
        return False
    rooted = value.startswith(("/", "./", "../", "~/")) or value[1:3] == ":\\"
    segments = [s for s in re.split(r"[/\\]", value) if s]
    if not segments:
        return False
    if not rooted and not _FILE_NAME.search(value):
        # a bare relative path has lower-case folders (orders/prod/db); base64 does not
        return len(segments) >= 2 and all(s == s.lower() for s in segments)
    for segment in segments:
        mixed = any(c.isupper() for c in segment) and any(c.islower() for c in segment)
        random_like = mixed and len(segment) >= 12 and any(c.isdigit() for c in segment)
        if len(segment) > 40 or random_like:
            return False
    return True


def shannon_entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


#: the documented default password of a public image or product, known to everyone: MinIO's
#: ``minioadmin``, RabbitMQ's ``guest``, Neo4j's ``neo4j``, the ``postgres`` of the postgres
#: image's examples (in source a plain lower-case word is quiet anyway; this keeps a test's
#: and a doc's container defaults quiet too)
DEFAULT_CREDENTIALS = frozenset({"minioadmin", "postgres", "guest", "neo4j"})
#: an elided value: ``Tx1jRk...``, ``sk-…``, ``...abcd`` (documentation shortens a value)
_ELIDED = re.compile(r"^\.{3}|\.{3}$|…")


def placeholder_reason(value: str) -> str | None:
    """Why ``value`` is a placeholder, a reference or a mask rather than a secret."""
    stripped = value.strip()
    if not stripped:
        return "empty"
    if _MASK.match(stripped):
        return "a mask (xxx, ****)"
    if _ELIDED.search(stripped):
        return "elided ('...' or '…' stands for the rest of the value)"
    if stripped.lower() in DEFAULT_CREDENTIALS:
        return "a product's documented default password (minioadmin, guest): public, not a secret"
    if _REFERENCE.search(stripped):
        return "a reference to a variable or secret store"
    residue = _WORDS.sub("", _SEPARATORS.sub("", stripped.lower()))
    if len(residue) < 4 or (residue.isdigit() and len(residue) <= 4):
        return "made of placeholder words"
    if _MASK.match(residue):
        return "a mask (xxx, ****)"
    return None


_AUTH_SCHEME = re.compile(
    r"^(?:Bearer|Basic|Token|token|bearer|basic|Digest|ApiKey)\s+(?P<credential>\S+)$"
)


def credential_part(value: str) -> str:
    """``Bearer abc`` -> ``abc``: an HTTP Authorization value is judged by its credential; a
    ``Basic`` one by the password it encodes (``user:password``, base64)."""
    match = _AUTH_SCHEME.match(value.strip())
    if not match:
        return value.strip()
    credential = match.group("credential")
    if value.strip()[:5].lower() == "basic":
        try:
            decoded = base64.b64decode(credential + "=" * (-len(credential) % 4), validate=True)
            user, sep, password = decoded.decode("utf-8").partition(":")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return credential
        if sep and user.isprintable() and password.isprintable():
            return password
    return credential


#: words that are settings of the format around a secret-named key, not values of it:
#: GitHub Actions ``secrets: inherit`` / ``required``, fetch's ``credentials: "include"``
KEYWORDS = frozenset(
    {"inherit", "include", "omit", "same-origin", "required", "optional", "enabled", "disabled"}
)
_EMAIL = re.compile(r"^[\w.+-]{1,64}+@[A-Za-z0-9-]{1,63}+(?:\.[A-Za-z0-9-]{1,63}+)+$")
#: a DNS name: lower-case labels and a top-level domain of letters (``auth.example.com``)
_DNS_NAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\.?$")
#: password hashes with a known prefix (crypt, bcrypt, argon2, scrypt, PBKDF2, Django) and
#: digests written as ``algorithm:hex``: what a system stores instead of the password
_KNOWN_HASH = re.compile(
    r"^(?:\$(?:1|2[abxy]?|5|6|y|7|argon2(?:id|i|d)|scrypt|pbkdf2(?:-sha\d+)?|sha1|md5|apr1)\$"
    r"|(?:pbkdf2_sha\d+|bcrypt(?:_sha256)?|argon2|sha1|md5|scrypt)\$"
    r"|\{(?:SSHA|SHA|SSHA256|SSHA512|CRYPT|MD5|SMD5|PBKDF2[\w-]*)\}"
    r"|(?:sha(?:1|224|256|384|512)|md5|blake2b|sha3-256):[0-9a-f]{32,}$)",
    re.IGNORECASE,
)
#: ``application/vnd.github.v3+json``, ``text/plain``: a media type
_MEDIA_TYPE = re.compile(
    r"^(?:application|text|image|audio|video|multipart|message|font|model)/[\w.+-]+$"
)
#: a version or a version range (``~1.2.3``, ``^2.0.0-beta.1``, ``>=3.1``, ``v1.4``)
_ONE_VERSION = r"[~^<>=!]{0,2}+[ \t]*+v?\d++(?:\.(?:\d++|[x*]))++(?:[-+][\w.-]++)?"
_VERSION = re.compile(rf"^{_ONE_VERSION}(?:[ \t,|]++{_ONE_VERSION})*+$")
#: booleans and nulls of every format: a flag about a credential, not one
_LITERALS = frozenset({"true", "false", "yes", "no", "on", "off", "nil", "null", "none"})
#: ``firstName``, ``passwordField``: a camel-case identifier
_CAMEL = re.compile(r"^[a-z]+(?:[A-Z][a-z]+)+$")


def _jwt_header(value: str) -> bool:
    """``eyJhbGciOiJIUzI1NiJ9``: base64url of a JSON object with ``alg``, and nothing after."""
    if not value.startswith("eyJ") or "." in value or len(value) > 512:
        return False
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        header = json.loads(decoded)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header


def lookalike_reason(value: str, *, strong: bool, lenient: bool = False) -> str | None:
    """Why a literal under a secret-like name is not a credential (None: it is one).

    ``strong`` names (password, secret, private key, credentials) accept any value that is
    not a placeholder; weaker names (token, auth, api key) also want a random-looking value.
    ``lenient`` (where findings are advisory: tests, examples, docs): under a strong name, a
    plain word of 4 characters or more is a password too (``"letmein"``, ``"vagrant"``).
    """
    stripped = value.strip()
    if stripped.lower() in KEYWORDS:
        return "a keyword of the format (secrets: inherit, credentials: include)"
    if stripped.lower() in _LITERALS:
        return "a boolean or null"
    if _KNOWN_HASH.match(stripped):
        return "a hash with a known prefix ($2b$, $6$, pbkdf2_sha256$, sha256:): no password"
    if _EMAIL.match(stripped):
        return "an email address"
    if _MEDIA_TYPE.match(stripped):
        return "a media type"
    if re.fullmatch(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})", stripped):
        return "a colour (#rrggbb)"
    if _DNS_NAME.match(stripped):
        return "a DNS name"
    if _jwt_header(stripped):
        return "the header of a JWT alone (base64 of {\"alg\": …}): no token, no signature"
    plain_ok = lenient and strong
    min_length = (4 if plain_ok else 6) if strong else 8
    if len(stripped) < min_length:
        return f"shorter than {min_length} characters"
    if len(stripped) > 4096:
        return "too long for a credential (a document or a blob)"
    if any(ch.isspace() for ch in stripped):
        return "contains whitespace (prose, a prompt or a command)"
    reason = placeholder_reason(stripped)
    if reason is not None:
        return reason
    if _STRIPE_TEST_KEY.match(stripped):
        return "a Stripe test-mode key: it reaches only simulated test data, never money"
    if not plain_ok and re.fullmatch(r"[a-z]+\d{0,3}", stripped) and len(stripped) <= 12:
        return "a plain lower-case word (a default such as `postgres`, `minio123`): no secret"
    if _NUMBERISH.match(stripped) and not (plain_ok and stripped.isdigit() and len(stripped) >= 6):
        return "a number, version or OID"
    if _VERSION.match(stripped):
        return "a version or a version range"
    if ENV_NAME.match(stripped):
        return "an environment variable name"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*", stripped) and (
        _CREDENTIAL_WORD.search(stripped)
        and (not any(c.isdigit() for c in stripped) or re.search(r"[-_.]", stripped))
    ):
        return (
            "a name or label that mentions the credential (allowCredentials, X-Auth-Token, "
            "caching_sha2_password)"
        )
    if _NAMESPACED_NAME.fullmatch(stripped) and _CREDENTIAL_WORD.search(stripped.rsplit(":")[-1]):
        return "a namespaced name that mentions the credential (a URL name: auth:reset-password)"
    if _REGEX_SYNTAX.search(stripped):
        return "a regular expression"
    if _FORMAT.search(stripped):
        return "a format string (filled in at run time)"
    if _UUID.match(stripped):
        return "a UUID (an identifier)"
    if _INTEGRITY.match(stripped):
        return "an integrity hash (lockfile)"
    if _URL.match(stripped) and not _URL_CREDENTIALS.match(stripped):
        return "a URL without credentials"
    if _is_path(stripped):
        return "a file path"
    if _CALL.match(stripped):
        return "a call (an expression bound in a template: pdfPassword())"
    if _LDAP_DN.match(stripped):
        return "an LDAP distinguished name (cn=…,dc=…)"
    if _ENTRY_POINT.match(stripped):
        return "an import path (module.path:object, a plugin entry point)"
    if _DOTTED_NAME.match(stripped) and not any(ch.isdigit() for ch in stripped):
        return "a dotted name (a setting or module path)"
    if shannon_entropy(stripped) < (2.0 if strong else 3.0):
        return "low entropy (repeated characters)"
    if not strong:
        if _IDENTIFIER.match(stripped) or _WORDS_ONLY.match(stripped) or _CAMEL.match(stripped):
            return "words or an identifier, not a random token"
        classes = sum(
            (
                any(c.islower() for c in stripped),
                any(c.isupper() for c in stripped),
                any(c.isdigit() for c in stripped),
                any(not c.isalnum() for c in stripped),
            )
        )
        if classes < 2 and len(stripped) < 20:
            return "one character class and short: a word, not a random token"
    return None
