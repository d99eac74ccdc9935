"""Alipay's official Python SDK (`alipay-sdk-python`, unchanged) against the local Alipay, through the plugin's
fixtures: precreate, scan, pay, query, refund, and a notification received at a local endpoint and verified.

Run as CI does (README, "Python"): ``pip install ./python`` into a fresh venv with pytest and the SDK, then
``python -m pytest python/tests``.
"""

from __future__ import annotations

import os
import time
from typing import Any, Iterator, List

import pytest
from alipay.aop.api.domain.AlipayTradePayModel import AlipayTradePayModel
from alipay.aop.api.domain.AlipayTradePrecreateModel import AlipayTradePrecreateModel
from alipay.aop.api.domain.AlipayTradeQueryModel import AlipayTradeQueryModel
from alipay.aop.api.domain.AlipayTradeRefundModel import AlipayTradeRefundModel
from alipay.aop.api.request.AlipayTradePayRequest import AlipayTradePayRequest
from alipay.aop.api.request.AlipayTradePrecreateRequest import AlipayTradePrecreateRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest
from alipay.aop.api.response.AlipayTradePayResponse import AlipayTradePayResponse
from alipay.aop.api.response.AlipayTradePrecreateResponse import AlipayTradePrecreateResponse
from alipay.aop.api.response.AlipayTradeQueryResponse import AlipayTradeQueryResponse
from alipay.aop.api.response.AlipayTradeRefundResponse import AlipayTradeRefundResponse

from alipay_sandbox import Notification, NotificationReceiver, Sandbox
from alipay_sandbox.official import verify_notification


def query(client: Any, out_trade_no: str) -> AlipayTradeQueryResponse:
    model = AlipayTradeQueryModel()
    model.out_trade_no = out_trade_no
    response = AlipayTradeQueryResponse()
    response.parse_response_content(client.execute(AlipayTradeQueryRequest(biz_model=model)))
    return response


def test_precreate_scan_query_refund_and_a_verified_notification(alipay_sandbox: Sandbox, alipay_client: Any) -> None:
    sandbox = alipay_sandbox
    verified: List[bool] = []

    def endpoint(n: Notification) -> str:
        # What a merchant's notify_url does: verify with Alipay's public key, then answer `success`.
        ok = verify_notification(n.params, sandbox.alipay_public_key)
        verified.append(ok)
        return "success" if ok else "fail"

    with NotificationReceiver(endpoint) as receiver:
        # precreate, with the receiver as notify_url
        model = AlipayTradePrecreateModel()
        model.out_trade_no = "PY_QR_1"
        model.total_amount = "25.50"
        model.subject = "扫码支付 & = % +"
        request = AlipayTradePrecreateRequest(biz_model=model)
        request.notify_url = receiver.url
        pre = AlipayTradePrecreateResponse()
        pre.parse_response_content(alipay_client.execute(request))  # the SDK verified the answer's signature
        assert pre.is_success(), (pre.code, pre.sub_code, pre.sub_msg)
        assert pre.out_trade_no == "PY_QR_1"
        assert pre.qr_code.startswith("https://qr.alipay.com/")

        # not scanned yet: Alipay knows no trade
        before = query(alipay_client, "PY_QR_1")
        assert before.sub_code == "ACQ.TRADE_NOT_EXIST"

        # the buyer scans: WAIT_BUYER_PAY, then confirms: TRADE_SUCCESS
        assert sandbox.scan(pre.qr_code)["trade_status"] == "WAIT_BUYER_PAY"
        assert query(alipay_client, "PY_QR_1").trade_status == "WAIT_BUYER_PAY"
        sandbox.confirm(out_trade_no="PY_QR_1")
        paid = query(alipay_client, "PY_QR_1")
        assert paid.is_success() and paid.trade_status == "TRADE_SUCCESS"
        assert paid.total_amount == "25.50" and paid.buyer_user_id == sandbox.buyer_user_id

        # the notification arrives, signed by the sandbox's Alipay key; the endpoint verified it
        n = receiver.wait(lambda n: n.params.get("out_trade_no") == "PY_QR_1"
                          and n.params.get("trade_status") == "TRADE_SUCCESS")
        assert n.params["notify_type"] == "trade_status_sync"
        assert n.params["app_id"] == sandbox.app_id and n.params["total_amount"] == "25.50"
        assert n.params["subject"] == "扫码支付 & = % +"
        assert verified and all(verified)
        # one changed field and the SDK's verification refuses it
        assert not verify_notification({**n.params, "total_amount": "2550.00"}, sandbox.alipay_public_key)
        # the sandbox recorded our `success` and stops retrying
        [logged] = sandbox.wait_for_notifications(out_trade_no="PY_QR_1", status="delivered")
        assert logged["deliveries"][-1]["response_body"] == "success"

    # partial refund
    refund = AlipayTradeRefundModel()
    refund.out_trade_no = "PY_QR_1"
    refund.refund_amount = "5.50"
    refund.out_request_no = "R1"
    refunded = AlipayTradeRefundResponse()
    refunded.parse_response_content(alipay_client.execute(AlipayTradeRefundRequest(biz_model=refund)))
    assert refunded.is_success(), (refunded.code, refunded.sub_code, refunded.sub_msg)
    assert refunded.fund_change == "Y" and refunded.refund_fee == "5.50"
    assert sandbox.buyer()["balance"] == "9980.00"  # 10000.00 - 25.50 + 5.50


