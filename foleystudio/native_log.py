"""Keep the native libraries' log chatter (TFLite, absl, glog) off the user's terminal.

MediaPipe's C++ side writes INFO/WARNING lines straight to file descriptor 2 while its
graph runs, and absl offers no switch before its logging is initialised. So while pose
runs, fd 2 points at /dev/null. Python-level output is unaffected where it goes through
`user_stderr()`, a stream on a duplicate of the real stderr made before silencing.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading

_lock = threading.Lock()
_user_stream: io.TextIOBase | None = None


def user_stderr() -> io.TextIOBase:
    """A text stream on the terminal's stderr that stays visible while native logs are muted."""
    global _user_stream
    with _lock:
        if _user_stream is None:
            try:
                _user_stream = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
            except (OSError, ValueError, AttributeError):
                _user_stream = sys.stderr  # no real fd (captured by a test runner)
        return _user_stream


@contextlib.contextmanager
def muted_native_stderr():
    """Point fd 2 at /dev/null for the block; Python exceptions still propagate normally."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    sys.stderr.flush()
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
