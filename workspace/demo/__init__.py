"""The demo network: the real IncluCities cities and associations, fictional people."""

from .network import DEMO_PASSWORD, load

__all__ = ["DEMO_PASSWORD", "load"]
