"""``iaas console INSTANCE``: print an instance's serial console log, or follow it (``--follow``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line is parsed before the engine is loaded
    from iaas.api import Engine

POLL_SECONDS = 0.5  # how often --follow looks for new output


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Callable[..., None]) -> None:
    """Declare the ``console`` subcommand."""
    p = sub.add_parser("console", help="print an instance's serial console log")
    common(p)
    p.add_argument("instance", help="the instance's address (instance.NAME) or name")
    p.add_argument("--follow", action="store_true", help="keep printing what the console writes (Ctrl-C ends)")


def show(
    engine: Engine,
    address: str,
    *,
    follow: bool,
    write: Callable[[str], object] = sys.stdout.write,
    wait: Callable[[float], None] = time.sleep,
) -> int:
    """Write the console log (control characters escaped); with ``follow``, keep writing until interrupted."""
    from iaas.api import printable

    offset = 0
    try:
        while True:
            data = engine.console_log(address, offset)
            offset += len(data)
            if data:
                write(printable(data.decode("utf-8", errors="replace").replace("\r\n", "\n")))
                sys.stdout.flush()
            if not follow:
                return 0
            wait(POLL_SECONDS)
    except KeyboardInterrupt:
        return 0
