from alipay.aop.api.domain.AlipayTradePrecreateModel import AlipayTradePrecreateModel
from alipay.aop.api.request.AlipayTradePrecreateRequest import AlipayTradePrecreateRequest
from alipay.aop.api.response.AlipayTradePrecreateResponse import AlipayTradePrecreateResponse


def test_precreate_then_the_buyer_pays(alipay_sandbox, alipay_client):
    model = AlipayTradePrecreateModel()
    model.out_trade_no, model.total_amount, model.subject = "T1", "88.88", "demo"
    response = AlipayTradePrecreateResponse()
    response.parse_response_content(alipay_client.execute(AlipayTradePrecreateRequest(biz_model=model)))
    assert response.is_success() and response.qr_code.startswith("https://qr.alipay.com/")
    assert alipay_sandbox.scan(response.qr_code, confirm=True)["trade_status"] == "TRADE_SUCCESS"
