"""Alipay's official Python SDK (`alipay-sdk-python`, import name `alipay.aop.api`) set up for the sandbox.

The SDK is not a dependency of this package: install it yourself (``pip install alipay-sdk-python``). Two things
stand between the SDK as published and a local gateway, and :func:`patch_official_sdk` fixes both, in this
process only, and only inside the SDK:

* **Time zone.** ``DefaultAlipayClient`` stamps ``timestamp`` with the host's local time
  (``datetime.datetime.now()``), while Alipay (and the sandbox) read it as Beijing time: merchants' servers
  run in UTC+8. On a UTC CI machine the requests are 8 hours off and answered ``isv.invalid-timestamp``. The
  patch makes the SDK's clock Beijing time (UTC+8, no daylight saving), whatever the host's zone; the rest of
  the process keeps its own.
* **Port.** ``WebUtils.get_http_connection`` always connects to port 80/443 and then fails on a URL with a
  port (``url += url_parse_result.port``, str + int). The patch replaces that one function with a copy that
  honours the port and is otherwise identical (same connection classes, same absolute-form request target).

Everything else (signing, the HTTP exchange, response verification) is the SDK's own code.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import types
from typing import TYPE_CHECKING, Any, Mapping, Tuple
from urllib.parse import urlparse

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ._sandbox import Sandbox

__all__ = ["BEIJING", "alipay_client_config", "default_alipay_client", "patch_official_sdk",
           "verify_notification"]

#: Beijing time, as Alipay reads every timestamp.
BEIJING = _dt.timezone(_dt.timedelta(hours=8), "Asia/Shanghai")


class _BeijingDatetime(_dt.datetime):
    """``datetime.datetime`` whose naive ``now()`` is the wall-clock time in Beijing."""

    @classmethod
    def now(cls, tz: Any = None) -> _dt.datetime:  # type: ignore[override]
        if tz is not None:
            return _dt.datetime.now(tz)
        return _dt.datetime.now(BEIJING).replace(tzinfo=None)


def _beijing_datetime_module() -> types.ModuleType:
    shim = types.ModuleType("datetime", "the datetime module with now() in Beijing time (alipay_sandbox)")
    shim.__dict__.update({k: v for k, v in vars(_dt).items() if not k.startswith("__")})
    shim.datetime = _BeijingDatetime  # type: ignore[attr-defined]
    return shim


def _get_http_connection(url: str, query_string: str, timeout: Any) -> Tuple[str, Any]:
    """``alipay.aop.api.util.WebUtils.get_http_connection`` with the URL's port honoured."""
    import http.client as httplib

    parsed = urlparse(url)
    host = parsed.hostname or ""
    https = url.find("https") == 0
    port = parsed.port or (443 if https else 80)
    if https:
        connection: Any = httplib.HTTPSConnection(host=host, port=port, timeout=timeout)
    else:
        connection = httplib.HTTPConnection(host=host, port=port, timeout=timeout)
    target = parsed.scheme + "://" + (parsed.hostname or "")
    if parsed.port:
        target += ":" + str(parsed.port)
    target += parsed.path
    target += "?" + query_string
    return target, connection


def patch_official_sdk() -> None:
    """Sets the official SDK's clock to Beijing time and lets it reach a gateway on any port (see the module
    documentation). Idempotent; raises ``ImportError`` when ``alipay-sdk-python`` is not installed."""
    client_module = importlib.import_module("alipay.aop.api.DefaultAlipayClient")
    web_utils = importlib.import_module("alipay.aop.api.util.WebUtils")
    if getattr(client_module.datetime, "datetime", None) is not _BeijingDatetime:
        client_module.datetime = _beijing_datetime_module()  # type: ignore[attr-defined]
    web_utils.get_http_connection = _get_http_connection  # type: ignore[attr-defined]


def alipay_client_config(sandbox: "Sandbox") -> Any:
    """An ``AlipayClientConfig`` for the sandbox's default app: its gateway, app id, PKCS#1 private key, the
    sandbox's Alipay public key, ``RSA2``, ``utf-8``. Applies :func:`patch_official_sdk`."""
    patch_official_sdk()
    from alipay.aop.api.AlipayClientConfig import AlipayClientConfig

    config = AlipayClientConfig()
    config.server_url = sandbox.gateway_url
    config.app_id = sandbox.app_id
    config.app_private_key = sandbox.app_private_key_pkcs1
    config.alipay_public_key = sandbox.alipay_public_key
    config.sign_type = sandbox.sign_type
    config.charset = sandbox.charset
    return config


def default_alipay_client(sandbox: "Sandbox", logger: Any = None) -> Any:
    """A ``DefaultAlipayClient`` on :func:`alipay_client_config` (the SDK verifies every answer)."""
    from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient

    return DefaultAlipayClient(alipay_client_config=alipay_client_config(sandbox), logger=logger)


def verify_notification(params: Mapping[str, str], alipay_public_key: str, charset: str = "utf-8") -> bool:
    """Checks an asynchronous notification (V1: every parameter but ``sign`` and ``sign_type``, sorted) with
    the official SDK's own functions (``get_sign_content``, ``verify_with_rsa``). False when it does not
    verify or has no ``sign``."""
    from alipay.aop.api.util.SignatureUtils import get_sign_content, verify_with_rsa

    sign = params.get("sign")
    if not sign:
        return False
    content = get_sign_content({k: v for k, v in params.items() if k not in ("sign", "sign_type")})
    try:
        return bool(verify_with_rsa(alipay_public_key, content.encode(params.get("charset") or charset), sign))
    except Exception:  # rsa.VerificationError, or a malformed signature
        return False
