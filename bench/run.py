"""Serve the platform with gunicorn as in production and load its key pages with wrk.

    python bench/run.py --database-url sqlite:////tmp/bench-network.db
    python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1/m4eg_bench

Fill the database first with bench/generate.py. For each page the runner prints requests
per second, p50/p95/p99 latency, the ratio of its throughput to a hello-world Flask app
served the same way in the same run, SQL queries per request (cold: the first request;
warm: once caches are filled), the HTML size as sent and the full page weight (HTML, CSS, JS,
images a browser fetches, as transferred). It writes the table into bench/RESULTS.md
between markers for the database, with the machine, database and scale.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "RESULTS.md"
PASSWORD = "m4eg-demo-2026"  # bench and demo accounts share the demo password
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50\\": %d, \\"p95\\": %d, "
    .. "\\"p99\\": %d, \\"socket_errors\\": %d, \\"bad_status\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


# --- Serving ------------------------------------------------------------------------------

class Server:
    """gunicorn in a child process, as production runs it (sync workers)."""

    def __init__(self, app: str, port: int, workers: int, env: dict[str, str], log: Path):
        self.port, self.log = port, log
        command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
                   f"127.0.0.1:{port}", "--access-logfile", "-" if False else "/dev/null",
                   "--error-logfile", str(log), app]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _headers, _body = get(port, "/healthz" if "wsgi" in app else "/")
                if status < 500:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def get(port: int, path: str, headers: dict | None = None, method: str = "GET",
        body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.headers, data


def login(port: int, email: str) -> str:
    """Sign in through the form and return the Cookie header value of the session."""
    status, headers, body = get(port, "/en/accounts/login")
    cookie = _session_cookie(headers)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or \
        re.search(rb'name="csrf_token" value="([^"]+)"', body)
    form = urlencode({"csrf_token": token.group(1).decode(), "email": email,
                      "password": PASSWORD, "next": ""}).encode()
    status, headers, _ = get(port, "/en/accounts/login", method="POST", body=form, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise RuntimeError(f"could not sign in as {email} (status {status})")
    return _session_cookie(headers)


def _session_cookie(headers) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("m4eg_session="):
            return value.split(";", 1)[0]
    return ""


# --- Measuring ----------------------------------------------------------------------------

class Assets(HTMLParser):
    """The URLs a browser fetches for a page: stylesheets, scripts, images, icons."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href") and \
                set((attrs.get("rel") or "").split()) & {"stylesheet", "icon", "preload"}:
            self.urls.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])


def page_weight(port: int, path: str, cookie: str) -> tuple[int, int, int]:
    """(HTML bytes as sent, full weight as transferred, number of requests)."""
    headers = {"Accept-Encoding": "gzip", "Cookie": cookie}
    status, response_headers, body = get(port, path, headers)
    html_size = len(body)
    html = gzip.decompress(body) if response_headers.get("Content-Encoding") == "gzip" else body
    parser = Assets()
    parser.feed(html.decode("utf-8", "replace"))
    total, seen, queue = html_size, set(), list(parser.urls)
    while queue:
        url = urljoin(path, queue.pop())
        if url in seen or url.startswith("data:") or urlsplit(url).netloc:
            continue
        seen.add(url)
        _status, asset_headers, asset = get(port, url, {"Accept-Encoding": "gzip"})
        total += len(asset)
        if url.split("?")[0].endswith(".css"):
            text = gzip.decompress(asset) if asset_headers.get("Content-Encoding") == "gzip" \
                else asset
            queue += [u for u in re.findall(r"url\(['\"]?([^'\")]+)", text.decode())]
    return html_size, total, len(seen) + 1


def queries(port: int, path: str, cookie: str) -> int | None:
    _status, headers, _body = get(port, path, {"Cookie": cookie})
    value = headers.get("X-SQL-Queries")
    return int(value) if value is not None else None


def wrk(port: int, path: str, cookie: str, connections: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "-s", script.name, "-H", "Accept-Encoding: gzip"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                            text=True, check=True).stdout
    os.unlink(script.name)
    data = json.loads(output.split("WRKJSON ", 1)[1].splitlines()[0])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


