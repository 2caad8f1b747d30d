"""The import's helper process (articles.helper_process): it works, and it ends with its parent."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from articles.helper_process import PARENT_CHECK_SECONDS, helper_process
from articles.near_duplicates import texts_analyse

# A parent that starts the helper, gives it work, says the helper's pid, then waits to be killed.
PARENT_SCRIPT = """
import os, sys, time
from articles.helper_process import helper_process
pool = helper_process()
print(pool.submit(os.getpid).result(), flush=True)
time.sleep(600)
"""
GONE_WITHIN_SECONDS = 20 * PARENT_CHECK_SECONDS


def test_the_helper_runs_the_work_in_another_process_and_gives_back_its_result():
    bodies = {1: "one two three four five six seven eight nine ten", 2: "short"}
    with helper_process() as helper:
        assert helper.submit(os.getpid).result() != os.getpid()
        assert helper.submit(texts_analyse, bodies).result() == texts_analyse(bodies)


def test_the_helper_ends_when_its_parent_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_SCRIPT], cwd=Path(settings.BASE_DIR), stdout=subprocess.PIPE, text=True
    )
    try:
        helper = int(parent.stdout.readline())
        assert running(helper)
        parent.send_signal(signal.SIGKILL)  # no time to shut the helper down
        parent.wait()
        deadline = time.monotonic() + GONE_WITHIN_SECONDS
        while running(helper) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(helper)
    finally:
        parent.kill()
        parent.wait()


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (an exited child of nobody's waiting is reaped by init)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
