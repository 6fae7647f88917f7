"""The hot paths over HTTP, beside the framework floor measured in the same run (issue 11).

    .venv/bin/python bench/http_load.py                       # SQLite bench data, sync and gthread workers
    .venv/bin/python bench/http_load.py --url postgresql+psycopg://postgres@127.0.0.1:5432/messaging_bench
    .venv/bin/python bench/http_load.py --rounds 3 --duration 10s   # medians of three rounds (a noisy machine)
    make bench-http                                      # both databases

It serves a scratch copy of the benchmark database (bench/generate.py) with gunicorn
(2 workers, the same worker classes and wrk settings as ../shared/bench/floor.sh), signs in
as the most active staff user of the busiest shop (a session cookie for the pages, a bearer
token for the API), loads each request with wrk on 127.0.0.1 and reports requests per
second, the ratio to the floor's one-SELECT app, the CPU time the workers spent per request (which
moves far less than req/s with what else the machine is doing) and the SQL statements each request runs. With
``--rounds N`` the floor and every request are measured N times, each request against the floor
of its own round, and the medians are reported with their range.
Sends go to one thread (the issue's measure) and, in a row of their own, round-robin over 100
threads. Sends write to the scratch copy only; it is removed afterwards.

On PostgreSQL it also serves the floor's app reading PostgreSQL (bench/floor_postgres.py) and
reports each request against it too: the floor reads SQLite in-process, and that column says
how much of a request's distance from it is the round trip to the database server.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE_DATA = ROOT / "bench" / "data" / "bench.sqlite3"
FLOOR = ROOT.parent / "shared" / "bench" / "floor.sh"
STAFF_PASSWORD = "bench-password"
HOST = "127.0.0.1"
TARGETS = {"badge fragment": 0.50, "API unread count": 0.50, "inbox fragment": 0.25,
           "thread fragment (10 messages)": 0.20, "send (API)": 0.15}

SEND_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"content": "Benchmark reply: thanks, we are looking into it."}'
wrk.headers["Content-Type"] = "application/json"
"""
# Every message re-indexes its conversation's whole search document, so sends to one thread cost
# more as it grows (bench/README.md); the same sends spread over this many threads show what a
# send costs in a marketplace where many conversations are active at once.
SPREAD_OVER = 100


