"""Notifications: in the workspace (unread count, list, mark read) and by e-mail."""

from .routes import bp

__all__ = ["bp"]
