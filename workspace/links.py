"""Links to many objects of one kind on one page, such as each section's history: url_for
once per kind of link, for a placeholder id, and each object's id put in its place. A plan
page has dozens of such links, and url_for costs more than the rest of rendering a link."""

import re

from flask import url_for

PLACEHOLDER = "2147483647"
_SEGMENT = re.compile(rf"(?<=/){PLACEHOLDER}(?=[/?#]|$)")


class IdLinks:
    """``links(object_id)`` is ``url_for(endpoint, **arguments, <id_argument>=object_id)``."""

    def __init__(self, endpoint: str, id_argument: str, **arguments):
        self.endpoint, self.id_argument, self.arguments = endpoint, id_argument, arguments
        url = url_for(endpoint, **arguments, **{id_argument: int(PLACEHOLDER)})
        # Only where the id is a path segment of its own, once; else url_for every time.
        found = _SEGMENT.findall(url)
        self.parts = url.split(PLACEHOLDER) if found and url.count(PLACEHOLDER) == 1 else None

    def __call__(self, object_id: int) -> str:
        if self.parts is None:
            return url_for(self.endpoint, **self.arguments, **{self.id_argument: object_id})
        return f"{self.parts[0]}{int(object_id)}{self.parts[1]}"
