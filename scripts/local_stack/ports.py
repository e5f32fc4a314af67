"""Free TCP ports on the loopback interface."""

import socket


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago (the OS picks it; the caller binds it right away)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
