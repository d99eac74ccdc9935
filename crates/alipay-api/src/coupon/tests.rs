use super::*;
use crate::sub_code::SubCode;
use crate::{decode_request, encode_request, ApiResponse, ResultCode, TimeoutExpress};

fn biz(json: &str) -> Vec<(String, String)> {
    vec![("biz_content".to_string(), json.to_string())]
}

fn app_pay() -> CouponOrderAppPay {
    CouponOrderAppPay {
        out_order_no: "2017122716463224".into(),
        out_request_no: "201712271645328".into(),
        order_title: "新年红包".into(),
        amount: "9.00".parse().unwrap(),
        pay_timeout: Some(TimeoutExpress::Hours(1)),
        extra_param: None,
    }
}

#[test]
fn app_and_page_pay_round_trip_and_share_the_rules() {
    let pay = app_pay();
    pay.validate().unwrap();
    let params = encode_request(&pay).unwrap();
    assert_eq!(
        params[0].1,
        r#"{"out_order_no":"2017122716463224","out_request_no":"201712271645328","order_title":"新年红包","amount":"9.00","pay_timeout":"1h"}"#
    );
    assert_eq!(decode_request::<CouponOrderAppPay>(&params).unwrap(), pay);
    let page: CouponOrderPagePay = decode_request(&params).unwrap();
    assert_eq!(page.order_title, "新年红包");
    page.validate().unwrap();
    assert_eq!(CouponOrderAppPay::METHOD, "alipay.fund.coupon.order.app.pay");
    assert_eq!(CouponOrderPagePay::METHOD, "alipay.fund.coupon.order.page.pay");

    let check = |f: fn(&mut CouponOrderAppPay)| {
        let mut p = app_pay();
        f(&mut p);
        p.validate().unwrap_err()
    };
    assert_eq!(check(|p| p.out_order_no.clear()), ValidationError::Missing { field: "out_order_no" });
    assert_eq!(check(|p| p.out_request_no.clear()), ValidationError::Missing { field: "out_request_no" });
    assert_eq!(check(|p| p.order_title.clear()), ValidationError::Missing { field: "order_title" });
    assert!(matches!(
        check(|p| p.order_title = "红".repeat(101)),
        ValidationError::TooLong { field: "order_title", max: 100, .. }
    ));
    assert!(matches!(
        check(|p| p.out_order_no = "1".repeat(65)),
        ValidationError::TooLong { field: "out_order_no", .. }
    ));
    assert!(matches!(check(|p| p.amount = Money::ZERO), ValidationError::Invalid { field: "amount", .. }));
    for bad in ["8d", "0m", "1c"] {
        let p = CouponOrderAppPay { pay_timeout: Some(bad.parse().unwrap()), ..app_pay() };
        assert!(matches!(p.validate(), Err(ValidationError::Invalid { field: "pay_timeout", .. })), "{bad}");
    }
    for not_a_timeout in ["1.5h", "30s"] {
        let biz = format!(
            r#"{{"out_order_no":"o","out_request_no":"r","order_title":"t","amount":"1.00","pay_timeout":"{not_a_timeout}"}}"#
        );
        assert!(decode_request::<CouponOrderAppPay>(&[("biz_content".into(), biz)]).is_err(), "{not_a_timeout}");
    }
    for good in ["1m", "7d", "168h"] {
        let p = CouponOrderPagePay { pay_timeout: Some(good.parse().unwrap()), ..page.clone() };
        assert_eq!(p.validate(), Ok(()), "{good}");
    }
}

#[test]
fn app_pay_result_reads() {
    let json = r#"{"code":"10000","msg":"Success","auth_no":"2017122710002001390206804295","operation_id":"20171227257355213905","amount":"9.00","status":"SUCCESS"}"#;
    let r: ApiResponse<CouponOrderAppPayResponse> = serde_json::from_str(json).unwrap();
    assert_eq!(r.body.status, Some(CouponStatus::Success));
    assert_eq!(r.body.amount, Some(Money::from_fen(900)));
    assert_eq!(r.body.operation_id.as_deref(), Some("20171227257355213905"));
}

