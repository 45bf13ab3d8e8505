"""Daphne with a larger request-body read size: `python -m kaibiao.serve [daphne's options] APP`.

Daphne hands an HTTP body to the application in pieces of `request_buffer_size` bytes (8 KiB by
default, not settable from its command line); a 32 MiB upload chunk then costs some 4,000
thread hand-offs in Django. 1 MiB pieces measured 2.5-3x faster uploads with the same memory
(bench/bench_upload.py, --daphne-buffer-kb 1024)."""

import gc
import sys

from daphne.cli import CommandLineInterface
from daphne.server import Server

REQUEST_BUFFER_SIZE = 1024 * 1024


class KaibiaoServer(Server):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("request_buffer_size", REQUEST_BUFFER_SIZE)
        super().__init__(*args, **kwargs)

    def run(self):
        # Everything loaded before serving (Django, the apps, their modules) lives as long as
        # the process: moved out of the collector's way (gc.freeze), so that a full collection
        # walks only what the connections made, not the whole framework, while it holds up
        # every hall of the process.
        gc.collect()
        gc.freeze()
        super().run()


class KaibiaoCommandLine(CommandLineInterface):
    server_class = KaibiaoServer


if __name__ == "__main__":
    sys.exit(KaibiaoCommandLine().run(sys.argv[1:]))
