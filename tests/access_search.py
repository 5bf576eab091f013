"""The search page in the access matrix: anyone signed in searches; what each role finds is
tested rule by rule in tests/test_search.py."""

from access_rules import signed_in


def populate(world):
    """Search needs no objects of its own: it finds what the other areas made."""


MATRIX = {
    "search.results": [
        ("GET", "/search", None, signed_in(200)),
        ("GET", "/search?q=housing&kind=post&pair={pair}", None, signed_in(200)),
    ],
}
