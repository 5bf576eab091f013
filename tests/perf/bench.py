"""The benchmark behind ``make bench``: the workspace's pages against a bare Flask app.

Run from the checkout's root (``make bench`` does)::

    .venv/bin/python tests/perf/bench.py                     # SQLite and PostgreSQL
    BENCH_DB=sqlite BENCH_SCALE=small .venv/bin/python tests/perf/bench.py

What it does, for each database:

1. Builds the synthetic programme with ``flask --app wsgi demo synth`` (``BENCH_SCALE=full``,
   the default: the command's default sizes, minutes; ``small``: a tenth of the pairs, seconds).
   The result is cached by its sizes and the set of migrations: an SQLite file under
   ``instance/bench/``, a PostgreSQL database ``bench_<scale>_<key>`` on
   ``BENCH_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), so a
   rerun does not rebuild.
2. Picks a signed-in member of a pair, a thread of that pair with at least 50 posts, the pair's
   task board, its plan and timeline, and counts each page's SQL queries in-process (a
   SQLAlchemy event listener around one test-client request).
3. Starts gunicorn with the project's ``gunicorn.conf.py`` and 4 workers on the app, again on
   the app with its page cache off (``PAGE_CACHE_BYTES=0``: every request rendered), and with
   the same settings ``tests/perf/bare_app.py`` (one indexed query of 50 posts, one Jinja
   template) on the same database, both bound to 127.0.0.1 on a free port.
4. Drives each page with ``wrk`` (fixed connections and duration, ``--latency``), signed in by
   the session cookie of one real sign-in; the "anything new?" poll sends the ETag it was
   given, so it answers 304. Each page is measured on both apps. The bare app is measured
   before every page and after the last;
   each page's requests/s is given as a ratio of the mean of the two bare runs around it.
5. Prints a markdown table, flags the targets (page >= 50 % of bare, poll >= 80 %,
   p99 <= 5 x p50) and writes it to ``instance/bench-<db>.md``.

Settings (environment): ``BENCH_DB`` (sqlite, postgresql or both), ``BENCH_SCALE`` (small or
full), ``BENCH_CONNECTIONS`` (16), ``BENCH_DURATION`` (10s), ``BENCH_WARMUP`` (3s, unmeasured, before
each measurement), ``BENCH_WORKERS`` (4), ``BENCH_VERBOSE=1`` (print wrk's output),
``BENCH_PROFILE=1`` (also profile one in-process request of each page that misses a target
with cProfile and print where the time goes).

Without ``wrk`` on the PATH, a small threaded Python load generator with the same bounds
stands in (it is slower than wrk, so absolute numbers are lower; the ratios still compare).
Numbers depend on the machine and on whatever else runs on it: they are noisy on a shared one.
"""

import cProfile
import hashlib
import io
import json
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PERF = Path(__file__).resolve().parent
VENV_BIN = ROOT / ".venv/bin" if (ROOT / ".venv/bin").is_dir() else Path(sys.executable).parent
INSTANCE = ROOT / "instance"
CACHE = INSTANCE / "bench"

SYNTH_PASSWORD = "synthetic-programme-2026"  # shown by `flask demo synth --help`
USER_AGENT = "workspace-bench/1"

SCALES = {
    # The command's defaults: the programme scale of the issue.
    "full": {"pairs": 200, "users": 5000, "posts": 300_000, "tasks": 50_000, "revisions": 20_000},
    "small": {"pairs": 20, "users": 500, "posts": 30_000, "tasks": 5_000, "revisions": 2_000},
}
SEED = 1
BUILT = "workspace bench data set, complete"

PAGE_TARGET = 0.50
POLL_TARGET = 0.80
TAIL_TARGET = 5.0


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# The data set ------------------------------------------------------------------------------


