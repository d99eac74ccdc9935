"""The local Alipay (`alipay sandbox`) for Python tests.

``pip install ./python`` (from an alipay-rs checkout) installs the ``alipay`` binary and this module:

* :class:`Sandbox` starts a fresh local Alipay gateway on a free loopback port and a temporary data
  directory, exposes its credentials (``gateway_url``, ``app_id``, ``app_private_key``,
  ``app_private_key_pkcs1``, ``alipay_public_key``, ``buyer_user_id``) and its simulation controls
  (:meth:`Sandbox.admin` and plain methods: buyers, payment codes, scan/confirm, clock, faults, notifications);
* :meth:`Sandbox.accept` runs an acceptance suite (``alipay accept``) and returns the parsed report
  (:class:`AcceptReport`); :meth:`Sandbox.accept_case` runs one around a block of code that is the merchant;
* :class:`NotificationReceiver` is a ``notify_url`` on loopback that records what it is sent;
* :mod:`alipay_sandbox.official` sets up Alipay's official Python SDK (``alipay-sdk-python``) for it;
* the pytest plugin (:mod:`alipay_sandbox.pytest_plugin`, registered automatically) gives the
  ``alipay_sandbox``, ``alipay_client``, ``alipay_notifications`` and ``alipay_accept`` fixtures, and the
  ``alipay_accept`` marker that runs a suite around a test.
"""

from ._accept import AcceptCase, AcceptReport
from ._notify import Notification, NotificationReceiver
from ._sandbox import AdminError, Sandbox, SandboxError, find_binary

__all__ = ["AcceptCase", "AcceptReport", "AdminError", "Notification", "NotificationReceiver", "Sandbox",
           "SandboxError", "find_binary"]
