"""The reference for ``make bench``: a bare Flask app on the same database and gunicorn settings.

One route renders one Jinja template from one indexed query of 50 rows: the first 50 posts of a
thread (``ix_post_thread_id``), with their current revision's HTML and their author's name
joined by primary key -- about what the workspace's thread page shows, without sessions,
access checks, translations or layout. ``gunicorn -c gunicorn.conf.py bare_app:app`` with
``tests/perf`` on ``PYTHONPATH`` and ``DATABASE_URL`` set; ``/health`` answers without the
database.
"""

import os
from pathlib import Path

from flask import Flask, abort, render_template
from sqlalchemy import create_engine, text

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=False)

POSTS = text(
    """
    SELECT post.id, post.created_at, user_account.name AS author, post_revision.body_html
    FROM post
    JOIN post_revision ON post_revision.id = post.current_revision_id
    LEFT JOIN user_account ON user_account.id = post.author_id
    WHERE post.thread_id = :thread_id
    ORDER BY post.id
    LIMIT 50
    """
)


@app.get("/health")
def health():
    return "ok"


@app.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    with engine.connect() as conn:
        posts = conn.execute(POSTS, {"thread_id": thread_id}).all()
    if not posts:
        abort(404)
    return render_template("bare_thread.html", thread_id=thread_id, posts=posts)
