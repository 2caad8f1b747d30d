"""Throughput: pages over HTTP (gunicorn under wrk) and the import command's articles per second.

Both run the archive the way it is deployed, in processes of their own, against a database
named by ``DATABASE_URL`` in the environment they are given (see ``bench/search.py``):

- **HTTP**: ``gunicorn archive.wsgi`` on a free loopback port (sync workers, 2 per core, as
  gunicorn's documentation suggests), warmed up by requesting each address once, one at a time,
  then ``wrk`` for a fixed time with a Lua script that rotates over a list of addresses. The
  run sees the caches' steady state: every page and search count cached, as after the first
  reader of each since the archive last changed (the uncached figures are the in-process ones).
  A warm-up under ``wrk`` would not do: requests it leaves queued in gunicorn's backlog, each
  the first of its search at a million articles (seconds), are still being answered when the
  timed run starts, which then counted no search at all. Requests/s, non-2xx/3xx answers and
  socket errors (connect, read, write, timeout) come from wrk's own report.
- **Import**: a JSONL file of generated articles (``articles.corpus.Corpus``, in the import
  command's format) loaded by ``manage.py import_articles`` into a migrated copy of the corpus's
  database (the archive of that size, as an editor's import finds it);
  the resident memory of the command and of the processes it starts (the one that finds the
  texts' fingerprints) is sampled from /proc while it runs, summed, with the kernel's own
  high-water marks (``VmHWM``) for the peak: the command's plus its helpers' (an upper bound,
  as their peaks need not coincide). Not ``wait4``'s ``ru_maxrss``: that counts the moment
  between fork and exec, when the child is still a copy of this (much larger) process.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from bench.report import memory_is_flat, summary

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRK = os.environ.get("WRK_PATH") or "wrk"  # the Makefile sets WRK_PATH (Debian's /usr/bin/wrk)
SERVER_START_SECONDS = 60
# A warm-up request may be a search's first since the archive changed: seconds at a million articles.
WARMUP_TIMEOUT_SECONDS = 120
MEMORY_SAMPLE_SECONDS = 0.25
# How a precision is written in the import's "published" field.
DATE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


# --- HTTP ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrk_script(paths: Sequence[str]) -> str:
    """A wrk Lua script sending GETs for ``paths`` in turn, each thread starting at its own place."""
    listed = ",\n".join(json.dumps(path) for path in paths)  # JSON strings are valid Lua strings here
    return f"""
