"""Search across everything a user may see (DESIGN §3)."""

from . import index
from .routes import bp

index.listen()

__all__ = ["bp"]
