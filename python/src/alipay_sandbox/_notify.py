"""`NotificationReceiver`: a merchant's `notify_url` on loopback, in a thread, that records what it is sent."""

from __future__ import annotations

import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Callable, Dict, List, Optional, Type

__all__ = ["Notification", "NotificationReceiver"]


def _charset_of(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


@dataclass(frozen=True)
class Notification:
    """One POST received: the raw body, its ``Content-Type``, and the form decoded once in its charset."""

    body: bytes
    content_type: str
    path: str
    params: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def parse(body: bytes, content_type: str, path: str = "/") -> "Notification":
        """Decodes a form body (``application/x-www-form-urlencoded;charset=...``), keeping blank values."""
        charset = _charset_of(content_type)
        pairs = urllib.parse.parse_qsl(body.decode("ascii", "replace"), keep_blank_values=True,
                                       encoding=charset, errors="strict")
        return Notification(body=body, content_type=content_type, path=path, params=dict(pairs))


class NotificationReceiver:
    """An HTTP endpoint on ``127.0.0.1`` (a free port) that records every POST and answers ``success``
    (Alipay's acknowledgement; anything else makes the sandbox retry), or whatever ``answer`` returns.

    >>> with NotificationReceiver() as receiver:
    ...     notify_url = receiver.url                           # give it as the request's notify_url
    ...     notification = receiver.wait(lambda n: n.params.get("out_trade_no") == "T1")

    ``answer`` sees each :class:`Notification` and returns the body to answer: e.g. verify the signature
    first and answer ``"fail"`` when it does not hold, as a real endpoint must.
    """

    def __init__(self, answer: Optional[Callable[[Notification], str]] = None, *, host: str = "127.0.0.1",
                 path: str = "/notify") -> None:
        self._answer = answer or (lambda _n: "success")
        self._host = host
        self._path = path
        self._received: List[Notification] = []
        self._cond = threading.Condition()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "NotificationReceiver":
        """Binds a free port and serves in a daemon thread."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                notification = Notification.parse(body, self.headers.get("Content-Type") or "", self.path)
                try:
                    reply = receiver._answer(notification)
                except Exception as e:  # the endpoint's own failure: Alipay sees a 500 and retries
                    reply, status = f"fail: {type(e).__name__}", 500
                else:
                    status = 200
                with receiver._cond:
                    receiver._received.append(notification)
                    receiver._cond.notify_all()
                data = reply.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # quiet: notification bodies are the test's business

        self._server = ThreadingHTTPServer((self._host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="alipay-notify", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving (safe to call twice)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> "NotificationReceiver":
        return self.start()

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/notify``: the ``notify_url`` to give Alipay."""
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        port = self._server.server_address[1]
        return f"http://{self._host}:{port}{self._path}"

    @property
    def received(self) -> List[Notification]:
        """Everything received so far, oldest first."""
        with self._cond:
            return list(self._received)

    def clear(self) -> None:
        """Forgets what was received."""
        with self._cond:
            self._received.clear()

    def wait(self, match: Optional[Callable[[Notification], bool]] = None, *,
             timeout: float = 10.0) -> Notification:
        """The first notification received that ``match`` accepts (any, without ``match``), waiting up to
        ``timeout`` seconds for it; raises ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for n in self._received:
                    if match is None or match(n):
                        return n
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching notification in {timeout} s "
                                       f"({len(self._received)} received)")
                self._cond.wait(left)
