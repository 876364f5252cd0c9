"""Generic analyzers a rule written in YAML alone can use: ``file-exists``, ``config-value``
and ``text-pattern``. See docs/custom-policies.md."""
