"""Accounts: sign in and out, invitations, password reset, profile, language."""

from .routes import bp

__all__ = ["bp"]
