"""pytest plugin (entry point ``pytest11``): the local Alipay as fixtures.

* ``alipay_sandbox_session`` (session): one :class:`~alipay_sandbox.Sandbox` for the whole run, started on first
  use, in a directory under pytest's ``tmp_path_factory``;
* ``alipay_sandbox`` (function): that sandbox, reset before the test (no trades, buyers, faults, notifications
  or clock offset from earlier tests; same app id and keys; a new default buyer);
* ``alipay_client`` (function): Alipay's official ``DefaultAlipayClient`` configured for it, in Beijing time
  (see :mod:`alipay_sandbox.official`; needs ``alipay-sdk-python`` installed);
* ``alipay_notifications`` (function): a started :class:`~alipay_sandbox.NotificationReceiver` (``.url`` is the
  ``notify_url`` to pass);
* ``alipay_accept`` (function) with the marker ``@pytest.mark.alipay_accept(SUITE, **options)``: an acceptance
  suite (``alipay accept run``) run around the test, which is the merchant. The fixture is the started
  :class:`~alipay_sandbox.AcceptCase` (``.instruction``: what to do); when the test body returns, the suite
  judges, and a failed check (or an incomplete run) fails the test with the rule, the seed line and the reason.
  ``options`` are those of :meth:`Sandbox.accept_case <alipay_sandbox.Sandbox.accept_case>`::

      @pytest.mark.alipay_accept("refund", poll_interval=1)
      def test_refunds_follow_alipays_rules(alipay_accept):
          shop.refund(alipay_accept.instruction["out_trade_no"], "1.00")  # the merchant's own code
          shop.refund(alipay_accept.instruction["out_trade_no"], "1.00")

Options: ``--alipay-bin PATH`` (else ``$ALIPAY_BIN``, this environment's ``alipay``, ``PATH``),
``--alipay-notify-time-scale X`` (default 0.001: the 4 min first retry takes 0.24 s).
"""

from __future__ import annotations

from typing import Any, Generator, Iterator

import pytest

from ._accept import AcceptCase
from ._notify import NotificationReceiver
from ._sandbox import Sandbox

MARKER = "alipay_accept"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("alipay-sandbox", "local Alipay gateway")
    group.addoption("--alipay-bin", default=None, help="the `alipay` binary (default: $ALIPAY_BIN, the "
                    "environment's scripts folder, PATH)")
    group.addoption("--alipay-notify-time-scale", type=float, default=0.001,
                    help="multiplier of the notification retry schedule (default 0.001)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(suite, **options): run `alipay accept run --suite SUITE` around the test (the merchant); the "
        "fixture alipay_accept gives the instruction; a failed check fails the test",
    )


@pytest.fixture(scope="session")
def alipay_sandbox_session(request: pytest.FixtureRequest,
                           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One local Alipay for the test session (stopped at its end)."""
    sandbox = Sandbox(
        tmp_path_factory.mktemp("alipay-sandbox"),
        binary=request.config.getoption("--alipay-bin"),
        notify_time_scale=request.config.getoption("--alipay-notify-time-scale"),
    )
    with sandbox:
        yield sandbox


@pytest.fixture
def alipay_sandbox(alipay_sandbox_session: Sandbox) -> Sandbox:
    """The session's local Alipay, reset for this test."""
    alipay_sandbox_session.reset()
    return alipay_sandbox_session


@pytest.fixture
def alipay_client(alipay_sandbox: Sandbox) -> Any:
    """Alipay's official ``DefaultAlipayClient`` for the sandbox's default app (Beijing time, any port)."""
    from .official import default_alipay_client

    return default_alipay_client(alipay_sandbox)


@pytest.fixture
def alipay_notifications() -> Iterator[NotificationReceiver]:
    """A ``notify_url`` on loopback that records notifications and answers ``success``."""
    with NotificationReceiver() as receiver:
        yield receiver


@pytest.fixture
def alipay_accept(request: pytest.FixtureRequest, alipay_sandbox: Sandbox) -> Iterator[AcceptCase]:
    """The acceptance suite of the test's ``@pytest.mark.alipay_accept(SUITE, **options)``, started: ``.case``,
    ``.instruction``; ``.report`` once the test body has returned."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None or not marker.args:
        raise pytest.UsageError(f"the alipay_accept fixture needs @pytest.mark.{MARKER}(SUITE, ...) on the test")
    with alipay_sandbox.accept_case(marker.args[0], **marker.kwargs) as case:
        yield case


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """After a test that used ``alipay_accept`` returns: judge, and fail the test on a failed check."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    case = funcargs.get("alipay_accept") if isinstance(funcargs, dict) else None
    if isinstance(case, AcceptCase):
        report = case.finish()
        if report.exit_code != 0:
            why = report.summary() if report.failures else f"the run did not complete (exit {report.exit_code})"
            pytest.fail(f"{why}\n\n{report.output}", pytrace=False)
    return result