def test_barcode_pay_query_refund(alipay_sandbox: Sandbox, alipay_client: Any) -> None:
    model = AlipayTradePayModel()
    model.out_trade_no = "PY_BAR_1"
    model.scene = "bar_code"
    model.auth_code = alipay_sandbox.payment_code()
    model.subject = "Coffee"
    model.total_amount = "12.50"
    pay = AlipayTradePayResponse()
    pay.parse_response_content(alipay_client.execute(AlipayTradePayRequest(biz_model=model)))
    assert pay.is_success(), (pay.code, pay.sub_code, pay.sub_msg)
    assert pay.total_amount == "12.50" and pay.buyer_user_id == alipay_sandbox.buyer_user_id

    assert query(alipay_client, "PY_BAR_1").trade_status == "TRADE_SUCCESS"

    refund = AlipayTradeRefundModel()
    refund.out_trade_no = "PY_BAR_1"
    refund.refund_amount = "12.50"
    refunded = AlipayTradeRefundResponse()
    refunded.parse_response_content(alipay_client.execute(AlipayTradeRefundRequest(biz_model=refund)))
    assert refunded.is_success() and refunded.fund_change == "Y"
    assert query(alipay_client, "PY_BAR_1").trade_status == "TRADE_CLOSED"  # fully refunded
    assert alipay_sandbox.buyer()["balance"] == "10000.00"


def test_a_payment_code_is_single_use(alipay_sandbox: Sandbox, alipay_client: Any) -> None:
    code = alipay_sandbox.payment_code()
    answers = []
    for no in ("PY_CODE_1", "PY_CODE_2"):
        model = AlipayTradePayModel()
        model.out_trade_no, model.scene, model.auth_code = no, "bar_code", code
        model.subject, model.total_amount = "Tea", "3.00"
        response = AlipayTradePayResponse()
        response.parse_response_content(alipay_client.execute(AlipayTradePayRequest(biz_model=model)))
        answers.append(response)
    assert answers[0].is_success()
    assert not answers[1].is_success() and answers[1].sub_code == "ACQ.PAYMENT_AUTH_CODE_INVALID"


def test_injected_fault_reaches_the_sdk(alipay_sandbox: Sandbox, alipay_client: Any) -> None:
    alipay_sandbox.inject_fault("alipay.trade.query", "system_error")
    failed = query(alipay_client, "PY_NONE")
    assert failed.code == "40004" and failed.sub_code == "ACQ.SYSTEM_ERROR"
    assert query(alipay_client, "PY_NONE").sub_code == "ACQ.TRADE_NOT_EXIST"  # count 1: used up


@pytest.fixture
def utc_host() -> Iterator[None]:
    """The process's local time zone set to UTC, as on most CI machines (POSIX only)."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_the_client_stamps_beijing_time_on_a_utc_host(alipay_sandbox: Sandbox, alipay_client: Any,
                                                       utc_host: None) -> None:
    # The helper's Beijing clock is what makes this pass on a UTC host ...
    assert query(alipay_client, "PY_NONE").sub_code == "ACQ.TRADE_NOT_EXIST"
    # ... the SDK's own clock (host-local time, 8 hours behind Beijing here) is refused by the gateway.
    import datetime

    import alipay.aop.api.DefaultAlipayClient as client_module

    patched = client_module.datetime
    client_module.datetime = datetime
    try:
        refused = query(alipay_client, "PY_NONE")
    finally:
        client_module.datetime = patched
    assert refused.code == "40002" and refused.sub_code == "isv.invalid-timestamp"
