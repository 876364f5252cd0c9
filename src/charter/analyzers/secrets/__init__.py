"""The ``no-hardcoded-secrets`` rule: detectors (policy data), readers per format, the judge
of values, redaction. See docs/secrets.md."""

from charter.analyzers.secrets.analyzer import SecretsAnalyzer

__all__ = ["SecretsAnalyzer"]
