"""charter: audit repositories against the engineering standards in AI agent profiles."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("charter")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