def spread_send_script(paths: list[str]) -> str:
    listed = ", ".join(f'"{path}"' for path in paths)
    return SEND_SCRIPT + f"""
paths = {{{listed}}}
sent = 0
request = function()
  sent = sent + 1
  return wrk.format(nil, paths[(sent % #paths) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def psycopg_conninfo(url) -> str:
    """A libpq connection string for a SQLAlchemy URL, password and query options included."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def scratch_database(url: str | None, workdir: Path) -> tuple[str, callable]:
    """A copy of the benchmark database that sends may write to, and how to remove it."""
    if url is None or url.startswith("sqlite:///"):
        source = Path(url.removeprefix("sqlite:///")) if url else SQLITE_DATA
        if not source.exists():
            sys.exit(f"No SQLite bench data at {source}: run .venv/bin/python bench/generate.py --analyze first")
        copy = workdir / "http-bench.sqlite3"
        # SQLite's backup, not a file copy: what the last run left in the source's WAL (bench/run.py
        # sends and deletes again) is part of the database, and a copy of the main file alone misses it.
        with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(copy)) as duplicate:
            original.backup(duplicate)
        return f"sqlite:///{copy}", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    source = make_url(url)
    scratch = f"{source.database}_http"
    admin = psycopg_conninfo(source.set(database="postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        # FILE_COPY: the default (WAL_LOG) writes the whole 1 GB copy through the WAL, whose
        # flushing and checkpoint then slowed whichever measurement ran next by 10-20 %.
        connection.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{source.database}" STRATEGY FILE_COPY')

    def drop():
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')

    return source.set(database=scratch).render_as_string(hide_password=False), drop


def subjects(database_url: str) -> dict:
    """Who signs in and what they open: chosen by SQL, the same every run."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        q = lambda sql, **kw: connection.execute(text(sql), kw).all()  # noqa: E731
        vendor_id, vendor_code = q(
            "SELECT c.vendor_id, v.code FROM conversations c JOIN vendors v ON v.id = c.vendor_id "
            "GROUP BY c.vendor_id, v.code ORDER BY count(*) DESC, c.vendor_id LIMIT 1")[0]
        staff_id, email = q(
            "SELECT p.participant_id, u.email FROM conversation_participants p "
            "JOIN conversations c ON c.id = p.conversation_id JOIN users u ON u.id = p.participant_id "
            "WHERE p.participant_type = 'vendor' AND c.vendor_id = :v "
            "GROUP BY p.participant_id, u.email ORDER BY count(*) DESC, p.participant_id LIMIT 1", v=vendor_id)[0]
        thread_id = q(
            "SELECT c.id FROM conversations c JOIN conversation_participants p ON p.conversation_id = c.id "
            "AND p.participant_type = 'vendor' AND p.participant_id = :s "
            "WHERE c.vendor_id = :v AND c.message_count = 10 ORDER BY c.id LIMIT 1", s=staff_id, v=vendor_id)[0][0]
        send_targets = [row[0] for row in q(
            "SELECT id FROM conversations WHERE vendor_id = :v AND conversation_type = 'vendor_customer' "
            "AND status = 'open' ORDER BY id LIMIT :n", v=vendor_id, n=SPREAD_OVER)]
        # Nothing unread in the measured thread, so opening it is a pure read, as on a second look.
        connection.execute(text("UPDATE conversation_participants SET unread_count = 0 WHERE conversation_id = :c "
                                "AND participant_type = 'vendor' AND participant_id = :s"), {"c": thread_id, "s": staff_id})
    engine.dispose()
    return {"email": email, "vendor_code": vendor_code, "thread_id": thread_id, "send_to": send_targets[0],
            "send_targets": send_targets}


SECRET_KEY = "http-bench-" + os.urandom(8).hex()


def start_server(database_url: str, worker_class: str, port: int, threads: int, log) -> subprocess.Popen:
    environment = dict(
        os.environ, MESSAGING_CONFIG="production", SECRET_KEY=SECRET_KEY, DATABASE_URL=database_url,
        PUBLIC_BASE_URL="http://127.0.0.1",
        # The benchmark sends as fast as it can from one account: lift the per-account send limit.
        # Per second, not per minute: the moving window keeps one entry per send in its window and
        # inserts each new one at the front of that list. A person's window (20 per minute) holds 20;
        # a minute of the benchmark's sends held 37,000, and moving them took 3 % of a send.
        SEND_LIMIT_PER_ACCOUNT="1000000 per second", SIGN_IN_LIMIT_PER_ADDRESS="1000 per minute",
    )
    return serve("wsgi:app", "/login", environment, worker_class, port, threads, log)


def serve(application: str, ready_path: str, environment: dict, worker_class: str, port: int, threads: int,
          log) -> subprocess.Popen:
    """gunicorn serving ``application`` as floor.sh serves its app: 2 workers of ``worker_class``."""
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-b", f"{HOST}:{port}", "-w", "2", "-k", worker_class,
               "--log-level", "warning", application]
    if worker_class == "gthread":
        command[5:5] = ["--threads", str(threads)]
    server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}{ready_path}", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not come up; see the log")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def sign_in(port: int, who: dict) -> tuple[str, str]:
    """The session cookie of the pages and a bearer token of the API, for the same staff user."""
    import http.client

    def send(method: str, path: str, body: str = "", cookie: str = "") -> tuple[int, str, str]:
        # By hand: the production session cookie is Secure, which cookie jars keep off plain http.
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        set_cookie = response.getheader("Set-Cookie") or ""
        return response.status, response.read().decode(), set_cookie.split(";", 1)[0] or cookie

    def csrf_token(page: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    _, form, cookie = send("GET", "/login")
    status, page, cookie = send(
        "POST", "/login", f"email={who['email']}&password={STAFF_PASSWORD}&csrf_token={csrf_token(form)}", cookie)
    if "Which shop" in page:
        status, page, cookie = send(
            "POST", "/login/vendor", f"vendor_code={who['vendor_code']}&csrf_token={csrf_token(page)}", cookie)
    if status != 302:
        raise RuntimeError(f"signing in answered {status}")
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/v1/auth/token", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"email": who["email"], "password": STAFF_PASSWORD, "vendor_code": who["vendor_code"]}).encode())
    token = json.loads(urllib.request.urlopen(request, timeout=10).read())["token"]
    return cookie, token


def cases(who: dict, cookie: str, token: str) -> list[tuple[str, str, dict, str | None]]:
    page = {"Cookie": cookie, "HX-Request": "true"}
    api = {"Authorization": f"Bearer {token}"}
    return [
        ("badge fragment", "/vendor/messages/unread-badge", page, None),
        ("API unread count", "/api/v1/vendor/messages/unread-count", api, None),
        ("inbox fragment", "/vendor/messages", page, None),
        ("thread fragment (10 messages)", f"/vendor/messages/{who['thread_id']}", page, None),
        ("send (API)", f"/api/v1/vendor/messages/{who['send_to']}/messages", api, SEND_SCRIPT),
        (f"send (API), over {SPREAD_OVER} threads", f"/api/v1/vendor/messages/{who['send_to']}/messages", api,
         spread_send_script([f"/api/v1/vendor/messages/{target}/messages" for target in who["send_targets"]])),
    ]


def workers_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time (user + system) the server's worker processes have used so far: unlike req/s, what
    a request costs the workers barely moves with what else the machine is doing."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After the command name, which may hold spaces: state, ppid, … utime (14th), stime (15th).
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == server.pid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(port: int, path: str, headers: dict, script: str | None, args, workdir: Path,
            server: subprocess.Popen) -> dict:
    command = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.duration}", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        script_path = workdir / "script.lua"
        script_path.write_text(script)
        command += ["-s", str(script_path)]
    url = f"http://{HOST}:{port}{path}"
    check = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"]
                           + [part for name, value in headers.items() for part in ("-H", f"{name}: {value}")]
                           + (["-X", "POST", "-H", "Content-Type: application/json", "-d", '{"content": "check"}']
                              if script else []) + [url], capture_output=True, text=True).stdout
    if check not in ("200", "201"):
        raise RuntimeError(f"{path} answered {check} before the load: the benchmark would measure a refusal")
    subprocess.run(command[:1] + ["-t1", "-c2", "-d2s"] + command[5:] + [url], capture_output=True)  # warm-up
    cpu_before = workers_cpu_seconds(server)
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    cpu_used = workers_cpu_seconds(server) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    p50 = re.search(r"\s50%\s+(\S+)", output).group(1)
    return {"rps": rps, "p50": p50, "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "cpu_us": cpu_used / requests * 1e6 if requests else 0.0}


def statements_per_request(database_url: str, who: dict) -> dict[str, int]:
    """The same requests once in-process (signed in there too), counting the SQL each one sends."""
    from sqlalchemy import event

    from config import Config
    from messaging import create_app
    from messaging.extensions import db

    # Search's backlog as served (the tests index after every send): a typical send's statements.
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY,
                                           "SEARCH_INDEX_BATCH": Config.SEARCH_INDEX_BATCH})
    counts = {}
    # Each request in its own application context, as in production: one held across requests
    # would keep what a request caches in ``g`` (the signed-in principal) and hide its queries.
    client = app.test_client()
    page = client.post("/login", data={"email": who["email"], "password": STAFF_PASSWORD})
    if b"Which shop" in page.data:
        client.post("/login/vendor", data={"vendor_code": who["vendor_code"]})
    token = client.post("/api/v1/auth/token", json={
        "email": who["email"], "password": STAFF_PASSWORD, "vendor_code": who["vendor_code"]}).get_json()["token"]
    with app.app_context():
        engines = list(db.engines.values())  # on PostgreSQL also the planned_once engine (messaging/planned_once.py)
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_):
        statements.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    for name, path, headers, script in cases(who, "", token):
        headers = {key: value for key, value in headers.items() if key != "Cookie"}
        # Counted on the second of two: as under load, where the first send of someone who had not
        # taken part in the thread (it joins them to it) is one of thousands.
        for _ in range(2):
            statements.clear()
            if script:
                client.post(path, headers=headers, json={"content": "count me"})
            else:
                client.get(path, headers=headers)
        counts[name] = len(statements)
    for engine in engines:
        event.remove(engine, "before_cursor_execute", count)
    return counts


def postgres_floor(args, database_url: str, log, workdir: Path) -> dict[str, float]:
    """req/s of floor.sh's app reading PostgreSQL (bench/floor_postgres.py), per worker class, on the same settings."""
    from sqlalchemy.engine import make_url

    from bench import floor_postgres

    conninfo = psycopg_conninfo(make_url(database_url))
    floor_postgres.create_table(conninfo)
    environment = dict(os.environ, FLOOR_POSTGRES_CONNINFO=conninfo)
    measured = {}
    for worker_class in ("sync", "gthread"):
        port = free_port()
        server = serve("bench.floor_postgres:app", "/hello", environment, worker_class, port, args.threads, log)
        try:
            measured[worker_class] = run_wrk(port, "/sql", {}, None, args, workdir, server)["rps"]
        finally:
            stop_server(server)
    return measured


def floor(args) -> dict[str, float]:
    output = Path(tempfile.mkdtemp()) / "floor.json"
    environment = dict(os.environ, VENV=str(ROOT / ".venv"), DUR=args.duration, CONNS=str(args.connections),
                       WRK_THREADS=str(args.wrk_threads), GTHREADS=str(args.threads), OUT_JSON=str(output))
    subprocess.run(["bash", str(FLOOR)], env=environment, check=True, capture_output=True)
    results = json.loads(output.read_text())["results"]
    return {("sync" if "sync" in r["case"] else "gthread"): r["req_per_s"] for r in results if r["case"].startswith("sql")}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="bench database URL: PostgreSQL, or sqlite:///FILE (default: the SQLite bench file)")
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker (floor.sh's GTHREADS)")
    parser.add_argument("--workers", default="sync,gthread")
    parser.add_argument("--cases", help="only the requests whose name contains one of these comma-separated words")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure the floor and every request this many times, each request against the floor "
                             "of its own round, and report the medians (on a noisy machine one run says little)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="http-bench-"))
    database_url, drop = scratch_database(args.url, workdir)
    log = open(workdir / "gunicorn.log", "w")
    try:
        who = subjects(database_url)
        statements = None
        # (worker class, request) -> [(req/s, ratio to the floor of the same round, result)]
        measured: dict[tuple[str, str], list[tuple[float, float, dict]]] = {}
        floors_seen: dict[str, list[float]] = {}
        # On PostgreSQL, the same floor reading PostgreSQL: what a round trip to the server costs here.
        postgres_floors_seen: dict[str, list[float]] = {}
        postgres = database_url.startswith("postgresql")
        for round_number in range(1, args.rounds + 1):
            floors = floor(args)
            for worker_class, rps in floors.items():
                floors_seen.setdefault(worker_class, []).append(rps)
            postgres_floors = postgres_floor(args, database_url, log, workdir) if postgres else {}
            for worker_class, rps in postgres_floors.items():
                postgres_floors_seen.setdefault(worker_class, []).append(rps)
            for worker_class in args.workers.split(","):
                port = free_port()
                server = start_server(database_url, worker_class, port, args.threads, log)
                try:
                    cookie, token = sign_in(port, who)
                    if statements is None:
                        statements = statements_per_request(database_url, who)
                    for name, path, headers, script in cases(who, cookie, token):
                        if args.cases and not any(word in name for word in args.cases.split(",")):
                            continue
                        result = run_wrk(port, path, headers, script, args, workdir, server)
                        ratio = result["rps"] / floors[worker_class] if floors.get(worker_class) else 0
                        if postgres_floors.get(worker_class):
                            result["postgres_ratio"] = result["rps"] / postgres_floors[worker_class]
                        measured.setdefault((worker_class, name), []).append((result["rps"], ratio, result))
                        # As it goes, each round apart: a median hides a round that stood out.
                        print(f"round {round_number}, {worker_class}, {name}: {result['rps']:,.0f} req/s, "
                              f"{ratio:.2f} of the floor ({floors.get(worker_class, 0):,.0f}), "
                              f"{result['cpu_us']:,.0f} µs of worker CPU per request", flush=True)
                finally:
                    stop_server(server)
        print_report(args, measured, floors_seen, statements, postgres_floors_seen)
    except BaseException:
        log.flush()
        # The servers' log goes with the working directory: say what the app logged first.
        print("gunicorn log, last 60 lines:\n" + "".join((workdir / "gunicorn.log").read_text().splitlines(True)[-60:]),
              file=sys.stderr)
        raise
    finally:
        log.close()
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


def print_report(args, measured: dict, floors_seen: dict, statements: dict, postgres_floors_seen: dict) -> None:
    """One row per request and worker class: the median of the rounds, with their range when there were several."""
    def spread(values: list[float], form: str) -> str:
        middle = format(statistics.median(values), form)
        return middle if len(values) == 1 else f"{middle} ({format(min(values), form)}–{format(max(values), form)})"

    load = os.getloadavg()[0]
    database = "PostgreSQL" if postgres_floors_seen else "SQLite"
    rounds = f", median of {args.rounds} rounds (range)" if args.rounds > 1 else ""
    print(f"\n{database}, gunicorn -w 2, wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}, "
          f"load average {load:.2f}{rounds}")
    print("floor (one SELECT): " + ", ".join(
        f"{worker_class} {spread(values, ',.0f')} req/s" for worker_class, values in floors_seen.items()))
    if postgres_floors_seen:
        print("the same floor reading PostgreSQL (bench/floor_postgres.py): " + ", ".join(
            f"{worker_class} {spread(values, ',.0f')} req/s "
            f"({statistics.median(values) / statistics.median(floors_seen[worker_class]):.2f} of the floor)"
            for worker_class, values in postgres_floors_seen.items()))
    beside_postgres = " ÷ PostgreSQL floor |" if postgres_floors_seen else ""
    print(f"\n| request | worker | req/s | p50 | ÷ floor | target |{beside_postgres} worker CPU/request | SQL | "
          f"non-2xx |")
    print("|---|---|---|---|---|---|" + ("---|" if postgres_floors_seen else "") + "---|---|---|")
    for (worker_class, name), runs in measured.items():
        ratios = [ratio for _, ratio, _ in runs]
        target = TARGETS.get(name)
        mark = "" if target is None or statistics.median(ratios) >= target else " ✗"
        wanted = f"≥ {target:.2f}" if target is not None else "—"
        middle_run = sorted(runs, key=lambda run: run[0])[len(runs) // 2][2]
        postgres_ratios = [run[2]["postgres_ratio"] for run in runs if "postgres_ratio" in run[2]]
        beside = f" {spread(postgres_ratios, '.2f')} |" if postgres_floors_seen else ""
        print(f"| {name} | {worker_class} | {spread([rps for rps, _, _ in runs], ',.0f')} | {middle_run['p50']} | "
              f"{spread(ratios, '.2f')}{mark} | {wanted} |{beside} {spread([run[2]['cpu_us'] for run in runs], ',.0f')} µs | "
              f"{statements[name]} | "
              f"{sum(run[2]['non_2xx'] for run in runs)} |")


if __name__ == "__main__":
    main()
