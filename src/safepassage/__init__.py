"""Safe Passage: operations system for humanitarian corridors and humanitarian access."""

__version__ = "0.1.0"
