"""The app under gunicorn on loopback, against pytest's test database, and HTTP users to drive it.

``gunicorn_server`` starts ``lmp.wsgi`` (several worker processes) on a free 127.0.0.1 port with
the settings a test run needs (LMP_TESTING: simple static storage, locmem e-mail; DEBUG off) and
DATABASE_URL pointing at the database pytest-django created, so rows a ``transaction=True`` test
commits are what the server sees. ``login_cookies`` makes a logged-in session in that database.

``HttpUser`` is one browser: a keep-alive connection, its cookies, and the CSRF token of the last
form it was shown. ``LmpUser`` adds the product's flows (edit, offboard, the onboarding wizard),
each reported as an ``Outcome``. ``run_users`` runs several of them in separate *processes*
(multiprocessing, spawn), each with its own plan, bounded in time.

Nothing here imports Django at module level: spawned client processes import this module only
to find ``_user_process``, and never touch the database.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import multiprocessing as mp
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: tests/helpers/ is two below
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30  # seconds for one HTTP request; a request that takes longer is a hang
KEEPALIVE = 5  # seconds gunicorn keeps an idle connection open
KEEPALIVE_REUSE = 2.0  # reuse a connection idle for less than this, well inside KEEPALIVE

# A production host's basics; everything else the server sees is set explicitly below.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the (test) database described by a connection's ``settings_dict``."""
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("gunicorn needs a database other processes can open: use PostgreSQL")
    quote = urllib.parse.quote
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or HOST
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@dataclass
class GunicornServer:
    """A running gunicorn; ``log`` has its stderr (Django logs a 500's traceback there)."""

    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


@contextlib.contextmanager
def gunicorn_server(
    *, settings_dict: dict, workers: int = 2, threads: int = 2, env: dict[str, str] | None = None
) -> Iterator[GunicornServer]:
    """Run gunicorn against the database in ``settings_dict`` until the block ends; ``env``:
    settings of the test's own (e.g. ``API_THROTTLE_RATE``)."""
    from django.conf import settings

    port = free_port()
    extra = env or {}
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(
        DATABASE_URL=database_url(settings_dict),
        LMP_TESTING="1",
        DEBUG="0",
        ALLOWED_HOSTS=HOST,
        # The sessions ``login_cookies`` makes are signed with the test run's key.
        SECRET_KEY=settings.SECRET_KEY,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="lmp.settings",
    )
    env.update(extra)
    # Read by the test's failure messages while the server runs; removed when it stops.
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115
        prefix="lmp-gunicorn-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lmp.wsgi",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"{HOST}:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--keep-alive",
            str(KEEPALIVE),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = GunicornServer(process, port, Path(log.name))
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()
        server.log_path.unlink(missing_ok=True)


def _wait_until_up(server: GunicornServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.log_tail()}")
        try:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": HOST})
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz:\n{server.log_tail()}")


def login_cookies(user) -> dict[str, str]:
    """Cookies of a session logged in as ``user``, saved in the database (no login form)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


# --- one browser ------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALERT = re.compile(
    r'<div class="alert alert-(\w+)[^"]*lmp-message[^"]*"[^>]*>.*?<div>(.*?)</div>', re.S
)
FIELD_ERROR = re.compile(
    r'id="error_\d+_id_([\w-]+)"><strong>(.*?)</strong>|class="field-error"[^>]*>(.*?)</div>',
    re.S,
)
# A form's own errors (not about one field), e.g. "This customer has been offboarded ...".
# The wizard's error summary above the step's form (field errors are listed next to fields too).
FORM_ERROR = re.compile(
    r'<div class="alert alert-danger error-summary".*?<ul[^>]*>(.*?)</ul>', re.S
)
TAG = re.compile(r"<[^>]+>")


def _text(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub("", fragment)).split())


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def messages(self) -> list[tuple[str, str]]:
        """The page's flash messages as (level, text), e.g. ("danger", "Only 5 ... available.")."""
        return [(level, _text(body)) for level, body in ALERT.findall(self.text)]

    def field_errors(self) -> list[str]:
        """Errors shown in the form: next to a field, or above it."""
        errors = [_text(a or b) for _, a, b in FIELD_ERROR.findall(self.text)]
        for block in FORM_ERROR.findall(self.text):
            errors += [_text(e) for e in re.findall(r"<li>(.*?)</li>", block, re.S)]
        return errors

    def main_text(self, chars: int = 1500) -> str:
        """The page's main content as text (for a failure message)."""
        found = re.search(r"<main\b.*?</main>", self.text, re.S)
        return _text(found.group(0) if found else self.text)[:chars]

    def hidden(self, name: str) -> str | None:
        found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', self.text)
        return html.unescape(found.group(1)) if found else None