local paths = {{
{listed}
}}
local threads = 0
setup = function(thread)
  thread:set("counter", threads * 7919)
  threads = threads + 1
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[counter % #paths + 1])
end
"""


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS_MS[unit]


def wrk_parse(output: str) -> dict:
    """Requests/s, requests, non-2xx/3xx answers, socket errors and latency percentiles from wrk's report."""
    requests = re.search(r"(\d+) requests in ([\d.]+)(\w+),", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not (requests and rate):
        raise ValueError(f"not a wrk report:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = dict.fromkeys(("connect", "read", "write", "timeout"), 0)
    if socket_errors:
        errors = dict(zip(errors, map(int, socket_errors.groups()), strict=True))
    latency = {f"p{share}": _duration_ms(value) for share, value in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.M)}
    non_2xx_count = int(non_2xx.group(1)) if non_2xx else 0
    return {
        "requests_per_s": float(rate.group(1)),
        "requests": int(requests.group(1)),
        "non_2xx_3xx": non_2xx_count,
        "socket_errors": errors,
        "errors": non_2xx_count + sum(errors.values()),
        "latency_ms": latency,
    }


class Gunicorn:
    """``gunicorn archive.wsgi`` on loopback, started and stopped by this process only."""

    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.workers = workers
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "archive.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
        )
        self._wait_ready()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {SERVER_START_SECONDS} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wrk_run(url: str, script: Path, *, threads: int, connections: int, seconds: int, timeout: int) -> dict:
    command = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return wrk_parse(output)


def http_measure(
    env: dict[str, str],
    url_lists: dict[str, Sequence[str]],
    *,
    scratch: Path,
    workers: int,
    threads: int,
    connections: int,
    seconds: int,
    timeout: int,
) -> dict:
    """Requests/s and errors for each list of addresses, one wrk run each against one gunicorn."""
    scratch.mkdir(parents=True, exist_ok=True)
    server = Gunicorn(env, workers)
    results: dict = {
        "server": f"gunicorn, {workers} sync workers",
        "wrk": f"-t{threads} -c{connections} -d{seconds}s --timeout={timeout}s",
    }
    try:
        for name, paths in url_lists.items():
            script = scratch / f"wrk-{name}.lua"
            script.write_text(wrk_script(paths))
            for path in paths:
                with urllib.request.urlopen(server.url + path, timeout=WARMUP_TIMEOUT_SECONDS) as response:
                    response.read()
            results[name] = {
                **wrk_run(
                    server.url, script, threads=threads, connections=connections, seconds=seconds, timeout=timeout
                ),
                "addresses": len(paths),
            }
            print(
                f"   {name}: {results[name]['requests_per_s']:.1f} requests/s, {results[name]['errors']} errors",
                flush=True,
            )
    finally:
        server.stop()
    return results


# --- Import --------------------------------------------------------------------------------------


def import_file_write(path: Path, *, articles: int, seed: int) -> int:
    """Write ``articles`` generated published articles to ``path`` as the import command's JSONL; returns bytes."""
    from articles.corpus import Corpus
    from articles.models import ArticleStatus

    corpus = Corpus(articles=articles, seed=seed)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as file:
        for row in corpus.articles():
            if row.status != ArticleStatus.PUBLISHED:
                continue
            record = {
                "title": row.title,
                "body": row.body,
                "summary": row.summary,
                "source": corpus.sources[row.source].name,
                "authors": [corpus.people[person].name for person in row.authors],
                "people": [corpus.people[person].name for person in row.people],
                "tags": [corpus.tags[tag].name for tag in row.tags],
                "published": row.published_on.strftime(DATE_FORMATS[row.published_precision])
                if row.published_on
                else None,
                "url": row.url,
                "language": "en",
            }
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.rename(path)
    return path.stat().st_size


def _memory_kb(pid: int) -> tuple[int, int]:
    """A process's peak and current resident size (``VmHWM``, ``VmRSS``), in kB."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid`` and by those, from each process's parent in /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The parent is the second field after the name, which is in parentheses and may hold any.
            after_name = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(after_name[1]), []).append(int(stat.parent.name))
    found, waiting = [], [pid]
    while waiting:
        for child in children.get(waiting.pop(), []):
            found.append(child)
            waiting.append(child)
    return found


def import_measure(env: dict[str, str], path: Path) -> dict:
    """Run ``import_articles path`` (``env`` names a migrated database); rate, time and memory."""
    # Output to files, not pipes: a pipe nobody reads until the end could fill up and stall the command.
    out_path, err_path = path.with_suffix(".out"), path.with_suffix(".err")
    started = time.monotonic()
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_articles", "--verbosity", "0", str(path)],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=err,
        )
    samples: list[tuple[float, float]] = []
    command_peak_kb = 0
    helper_peaks_kb: dict[int, int] = {}
    proc = Path(f"/proc/{process.pid}")
    while process.poll() is None:
        with contextlib.suppress(OSError, ValueError):
            # Until exec the child is still a copy of this process: its figures are not the command's.
            if b"import_articles" in (proc / "cmdline").read_bytes():
                # VmHWM: the peak resident size since the process started (exec resets it).
                peak_now_kb, resident_kb = _memory_kb(process.pid)
                command_peak_kb = max(command_peak_kb, peak_now_kb)
                command_line = (proc / "cmdline").read_bytes()
                for helper in _descendants(process.pid):
                    with contextlib.suppress(OSError, ValueError, KeyError):
                        if Path(f"/proc/{helper}/cmdline").read_bytes() == command_line:
                            continue  # forked, not yet the helper: a copy of the command
                        helper_peak_kb, helper_resident_kb = _memory_kb(helper)
                        helper_peaks_kb[helper] = max(helper_peaks_kb.get(helper, 0), helper_peak_kb)
                        resident_kb += helper_resident_kb
                samples.append((time.monotonic() - started, resident_kb / 1024))
        time.sleep(MEMORY_SAMPLE_SECONDS)
    peak_kb = command_peak_kb + sum(helper_peaks_kb.values())
    wall = time.monotonic() - started
    stdout, stderr = out_path.read_text(), err_path.read_text()
    if process.returncode != 0:
        raise RuntimeError(f"import_articles failed ({process.returncode}):\n{stdout}\n{stderr[-3000:]}")
    line = re.search(r"Imported (\d+) articles?, (\d+) duplicates? skipped, (\d+) failed \(in ([\d.]+) s", stdout)
    imported, duplicates, failed, seconds = int(line[1]), int(line[2]), int(line[3]), float(line[4])
    return {
        "articles": imported,
        "duplicates": duplicates,
        "failed": failed,
        "file_bytes": path.stat().st_size,
        "command_seconds": seconds,
        "rate": round(imported / seconds, 1),
        "wall_seconds": round(wall, 1),
        "wall_rate": round(imported / wall, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "helper_processes": len(helper_peaks_kb),
        "memory": memory_is_flat(samples),
        "rss_mb": summary([mb for _, mb in samples]) if samples else None,
        "rss_samples": [[round(seconds, 1), round(mb, 1)] for seconds, mb in samples[:: max(1, len(samples) // 60)]],
        "summary_line": stdout.strip().splitlines()[-1],
    }
