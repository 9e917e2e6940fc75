"""Run a search app on loopback in a background thread (tests, the load
benchmark, the browser test)."""
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import uvicorn
from fastapi import FastAPI


@contextmanager
def background_server(app: FastAPI, host: str = '127.0.0.1',
                      port: int = 0,
                      start_timeout: float = 30.) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a daemon thread while the context is
    open; yields its base URL (``http://127.0.0.1:PORT``).

    Args:
        app (FastAPI): The app.
        host (str): Address to bind. Defaults to ``'127.0.0.1'``.
        port (int): Port; 0 picks a free one. Defaults to 0.
        start_timeout (float): Seconds to wait for the server to listen.
            Defaults to 30.

    Raises:
        RuntimeError: The server did not start in time.
    """
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port,
                                           log_level='warning'))
    thread = threading.Thread(target=server.run, daemon=True,
                              name='amnsfw-serve')
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f'the search server did not start on '
                               f'{host}:{port} within {start_timeout} s')
        time.sleep(0.02)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f'http://{host}:{bound_port}'
    finally:
        server.should_exit = True
        thread.join(timeout=10)
