"""Soak and faults behind ``make soak`` (issue 6, item 5): not part of ``make test``, since one
test restarts PostgreSQL.

gunicorn with the project's gunicorn.conf.py and 4 workers serves a migrated database with the
demo network, on SQLite (a file) and on PostgreSQL (a database made for the run on
``SOAK_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``, and
dropped afterwards). ``SOAK_MEMBERS`` (32) simulated members sign in through the form, each from
an address of its own on 127.0.0.0/8 (as real members come from theirs), and for
``SOAK_SECONDS`` (60) read the timeline, threads, the task board and the plan, reply in
threads, add tasks and complete them, and comment on the plan. Every written text carries a
unique marker; a write is acknowledged when the workspace answers it 303 (each of these forms
redirects after a successful write), and every acknowledged write must be in the database
afterwards.

- the soak: no 5xx, no "database is locked" in any answer or in gunicorn's log;
- ``kill -9`` of one worker halfway: the master starts another, serving goes on, and no
  acknowledged write is lost (a request in flight on the killed worker may fail with a
  connection error: it was never acknowledged);
- PostgreSQL restarted halfway (``pg_ctlcluster ... restart``): meanwhile only clean 503 pages
  (no 500, no traceback), and 200 again within 5 seconds of PostgreSQL being back.

The statement timeout that cuts off a hanging statement is tested in tests/test_db_limits.py.
"""

import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from workspace.demo import DEMO_PASSWORD
from workspace.models import (
    Membership,
    Plan,
    PlanSection,
    Post,
    PostRevision,
    Role,
    SectionComment,
    Task,
    TaskList,
    TaskStatus,
    Thread,
    User,
)

