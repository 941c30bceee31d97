"""A child process that dies with its parent: a job's, a chunk's, the fork server's."""

from __future__ import annotations

import ctypes
import signal


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send `sig` to this process when its parent dies (no orphans left running a job)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(sig))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: once the lease lapses and another worker claims the job, the child's next progress
        # report finds the job no longer its own and stops (runner.Stopped)
