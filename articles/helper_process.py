"""A process of its own for the Python work an import hands off (its texts' fingerprints).

Python runs one thread at a time, so work handed to a thread still holds off the importing
thread's own between its queries; a process runs beside it, on another core. The process is
spawned, not forked: a fork would copy the importer's open database connection and whatever
locks its other threads hold. It runs only what it is given (functions of modules that import
no Django, such as ``articles.near_duplicates``), and it ends with the process that started
it: killed, that one could not tell it to (SIGKILL leaves no time), and the helper would wait
for work forever.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

# How often the helper checks that the process that started it is still there.
PARENT_CHECK_SECONDS = 0.5


def helper_process() -> ProcessPoolExecutor:
    """An executor of one spawned process, which ends when this process does (``with`` it)."""
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_end_with_parent,
        initargs=(os.getpid(),),
    )


def _end_with_parent(parent: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    # An orphan is adopted by another process: its parent id changes.
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)
