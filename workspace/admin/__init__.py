"""Programme administration: organisations, pairs, clusters, memberships, invitations."""

from . import audit  # noqa: F401 (adds its routes to bp)
from .routes import bp

__all__ = ["bp"]
