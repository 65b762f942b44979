"""The package version, in a leaf module so that modules which stamp it into their output need not import the package."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
"""Version of the generator; written into every motion file's metadata as ``generator_version``."""
