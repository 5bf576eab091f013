"""The pair timeline: events, study visits, the activity stream, calendar feeds."""

from .routes import bp

__all__ = ["bp"]