ROOT = Path(__file__).resolve().parent.parent.parent
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
MEMBERS = int(os.environ.get("SOAK_MEMBERS", "32"))
PG_ADMIN_URL = os.environ.get(
    "SOAK_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
WORKERS = 4
CLIENT_TIMEOUT = 40  # seconds: above gunicorn's timeout, so a stuck worker shows as such
LOCKED = "database is locked"


# The database and the server ------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A migrated database with the demo network."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'soak.db'}"
        _prepare(url)
        yield url
        return
    name = f"soak_{os.getpid()}_{secrets.token_hex(3)}"
    # No pool: a connection kept from before a PostgreSQL restart would be dead.
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _prepare(url)
        yield url
    finally:
        _wait_for_postgres()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepare(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "soak-secret"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["demo", "load"]):
        done = subprocess.run(
            flask + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with gunicorn.conf.py and 4 workers; its error log (stderr) is kept."""

    def __init__(self, url: str, logs: Path):
        self.port = _free_port()
        self.error_log = logs / "gunicorn-error.log"
        self.access_log = logs / "gunicorn-access.log"
        env = {
            **os.environ,
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(WORKERS),
            "DATABASE_URL": url,
            "SECRET_KEY": "soak-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        self._err = self.error_log.open("w")
        self._out = self.access_log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=self._err,
        )
        deadline = time.monotonic() + 60
        while len(self.workers()) < WORKERS or not self._healthy():
            assert self.process.poll() is None, self.error_log.read_text()
            assert time.monotonic() < deadline, self.error_log.read_text()
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            return fetch(self.port, "GET", "/healthz")[0] == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        """The worker processes: the master's children."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except FileNotFoundError:
            return []
        return [int(c) for c in children]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._err.close()
        self._out.close()


@pytest.fixture
def server_for(tmp_path):
    servers = []

    def start(url: str) -> Server:
        servers.append(Server(url, tmp_path))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def fetch(port, method, path, form=None, cookies=None, source="127.0.0.1"):
    """One request on a fresh connection (gunicorn's sync workers close each one)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=CLIENT_TIMEOUT, source_address=(source, 0)
    )
    try:
        headers = {"Accept-Language": "en"}
        body = None
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, response, text
    finally:
        conn.close()


# The members ----------------------------------------------------------------------------


@dataclass
class Place:
    """What one pair offers to read and write, with ids taken from the database."""

    pair_id: int
    threads: list[int]
    network_threads: list[int]
    lists: list[int]
    plan_id: int
    sections: list[int]


@dataclass
class Account:
    email: str
    core: bool  # mentor, mentee or partner: may reply in any thread and add tasks
    places: list[Place]


@dataclass
class Tally:
    """What the members saw, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> n
    connection_errors: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)  # (time, kind, status, body)
    locked: list = field(default_factory=list)
    rejected: list = field(default_factory=list)  # writes answered neither 303 nor 5xx
    written: list = field(default_factory=list)  # (kind, marker) of acknowledged writes
    completed: list = field(default_factory=list)  # task ids acknowledged done
    timeline: list = field(default_factory=list)  # (time, status) of every answer

    def requests(self) -> int:
        return sum(self.statuses.values())

    def writes(self) -> int:
        return sum(
            n
            for (kind, _status), n in self.statuses.items()
            if kind.startswith("write") and kind != "write-signin"
        )


CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _selected_language(page: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no {name} field"
    chosen = re.search(r'<option[^>]*\bselected\b[^>]*value="([^"]+)"', select.group(1))
    chosen = chosen or re.search(r'<option[^>]*value="([^"]+)"[^>]*\bselected\b', select.group(1))
    return chosen.group(1) if chosen else re.search(r'value="([^"]+)"', select.group(1)).group(1)


class Member(threading.Thread):
    """One simulated member: signs in, then reads and writes until told to stop."""

    def __init__(self, number, account: Account, port, tally: Tally, stop, go=None):
        super().__init__(name=f"member-{number}", daemon=True)
        self.go = go
        self.number = number
        self.account = account
        self.port = port
        self.tally = tally
        self.stop_event = stop
        self.source = f"127.0.{1 + number // 250}.{1 + number % 250}"
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.random = random.Random(number)
        self.open_tasks: list[tuple[int, int]] = []  # (pair id, task id) added by this member
        self.signed_in = False

    # plumbing

    def call(self, kind, method, path, form=None):
        if form is not None:
            form = {"csrf_token": self.csrf, **form}
        try:
            status, response, text = fetch(self.port, method, path, form, self.cookies, self.source)
        except OSError as error:  # refused, reset: the worker went away mid-request
            with self.tally.lock:
                self.tally.connection_errors[type(error).__name__] += 1
                self.tally.timeline.append((time.monotonic(), None))
            return None, None, ""
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if token := CSRF.search(text):
            self.csrf = token.group(1)
        with self.tally.lock:
            self.tally.statuses[(kind, status)] += 1
            self.tally.timeline.append((time.monotonic(), status))
            if status >= 500:
                self.tally.server_errors.append((time.monotonic(), kind, status, text))
            if LOCKED in text:
                self.tally.locked.append((kind, status))
        return status, response, text

    def marker(self, kind: str) -> str:
        return f"soak-{kind}-{self.number}-{secrets.token_hex(6)}"

    def acknowledged(self, kind, status, marker=None, task=None) -> bool:
        if status == 303:
            with self.tally.lock:
                if marker:
                    self.tally.written.append((kind, marker))
                if task:
                    self.tally.completed.append(task)
            return True
        if status is not None and status < 500:
            with self.tally.lock:
                self.tally.rejected.append((kind, status))
        return False

    # what a member does

    def sign_in(self) -> bool:
        status, _r, _t = self.call("read-signin", "GET", "/signin")
        if status != 200:
            return False
        form = {"email": self.account.email, "password": DEMO_PASSWORD}
        status, _r, _t = self.call("write-signin", "POST", "/signin", form)
        if status not in (302, 303):
            return False
        status, _r, _t = self.call("read-home", "GET", "/")
        self.signed_in = status == 200
        return self.signed_in

    def read(self, place: Place):
        path = self.random.choice(
            [
                f"/pairs/{place.pair_id}/timeline",
                f"/pairs/{place.pair_id}/threads",
                f"/threads/{self.random.choice(self.readable_threads(place))}",
                f"/pairs/{place.pair_id}/tasks",
                f"/pairs/{place.pair_id}/plans/{place.plan_id}",
            ]
        )
        self.call("read", "GET", path)

    def readable_threads(self, place: Place) -> list[int]:
        return place.threads if self.account.core else place.network_threads

    def reply(self, place: Place):
        thread = self.random.choice(self.readable_threads(place))
        status, _r, page = self.call("read", "GET", f"/threads/{thread}")
        if status != 200:
            return
        marker = self.marker("post")
        form = {
            "body": f"Thanks, noted for our next meeting. {marker}",
            "language": _selected_language(page, "language"),
        }
        status, _r, _t = self.call("write-reply", "POST", f"/threads/{thread}/reply", form)
        self.acknowledged("post", status, marker)

    def add_task(self, place: Place):
        task_list = self.random.choice(place.lists)
        marker = self.marker("task")
        form = {f"list{task_list}-title": f"Send the minutes {marker}"}
        path = f"/pairs/{place.pair_id}/tasks/lists/{task_list}/tasks"
        status, response, _t = self.call("write-task", "POST", path, form)
        if self.acknowledged("task", status, marker):
            anchor = re.search(r"#task-(\d+)$", response.headers.get("Location", ""))
            if anchor:
                self.open_tasks.append((place.pair_id, int(anchor.group(1))))

    def complete_task(self):
        pair_id, task_id = self.open_tasks.pop(0)
        path = f"/pairs/{pair_id}/tasks/{task_id}/status"
        status, _r, _t = self.call("write-done", "POST", path, {"status": "done"})
        self.acknowledged("done", status, task=task_id)

    def comment(self, place: Place):
        path = f"/pairs/{place.pair_id}/plans/{place.plan_id}"
        status, _r, page = self.call("read", "GET", path)
        if status != 200:
            return
        section = self.random.choice(place.sections)
        prefix = f"section-{section}-comment"
        marker = self.marker("comment")
        form = {
            f"{prefix}-body": f"Could we add a figure here? {marker}",
            f"{prefix}-language": _selected_language(page, f"{prefix}-language"),
        }
        status, _r, _t = self.call(
            "write-comment", "POST", f"{path}/sections/{section}/comments", form
        )
        self.acknowledged("comment", status, marker)

    def run(self):
        while not self.stop_event.is_set() and not self.signed_in:
            if not self.sign_in():
                time.sleep(0.5)
        if self.go is not None:
            self.go.wait()
        while not self.stop_event.is_set():
            place = self.random.choice(self.account.places)
            roll = self.random.random()
            if self.account.core and self.open_tasks and roll < 0.08:
                self.complete_task()
            elif self.account.core and roll < 0.16:
                self.add_task(place)
            elif roll < 0.28:
                self.reply(place)
            elif roll < 0.36:
                self.comment(place)
            else:
                self.read(place)
            time.sleep(self.random.uniform(0.05, 0.3))  # a member reads what they loaded


def accounts(url: str) -> list[Account]:
    """The demo network's members, core roles first, then the network, consultant and admin."""
    engine = sa.create_engine(url)
    try:
        with Session(engine) as s:
            places = {}
            for pair_id, plan_id in s.execute(
                sa.select(Plan.pair_id, sa.func.min(Plan.id)).group_by(Plan.pair_id)
            ):
                threads = s.execute(
                    sa.select(Thread.id, Thread.open_to_network).where(Thread.pair_id == pair_id)
                ).all()
                places[pair_id] = Place(
                    pair_id=pair_id,
                    threads=[t for t, _open in threads],
                    network_threads=[t for t, open_ in threads if open_],
                    lists=list(
                        s.scalars(sa.select(TaskList.id).where(TaskList.pair_id == pair_id))
                    ),
                    plan_id=plan_id,
                    sections=list(
                        s.scalars(sa.select(PlanSection.id).where(PlanSection.plan_id == plan_id))
                    ),
                )
            assert places and all(p.threads and p.lists and p.sections for p in places.values())
            core, network = [], []
            for email, role, pair_id in s.execute(
                sa.select(User.email, Membership.role, Membership.pair_id)
                .join(Membership, Membership.user_id == User.id)
                .where(User.email.like("%@demo.example.org"))
                .order_by(User.id)
            ):
                if role is Role.NETWORK:
                    if places[pair_id].network_threads:
                        network.append(Account(email, False, [places[pair_id]]))
                else:
                    core.append(Account(email, True, [places[pair_id]]))
            everywhere = list(places.values())
            staff = [
                Account(f"{key}@demo.example.org", True, everywhere)
                for key in ("consultant", "admin")
            ]
    finally:
        engine.dispose()
    people = core + network + staff
    # More members than accounts: some people work on two devices at once.
    return [(people + core * 4)[i] for i in range(MEMBERS)]


def soak(server: Server, url: str, seconds: float, midway=None) -> Tally:
    """Runs the members for ``seconds``; ``midway()`` (a fault) is called halfway through."""
    tally, stop, go = Tally(), threading.Event(), threading.Event()
    members = [
        Member(i, account, server.port, tally, stop, go) for i, account in enumerate(accounts(url))
    ]
    for member in members:
        member.start()
    # Signing in hashes a password (slow on purpose): everyone signs in before the clock starts.
    deadline = time.monotonic() + 300
    while not all(m.signed_in for m in members):
        assert time.monotonic() < deadline, "some members could not sign in"
        time.sleep(0.2)
    go.set()
    started = time.monotonic()
    result = None
    if midway is not None:
        time.sleep(seconds / 2)
        result = midway()
    time.sleep(max(0.0, started + seconds - time.monotonic()))
    stop.set()
    for member in members:
        member.join(timeout=CLIENT_TIMEOUT + 5)
    tally.result = result
    return tally


def report(name: str, tally: Tally) -> None:
    by_kind = Counter()
    for (kind, status), n in tally.statuses.items():
        by_kind[f"{kind} {status}"] += n
    print(
        f"\n[{name}] requests {tally.requests()}, writes sent {tally.writes()}, "
        f"acknowledged {len(tally.written) + len(tally.completed)} "
        f"(posts/tasks/comments {len(tally.written)}, tasks done {len(tally.completed)}), "
        f"5xx {len(tally.server_errors)}, connection errors {dict(tally.connection_errors)}, "
        f"rejected writes {len(tally.rejected)}, locked {len(tally.locked)}"
    )
    print("  " + ", ".join(f"{k}: {n}" for k, n in sorted(by_kind.items())))


def assert_every_acknowledged_write_is_stored(url: str, tally: Tally) -> None:
    engine = sa.create_engine(url)
    try:
        with Session(engine) as s:
            texts = {
                "post": s.scalars(
                    sa.select(PostRevision.body)
                    .join(Post, Post.current_revision_id == PostRevision.id)
                    .where(PostRevision.body.like("%soak-post-%"), Post.deleted_at.is_(None))
                ),
                "task": s.scalars(sa.select(Task.title).where(Task.title.like("%soak-task-%"))),
                "comment": s.scalars(
                    sa.select(SectionComment.body).where(
                        SectionComment.body.like("%soak-comment-%")
                    )
                ),
            }
            found = set()
            for kind, rows in texts.items():
                found.update(re.findall(rf"soak-{kind}-\d+-[0-9a-f]+", " ".join(rows)))
            missing = [marker for _kind, marker in tally.written if marker not in found]
            done = set(
                s.scalars(
                    sa.select(Task.id).where(
                        Task.id.in_(tally.completed or [0]), Task.status == TaskStatus.DONE
                    )
                )
            )
            not_done = [task for task in tally.completed if task not in done]
    finally:
        engine.dispose()
    assert not missing, f"{len(missing)} acknowledged writes lost: {missing[:10]}"
    assert not not_done, f"tasks acknowledged done but not done: {not_done[:10]}"


def assert_clean(server: Server, tally: Tally, *, allow_503: bool = False) -> None:
    errors = [(kind, status) for _t, kind, status, _body in tally.server_errors]
    if allow_503:
        errors = [(kind, status) for kind, status in errors if status != 503]
    assert not errors, f"5xx answers: {Counter(errors)}; first: {tally.server_errors[0][3][:2000]}"
    assert not tally.locked, tally.locked[:10]
    log = server.error_log.read_text()
    assert LOCKED not in log
    assert "Traceback" not in log, log[-5000:]
    assert not tally.rejected, f"writes refused: {Counter(tally.rejected)}"
    assert tally.written and tally.completed, "the members wrote nothing"


# The tests ------------------------------------------------------------------------------


def test_soak(database, server_for):
    server = server_for(database)
    tally = soak(server, database, SOAK_SECONDS)
    report(f"soak {database.split(':')[0]}", tally)
    assert_clean(server, tally)
    assert not tally.connection_errors
    assert_every_acknowledged_write_is_stored(database, tally)


def test_a_killed_worker_is_replaced_and_no_acknowledged_write_is_lost(database, server_for):
    server = server_for(database)

    def kill_a_worker():
        victim = random.choice(server.workers())
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        deadline = killed_at + 30
        while victim in server.workers() or len(server.workers()) < WORKERS:
            assert time.monotonic() < deadline, "the master did not replace the worker"
            time.sleep(0.1)
        return victim, killed_at

    tally = soak(server, database, SOAK_SECONDS, midway=kill_a_worker)
    report(f"kill -9 {database.split(':')[0]}", tally)
    victim, killed_at = tally.result
    assert victim not in server.workers() and len(server.workers()) == WORKERS
    assert server.process.poll() is None
    after = [status for t, status in tally.timeline if t > killed_at + 2]
    assert after.count(200) >= 10 and after.count(303) >= 1, "serving stopped after the kill"
    assert_clean(server, tally)
    assert_every_acknowledged_write_is_stored(database, tally)


def _postgres_up() -> bool:
    engine = sa.create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def _wait_for_postgres(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not _postgres_up():
        assert time.monotonic() < deadline, "PostgreSQL is not running"
        time.sleep(0.5)


def _restart_postgres() -> None:
    version = next(p.name for p in Path("/etc/postgresql").iterdir())
    done = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 or not _postgres_up():  # make sure it runs whatever happened
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_postgresql_restart_gives_clean_503s_then_200_within_5_seconds(database, server_for):
    if not Path("/etc/postgresql").is_dir():
        pytest.skip("no local PostgreSQL cluster to restart")
    server = server_for(database)
    probe_stop = threading.Event()
    probes: list[tuple[float, int | None, str]] = []

    def probe():
        """A member's page, asked ten times a second while PostgreSQL restarts."""
        member = Member(999, accounts(database)[0], server.port, Tally(), probe_stop)
        while not member.sign_in():
            time.sleep(0.2)
        path = f"/pairs/{member.account.places[0].pair_id}/timeline"
        while not probe_stop.is_set():
            status, _r, text = member.call("probe", "GET", path)
            probes.append((time.monotonic(), status, text))
            time.sleep(0.1)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()

    def restart():
        time.sleep(1)
        began = time.monotonic()
        try:
            _restart_postgres()
        finally:
            _wait_for_postgres()
        return began, time.monotonic()

    try:
        tally = soak(server, database, SOAK_SECONDS, midway=restart)
    finally:
        probe_stop.set()
        prober.join(timeout=CLIENT_TIMEOUT + 5)
    report("postgresql restart", tally)
    began, back = tally.result
    during = [(t, s, text) for t, s, text in probes if began <= t <= back + 5]
    outage = [s for _t, s, _text in during if s != 200]
    print(
        f"  restart took {back - began:.1f}s; probe answers meanwhile: "
        f"{Counter(s for _t, s, _x in during)}"
    )
    assert 503 in outage or not outage, outage
    assert all(s in (200, 503) for s in outage), Counter(outage)  # never a 500
    for _t, status, text in during:
        if status == 503:
            assert "The workspace is busy for a moment" in text
            assert "Traceback" not in text and "OperationalError" not in text
    # Within 5 seconds of PostgreSQL being back, and from then on, the page answers 200.
    after = [(t, s) for t, s, _text in probes if t > back]
    first_ok = next(t for t, s in after if s == 200)
    print(f"  200 again {first_ok - back:.1f}s after PostgreSQL was back")
    assert first_ok - back <= 5, first_ok - back
    assert all(s == 200 for t, s in after if t > back + 5), Counter(s for _t, s in after)
    # The soak's members saw nothing worse than 503 either, and lost no acknowledged write.
    assert_clean(server, tally, allow_503=True)
    for _t, _kind, status, text in tally.server_errors:
        assert status == 503 and "Traceback" not in text
    assert_every_acknowledged_write_is_stored(database, tally)
