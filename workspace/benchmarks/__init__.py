"""Benchmarks (key factors per mentoring theme), the glossary, and each pair's self-assessment."""

from .routes import bp

__all__ = ["bp"]
