use super::*;

use crate::test_util::pairs;

/// A payment notification as Alipay sends it (values already form-decoded once).
fn paid() -> Vec<(String, String)> {
    pairs(&[
        ("gmt_create", "2015-04-27 15:45:57"),
        ("charset", "GBK"),
        ("seller_email", "zhuzhanghu@alitest.com"),
        ("subject", "当面付测试"),
        ("sign", "Ak0W+8YQ8LHUuYZT1C4yJFwiuTQ2hcrGFqPGjcAXrmBe5kT/8gBO6BQKdUDnvWzXEMVc4ERdHdPVuU6w4Bej8TM3t3NqQF4Q=="),
        ("buyer_id", "2088102122485786"),
        ("invoice_amount", "0.10"),
        ("notify_id", "4a91b7a78a503640467525113fb7d8bg8e"),
        ("fund_bill_list", r#"[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]"#),
        ("notify_type", "trade_status_sync"),
        ("trade_status", "TRADE_SUCCESS"),
        ("receipt_amount", "0.10"),
        ("app_id", "2015102700040153"),
        ("buyer_pay_amount", "0.10"),
        ("sign_type", "RSA2"),
        ("seller_id", "2088102119685838"),
        ("gmt_payment", "2015-04-27 15:45:58"),
        ("notify_time", "2015-04-27 15:46:00"),
        ("passback_params", "merchantBizType%3d3C%26merchantBizNo%3d2016010101111+{\"a\":1}"),
        ("version", "1.0"),
        ("out_trade_no", "20150423001001"),
        ("total_amount", "0.10"),
        ("trade_no", "2015042321001004720200028594"),
        ("auth_app_id", "2015102700040153"),
        ("buyer_logon_id", "hu***@alitest.com"),
        ("point_amount", "0.00"),
        ("buyer_open_id", "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"),
    ])
}

#[test]
fn reads_every_documented_parameter_typed() {
    let n = TradeNotification::from_params(&paid()).unwrap();
    assert_eq!(n.notify_time.to_string(), "2015-04-27 15:46:00");
    assert_eq!(n.notify_type, TRADE_STATUS_SYNC);
    assert_eq!(n.notify_id, "4a91b7a78a503640467525113fb7d8bg8e");
    assert_eq!(n.app_id, "2015102700040153");
    assert_eq!(n.auth_app_id.as_deref(), Some("2015102700040153"));
    assert_eq!(n.charset.as_deref(), Some("GBK"));
    assert_eq!(n.sign_type.as_deref(), Some("RSA2"));
    assert!(n.sign.as_deref().unwrap().starts_with("Ak0W+8YQ"));
    assert_eq!(n.trade_no, "2015042321001004720200028594");
    assert_eq!(n.out_trade_no, "20150423001001");
    assert_eq!(n.trade_status, Some(TradeStatus::TradeSuccess));
    assert_eq!(n.total_amount, Some(Money::from_fen(10)));
    assert_eq!(n.receipt_amount, Some(Money::from_fen(10)));
    assert_eq!(n.point_amount, Some(Money::ZERO));
    assert_eq!(n.refund_fee, None);
    assert_eq!(n.subject.as_deref(), Some("当面付测试"));
    assert_eq!(n.gmt_create, Some("2015-04-27 15:45:57".parse().unwrap()));
    assert_eq!(n.gmt_payment, Some("2015-04-27 15:45:58".parse().unwrap()));
    assert_eq!(n.gmt_close, None);
    let bills = n.fund_bill_list.as_ref().unwrap();
    assert_eq!(bills.len(), 1);
    assert_eq!(bills[0].amount, Money::from_fen(10));
    assert_eq!(bills[0].fund_channel, "ALIPAYACCOUNT");
    // Decoded exactly once by the caller: %3d and + stay as they are.
    assert_eq!(n.passback_params.as_deref(), Some("merchantBizType%3d3C%26merchantBizNo%3d2016010101111+{\"a\":1}"));
    assert!(n.extra.is_empty(), "{:?}", n.extra);
    assert_eq!(n.buyer_open_id.as_deref(), Some("074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"));
}

#[test]
fn to_params_gives_back_the_same_pairs() {
    let form = paid();
    let n = TradeNotification::from_params(&form).unwrap();
    let mut out = n.to_params();
    assert_eq!(out[0], ("notify_time".to_string(), "2015-04-27 15:46:00".to_string()));
    assert!(out.contains(&("fund_bill_list".into(), r#"[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]"#.into())));
    let mut sorted_in = form.clone();
    sorted_in.sort();
    out.sort();
    assert_eq!(out, sorted_in);
    assert_eq!(TradeNotification::from_params(&n.to_params()).unwrap(), n);
}

#[test]
fn refund_notification_with_milliseconds_and_unknown_fund_keys() {
    let mut form = paid();
    form.retain(|(k, _)| k != "fund_bill_list" && k != "trade_status");
    form.extend(pairs(&[
        ("trade_status", "TRADE_CLOSED"),
        ("refund_fee", "0.10"),
        ("out_biz_no", "HZRF001"),
        ("gmt_refund", "2015-04-28 15:45:57.320"),
        ("gmt_close", "2015-04-28 15:45:57"),
        ("fund_bill_list", r#"[{"amount":"0.08","fundChannel":"ALIPAYACCOUNT","realAmount":"0.08","fundType":"DEBIT_CARD"},{"amount":"0.02","fundChannel":"PCREDIT"}]"#),
    ]));
    let n = TradeNotification::from_params(&form).unwrap();
    assert_eq!(n.trade_status, Some(TradeStatus::TradeClosed));
    assert_eq!(n.refund_fee, Some(Money::from_fen(10)));
    assert_eq!(n.out_biz_no.as_deref(), Some("HZRF001"));
    assert_eq!(n.gmt_refund.unwrap().to_string(), "2015-04-28 15:45:57");
    let bills = n.fund_bill_list.unwrap();
    assert_eq!(bills[0].real_amount, Some(Money::from_fen(8)));
    assert_eq!(bills[0].extra["fundType"], "DEBIT_CARD");
    assert_eq!(bills[1].fund_channel, "PCREDIT");
    assert_eq!(
        serde_json::to_string(&bills).unwrap(),
        r#"[{"amount":"0.08","fundChannel":"ALIPAYACCOUNT","realAmount":"0.08","fundType":"DEBIT_CARD"},{"amount":"0.02","fundChannel":"PCREDIT"}]"#
    );
}

#[test]
fn unknown_status_is_kept_and_empty_values_are_absent() {
    let mut form = paid();
    for (k, v) in form.iter_mut() {
        if k == "trade_status" {
            *v = "TRADE_PENDING".into();
        }
        if k == "subject" || k == "point_amount" {
            v.clear();
        }
    }
    let n = TradeNotification::from_params(&form).unwrap();
    assert_eq!(n.trade_status, Some(TradeStatus::Unknown("TRADE_PENDING".into())));
    assert_eq!(n.subject, None);
    assert_eq!(n.point_amount, None);
    assert!(n.to_params().contains(&("trade_status".into(), "TRADE_PENDING".into())));
}

#[test]
fn rejects_what_is_not_a_trade_notification() {
    let without = |key: &str| -> Vec<(String, String)> { paid().into_iter().filter(|(k, _)| k != key).collect() };
    let replace = |key: &str, value: &str| -> Vec<(String, String)> {
        paid().into_iter().map(|(k, v)| if k == key { (k, value.to_string()) } else { (k, v) }).collect()
    };
    for key in ["notify_time", "notify_type", "notify_id", "app_id", "trade_no", "out_trade_no"] {
        let err = TradeNotification::from_params(&without(key)).unwrap_err();
        assert!(matches!(err, NotificationError::Missing(k) if k == key), "{key}: {err}");
    }
    let cases = [
        (replace("total_amount", "0.101"), "total_amount"),
        ([paid(), pairs(&[("refund_fee", "abc")])].concat(), "refund_fee"),
        (replace("gmt_payment", "2015/04/27 15:45:58"), "gmt_payment"),
        (replace("notify_time", "2015-04-27 15:46:00.x"), "notify_time"),
        (replace("fund_bill_list", r#"[{"fund_channel":"ALIPAYACCOUNT","amount":"0.10"}]"#), "fund_bill_list"),
        (replace("fund_bill_list", "amount=0.10"), "fund_bill_list"),
        (replace("notify_type", "fund_stdtrustee_refund"), "notify_type"),
    ];
    for (form, field) in cases {
        let err = TradeNotification::from_params(&form).unwrap_err();
        assert!(matches!(err, NotificationError::Invalid { field: f, .. } if f == field), "{field}: {err}");
    }
    let mut twice = paid();
    twice.push(("trade_status".into(), "TRADE_CLOSED".into()));
    assert_eq!(TradeNotification::from_params(&twice), Err(NotificationError::Duplicate("trade_status".into())));
}
