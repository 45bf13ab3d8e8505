"""`make run`'s two processes, started and stopped together: `python -m kaibiao.run [-b HOST] [-p PORT]`.

The platform is Daphne (kaibiao.serve) and the task worker (`manage.py db_worker`: closing bids at
the deadline, the opening hall's clock). This parent starts both, each in a process group of its
own, and stops both when it is asked to (Ctrl-C, SIGTERM, SIGHUP) or when either ends: SIGTERM to
each group, SIGKILL to what is left after STOP_WAIT seconds. A child never gets a signal twice
(the terminal's Ctrl-C reaches only the foreground group, this parent's), and a child whose
parent dies unannounced is sent SIGTERM by the kernel (Linux's PR_SET_PDEATHSIG).

It used to be a shell line, `trap 'kill 0' EXIT INT TERM`: the trap's `kill 0` signalled the
shell itself, whose trap ran again, and again, until bash overflowed its stack ("make: ***
[Makefile] Segmentation fault").

It serves as a person uses it: DEBUG is off unless DJANGO_DEBUG asks for it, so an unknown
address gets the site's 404 page and not Django's list of every URL.
"""

import argparse
import ctypes
import os
import signal
import sys
import time
from pathlib import Path
import subprocess

ROOT = Path(__file__).resolve().parent.parent
STOP_WAIT = 10  # seconds a child has to finish what it is doing (a task, a response) once asked
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "worker": [python, "manage.py", "db_worker", "--interval", "1"],
        "server": [python, "-m", "kaibiao.serve", "-b", host, "-p", str(port), "kaibiao.asgi:application"],
    }


def _die_with_parent():
    """In the child before it runs: SIGTERM when this parent dies, however it dies (Linux)."""
    try:
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the stop below still covers every announced end


class Stop(Exception):
    """A stop signal arrived."""


def run(host: str, port: int) -> int:
    env = {**os.environ}
    env.setdefault("DJANGO_DEBUG", "false")
    children = {}

    def stop(signum, frame):
        raise Stop(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    status = 0
    try:
        for name, command in commands(host, port).items():
            children[name] = subprocess.Popen(command, cwd=ROOT, env=env, process_group=0, preexec_fn=_die_with_parent)
        status = _wait_for_either(children)
    except Stop:
        pass
    finally:
        for signum in STOP_SIGNALS:  # a second Ctrl-C now would only interrupt the stopping
            signal.signal(signum, signal.SIG_IGN)
        _stop_all(children)
    return status


def _wait_for_either(children: dict) -> int:
    """Wait until a child ends by itself (a stop signal interrupts the wait); its status."""
    while True:
        pid, status = os.wait()
        for name, child in children.items():
            if child.pid == pid:
                child.returncode = os.waitstatus_to_exitcode(status)
                print(f"kaibiao.run: the {name} ended ({child.returncode}); stopping the rest", file=sys.stderr)
                return child.returncode or 1


def _stop_all(children: dict) -> None:
    """SIGTERM to every child's group; SIGKILL to what still runs STOP_WAIT seconds later."""
    for child in children.values():
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT
    for child in children.values():
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()
        # What the child started (the autoreloader's worker, with DJANGO_DEBUG on) goes with it.
        _signal_group(child, signal.SIGKILL)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass  # the group is empty: nothing left to stop


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kaibiao.run", description=__doc__.split("\n")[0])
    parser.add_argument("-b", "--bind", default="127.0.0.1", help="the address to serve on")
    parser.add_argument("-p", "--port", type=int, default=8000)
    args = parser.parse_args(argv)
    return run(args.bind, args.port)


if __name__ == "__main__":
    sys.exit(main())
