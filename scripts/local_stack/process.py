"""Child processes that cannot outlive the process that started them."""

import ctypes
import signal

_PR_SET_PDEATHSIG = 1


def parent_death_signal() -> None:
    """preexec_fn: have the kernel send SIGTERM to the child when its parent dies, even by SIGKILL. The kernel
    means the parent *thread*: a child started from a thread is signalled when that thread ends."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
