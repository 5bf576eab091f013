"""Programme administration: organisations, pairs, clusters, memberships, invitations."""

from .routes import bp

__all__ = ["bp"]