class HttpUser:
    """One user agent: a keep-alive connection, its cookies and the last form's CSRF token."""

    def __init__(self, port: int, cookies: dict[str, str]):
        self.port = port
        self.cookies = dict(cookies)
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        # The CSRF cookie's secret is itself a valid form token (Django unmasks masked ones).
        self.csrf_token = self.cookies.get("csrftoken")
        self.requests = 0
        self.statuses: list[int] = []
        self.last_used = time.monotonic()

    def close(self) -> None:
        self.conn.close()

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if time.monotonic() - self.last_used > KEEPALIVE_REUSE:
            # gunicorn closes idle keep-alive connections: open a fresh one rather than resend
            # a request that may have reached a view (a lost response is a failure, not retried).
            self.conn.close()
        self.conn.request(method, path, body=body, headers=headers)
        raw = self.conn.getresponse()
        text = raw.read().decode("utf-8", errors="replace")
        self.last_used = time.monotonic()
        self.requests += 1
        self.statuses.append(raw.status)
        for header in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)
        token = CSRF_INPUT.search(text)
        if token:
            self.csrf_token = token.group(1)
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        """POST a form the way a browser does: with the CSRF token the last page carried."""
        return self.request("POST", path, {"csrfmiddlewaretoken": self.csrf_token or "", **data})

    def follow(self, response: Response) -> Response:
        location = urllib.parse.urlsplit(response.location)
        return self.get(location.path + (f"?{location.query}" if location.query else ""))


# --- the product's flows -----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one flow ended with: ``success``, ``refused`` (with the message shown) or ``error``."""

    kind: str
    result: str
    message: str = ""
    statuses: list[int] = field(default_factory=list)
    detail: str = ""
    location: str = ""  # where the flow's POST redirected to, if it did


