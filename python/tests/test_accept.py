"""`Sandbox.accept`, `Sandbox.accept_case` and the pytest marker `alipay_accept`: the refund suite of `alipay
accept` driving a merchant that keeps a refund's number after a 20000 (passes R1 and R2) and one that takes a new
number (fails R2, with the reason in words)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from alipay_sandbox import AcceptReport, Sandbox, find_binary

sys.path.insert(0, str(Path(__file__).parent))
import accept_merchant  # noqa: E402

pytest_plugins = ["pytester"]

MERCHANT = str(Path(__file__).parent / "accept_merchant.py")


def merchant(sandbox: Sandbox, mode: str) -> list:
    return [sys.executable, MERCHANT, mode, find_binary(), str(sandbox.data_dir / "app.json")]


def test_a_merchant_that_keeps_the_refund_number_passes_r1_and_r2(alipay_sandbox: Sandbox) -> None:
    report = alipay_sandbox.accept("refund", command=merchant(alipay_sandbox, "good"), poll_interval=1)
    assert isinstance(report, AcceptReport) and report["suite"] == "refund"
    assert report.verdicts == {"R1": "PASSED", "R2": "PASSED"}, report.output
    assert report.exit_code == 0 and report["profile"]["alipay_rule"] is False
    assert "refund 1.00, then 1.00 again" in report.output


def test_a_merchant_that_takes_a_new_number_after_20000_fails_r2(alipay_sandbox: Sandbox) -> None:
    report = alipay_sandbox.accept("refund", command=merchant(alipay_sandbox, "new-number"), poll_interval=1)
    assert report.verdicts["R2"] == "FAILED", report.output
    assert report.verdicts["R1"] != "FAILED", report.output
    assert "refunded twice" in report.case("R2")["reason"]
    assert report.case("R2")["seed"] == "001_cd7107dff871e3cf.txt:202"
    assert report.exit_code == 1 and "R2" in report.summary()


def test_a_merchant_that_does_nothing_is_not_observed(alipay_sandbox: Sandbox) -> None:
    report = alipay_sandbox.accept("refund", command=[sys.executable, "-c", "pass"], poll_interval=1)
    assert set(report.verdicts.values()) == {"NOT_OBSERVED"}, report.output
    assert report.exit_code == 0


def test_accept_case_runs_the_suite_around_a_block(alipay_sandbox: Sandbox) -> None:
    app_json = str(alipay_sandbox.data_dir / "app.json")
    with alipay_sandbox.accept_case("refund", poll_interval=1) as case:
        assert case.case == "R2" and case.instruction["action"] == "refund"
        i = case.instruction
        accept_merchant.refund(find_binary(), app_json, i["out_trade_no"], i["refund_amount"], i["times"])
    assert case.report is not None and case.report.verdicts == {"R1": "PASSED", "R2": "PASSED"}, case.report.output


class _StateProbe:
    """A merchant's state probe on loopback that says every order is unpaid and unfulfilled."""

    def __enter__(self) -> str:
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = b'{"paid": false, "fulfilled": 0}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/state"

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()


def test_the_notify_suite_judges_n5_and_n6_with_the_merchants_state_probe(alipay_sandbox: Sandbox) -> None:
    from alipay_sandbox import NotificationReceiver

    app_json = str(alipay_sandbox.data_dir / "app.json")
    precreate = [find_binary(), "call", "--config", app_json, "alipay.trade.precreate", "--biz-content",
                 '{"out_trade_no": "PY-N5", "total_amount": "88.00", "subject": "probe me"}']
    # A notify_url that refuses everything: N2-N4 pass; it never marks anything paid (the state probe says so).
    with NotificationReceiver(lambda _n: "fail") as receiver, _StateProbe() as state_probe:
        command = precreate + ["--notify-url", receiver.url]
        report = alipay_sandbox.accept("notify", command=command, checks=["N2", "N5", "N6"], poll_interval=1,
                                       state_probe=state_probe)
        assert report.verdicts == {"N2": "PASSED", "N5": "PASSED", "N6": "WARNING"}, report.output
        blind = alipay_sandbox.accept("notify", checks=["N5"], out_trade_no="PY-N5", poll_interval=1)
        assert blind.verdicts == {"N5": "REVIEW"}, blind.output


def test_the_lint_suite_judges_the_passive_checks(alipay_sandbox: Sandbox) -> None:
    report = alipay_sandbox.accept("lint", checks=["F6", "R1"], since=0)
    assert report["suite"] == "lint" and set(report.verdicts) == {"F6", "R1"}


INNER = '''
import sys
sys.path.insert(0, {tests!r})
import pytest
import accept_merchant
from alipay_sandbox import find_binary

@pytest.mark.alipay_accept("refund", poll_interval=1)
def test_refunds(alipay_accept, alipay_sandbox):
    i = alipay_accept.instruction
    accept_merchant.refund(find_binary(), str(alipay_sandbox.data_dir / "app.json"), i["out_trade_no"],
                           i["refund_amount"], i["times"], mode={mode!r})
'''


@pytest.mark.parametrize("mode,outcome", [("good", "passed"), ("new-number", "failed")])
def test_the_marker_fails_a_test_whose_merchant_breaks_a_rule(pytester: pytest.Pytester,
                                                              request: pytest.FixtureRequest,
                                                              mode: str, outcome: str) -> None:
    pytester.makepyfile(INNER.format(tests=str(Path(__file__).parent), mode=mode))
    # The plugin is registered by its entry point once installed (`pip install ./python`); from a source tree
    # (PYTHONPATH=python/src) it is loaded with -p, as this session loaded it.
    args = [] if request.config.pluginmanager.has_plugin("alipay_sandbox") else ["-p", "alipay_sandbox.pytest_plugin"]
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        result.stdout.fnmatch_lines(["*R2 (001_cd7107dff871e3cf.txt:202)*refunded twice*"])
