"""gunicorn settings: `gunicorn wsgi:app` (or `-c gunicorn.conf.py wsgi:app`)."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is cut off and its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Workers are recycled now and then, so a slow leak never grows unbounded; rarely, and each at
# its own time: the master takes one to two seconds to replace a worker, and evenly loaded
# workers with a narrow jitter reached their limit together (all of them gone at once: the
# bench saw p99 over a second with 2,000 requests and a jitter of 200). Cached pages
# (workspace/page_cache.py) go at a few thousand requests a second.
max_requests = 100_000
max_requests_jitter = 50_000
# The app is imported once, in the master, and forked: a recycled or killed worker is back
# in milliseconds instead of importing everything again (about two seconds of CPU each).
preload_app = True
accesslog = "-"
# The access log leaves out the secret tokens of reset, invitation and calendar links.
logger_class = "workspace.access_log.RedactingLogger"
# Trust X-Forwarded-* only from the reverse proxy in front of us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    # No database connection may cross a fork: each worker opens its own. (Nothing connects
    # while the app is created; this makes sure of it.)
    engine = getattr(server.app.wsgi(), "extensions", {}).get("db_engine")
    if engine is not None:
        engine.dispose(close=False)
