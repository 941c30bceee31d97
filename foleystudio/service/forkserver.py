"""Imported first in a worker's fork server (multiprocessing's forkserver preload), and nowhere else.

The fork server is the worker's child, and the parent of each job's process. It does not stop when
the worker is killed (the resource tracker keeps its pipe open), so here it asks Linux to kill it
when the worker dies; each job's process does the same with the fork server (worker._child), so a
killed worker leaves no job running.
"""

from __future__ import annotations

import os
import signal

from foleystudio.service.lifeline import die_with_parent

die_with_parent(signal.SIGKILL)
if os.getppid() == 1:  # the worker died before the line above: nobody would kill this process
    os._exit(0)