# --- Context ------------------------------------------------------------------------------

def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = match.group(1).strip() if match else ""
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(re.search(r"MemTotal:\s*(\d+)", meminfo.read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return (f"{model or platform.processor()} × {os.cpu_count()} cores{memory}; "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}")


def scale_and_targets(url: str) -> tuple[str, str, dict]:
    """The database's name and version, row counts, and the URLs of the pages to load."""
    from sqlalchemy import create_engine, func, select, text

    from m4eg.accounts.models import User
    from m4eg.courses.models import Enrolment, LessonProgress
    from m4eg.municipalities.models import Municipality
    from m4eg.plans.models import Plan, Revision
    from m4eg.portfolios.models import Activity

    engine = create_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            version = "SQLite " + conn.execute(text("select sqlite_version()")).scalar()
        else:
            version = conn.execute(text("show server_version")).scalar()
            version = f"PostgreSQL {version.split()[0]}"
        counts = {model.__tablename__: conn.execute(
            select(func.count()).select_from(model)).scalar()
            for model in (Municipality, User, LessonProgress, Plan, Revision, Activity)}
        member = conn.execute(select(Municipality.slug).where(Municipality.slug.like("bench-%"))
                              .order_by(Municipality.id.desc())).first()
        learner = conn.execute(
            select(User.email, Enrolment.course_slug).join(Enrolment, Enrolment.user_id == User.id)
            .where(User.role == "staff", User.email.like("bench-%"))
            .order_by(User.id.desc()).limit(1)).first()
    engine.dispose()
    scale = ", ".join(f"{count:,} {table}" for table, count in counts.items())
    return version, scale, {"member": member[0] if member else "khirdalan",
                            "learner": learner[0] if learner else "staff@example.org",
                            "course": learner[1] if learner else None}


def pages(targets: dict) -> list[tuple[str, str, str, str]]:
    """(label, kind, path, who): kind is the target class (public, logged-in, ceiling)."""
    from m4eg.courses.content import load_catalogue

    course = next(c for c in load_catalogue(ROOT / "courses").courses
                  if c.slug == (targets["course"] or c.slug))
    lesson = course.lessons[len(course.lessons) // 2].slug
    return [
        ("/healthz", "reference", "/healthz", ""),
        ("Directory, first page", "public", "/az/municipalities/", ""),
        ("Directory, search", "public", "/az/municipalities/?q=qara", ""),
        ("Member page", "public", f"/az/municipalities/{targets['member']}", ""),
        ("Course catalogue", "public", "/az/courses/", ""),
        ("Key figures", "public", "/az/figures/", ""),
        ("Lesson (learner)", "logged-in", f"/az/courses/{course.slug}/{lesson}",
         targets["learner"]),
        ("Plan review queue (coordinator)", "logged-in", "/az/plans/queue",
         "coordinator@example.org"),
        ("Portfolio board (coordinator)", "logged-in", "/az/portfolios/board",
         "coordinator@example.org"),
    ]


# --- Report -------------------------------------------------------------------------------

TARGET_RATIO = {"public": 1 / 3, "logged-in": 1 / 5}


def table(rows: list[dict], hello: dict) -> str:
    lines = [
        "| Page | req/s | ratio | target | p50 ms | p95 ms | p99 ms | SQL cold/warm "
        "| HTML B | page weight B (requests) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| hello-world Flask (ceiling) | {hello['rps']:,.0f} | 1.00 | | "
        f"{hello['p50'] / 1000:.1f} | {hello['p95'] / 1000:.1f} | {hello['p99'] / 1000:.1f} "
        "| | | |",
    ]
    for row in rows:
        if "failed" in row:
            lines.append(f"| {row['label']} | failed: {row['failed']} | | | | | | | | |")
            continue
        target = TARGET_RATIO.get(row["kind"])
        mark = ""
        if target:
            ok = row["ratio"] >= target and row["p95"] < 50_000 and row["weight"] < 150_000
            mark = f"≥ {target:.2f} {'✅' if ok else '❌'}"
        lines.append(
            f"| {row['label']} | {row['rps']:,.0f} | {row['ratio']:.2f} | {mark} | "
            f"{row['p50'] / 1000:.1f} | {row['p95'] / 1000:.1f} | {row['p99'] / 1000:.1f} | "
            f"{row['cold']}/{row['warm']} | {row['html']:,} | "
            f"{row['weight']:,} ({row['fetches']}) |")
    errors = sum(row.get("socket_errors", 0) + row.get("bad_status", 0) for row in rows)
    lines.append("")
    lines.append(f"Errors during the run (socket errors and non-2xx/3xx answers): {errors}.")
    return "\n".join(lines)


def write_results(section: str, body: str) -> None:
    begin, end = f"<!-- bench:{section}:begin -->", f"<!-- bench:{section}:end -->"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    block = f"{begin}\n{body}\n{end}"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _m: block, text,
                      flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--section", help="RESULTS.md section (default: the database kind)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2

    version, scale, targets = scale_and_targets(args.database_url)
    log = Path(tempfile.gettempdir()) / "m4eg-bench-gunicorn.log"
    print(f"{version}; {scale}", file=sys.stderr)

    hello = Server("bench.hello:app", args.port, args.workers, {}, log)
    try:
        wrk(args.port, "/", "", args.connections, 2)  # warm up
        hello_result = wrk(args.port, "/", "", args.connections, args.seconds)
    finally:
        hello.stop()
    print(f"hello-world: {hello_result['rps']:,.0f} req/s", file=sys.stderr)

    env = {"DATABASE_URL": args.database_url, "M4EG_ENV": "production",
           "SECRET_KEY": secrets.token_hex(32), "M4EG_SQL_COUNT_HEADER": "1",
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}",
           # Production needs a mail server; no worker runs here, so mail only queues.
           "MAIL_SERVER": "127.0.0.1"}
    server = Server("wsgi:app", args.port, args.workers, env, log)
    rows = []
    try:
        cookies = {}
        for label, kind, path, who in pages(targets):
            if who and who not in cookies:
                cookies[who] = login(args.port, who)
            cookie = cookies.get(who, "")
            try:
                rows.append(measure(args, label, kind, path, cookie, hello_result))
            except (OSError, RuntimeError) as error:  # a page too slow to load is a result
                rows.append(dict(label=label, kind=kind, path=path, failed=str(error)))
                print(f"{label:<34} FAILED: {error}", file=sys.stderr)
                continue
            row = rows[-1]
            print(f"{label:<34} {row['rps']:8,.0f} req/s  ratio {row['ratio']:.2f}  "
                  f"p95 {row['p95'] / 1000:.1f} ms  SQL {row['cold']}/{row['warm']}",
                  file=sys.stderr)
    finally:
        server.stop()

    body = "\n".join([
        f"### {version}, {args.workers} gunicorn workers, wrk {args.connections} connections "
        f"× {args.seconds} s per page",
        "",
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}",
        f"- Machine: {machine()}",
        f"- Scale: {scale}",
        "",
        table(rows, hello_result),
    ])
    print(body)
    if not args.no_write:
        section = args.section or version.split()[0].lower()
        write_results(section, body)
        print(f"\nwritten to {RESULTS.relative_to(ROOT)} (section {section})", file=sys.stderr)
    return 0


def measure(args, label, kind, path, cookie, hello_result) -> dict:
    status, headers, _b = get(args.port, path, {"Cookie": cookie})  # first request: renders
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    cold = int(headers.get("X-SQL-Queries", -1))
    html, weight, fetches = page_weight(args.port, path, cookie)
    wrk(args.port, path, cookie, args.connections, 1)  # warm up
    warm = queries(args.port, path, cookie)
    result = wrk(args.port, path, cookie, args.connections, args.seconds)
    return dict(label=label, kind=kind, path=path, cold=cold, warm=warm, html=html,
                weight=weight, fetches=fetches, ratio=result["rps"] / hello_result["rps"],
                **result)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
