"""Serve the web application with waitress, a threaded production WSGI server.

Flask's own development server is not used: waitress answers many requests at once (two
people checking documents do not wait for each other) and is what Flask's documentation
recommends for serving on Windows, macOS and Linux alike.
"""

from __future__ import annotations

import errno
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from msp_docs.errors import InvalidInputError, OptionError
from msp_docs.web.app import is_loopback

THREADS = 8


def read_password_file(path: str | Path) -> str:
    """The password: the first line of the file, without its line ending."""
    from msp_docs.yamlfile import YamlReadError, read_text

    try:
        text = read_text(path, what="password file", max_bytes=10_000)
    except YamlReadError as err:
        raise InvalidInputError(f"--password-file: {err.problem}") from None
    password = text.splitlines()[0].strip() if text.strip() else ""
    if len(password) < 8:
        raise InvalidInputError(f"--password-file: {path} must hold a password of at least 8 characters on its first line")
    return password


def check_host(host: str, password: str | None) -> None:
    """Refuse to listen beyond this computer without a password."""
    if not is_loopback(host) and password is None:
        raise OptionError(
            f"--host {host} would let other computers on the network reach msp-docs and its workspace; "
            "give a password with --password-file FILE to allow that, or leave --host out to serve this computer only"
        )


def serve(workspace: str | Path, *, host: str = "127.0.0.1", port: int = 8765, password: str | None = None, open_browser: bool = True,
          announce: Callable[[str], None] = print) -> None:
    """Serve ``workspace`` until interrupted; ``announce`` is told the address once it is listening."""
    import waitress.server

    from msp_docs.web.app import create_app

    check_host(host, password)
    app = create_app(workspace, PASSWORD=password, LOOPBACK_ONLY=is_loopback(host))
    limit = app.config["MAX_CONTENT_LENGTH"]
    try:
        server = waitress.server.create_server(app, host=host, port=port, threads=THREADS, max_request_body_size=limit, ident="msp-docs", clear_untrusted_proxy_headers=True)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise OptionError(f"--port {port}: another program is already using this port on {host}; choose another with --port") from None
        if err.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
            raise OptionError(f"--host {host} --port {port}: msp-docs cannot listen there ({err.strerror})") from None
        raise
    shown_host = f"[{host}]" if ":" in host else host
    address = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown_host}:{server.effective_port}/"
    announce(address)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(address,)).start()
    try:
        server.run()
    finally:
        server.close()


__all__ = ["serve", "check_host", "read_password_file"]