def dataset_key(scale: str) -> str:
    """Sizes, seed and the migrations that made the schema: a new migration, a new data set."""
    migrations = sorted(p.name for p in (ROOT / "workspace/migrations/versions").glob("*.py"))
    blob = json.dumps({"sizes": SCALES[scale], "seed": SEED, "migrations": migrations})
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


def flask(args: list[str], database_url: str) -> None:
    # A build runs long statements: no statement timeout (DATABASE_STATEMENT_TIMEOUT=0).
    env_ = {**os.environ, "DATABASE_URL": database_url, "DATABASE_STATEMENT_TIMEOUT": "0"}
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env_, check=True
    )


def synth_args(scale: str) -> list[str]:
    args = ["demo", "synth", "--seed", str(SEED)]
    for name, value in SCALES[scale].items():
        args += [f"--{name}", str(value)]
    return args


def build_sqlite(scale: str) -> str:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"synth-{scale}-{dataset_key(scale)}.sqlite"
    url = f"sqlite:///{path}"
    if path.exists():
        log(f"SQLite data set cached: {path}")
        return url
    for old in CACHE.glob(f"synth-{scale}-*.sqlite*"):
        old.unlink()
    building = path.with_suffix(".building")
    for leftover in CACHE.glob(building.name + "*"):
        leftover.unlink()
    log(f"building the SQLite data set ({scale}) in {path} ...")
    started = time.perf_counter()
    flask(["db", "upgrade"], f"sqlite:///{building}")
    flask(synth_args(scale), f"sqlite:///{building}")
    building.rename(path)
    log(f"built in {time.perf_counter() - started:.0f} s")
    return url


