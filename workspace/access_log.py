"""gunicorn's access log without secrets: reset, invitation and calendar tokens in paths and
referrers are redacted, and credential headers never printed (gunicorn.conf.py names it)."""

from gunicorn.glogging import Logger

from .security import SECRET_HEADERS, redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key.endswith(("}i", "}o")) and key[1:-2] in SECRET_HEADERS:
                atoms[key] = "[redacted]"
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
