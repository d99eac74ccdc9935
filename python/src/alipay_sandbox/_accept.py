"""`alipay accept` from Python: run a suite (or the passive checks) against a :class:`~alipay_sandbox.Sandbox` and
get the parsed JSON report.

Two ways to be the merchant:

* give a ``command`` (the merchant's own test, or a script that drives its system): the suite runs it with
  ``ALIPAY_ACCEPT_CASE`` and ``ALIPAY_ACCEPT_INSTRUCTION`` (JSON: what to do) in its environment
  (:meth:`Sandbox.accept <alipay_sandbox.Sandbox.accept>`);
* or be it in-process: :meth:`Sandbox.accept_case <alipay_sandbox.Sandbox.accept_case>` is a context manager
  that starts the suite, hands you the instruction, and judges when the block ends (the pytest marker
  ``alipay_accept`` wraps a test in it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Type, Union

__all__ = ["AcceptCase", "AcceptReport", "accept_args"]

PathLike = Union[str, "os.PathLike[str]"]

# The command an in-process case runs: it hands the case and the instruction over in a file, then waits until
# the block ends (the file `done` appears) or the run is abandoned (`timeout` seconds).
_WAITER = r"""
import json, os, sys, time
d, timeout = sys.argv[1], float(sys.argv[2])
case = {"case": os.environ.get("ALIPAY_ACCEPT_CASE"),
        "instruction": json.loads(os.environ.get("ALIPAY_ACCEPT_INSTRUCTION") or "null")}
with open(os.path.join(d, "instruction.tmp"), "w", encoding="utf-8") as f:
    json.dump(case, f)
os.replace(os.path.join(d, "instruction.tmp"), os.path.join(d, "instruction.json"))
deadline = time.monotonic() + timeout
while not os.path.exists(os.path.join(d, "done")) and time.monotonic() < deadline:
    time.sleep(0.02)
