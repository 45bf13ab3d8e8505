"""`make run` as a person runs it and stops it: the command the Makefile's run target runs
(read from `make -n run`, so the test follows the Makefile), over a migrated throwaway database.

It serves without Django's debug page (an unknown address is a plain 404, not a list of every
URL) unless DJANGO_DEBUG=1 asks for it, and still serves the static files; a stop (SIGTERM to
it, or Ctrl-C: SIGINT to the terminal's whole foreground group) ends Daphne and the task worker
at once, with no segmentation fault and nothing left running; no log line is printed twice.

The shell line it replaced (`trap 'kill 0' EXIT INT TERM; worker & server`) ended in bash's
"Segmentation fault" (the trap's kill 0 signalled the trap's own shell, over and over), and the
"django" logger printed each of its lines twice under DEBUG."""

import os
import secrets
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.processes import ROOT, free_port, run_script, server_env, stop_process, wait_listening

STOPPED_WITHIN = 10  # seconds: kaibiao.run's STOP_WAIT, after which it kills what is left


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """One migrated database (and folders) for both runs: migrating is the slow part."""
    folder = tmp_path_factory.mktemp("make-run")
    env = {**server_env(folder), "DJANGO_LOG_LEVEL": "INFO"}
    run_script(env, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0")
    return folder, env


def make_run_command(port: int) -> list[str]:
    """The line that `make run` serves with, as make would run it."""
    dry_run = subprocess.run(["make", "--no-print-directory", "-n", "run", "HOST=127.0.0.1", f"PORT={port}"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (line,) = [line for line in dry_run.splitlines() if "kaibiao.run" in line]
    return shlex.split(line)


def start(folder: Path, env: dict, port: int) -> tuple[subprocess.Popen, Path]:
    """`make run`'s serving line in a session of its own, as in a terminal: Ctrl-C not ignored."""
    log = folder / f"run-{port}.log"

    def as_in_a_terminal():
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    with open(log, "wb") as out:
        proc = subprocess.Popen(make_run_command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=as_in_a_terminal)
    wait_listening(proc, port, "make run", log)
    wait_for_line(proc, log, "Starting worker")  # the task worker is up too
    return proc, log


def wait_for_line(proc: subprocess.Popen, log: Path, text: str) -> None:
    deadline = time.monotonic() + 60
    while text not in log.read_text(errors="replace"):
        assert proc.poll() is None and time.monotonic() < deadline, f"no {text!r}:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


def descendants(pid: int) -> set[int]:
    """Every process under `pid` (the server, the worker, and what they started)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found |= {int(child)} | descendants(int(child))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def serve_then_stop(database, stop, extra_env=None) -> tuple[subprocess.Popen, str, str]:
    """Start, fetch an unknown page and a static file, stop with `stop(proc)`; the 404 page and the
    whole output. Fails if anything still runs STOPPED_WITHIN seconds after the stop."""
    folder, env = database
    port = free_port()
    proc, log = start(folder, {**env, **(extra_env or {})}, port)
    try:
        children = descendants(proc.pid)
        assert len(children) >= 2, "the server and the task worker"
        missing = f"/no-such-page-{secrets.token_hex(4)}/"
        status, not_found = get(f"http://127.0.0.1:{port}{missing}")
        assert status == 404
        status, css = get(f"http://127.0.0.1:{port}/static/frontend/site.css")
        assert status == 200 and "body" in css, "static files are served without DEBUG too"
        stop(proc)
        proc.wait(STOPPED_WITHIN)
        left = [pid for pid in children if running(pid)]
        assert not left, f"still running after the stop: {left}"
    finally:
        stop_process(proc)
        subprocess.run(["pkill", "-KILL", "-s", str(proc.pid)], check=False)  # this test's session only
    output = log.read_text(errors="replace")
    assert output.count(f"Not Found: {missing}") == 1, output[-3000:]
    return proc, not_found, output


def assert_clean(proc: subprocess.Popen, output: str) -> None:
    assert "Segmentation fault" not in output and "Traceback" not in output, output[-3000:]
    assert proc.returncode == 0, (proc.returncode, output[-3000:])
    lines = [line for line in output.splitlines() if line.strip()]
    doubled = [a for a, b in zip(lines, lines[1:]) if a == b]
    assert not doubled, f"log lines printed twice: {doubled[:5]}"
    assert output.count("Starting worker") == 1


def test_sigterm_stops_both_and_an_unknown_address_is_not_the_debug_page(database):
    proc, not_found, output = serve_then_stop(database, lambda proc: proc.send_signal(signal.SIGTERM))
    assert_clean(proc, output)
    assert "URLconf" not in not_found and "Page not found at" not in not_found, not_found[:500]


def test_ctrl_c_stops_both_even_with_the_debug_pages_asked_for(database):
    # Ctrl-C: the terminal sends SIGINT to its foreground process group, the one `make run` is in.
    proc, not_found, output = serve_then_stop(database, lambda proc: os.killpg(proc.pid, signal.SIGINT),
                                              {"DJANGO_DEBUG": "1"})
    assert_clean(proc, output)
    assert "URLconf" in not_found, "DJANGO_DEBUG=1 asks for Django's debug pages"
