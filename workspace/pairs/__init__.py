"""Pairs: the user's pairs, a pair's overview, inviting people into a pair."""

from .routes import bp

__all__ = ["bp"]