class LmpUser(HttpUser):
    """A partner user clicking through edit, offboard and the onboarding wizard."""

    def _outcome(
        self, kind: str, start: int, response: Response, ok: tuple[str, ...] = ()
    ) -> Outcome:
        """Classify the page a flow ended on; ``ok``: tell-tales of its success message."""
        statuses = self.statuses[start:]
        if any(s >= 500 for s in statuses):
            return Outcome(kind, "error", statuses=statuses, detail=response.text[:3000])
        messages = response.messages()
        errors = [text for level, text in messages if level in {"danger", "warning"}]
        errors += response.field_errors()
        if any(t in text for t in ok for _, text in messages) and not errors:
            return Outcome(kind, "success", statuses=statuses)
        # A flow that did not happen is explained on the page it lands on: an error next to a
        # field or in an alert, or a note such as "... is already offboarded."
        errors = errors or [text for _, text in messages]
        if errors:
            return Outcome(kind, "refused", " | ".join(errors), statuses=statuses)
        return Outcome(kind, "error", statuses=statuses, detail=response.main_text())

    def edit(self, path: str, form: dict) -> Outcome:
        """Open the Edit page, change the numbers, Submit, read the page Submit lands on."""
        start = len(self.statuses)
        page = self.get(path)
        if page.status == 302:  # the customer was offboarded meanwhile
            return self._outcome("edit", start, self.follow(page))
        if page.status != 200:
            return self._outcome("edit", start, page)
        response = self.post(path, form)
        if response.status == 302:
            response = self.follow(response)
        return self._outcome("edit", start, response, ok=(" saved: ", "No changes to "))

    def offboard(self, path: str) -> Outcome:
        """Open the Offboard confirmation, confirm, read the license page."""
        start = len(self.statuses)
        page = self.get(path)
        if page.status == 302:
            return self._outcome("offboard", start, self.follow(page))
        response = self.post(path, {})
        if response.status == 302:
            response = self.follow(response)
        return self._outcome("offboard", start, response, ok=(" was offboarded.",))

    def onboard(self, path: str, details: dict) -> Outcome:
        """Run the wizard: incident No, details, fully virtual (Canada), review, Submit."""
        start = len(self.statuses)
        response, step_path = self.onboard_to_review(path, details)
        if not step_path.endswith("/review/"):
            return self._outcome("onboard", start, response)
        return self.submit_review(step_path)

    def submit_review(self, path: str, at: float | None = None) -> Outcome:
        """Tick the confirmation and Submit (at wall-clock time ``at``, to line up processes)."""
        if at is not None:
            time.sleep(max(at - time.time(), 0))
        start = len(self.statuses)
        response = self.post(path, {"review-confirm": "on"})
        location = response.location if response.status == 302 else ""
        if location:
            response = self.follow(response)
        outcome = self._outcome("onboard", start, response, ok=(" has been onboarded.",))
        outcome.location = location
        return outcome

    def onboard_to_review(self, path: str, details: dict) -> tuple[Response, str]:
        """New Customer, then fill the run in up to the review step: the last page and its path.

        Every step is POST/redirect/GET: the redirect names the step the wizard shows next.
        """
        response = self.get(path)  # New Customer: redirects to a fresh run's first step
        steps = [
            ("incident", {"incident-incident": "no"}),
            # The customer's language is a required choice (English unless the test says).
            ("details", {f"details-{k}": v for k, v in {"language": "en", **details}.items()}),
            ("deployment", {"deployment-deployment": "virtual", "deployment-hosting_region": "ca"}),
        ]
        if response.status != 302:
            return response, ""
        step_path = urllib.parse.urlsplit(response.location).path
        response = self.follow(response)
        for step, data in steps:
            if not step_path.endswith(f"/{step}/"):
                break
            response = self.post(step_path, data)
            if response.status != 302:
                break
            step_path = urllib.parse.urlsplit(response.location).path
            response = self.follow(response)
        return response, step_path


def _user_process(port: int, cookies: dict, plan: list[tuple], deadline: float, out) -> None:
    """Run one plan in this process; put (outcomes, requests, statuses) on ``out``."""
    user = LmpUser(port, cookies)
    outcomes: list[Outcome] = []
    try:
        for action, *args in plan:
            if time.time() > deadline:
                outcomes.append(Outcome(action, "error", detail="deadline passed"))
                break
            try:
                outcomes.append(getattr(user, action)(*args))
            except (OSError, http.client.HTTPException) as exc:
                outcomes.append(Outcome(action, "error", detail=repr(exc)))
    finally:
        user.close()
        out.put((outcomes, user.requests, user.statuses))


def run_users(
    *, port: int, users: list[tuple[dict, list[tuple]]], timeout: float = 60
) -> list[tuple[list[Outcome], int, list[int]]]:
    """Run each (cookies, plan) in its own process at once; results in the same order.

    A plan is a list of ``(method, *args)`` calls on ``LmpUser``, e.g. ``("edit", path, form)``.
    Processes still running after ``timeout`` seconds are killed and reported as a hang.
    """
    ctx = mp.get_context("spawn")
    deadline = time.time() + timeout
    queues = [ctx.Queue() for _ in users]
    processes = [
        ctx.Process(target=_user_process, args=(port, cookies, plan, deadline, queue), daemon=True)
        for (cookies, plan), queue in zip(users, queues, strict=True)
    ]
    for process in processes:
        process.start()
    results = []
    try:
        for queue in queues:
            remaining = max(deadline - time.time(), 0) + REQUEST_TIMEOUT + 10
            results.append(queue.get(timeout=remaining))
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
    return results