"""


class AcceptReport(Dict[str, Any]):
    """The JSON report of ``alipay accept`` (``{"suite", "app_id", "profile", "cases": [...]}``), with the run's
    :attr:`exit_code` (0 no failure, 1 a failure or a stale expected failure, 2 incomplete) and its terminal
    :attr:`output` (the table, with reasons and timelines)."""

    def __init__(self, report: Mapping[str, Any], exit_code: int, output: str, stderr: str = "") -> None:
        super().__init__(report)
        self.exit_code = exit_code
        self.output = output
        self.stderr = stderr

    @property
    def cases(self) -> List[Dict[str, Any]]:
        """One result per check: ``{"id", "product", "rule", "seed", "verdict", "reason", "timeline"}``."""
        return list(self.get("cases", []))

    @property
    def verdicts(self) -> Dict[str, str]:
        """Check id → verdict (``PASSED``, ``FAILED``, ``WARNING``, ``REVIEW``, ``NOT_OBSERVED``)."""
        return {c["id"]: c["verdict"] for c in self.cases}

    @property
    def failures(self) -> List[Dict[str, Any]]:
        """The cases that FAILED."""
        return [c for c in self.cases if c["verdict"] == "FAILED"]

    def case(self, check_id: str) -> Dict[str, Any]:
        """The result of one check; ``KeyError`` if it was not judged."""
        for c in self.cases:
            if c["id"] == check_id:
                return dict(c)
        raise KeyError(f"{check_id} was not judged in this report ({', '.join(self.verdicts)})")

    def summary(self) -> str:
        """The failures in words (the rule, the seed line and why), or that there were none."""
        if not self.failures:
            return f"alipay accept {self.get('suite')}: no check failed (exit {self.exit_code})"
        lines = [f"alipay accept {self.get('suite')}: {len(self.failures)} check(s) failed"]
        for c in self.failures:
            lines.append(f"{c['id']} ({c['seed']}) {c['rule']}: {c['reason']}")
        return "\n".join(lines)


def _seconds(value: Union[float, int, str]) -> str:
    return value if isinstance(value, str) else f"{float(value)}s"


def accept_args(
    suite: str,
    *,
    checks: Optional[Sequence[str]] = None,
    poll_interval: Union[float, str, None] = None,
    bill_url_ttl: Union[float, str, None] = None,
    out_trade_no: Optional[str] = None,
    state_probe: Optional[str] = None,
    refund_fault: Optional[str] = None,
    bill_date: Optional[str] = None,
    since: Union[int, str, None] = None,
    expected_failures: Optional[PathLike] = None,
    junit: Optional[PathLike] = None,
    require_observed: bool = False,
) -> List[str]:
    """The arguments of ``alipay accept lint`` (``suite="lint"``) or ``alipay accept run --suite SUITE``, without
    ``--config``, ``--json`` and the command. Durations are seconds (or strings such as ``"500ms"``).
    ``state_probe`` (notify suite) is the merchant's URL answering ``GET ?out_trade_no=`` with
    ``{"paid": bool, "fulfilled": n}``: how N5–N8 and W1 see whether a notification was acted on."""
    args = ["lint"] if suite == "lint" else ["run", "--suite", suite]
    if checks:
        args += ["--checks", ",".join(checks)]
    if poll_interval is not None:
        args += ["--poll-interval", _seconds(poll_interval)]
    if bill_url_ttl is not None:
        args += ["--bill-url-ttl", _seconds(bill_url_ttl)]
    for flag, value in (("--out-trade-no", out_trade_no), ("--state-probe", state_probe),
                        ("--refund-fault", refund_fault), ("--bill-date", bill_date)):
        if value is not None:
            args += [flag, value]
    if since is not None:
        if suite != "lint":
            raise ValueError("since= is for the passive checks (suite='lint') only")
        args += ["--since", str(since)]
    if expected_failures is not None:
        args += ["--expected-failures", str(expected_failures)]
    if junit is not None:
        args += ["--junit", str(junit)]
    if require_observed:
        args.append("--require-observed")
    return args


def _report(json_path: Path, completed: "subprocess.CompletedProcess[str]") -> AcceptReport:
    """The report a run wrote; `SandboxError` (with the run's output) if it wrote none."""
    from ._sandbox import SandboxError

    try:
        report = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SandboxError(
            f"`alipay accept` wrote no report (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
        ) from None
    return AcceptReport(report, completed.returncode, completed.stdout, completed.stderr)


def run(binary: str, config: Path, args: Sequence[str], command: Optional[Sequence[str]],
        env: Optional[Mapping[str, str]], timeout: float) -> AcceptReport:
    """Runs ``alipay accept ARGS --config CONFIG --json F [-- COMMAND]`` to its end and reads the report."""
    with tempfile.TemporaryDirectory(prefix="alipay-accept-") as tmp:
        json_path = Path(tmp) / "report.json"
        argv = [binary, "accept", *args, "--config", str(config), "--json", str(json_path)]
        if command:
            argv += ["--", *command]
        completed = subprocess.run(argv, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                                   timeout=timeout, check=False)
        return _report(json_path, completed)


class AcceptCase:
    """A suite run around a block of code that is the merchant (:meth:`Sandbox.accept_case
    <alipay_sandbox.Sandbox.accept_case>`): entering starts ``alipay accept run`` and waits for the case's
    :attr:`instruction`; leaving the block lets the suite go on (its observation window), judges, and sets
    :attr:`report`. A run whose suite asks nothing of the merchant (none today) is judged on entry.

    ::

        with sandbox.accept_case("refund", poll_interval=1) as case:
            my_shop.refund(case.instruction["out_trade_no"], case.instruction["refund_amount"])
        assert not case.report.failures, case.report.summary()
    """

    def __init__(self, binary: str, config: Path, args: Sequence[str], *, timeout: float = 600.0,
                 env: Optional[Mapping[str, str]] = None) -> None:
        self._binary = binary
        self._config = config
        self._args = list(args)
        self._timeout = timeout
        self._env = dict(env or {})
        self._tmp: Optional[tempfile.TemporaryDirectory[str]] = None
        self._process: Optional["subprocess.Popen[str]"] = None
        self.case: Optional[str] = None
        """The case id (``ALIPAY_ACCEPT_CASE``: ``R2``, ``B3``, ``F1``, ``notify``)."""
        self.instruction: Dict[str, Any] = {}
        """What the merchant must do (``ALIPAY_ACCEPT_INSTRUCTION``), with ``say`` in words."""
        self.report: Optional[AcceptReport] = None
        """The judgement, once the block has ended."""

    def __enter__(self) -> "AcceptCase":
        from ._sandbox import SandboxError

        self._tmp = tempfile.TemporaryDirectory(prefix="alipay-accept-")
        d = Path(self._tmp.name)
        waiter = [sys.executable, "-c", _WAITER, str(d), str(self._timeout)]
        argv = [self._binary, "accept", *self._args, "--config", str(self._config), "--json",
                str(d / "report.json"), "--", *waiter]
        self._process = subprocess.Popen(argv, env={**os.environ, **self._env}, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + self._timeout
        handed = d / "instruction.json"
        while not handed.exists():
            if self._process.poll() is not None:
                self.finish()
                return self
            if time.monotonic() > deadline:
                self._abandon()
                raise SandboxError(f"`alipay accept` gave no instruction in {self._timeout} s")
            time.sleep(0.02)
        given = json.loads(handed.read_text(encoding="utf-8"))
        self.case = given.get("case")
        self.instruction = given.get("instruction") or {}
        return self

    def finish(self) -> AcceptReport:
        """Ends the merchant's part, waits for the judgement and returns it (again on later calls)."""
        if self.report is not None:
            return self.report
        if self._process is None or self._tmp is None:
            from ._sandbox import SandboxError

            raise SandboxError("the case was not started (use it as a context manager)")
        d = Path(self._tmp.name)
        (d / "done").touch()
        try:
            stdout, stderr = self._process.communicate(timeout=self._timeout)
        except subprocess.TimeoutExpired:
            self._abandon()
            raise
        completed = subprocess.CompletedProcess(self._process.args, self._process.returncode, stdout, stderr)
        try:
            self.report = _report(d / "report.json", completed)
        finally:
            self._tmp.cleanup()
        return self.report

    def _abandon(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        if self.report is None and self._process is not None:
            if exc is not None and not isinstance(exc, Exception):
                self._abandon()  # Ctrl-C and the like: do not wait for a judgement
                return
            self.finish()
