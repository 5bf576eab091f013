"""Task lists, tasks and "my work"."""

from .routes import bp

__all__ = ["bp"]
