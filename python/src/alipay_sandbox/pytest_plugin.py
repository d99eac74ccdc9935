"""pytest plugin (entry point ``pytest11``): the local Alipay as fixtures.

* ``alipay_sandbox_session`` (session): one :class:`~alipay_sandbox.Sandbox` for the whole run, started on first
  use, in a directory under pytest's ``tmp_path_factory``;
* ``alipay_sandbox`` (function): that sandbox, reset before the test (no trades, buyers, faults, notifications
  or clock offset from earlier tests; same app id and keys; a new default buyer);
* ``alipay_client`` (function): Alipay's official ``DefaultAlipayClient`` configured for it, in Beijing time
  (see :mod:`alipay_sandbox.official`; needs ``alipay-sdk-python`` installed);
* ``alipay_notifications`` (function): a started :class:`~alipay_sandbox.NotificationReceiver` (``.url`` is the
  ``notify_url`` to pass).

Options: ``--alipay-bin PATH`` (else ``$ALIPAY_BIN``, this environment's ``alipay``, ``PATH``),
``--alipay-notify-time-scale X`` (default 0.001: the 4 min first retry takes 0.24 s).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from ._notify import NotificationReceiver
from ._sandbox import Sandbox


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("alipay-sandbox", "local Alipay gateway")
    group.addoption("--alipay-bin", default=None, help="the `alipay` binary (default: $ALIPAY_BIN, the "
                    "environment's scripts folder, PATH)")
    group.addoption("--alipay-notify-time-scale", type=float, default=0.001,
                    help="multiplier of the notification retry schedule (default 0.001)")


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
