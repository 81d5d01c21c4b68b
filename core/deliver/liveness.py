"""Worker names that say where a worker runs, so a restarted worker can tell at once that the
worker before it on the same machine is dead (a supervisor restarting after a crash or a
SIGKILL) instead of waiting for its leases to expire.

A name is `host:pid:nonce:pidns`. Another worker is known dead only when it ran on this host
in this PID namespace (so its pid means the same process here) and no process has that pid
any more. Anything else (another machine or container, a reused pid, an unreadable
namespace) counts as alive: its leases then expire as before, which is always safe.
"""

from __future__ import annotations

import os
import socket
import uuid


def _namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""


def worker_name() -> str:
    """Unique per process and start: a restarted worker never mistakes old rows for its own."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}:{_namespace()}"


def known_dead(owner: str, *, me: str) -> bool:
    """Whether `owner` certainly stopped: same host and PID namespace, and its pid is gone."""
    parts = owner.rsplit(":", 3)
    if owner == me or len(parts) != 4:
        return False
    host, pid, _nonce, namespace = parts
    here = _namespace()
    if not here or namespace != here or host != socket.gethostname()[:60] or not pid.isdigit():
        return False
    try:  # (this process's own pid: alive; several workers may share a process, as in tests)
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (another user's process): alive as far as we can tell
        return False
    return False
