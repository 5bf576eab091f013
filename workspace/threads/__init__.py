"""Discussion threads: pair and cluster threads, posts, moderation."""

from .routes import bp

__all__ = ["bp"]
