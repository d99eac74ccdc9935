"""`Sandbox`: one local Alipay process (`alipay sandbox`) on a free loopback port, and its admin API."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Type, Union

from ._accept import AcceptCase, AcceptReport, accept_args
from ._accept import run as _run_accept

__all__ = ["AdminError", "Sandbox", "SandboxError", "find_binary"]

PathLike = Union[str, "os.PathLike[str]"]

_EXE = "alipay.exe" if os.name == "nt" else "alipay"


class SandboxError(RuntimeError):
    """The local Alipay could not be found, started or reached."""


class AdminError(SandboxError):
    """The admin API answered an error (4xx/5xx with `{"error": ...}`)."""

    def __init__(self, status: int, path: str, answer: Any) -> None:
        self.status = status
        self.path = path
        self.answer = answer
        error = answer.get("error") if isinstance(answer, dict) else answer
        super().__init__(f"admin {path}: HTTP {status}: {error}")


def find_binary() -> str:
    """The `alipay` binary to run: `$ALIPAY_BIN`, else the one `pip install` put into this interpreter's
    scripts folder (or the user scheme's), else the first `alipay` on `PATH`.

    Raises `SandboxError` when there is none.
    """
    explicit = os.environ.get("ALIPAY_BIN")
    if explicit:
        if not os.path.isfile(explicit):
            raise SandboxError(f"ALIPAY_BIN={explicit!r} is not a file")
        return explicit
    candidates = []
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts") if scheme is None else sysconfig.get_path("scripts", scheme)
        except KeyError:
            continue
        if scripts:
            candidates.append(Path(scripts) / _EXE)
    # A venv used without activating it: its scripts sit next to the interpreter.
    candidates.append(Path(sys.executable).parent / _EXE)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    on_path = shutil.which("alipay")
    if on_path:
        return on_path
    raise SandboxError(
        "the `alipay` binary was not found: install it with `pip install ./python` (from an alipay-rs checkout) "
        "or set ALIPAY_BIN to its path"
    )


def _locator(kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """A trade locator (`app_id`, `trade_no`, `out_trade_no`, `qr_code`) without the unset fields."""
    return {k: v for k, v in kwargs.items() if v is not None}


def _stop_process(process: "subprocess.Popen[bytes]", grace: float = 10.0) -> None:
    """Stops the sandbox: Ctrl-C (SIGINT) so it closes its store cleanly, then a kill after `grace` seconds."""
    if process.poll() is not None:
        return
    try:
        if os.name == "nt":
            process.terminate()
        else:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except ProcessLookupError:
        pass


class Sandbox:
    """A local Alipay gateway (`alipay sandbox`) in a child process.

    ``Sandbox()`` starts nothing; :meth:`start` (or ``with Sandbox() as sandbox:``) runs the binary on
    ``127.0.0.1:0`` (the OS picks a free port: no race with other tests) with a fresh temporary data
    directory, or ``data_dir`` when given (its state is kept: trades, keys and app id survive restarts), and
    returns once the sandbox has written ``app.json`` and answers its admin API. :meth:`stop` ends it (and
    deletes the temporary directory).

    The credentials are those of ``DIR/app.json``: :attr:`gateway_url`, :attr:`app_id`,
    :attr:`app_private_key` (PKCS#8 PEM), :attr:`app_private_key_pkcs1` (PKCS#1 PEM, the form Alipay's Python
    SDK reads), :attr:`alipay_public_key` (SPKI PEM, to verify answers and notifications),
    :attr:`buyer_user_id` (a buyer with 10000.00 to spend).

    The child's standard output (which repeats the credentials) is discarded; its log (standard error) goes to
    ``DIR/sandbox.log``.
    """

    def __init__(
        self,
        data_dir: Optional[PathLike] = None,
        *,
        binary: Optional[PathLike] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        notify_time_scale: float = 0.001,
        timestamp_skew: Optional[int] = None,
        startup_timeout: float = 30.0,
        env: Optional[Mapping[str, str]] = None,
    ) -> None:
        """
        :param data_dir: the data directory; ``None`` for a new temporary one, deleted by :meth:`stop`.
        :param binary: the ``alipay`` binary; default :func:`find_binary`.
        :param host: the loopback address to listen on.
        :param port: ``0`` (default) lets the OS choose a free port.
        :param notify_time_scale: multiplier of the notification retry schedule (4m, 10m, ...); the default
            0.001 turns the first retry into 0.24 s.
        :param timestamp_skew: accepted distance in seconds between a request's ``timestamp`` and the clock
            (the sandbox's default is 1800).
        :param startup_timeout: seconds to wait for the sandbox to answer.
        :param env: extra environment variables for the child (e.g. ``{"RUST_LOG": "debug"}``).
        """
        self._given_dir = Path(data_dir) if data_dir is not None else None
        self._binary = str(binary) if binary is not None else None
        self._listen = f"{host}:{port}"
        self._notify_time_scale = notify_time_scale
        self._timestamp_skew = timestamp_skew
        self._startup_timeout = startup_timeout
        self._env = dict(env or {})
        self._process: Optional["subprocess.Popen[bytes]"] = None
        self._tmp: Optional[str] = None
        self._data_dir: Optional[Path] = None
        self._info: Dict[str, Any] = {}
        self._finalizer: Optional["weakref.finalize[[subprocess.Popen[bytes], float], Sandbox]"] = None

    # ------------------------------------------------------------------------------------------------------
    # Life cycle

    def start(self) -> "Sandbox":
        """Starts the process and waits until it answers; returns ``self``."""
        if self._process is not None:
            raise SandboxError("this sandbox is already running")
        binary = self._binary or find_binary()
        if self._given_dir is not None:
            data_dir = self._given_dir
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            self._tmp = tempfile.mkdtemp(prefix="alipay-sandbox-")
            data_dir = Path(self._tmp)
        self._data_dir = data_dir
        app_json = data_dir / "app.json"
        # A previous run's app.json names another port: wait for this run's.
        app_json.unlink(missing_ok=True)
        args = [binary, "sandbox", "--data", str(data_dir), "--listen", self._listen,
                "--notify-time-scale", repr(float(self._notify_time_scale))]
        if self._timestamp_skew is not None:
            args += ["--timestamp-skew", str(int(self._timestamp_skew))]
        env = dict(os.environ)
        env.setdefault("NO_COLOR", "1")  # the log is a file: no terminal colours in it
        env.update(self._env)
        log_path = data_dir / "sandbox.log"
        with open(log_path, "ab") as log:
            # stdout repeats the credentials (private key included): not kept.
            self._process = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env
            )
        self._finalizer = weakref.finalize(self, _stop_process, self._process, 2.0)
        deadline = time.monotonic() + self._startup_timeout
        try:
            while not app_json.is_file():
                if self._process.poll() is not None:
                    raise SandboxError(
                        f"`alipay sandbox` exited with status {self._process.returncode}:\n{self._log_tail()}"
                    )
                if time.monotonic() > deadline:
                    raise SandboxError(f"`alipay sandbox` did not start in {self._startup_timeout} s:\n"
                                       f"{self._log_tail()}")
                time.sleep(0.02)
            self._info = json.loads(app_json.read_text(encoding="utf-8"))
            # app.json is written once the socket is bound; one admin round trip proves it serves.
            self.admin("clock")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stops the process (Ctrl-C, then a kill after 10 s) and deletes the temporary data directory.

        Safe to call twice; a sandbox can be started again afterwards.
        """
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._process is not None:
            _stop_process(self._process)
            self._process = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return self._process is not None and self._process.poll() is None

    def _log_tail(self, lines: int = 30) -> str:
        if self._data_dir is None:
            return ""
        try:
            text = (self._data_dir / "sandbox.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------------------------------------------
    # Credentials (DIR/app.json)

    def _field(self, name: str) -> str:
        if not self._info:
            raise SandboxError("the sandbox is not started")
        value = self._info.get(name)
        if not isinstance(value, str) or not value:
            raise SandboxError(f"app.json has no {name!r}: is the `alipay` binary older than this module?")
        return value

    @property
    def data_dir(self) -> Path:
        """The data directory (``app.json``, ``sandbox.db``, ``sandbox.log``)."""
        if self._data_dir is None:
            raise SandboxError("the sandbox is not started")
        return self._data_dir

    @property
    def app_json(self) -> Dict[str, Any]:
        """A copy of ``DIR/app.json`` as read at start (``buyer_user_id`` updated by :meth:`reset`)."""
        return dict(self._info)

    @property
    def gateway_url(self) -> str:
        """``http://127.0.0.1:PORT/gateway.do``."""
        return self._field("gateway_url")

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (the admin API is under ``/admin/``)."""
        url = self.gateway_url
        return url[: -len("/gateway.do")] if url.endswith("/gateway.do") else url.rstrip("/")

    @property
    def app_id(self) -> str:
        """The default app's id."""
        return self._field("app_id")

    @property
    def app_private_key(self) -> str:
        """The default app's private key, PKCS#8 PEM (``BEGIN PRIVATE KEY``): for Java and Node SDKs."""
        return self._field("app_private_key")

    @property
    def app_private_key_pkcs1(self) -> str:
        """The same key, PKCS#1 PEM (``BEGIN RSA PRIVATE KEY``): the only form Alipay's Python SDK reads."""
        return self._field("app_private_key_pkcs1")

    @property
    def app_public_key(self) -> str:
        """The default app's public key (SPKI PEM)."""
        return self._field("app_public_key")

    @property
    def alipay_public_key(self) -> str:
        """The sandbox's Alipay public key (SPKI PEM): verifies its answers and notifications."""
        return self._field("alipay_public_key")

    @property
    def sign_type(self) -> str:
        """``RSA2``."""
        return self._field("sign_type")

    @property
    def charset(self) -> str:
        """``utf-8``."""
        return self._field("charset")

    @property
    def merchant_pid(self) -> str:
        """The default app's merchant PID (``seller_id`` of its trades)."""
        return self._field("merchant_pid")

    @property
    def buyer_user_id(self) -> str:
        """The default buyer (10000.00 balance, password-free limit 2000.00)."""
        return self._field("buyer_user_id")

    # ------------------------------------------------------------------------------------------------------
    # Acceptance checks (`alipay accept`, docs/acceptance.md)

    def _binary_path(self) -> str:
        return self._binary or find_binary()

    def accept(self, suite: str, *, command: Optional[Sequence[str]] = None, checks: Optional[Sequence[str]] = None,
               poll_interval: Union[float, str, None] = None, bill_url_ttl: Union[float, str, None] = None,
               out_trade_no: Optional[str] = None, state_probe: Optional[str] = None,
               refund_fault: Optional[str] = None, bill_date: Optional[str] = None, since: Union[int, str, None] = None,
               expected_failures: Optional[PathLike] = None, junit: Optional[PathLike] = None,
               require_observed: bool = False, env: Optional[Mapping[str, str]] = None,
               timeout: float = 600.0) -> AcceptReport:
        """Runs ``alipay accept run --suite SUITE --config DIR/app.json --json F [-- COMMAND]`` (``suite="lint"``:
        ``alipay accept lint``, the passive checks over the app's traffic so far) and returns the parsed JSON
        report, with its ``exit_code`` and terminal ``output``.

        ``command`` is the merchant (its own test, or a script driving its system): it runs with
        ``ALIPAY_ACCEPT_CASE`` and ``ALIPAY_ACCEPT_INSTRUCTION`` in its environment (plus ``env``). Suites:
        ``notify`` (with ``state_probe``, the merchant's ``GET ?out_trade_no=`` → ``{"paid","fulfilled"}`` URL, for
        N5–N8), ``face-to-face``, ``refund``, ``bill``, ``deduct``, ``coupon``, ``page-pay`` (W1, also with
        ``state_probe``). Durations are seconds (``poll_interval=1`` is a
        compressed profile, reported as not Alipay's rule).

        ::

            report = sandbox.accept("refund", command=["python", "merchant.py"], poll_interval=1)
            assert report.verdicts["R2"] == "PASSED", report.output

        Raises :class:`SandboxError` when the run wrote no report (the sandbox could not judge, or the command
        could not start).
        """
        args = accept_args(suite, checks=checks, poll_interval=poll_interval, bill_url_ttl=bill_url_ttl,
                           out_trade_no=out_trade_no, state_probe=state_probe, refund_fault=refund_fault,
                           bill_date=bill_date, since=since,
                           expected_failures=expected_failures, junit=junit, require_observed=require_observed)
        return _run_accept(self._binary_path(), self.data_dir / "app.json", args, command, env, timeout)

    def accept_case(self, suite: str, *, checks: Optional[Sequence[str]] = None,
                    poll_interval: Union[float, str, None] = None, bill_url_ttl: Union[float, str, None] = None,
                    out_trade_no: Optional[str] = None, state_probe: Optional[str] = None,
                    refund_fault: Optional[str] = None, bill_date: Optional[str] = None, expected_failures: Optional[PathLike] = None,
                    timeout: float = 600.0) -> AcceptCase:
        """A suite run around a block that is the merchant: ``with sandbox.accept_case("refund") as case:`` gives
        ``case.instruction`` (what to do); when the block ends the suite judges and ``case.report`` holds the
        report (see :class:`~alipay_sandbox.AcceptCase`)."""
        args = accept_args(suite, checks=checks, poll_interval=poll_interval, bill_url_ttl=bill_url_ttl,
                           out_trade_no=out_trade_no, state_probe=state_probe, refund_fault=refund_fault,
                           bill_date=bill_date, expected_failures=expected_failures)
        return AcceptCase(self._binary_path(), self.data_dir / "app.json", args, timeout=timeout)

    # ------------------------------------------------------------------------------------------------------
    # Admin API

    def admin(self, path: str, body: Optional[Mapping[str, Any]] = None, *, method: Optional[str] = None,
              query: Optional[Mapping[str, Any]] = None, timeout: float = 30.0) -> Any:
        """Calls ``/admin/PATH`` and returns its JSON answer: a POST of ``body`` as JSON when there is one,
        else a GET (``method`` overrides: ``"POST"`` without a body, ``"DELETE"``). ``query`` is added to the
        URL (``None`` values left out). Raises :class:`AdminError` on a 4xx/5xx answer.
        """
        url = f"{self.base_url}/admin/{path.lstrip('/')}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        verb = (method or ("POST" if body is not None else "GET")).upper()
        data = json.dumps(body if body is not None else {}).encode("utf-8") if verb == "POST" else None
        request = urllib.request.Request(url, data=data, method=verb)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                answer: Any = json.loads(raw)
            except ValueError:
                answer = raw.decode("utf-8", "replace")
            raise AdminError(e.code, path, answer) from None
        except urllib.error.URLError as e:
            raise SandboxError(f"admin {path}: {e.reason}") from None
        return json.loads(raw) if raw.strip() else None

    def _admin_object(self, path: str, body: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
        """:meth:`admin` for the routes that answer a JSON object."""
        answer = self.admin(path, body, **kwargs)
        if not isinstance(answer, dict):
            raise SandboxError(f"admin {path}: expected a JSON object, got {answer!r}")
        return answer

    def reset(self) -> Dict[str, Any]:
        """Wipes trades, buyers, apps, notifications, faults and the clock offset; keeps the keys and the
        default app (same id and key) and creates a new default buyer (:attr:`buyer_user_id` follows)."""
        answer = self._admin_object("reset", method="POST")
        self._info["buyer_user_id"] = answer["buyer_user_id"]
        return answer

    def create_buyer(self, balance: str = "10000.00", *, password_free_limit: Optional[str] = None,
                     logon_id: Optional[str] = None) -> Dict[str, Any]:
        """A new buyer: ``{user_id, logon_id, balance, password_free_limit}`` (amounts are yuan strings)."""
        body: Dict[str, Any] = {"balance": balance}
        if password_free_limit is not None:
            body["password_free_limit"] = password_free_limit
        if logon_id is not None:
            body["logon_id"] = logon_id
        return self._admin_object("buyers", body)

    def buyer(self, user_id: Optional[str] = None) -> Dict[str, Any]:
        """A buyer as stored (default: the default buyer), with its ``balance``."""
        return self._admin_object(f"buyers/{user_id or self.buyer_user_id}")

    def payment_code(self, user_id: Optional[str] = None, *, ttl_secs: Optional[int] = None) -> str:
        """A single-use payment code (``auth_code`` of ``alipay.trade.pay``) of the buyer (default: the
        default buyer)."""
        body: Dict[str, Any] = {} if ttl_secs is None else {"ttl_secs": ttl_secs}
        code = self._admin_object(f"buyers/{user_id or self.buyer_user_id}/payment-codes", body)["auth_code"]
        return str(code)

    def trade(self, *, out_trade_no: Optional[str] = None, trade_no: Optional[str] = None,
              qr_code: Optional[str] = None, app_id: Optional[str] = None) -> Dict[str, Any]:
        """A trade as stored (also an unscanned precreate)."""
        locator = _locator({"out_trade_no": out_trade_no, "trade_no": trade_no, "qr_code": qr_code,
                            "app_id": app_id})
        return self._admin_object("trades", query=locator)

    def scan(self, qr_code: Optional[str] = None, *, out_trade_no: Optional[str] = None,
             trade_no: Optional[str] = None, app_id: Optional[str] = None, buyer_id: Optional[str] = None,
             confirm: bool = False) -> Dict[str, Any]:
        """The buyer scans a precreated QR code (``WAIT_BUYER_PAY``); with ``confirm=True`` also pays."""
        body = _locator({"qr_code": qr_code, "out_trade_no": out_trade_no, "trade_no": trade_no,
                         "app_id": app_id, "buyer_id": buyer_id})
        if confirm:
            body["confirm"] = True
        return self._admin_object("trades/scan", body)

    def confirm(self, *, out_trade_no: Optional[str] = None, trade_no: Optional[str] = None,
                qr_code: Optional[str] = None, app_id: Optional[str] = None) -> Dict[str, Any]:
        """The buyer confirms a waiting payment: ``TRADE_SUCCESS``, the notification is queued."""
        body = _locator({"out_trade_no": out_trade_no, "trade_no": trade_no, "qr_code": qr_code,
                         "app_id": app_id})
        return self._admin_object("trades/confirm", body)

    def refuse(self, *, out_trade_no: Optional[str] = None, trade_no: Optional[str] = None,
               qr_code: Optional[str] = None, app_id: Optional[str] = None) -> Dict[str, Any]:
        """The buyer refuses a waiting payment: ``TRADE_CLOSED``."""
        body = _locator({"out_trade_no": out_trade_no, "trade_no": trade_no, "qr_code": qr_code,
                         "app_id": app_id})
        return self._admin_object("trades/refuse", body)

    def clock(self) -> Dict[str, Any]:
        """``{now, offset_secs}``: the sandbox clock (``now`` in Beijing time)."""
        return self._admin_object("clock")

    def advance_clock(self, seconds: int) -> Dict[str, Any]:
        """Moves the sandbox clock forward and applies the timeouts that passed: ``{now, offset_secs,
        swept}``."""
        return self._admin_object("clock/advance", {"seconds": seconds})

    def inject_fault(self, method: str, kind: str, *, count: int = 1, latency_ms: Optional[int] = None,
                     execute: Optional[bool] = None) -> Dict[str, Any]:
        """Makes the next ``count`` calls of ``method`` (or ``"*"``) fail as ``kind``: ``unknown_error``,
        ``in_process``, ``system_error``, ``latency``, ``drop_after_commit`` or ``notify_first``. Returns ``{pending}``."""
        body: Dict[str, Any] = {"method": method, "kind": kind, "count": count}
        if latency_ms is not None:
            body["latency_ms"] = latency_ms
        if execute is not None:
            body["execute"] = execute
        return self._admin_object("faults", body)

    def clear_faults(self) -> Dict[str, Any]:
        """Drops every pending fault."""
        return self._admin_object("faults", method="DELETE")

    def notifications(self, *, out_trade_no: Optional[str] = None, app_id: Optional[str] = None,
                      limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Notifications with their delivery log: ``[{notify_id, out_trade_no, url, status (pending,
        delivered, failed), attempts, params, deliveries: [...]}]``."""
        answer = self.admin("notifications", query={"out_trade_no": out_trade_no, "app_id": app_id, "limit": limit})
        if not isinstance(answer, list):
            raise SandboxError(f"admin notifications: expected a JSON array, got {answer!r}")
        return answer

    def wait_for_notifications(self, *, out_trade_no: Optional[str] = None, status: str = "delivered",
                               count: int = 1, timeout: float = 10.0) -> List[Dict[str, Any]]:
        """Polls :meth:`notifications` until ``count`` of them (of ``out_trade_no``, if given) have
        ``status``; returns those. Raises ``TimeoutError`` with what was seen."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.notifications(out_trade_no=out_trade_no)
            matching = [n for n in seen if n.get("status") == status]
            if len(matching) >= count:
                return matching
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout} s for {count} {status} notification(s); seen: {seen}")
            time.sleep(0.05)
