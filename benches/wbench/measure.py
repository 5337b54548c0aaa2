"""Runs one child process and records what it cost: user+sys CPU time from
os.wait4 (the child's own resource usage, as `time` reports it) and wall time."""

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass


@dataclass
class Sample:
    cpu: float  # user + sys seconds of the child
    wall: float  # seconds from spawn to reaped
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run(cmd, timeout=None, cwd=None):
    """Runs cmd to completion; never raises for a failing child.

    Output goes to temporary files rather than pipes so that the child can be
    reaped with os.wait4 (Popen.wait uses waitpid, which drops the usage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen never waits again
        out.seek(0)
        err.seek(0)
        return Sample(
            cpu=usage.ru_utime + usage.ru_stime,
            wall=wall,
            returncode=proc.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            timed_out=timed_out.is_set(),
        )