def build_postgresql(scale: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(env("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    name = f"bench_{scale}_{dataset_key(scale)}"
    url = admin.set(database=name).render_as_string(hide_password=False)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        databases = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        if name in databases:
            with psycopg.connect(
                admin.set(drivername="postgresql", database=name).render_as_string(
                    hide_password=False
                )
            ) as bench:
                # The comment is set once every build command has succeeded.
                comment = bench.execute(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = current_database()"
                ).fetchone()[0]
                if comment == BUILT:
                    log(f"PostgreSQL data set cached: database {name}")
                    return url
        for old in sorted(d for d in databases if d.startswith(f"bench_{scale}_")):
            conn.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    log(f"building the PostgreSQL data set ({scale}) in database {name} ...")
    started = time.perf_counter()
    flask(["db", "upgrade"], url)
    flask(synth_args(scale), url)
    with psycopg.connect(
        admin.set(drivername="postgresql", database=name).render_as_string(hide_password=False),
        autocommit=True,
    ) as bench:
        bench.execute("VACUUM ANALYZE")
        bench.execute(f"COMMENT ON DATABASE \"{name}\" IS '{BUILT}'")
    log(f"built in {time.perf_counter() - started:.0f} s")
    return url


# The subjects and the in-process counts ----------------------------------------------------


@dataclass
class Page:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200
    queries: int | None = None  # served from the page cache
    queries_rendered: int | None = None  # rendered (the cache missed, or is off)
    bytes: int | None = None
    note: str = ""
    bare_rps: float = 0.0  # the bare app's, measured around this page


def make_app(database_url: str):
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    from workspace import create_app

    return create_app()


def pick_subjects(app) -> dict:
    """A member of a pair, with consent, and a thread of the pair with at least 50 posts."""
    from sqlalchemy import func, select

    from workspace import db
    from workspace.models import Membership, Plan, Role, TaskList, Thread, User

    with app.app_context():
        session = db.session
        rows = session.execute(
            select(Thread.id, Thread.pair_id, Membership.user_id, User.email)
            .join(Membership, Membership.pair_id == Thread.pair_id)
            .join(User, User.id == Membership.user_id)
            .where(
                Thread.pair_id.is_not(None),
                Thread.hidden.is_(False),
                Thread.open_to_network.is_(False),
                Thread.post_count >= 60,
                Membership.role.in_([Role.MENTOR, Role.MENTEE]),
                User.is_admin.is_(False),
                User.erased_at.is_(None),
            )
            .order_by(Thread.post_count.desc(), Thread.id, Membership.user_id)
            .limit(1)
        ).first()
        if rows is None:
            raise SystemExit("no pair thread with 60 posts and a member in the data set")
        thread_id, pair_id, user_id, email = rows
        plan_id = session.scalar(
            select(Plan.id).where(Plan.pair_id == pair_id).order_by(Plan.id.desc()).limit(1)
        )
        lists = session.scalar(
            select(func.count()).select_from(TaskList).where(TaskList.pair_id == pair_id)
        )
    return {
        "thread_id": thread_id,
        "pair_id": pair_id,
        "user_id": user_id,
        "email": email,
        "plan_id": plan_id,
        "task_lists": lists,
    }


def pages_for(app, s: dict) -> list[Page]:
    pages = [
        Page("thread (50 posts)", f"/threads/{s['thread_id']}"),
        Page("timeline", f"/pairs/{s['pair_id']}/timeline"),
        Page(f"task board ({s['task_lists']} lists)", f"/pairs/{s['pair_id']}/tasks"),
        Page("plan view", f"/pairs/{s['pair_id']}/plans/{s['plan_id']}"),
        Page("pair overview", f"/pairs/{s['pair_id']}"),
    ]
    search_rules = [r for r in app.url_map.iter_rules() if r.rule.rstrip("/") == "/search"]
    if search_rules:
        pages.append(Page("search", "/search?q=plan"))
    else:
        pages.append(Page("search", "", note="not built"))
    pages.append(Page("poll (304)", f"/threads/{s['thread_id']}/poll", expect=304))
    return pages


class QueryCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.engine = engine
        self.event = event

    def _on(self, conn, cursor, statement, *args):
        # As tests/conftest.py counts: transaction control and PRAGMAs are not queries.
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            self.count += 1

    def __enter__(self):
        self.count = 0
        self.event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        self.event.remove(self.engine, "before_cursor_execute", self._on)


def test_client_signed_in(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    page = client.get("/signin")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
    data = {"email": email, "password": SYNTH_PASSWORD}
    if token:
        data["csrf_token"] = token.group(1).decode()
    response = client.post("/signin", data=data)
    if response.status_code != 302:
        raise SystemExit(f"in-process sign-in failed: {response.status_code}")
    return client


def count_queries(app, pages: list[Page], email: str) -> None:
    """Each page's SQL queries in one in-process request after a warm-up request: served
    from the page cache, and rendered (with the cache set aside, plus its one lookup)."""
    engine = app.extensions["db_engine"]
    client = test_client_signed_in(app, email)
    for page in pages:
        if not page.path:
            continue
        client.get(page.path, headers=page.headers)  # warm caches (templates, translations)
        with QueryCounter(engine) as counter:
            response = client.get(page.path, headers=page.headers)
        if response.status_code != page.expect:
            raise SystemExit(f"{page.path}: {response.status_code} in process, not {page.expect}")
        page.queries = counter.count
        cache = app.extensions.pop("page_cache", None)
        try:
            with QueryCounter(engine) as counter:
                client.get(page.path, headers=page.headers)
        finally:
            if cache is not None:
                app.extensions["page_cache"] = cache
        page.queries_rendered = counter.count + (cache is not None)


def profile_page(app, page: Page, email: str, repeat: int = 20) -> str:
    client = test_client_signed_in(app, email)
    client.get(page.path, headers=page.headers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(page.path, headers=page.headers)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    print(f"Per request: {stats.total_tt / repeat * 1000:.1f} ms under the profiler.", file=out)
    stats.sort_stats("cumulative").print_stats(r"workspace|templates", 30)
    stats.sort_stats("tottime").print_stats(15)
    text = out.getvalue()
    for prefix in sorted({str(ROOT) + "/", *(p + "/" for p in sys.path if "-packages" in p)}):
        text = text.replace(prefix, "")
    return text


# The servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, app_spec: str, database_url: str, extra_env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        workers = env("BENCH_WORKERS", "4")
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "WEB_CONCURRENCY": workers,
            "BIND": f"127.0.0.1:{self.port}",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{PERF}",
            **(extra_env or {}),
        }
        name = f"gunicorn-{os.environ.get('BENCH_DB', 'db')}-{app_spec.split(':')[0]}.log"
        self.log = open(CACHE / name, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--workers",
                workers,
                "--bind",
                f"127.0.0.1:{self.port}",
                app_spec,
            ],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str = "/") -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {self.log.name}")
            try:
                urllib.request.urlopen(self.base + path, timeout=2)  # noqa: S310
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not start within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def sign_in(base: str, email: str) -> tuple[str, urllib.request.OpenerDirector]:
    """One real sign-in through the form; returns the Cookie header and the opener."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/signin").read()
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"email": email, "password": SYNTH_PASSWORD}
    if token:
        form["csrf_token"] = token.group(1).decode()
    response = opener.open(base + "/signin", urllib.parse.urlencode(form).encode())
    if "/signin" in response.geturl():
        raise SystemExit("sign-in against gunicorn failed")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, opener


def fetch(base: str, path: str, headers: dict[str, str]) -> tuple[int, bytes, dict]:
    headers = {"User-Agent": USER_AGENT, **headers}
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


# The load ------------------------------------------------------------------------------------


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int  # non-2xx/3xx responses and socket errors


def parse_duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url: str, headers: dict[str, str], connections: int, duration: str) -> Result:
    command = [
        "wrk",
        "-t",
        str(min(2, connections)),
        "-c",
        str(connections),
        "-d",
        duration,
        "--latency",
    ]
    command += ["--timeout", "30s"]
    for name, value in {"User-Agent": USER_AGENT, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if env("BENCH_VERBOSE", ""):
        log(f"{url}\n{output}")
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.M))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        bad += int(m.group(1))
    if m := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        bad += sum(int(g) for g in m.groups())
    return Result(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=parse_duration_ms(percentiles["50"]),
        p99_ms=parse_duration_ms(percentiles["99"]),
        requests=requests,
        bad=bad,
    )


def run_python_load(url: str, headers: dict[str, str], connections: int, duration: str) -> Result:
    """The stand-in for wrk: ``connections`` threads with keep-alive, for ``duration``."""
    import http.client

    seconds = parse_duration_ms(duration) / 1000
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", target, headers={"User-Agent": USER_AGENT, **headers})
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad[0] += 1
            except (OSError, http.client.HTTPException):
                bad[0] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(len(latencies) / elapsed, q[49], q[98], len(latencies), bad[0])


def load(url: str, headers: dict[str, str]) -> Result:
    connections = int(env("BENCH_CONNECTIONS", "16"))
    duration = env("BENCH_DURATION", "10s")
    runner = run_wrk if shutil.which("wrk") else run_python_load
    # Warm-up: every worker's first requests compile templates and load translations.
    runner(url, headers, connections, env("BENCH_WARMUP", "3s"))
    result = runner(url, headers, connections, duration)
    if result.requests == 0:
        log(f"{url}: no request answered in {duration}; try a longer BENCH_DURATION")
    return result


# One database --------------------------------------------------------------------------------


def bench(db: str, scale: str) -> None:
    database_url = build_sqlite(scale) if db == "sqlite" else build_postgresql(scale)
    app = make_app(database_url)
    subjects = pick_subjects(app)
    log(f"subjects: {subjects}")
    pages = pages_for(app, subjects)
    # The poll is counted once it has its ETag, below.
    count_queries(app, [p for p in pages if p.expect != 304], subjects["email"])

    workspace = Gunicorn("wsgi:app", database_url)
    # The same app with its page cache off: what every request costs when something in the
    # programme was written since the page was last shown (reported, not a target).
    uncached = Gunicorn("wsgi:app", database_url, {"PAGE_CACHE_BYTES": "0"})
    bare = Gunicorn("bare_app:app", database_url, {"BENCH_THREAD_ID": str(subjects["thread_id"])})
    try:
        workspace.wait_ready("/signin")
        uncached.wait_ready("/signin")
        bare.wait_ready("/health")
        cookie, _ = sign_in(workspace.base, subjects["email"])
        auth = {"Cookie": cookie}
        uncached_auth = {"Cookie": sign_in(uncached.base, subjects["email"])[0]}

        bare_path = f"/threads/{subjects['thread_id']}"
        status, body, _ = fetch(bare.base, bare_path, {})
        if status != 200:
            raise SystemExit(f"bare app: {status}")
        bare_page = Page("bare Flask (50 posts)", bare_path, queries=1, bytes=len(body))

        for page in pages:
            if not page.path:
                continue
            status, body, headers = fetch(workspace.base, page.path, auth)
            if status != 200:
                raise SystemExit(f"{page.path}: {status} from gunicorn")
            page.bytes = len(body)
            if page.expect == 304:
                etag = headers.get("ETag")
                if not etag:
                    raise SystemExit(f"{page.path}: no ETag")
                page.headers = {"If-None-Match": etag}
                status, body, _ = fetch(workspace.base, page.path, {**auth, **page.headers})
                if status != 304:
                    raise SystemExit(f"{page.path}: {status} with If-None-Match, not 304")
                page.bytes = len(body)
        # The in-process count of the poll, now with the ETag it answers 304 to.
        poll = pages[-1]
        if poll.expect == 304:
            count_queries(app, [poll], subjects["email"])

        # The bare app before every page and after the last: each page is compared with
        # the mean of the bare runs on either side of it, so a machine that gets busier or
        # quieter during the run (a shared one does) skews the ratios less.
        log("load: bare app")
        bare_runs = [load(bare.base + bare_path, {})]
        results: dict[str, Result] = {}
        rendered: dict[str, Result] = {}
        for page in pages:
            if not page.path:
                continue
            log(f"load: {page.name} {page.path}")
            results[page.name] = load(workspace.base + page.path, {**auth, **page.headers})
            log(f"load: {page.name}, page cache off")
            rendered[page.name] = load(uncached.base + page.path, {**uncached_auth, **page.headers})
            log("load: bare app")
            bare_runs.append(load(bare.base + bare_path, {}))
            page.bare_rps = max((bare_runs[-2].rps + bare_runs[-1].rps) / 2, 1e-9)
    finally:
        workspace.stop()
        uncached.stop()
        bare.stop()

    table = report(db, scale, subjects, pages, results, rendered, bare_page, bare_runs)
    print(table, flush=True)
    if env("BENCH_PROFILE", "") not in ("", "0"):
        for page in pages:
            result = results.get(page.name)
            if result is None or not missed(page, result):
                continue
            log(f"profile: {page.name}")
            print(f"\n### cProfile, 20 in-process requests: {page.name} ({db})\n```")
            print(profile_page(app, page, subjects["email"]))
            print("```", flush=True)


def missed(page: Page, result: Result) -> list[str]:
    misses = []
    target = POLL_TARGET if page.expect == 304 else PAGE_TARGET
    if result.rps / page.bare_rps < target:
        misses.append(f"throughput < {target:.0%} of bare")
    if result.p99_ms > TAIL_TARGET * result.p50_ms:
        misses.append(f"p99 > {TAIL_TARGET:g} x p50")
    if result.bad:
        misses.append(f"{result.bad} errors")
    if not result.requests:
        misses.append("no answer within the duration")
    return misses


def report(db, scale, subjects, pages, results, rendered, bare_page, bare_runs):
    tool = "wrk" if shutil.which("wrk") else "python threads (wrk missing)"
    lines = [
        f"## Benchmark: {db}, {scale} data set",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; sizes {SCALES[scale]}, "
        f"seed {SEED}; gunicorn.conf.py with {env('BENCH_WORKERS', '4')} workers for both apps; "
        f"{tool}, {env('BENCH_CONNECTIONS', '16')} connections for "
        f"{env('BENCH_DURATION', '10s')} per page on 127.0.0.1; {os.cpu_count()} CPUs. "
        f"Signed in as {subjects['email']} (member of pair {subjects['pair_id']}). "
        f"The bare app ran before each page and after the last "
        f"({', '.join(f'{r.rps:.0f}' for r in bare_runs)} req/s); each page's ratio uses the "
        f"mean of the two runs around it. The targets are judged on the app as it ships, "
        f"whose page cache (workspace/page_cache.py) answers a page shown before while "
        f'nothing was written since; "rendered" is the same app with the cache off '
        f"(PAGE_CACHE_BYTES=0), every request rendered: what a page costs after a write.",
        "",
        "| page | req/s | p50 ms | p99 ms | queries | bytes | vs bare | targets "
        "| rendered: req/s | p50 ms | p99 ms | queries | vs bare |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]

    def row(page: Page, result: Result | None, ratio: str, flags: str) -> str:
        if result is None:
            return f"| {page.name} | – | – | – | – | – | – | {page.note} |" + " – |" * 5
        text = (
            f"| {page.name} | {result.rps:.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
            f"{page.queries} | {page.bytes:,} | {ratio} | {flags} |"
        )
        slow = rendered.get(page.name)
        if slow is None:
            return text + " |" * 5
        return text + (
            f" {slow.rps:.0f} | {slow.p50_ms:.1f} | {slow.p99_ms:.1f} | "
            f"{page.queries_rendered} | {slow.rps / page.bare_rps:.0%} |"
        )

    mean_bare = Result(
        statistics.mean(r.rps for r in bare_runs),
        statistics.median(r.p50_ms for r in bare_runs),
        statistics.median(r.p99_ms for r in bare_runs),
        sum(r.requests for r in bare_runs),
        sum(r.bad for r in bare_runs),
    )
    lines.append(row(bare_page, mean_bare, "100%", "(reference: mean req/s, median p50/p99)"))
    met = total = 0
    for page in pages:
        result = results.get(page.name)
        if result is None:
            lines.append(row(page, None, "", ""))
            continue
        misses = missed(page, result)
        total += 1
        met += not misses
        target = POLL_TARGET if page.expect == 304 else PAGE_TARGET
        flags = "ok" if not misses else "MISSED: " + "; ".join(misses)
        flags = f"{flags} (≥{target:.0%})"
        lines.append(row(page, result, f"{result.rps / page.bare_rps:.0%}", flags))
    lines += [
        "",
        f"{met} of {total} pages meet every target (page ≥ {PAGE_TARGET:.0%} of bare, "
        f"poll ≥ {POLL_TARGET:.0%}, p99 ≤ {TAIL_TARGET:g} × p50).",
        "",
    ]
    table = "\n".join(lines)
    out = INSTANCE / f"bench-{db}.md"
    out.write_text(table)
    log(f"written to {out}")
    return table


def main() -> None:
    scale = env("BENCH_SCALE", "full")
    if scale not in SCALES:
        raise SystemExit(f"BENCH_SCALE is small or full, not {scale}")
    which = env("BENCH_DB", "both")
    dbs = {"both": ["sqlite", "postgresql"], "sqlite": ["sqlite"], "postgresql": ["postgresql"]}
    if which not in dbs:
        raise SystemExit(f"BENCH_DB is sqlite, postgresql or both, not {which}")
    if len(dbs[which]) > 1:
        # Each database in its own process: the app object and its engine are per process.
        for db in dbs[which]:
            subprocess.run(
                [sys.executable, __file__], env={**os.environ, "BENCH_DB": db}, check=True
            )
        return
    bench(dbs[which][0], scale)


if __name__ == "__main__":
    main()
