"""charter: audit repositories against the engineering standards in AI agent profiles."""

__version__ = "0.1.0"

__all__ = ["__version__"]