#[test]
fn agreement_pay_round_trips_validates_and_reads() {
    let pay = CouponOrderAgreementPay {
        out_order_no: "8077735255938023".into(),
        out_request_no: "8077735255938032".into(),
        order_title: "红包协议支付".into(),
        amount: "100.00".parse().unwrap(),
        payer_user_id: Some("2088102000275795".into()),
        pay_timeout: Some(TimeoutExpress::Hours(2)),
        extra_param: Some(r#"{"merchantExt":"orderExpiredTime=1m"}"#.into()),
    };
    pay.validate().unwrap();
    let params = encode_request(&pay).unwrap();
    assert_eq!(decode_request::<CouponOrderAgreementPay>(&params).unwrap(), pay);
    let long_payer = CouponOrderAgreementPay { payer_user_id: Some("2".repeat(33)), ..pay.clone() };
    assert!(matches!(long_payer.validate(), Err(ValidationError::TooLong { field: "payer_user_id", .. })));
    let no_title = CouponOrderAgreementPay { order_title: String::new(), ..pay };
    assert_eq!(no_title.validate(), Err(ValidationError::Missing { field: "order_title" }));

    let json = r#"{"code":"10000","msg":"Success","auth_no":"2014070800002001550000014417","operation_id":"20140216010020003400","out_order_no":"8077735255938023","out_request_no":"8077735255938032","amount":"100.00","status":"SUCCESS","gmt_trans":"2014-09-15 11:23:04"}"#;
    let r: ApiResponse<CouponOrderAgreementPayResponse> = serde_json::from_str(json).unwrap();
    assert_eq!(r.body.gmt_trans, Some("2014-09-15 11:23:04".parse().unwrap()));
    assert_eq!(r.body.out_request_no.as_deref(), Some("8077735255938032"));
    assert_eq!(serde_json::to_string(&r).unwrap(), json);
}

#[test]
fn disburse_needs_a_packet_and_a_payee() {
    let json = r#"{"out_order_no":"8077735255938024","out_request_no":"8077735255938033","deduct_auth_no":"2014031600002001260000001024","order_title":"领取红包","amount":"1.00","payee_user_id":"2088102000275795"}"#;
    let d: CouponOrderDisburse = decode_request(&biz(json)).unwrap();
    d.validate().unwrap();
    assert_eq!(encode_request(&d).unwrap()[0].1, json);

    let no_packet = CouponOrderDisburse { deduct_auth_no: None, ..d.clone() };
    assert!(
        matches!(no_packet.validate(), Err(ValidationError::MissingOneOf { fields }) if fields[0] == "deduct_auth_no")
    );
    let by_out_order = CouponOrderDisburse { deduct_out_order_no: Some("2017122716463224".into()), ..no_packet };
    assert_eq!(by_out_order.validate(), Ok(()));
    let no_payee = CouponOrderDisburse { payee_user_id: None, ..d.clone() };
    assert!(
        matches!(no_payee.validate(), Err(ValidationError::MissingOneOf { fields }) if fields[0] == "payee_user_id")
    );
    let by_logon = CouponOrderDisburse { payee_logon_id: Some("abc@alipay.com".into()), ..no_payee };
    assert_eq!(by_logon.validate(), Ok(()));
    let long_packet = CouponOrderDisburse { deduct_auth_no: Some("1".repeat(65)), ..d.clone() };
    assert!(matches!(long_packet.validate(), Err(ValidationError::TooLong { field: "deduct_auth_no", .. })));
    let too_much = CouponOrderDisburse { amount: "100000000.01".parse().unwrap(), ..d.clone() };
    assert!(matches!(too_much.validate(), Err(ValidationError::Invalid { field: "amount", .. })));
    let bad_timeout = CouponOrderDisburse { pay_timeout: Some(TimeoutExpress::Days(15)), ..d };
    assert!(matches!(bad_timeout.validate(), Err(ValidationError::Invalid { field: "pay_timeout", .. })));
}

#[test]
fn refund_round_trips_validates_and_reads() {
    let r = CouponOrderRefund {
        auth_no: "2014070800002001550000014417".into(),
        out_request_no: "8077735255938034".into(),
        amount: "8.00".parse().unwrap(),
        remark: Some("红包退回".into()),
    };
    r.validate().unwrap();
    let params = encode_request(&r).unwrap();
    assert_eq!(decode_request::<CouponOrderRefund>(&params).unwrap(), r);
    let no_auth = CouponOrderRefund { auth_no: String::new(), ..r.clone() };
    assert_eq!(no_auth.validate(), Err(ValidationError::Missing { field: "auth_no" }));
    let long_remark = CouponOrderRefund { remark: Some("r".repeat(101)), ..r.clone() };
    assert!(matches!(long_remark.validate(), Err(ValidationError::TooLong { field: "remark", .. })));
    let zero = CouponOrderRefund { amount: Money::ZERO, ..r };
    assert!(matches!(zero.validate(), Err(ValidationError::Invalid { field: "amount", .. })));

    let failed = r#"{"code":"40004","msg":"Business Failed","sub_code":"MONEY_NOT_ENOUGH","sub_msg":"本次操作退款的金额超过剩余可退款金额"}"#;
    let resp: ApiResponse<CouponOrderRefundResponse> = serde_json::from_str(failed).unwrap();
    assert_eq!(resp.status, errors::MONEY_NOT_ENOUGH.status());
    assert_eq!(resp.body.status, None);
}

#[test]
fn operation_query_takes_either_pair() {
    let by_alipay = CouponOperationQuery {
        auth_no: Some("2014070800002001550000014417".into()),
        operation_id: Some("20140216010020003400".into()),
        ..Default::default()
    };
    by_alipay.validate().unwrap();
    let params = encode_request(&by_alipay).unwrap();
    assert_eq!(params[0].1, r#"{"auth_no":"2014070800002001550000014417","operation_id":"20140216010020003400"}"#);
    assert_eq!(decode_request::<CouponOperationQuery>(&params).unwrap(), by_alipay);
    let by_merchant = CouponOperationQuery {
        out_order_no: Some("8077735255938023".into()),
        out_request_no: Some("8077735255938032".into()),
        ..Default::default()
    };
    by_merchant.validate().unwrap();

    assert_eq!(
        CouponOperationQuery::default().validate(),
        Err(ValidationError::MissingOneOf { fields: &["auth_no", "out_order_no"] })
    );
    let half = CouponOperationQuery { operation_id: None, ..by_alipay.clone() };
    assert_eq!(half.validate(), Err(ValidationError::Missing { field: "operation_id" }));
    let mixed =
        CouponOperationQuery { auth_no: Some("1".into()), out_request_no: Some("2".into()), ..Default::default() };
    assert_eq!(mixed.validate(), Err(ValidationError::Missing { field: "operation_id" }));
    let other_half = CouponOperationQuery { out_order_no: Some(" ".into()), ..by_merchant };
    assert_eq!(other_half.validate(), Err(ValidationError::Missing { field: "out_order_no" }));
    let long = CouponOperationQuery { auth_no: Some("1".repeat(65)), ..by_alipay };
    assert!(matches!(long.validate(), Err(ValidationError::TooLong { field: "auth_no", .. })));
}

#[test]
fn operation_query_response_reads_typed_values() {
    let json = r#"{"code":"10000","msg":"Success","auth_no":"2014070800002001550000014417","operation_id":"20140216010020003400","out_order_no":"8077735255938023","out_request_no":"8077735255938032","operation_type":"REFUND","amount":"8.00","status":"SUCCESS","gmt_create":"2014-09-15 11:23:04","gmt_trans":"2014-09-15 11:23:05","payer_logon_id":"159****5620","payer_user_id":"2088102000275795","order_title":"红包","remark":"红包退回","total_pay_refund_amount":"8.00"}"#;
    let r: ApiResponse<CouponOperationQueryResponse> = serde_json::from_str(json).unwrap();
    assert_eq!(r.status.code, ResultCode::Success);
    assert_eq!(r.body.operation_type, Some(OperationType::Refund));
    assert_eq!(r.body.status, Some(CouponStatus::Success));
    assert_eq!(r.body.amount, Some(Money::from_fen(800)));
    assert_eq!(r.body.gmt_create.unwrap().to_string(), "2014-09-15 11:23:04");
    assert_eq!(r.body.extra["total_pay_refund_amount"], "8.00");
    let closed: ApiResponse<CouponOperationQueryResponse> =
        serde_json::from_str(r#"{"code":"10000","msg":"Success","status":"CLOSED","operation_type":"PAY"}"#).unwrap();
    assert_eq!(closed.body.status, Some(CouponStatus::Closed));
    assert_eq!(closed.body.operation_type, Some(OperationType::Pay));
}

#[test]
fn in_process_answers_keep_what_they_have() {
    // 10003 and 20000 (seed 003): retry the same request or query; the body may be partial.
    let json = r#"{"code":"10003","msg":"ORDER_SUCCESS_PAY_INPROCESS","auth_no":"2014070800002001550000014417","status":"INIT"}"#;
    let r: ApiResponse<CouponOrderDisburseResponse> = serde_json::from_str(json).unwrap();
    assert_eq!(r.status.code, ResultCode::InProcess);
    assert_eq!(r.body.status, Some(CouponStatus::Init));
}

#[test]
fn sub_codes() {
    assert_eq!(
        SubCode::find(errors::ALL, "UNIQUE_VIOLATION").map(|s| s.msg),
        Some("商户本次资金操作的请求流水号与之前有重复")
    );
    assert_eq!(errors::MONEY_NOT_ENOUGH.status().sub_code.as_deref(), Some("MONEY_NOT_ENOUGH"));
}
