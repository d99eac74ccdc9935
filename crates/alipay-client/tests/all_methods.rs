//! Every method of the seeds, typed, over real HTTP against a gateway that checks the signature of each call
//! (with its business parameters where the method's transport puts them) and signs its answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_api::coupon::*;
use alipay_api::deduct::*;
use alipay_api::ebpp::*;
use alipay_api::trade::*;
use alipay_api::{AlipayRequest, Transport};
use alipay_client::AlipayClient;
use alipay_core::{form, verify_request, Charset, Money, SignType};
use serde_json::json;

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

async fn check<R: AlipayRequest>(gw: &common::Running, client: &AlipayClient, request: R) {
    gw.answer(R::METHOD, json!({"code":"10000","msg":"Success"}));
    let answer = client.execute(&request).await.unwrap_or_else(|e| panic!("{}: {e}", R::METHOD));
    assert!(answer.status.is_success(), "{}: {}", R::METHOD, answer.status);
    let params = gw.params_of(R::METHOD).pop().unwrap();
    let has = |k: &str| params.iter().any(|(n, _)| n == k);
    match R::TRANSPORT {
        Transport::BizContent => assert!(has("biz_content"), "{}", R::METHOD),
        Transport::TopLevel => {
            assert!(!has("biz_content"), "{} must send top-level fields", R::METHOD);
            for (k, _) in alipay_api::encode_request(&request).unwrap() {
                assert!(has(&k), "{}: {k} missing from the form", R::METHOD);
            }
        }
    }
}

#[tokio::test]
async fn every_method_is_signed_sent_and_verified() {
    let gw = common::start(SignType::Rsa2).await;
    for charset in [Charset::Utf8, Charset::Gbk] {
        let client = gw.client_builder().charset(charset).build().unwrap();
        let c = &client;
        check(
            &gw,
            c,
            TradePay {
                out_trade_no: "P1".into(),
                auth_code: "28763443825664394".into(),
                subject: "条码".into(),
                total_amount: m("1.00"),
                ..Default::default()
            },
        )
        .await;
        check(
            &gw,
            c,
            TradePrecreate {
                out_trade_no: "P2".into(),
                subject: "扫码".into(),
                total_amount: m("1.00"),
                ..Default::default()
            },
        )
        .await;
        check(&gw, c, TradeQuery { out_trade_no: Some("P1".into()), ..Default::default() }).await;
        check(&gw, c, TradeCancel { out_trade_no: Some("P1".into()), ..Default::default() }).await;
        check(&gw, c, TradeClose { out_trade_no: Some("P2".into()), ..Default::default() }).await;
        check(
            &gw,
            c,
            TradeRefund {
                out_trade_no: Some("P1".into()),
                refund_amount: m("0.50"),
                out_request_no: Some("R1".into()),
                ..Default::default()
            },
        )
        .await;
        check(
            &gw,
            c,
            TradeFastpayRefundQuery {
                out_trade_no: Some("P1".into()),
                out_request_no: "R1".into(),
                ..Default::default()
            },
        )
        .await;
        check(&gw, c, BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: "2024-05-01".into() }).await;
        check(
            &gw,
            c,
            EbppBillAdd {
                merchant_order_no: "JF1".into(),
                order_type: "JF".into(),
                sub_order_type: "WATER".into(),
                charge_inst: "HZWATER".into(),
                bill_key: "1000123".into(),
                pay_amount: m("35.20"),
                owner_name: Some("张三".into()),
                extend_field: Some(r#"{"k":"v"}"#.into()),
                ..Default::default()
            },
        )
        .await;
        check(&gw, c, EbppBillGet { order_type: "JF".into(), merchant_order_no: "JF1".into() }).await;
        check(
            &gw,
            c,
            PdeductSignAdd {
                pay_password_token: "TOKEN1".into(),
                user_id: "2088102000000001".into(),
                biz_type: "JF".into(),
                sub_biz_type: "WATER".into(),
                bill_key: "1000123".into(),
                charge_inst: "HZWATER".into(),
                pid: "2088102000000002".into(),
                agent_channel: "PUBLICPLATFORM".into(),
                ..Default::default()
            },
        )
        .await;
        check(
            &gw,
            c,
            PdeductSignQuery {
                user_id: "2088102000000001".into(),
                agreement_id: Some("A1".into()),
                ..Default::default()
            },
        )
        .await;
        check(
            &gw,
            c,
            PdeductSignCancel {
                user_id: "2088102000000001".into(),
                agreement_id: "A1".into(),
                agent_channel: "PUBLICPLATFORM".into(),
                pay_password_token: "TOKEN2".into(),
                ..Default::default()
            },
        )
        .await;
        check(
            &gw,
            c,
            PdeductPay {
                agreement_id: "A1".into(),
                user_id: "2088102000000001".into(),
                bill_key: "1000123".into(),
                pid: "2088102000000002".into(),
                out_order_no: "D1".into(),
                pay_amount: m("35.20"),
                fine_amount: m("0.20"),
                agent_channel: "PUBLICPLATFORM".into(),
                agent_code: "PC1".into(),
                ..Default::default()
            },
        )
        .await;
        check(&gw, c, PdeductBillPayStatus { agreement_id: "2088102000000001".into(), out_order_no: "D1".into() })
            .await;
        check(
            &gw,
            c,
            CouponOrderAgreementPay {
                out_order_no: "RP1".into(),
                out_request_no: "RQ1".into(),
                order_title: "红包".into(),
                amount: m("10.00"),
                ..Default::default()
            },
        )
        .await;
        check(
            &gw,
            c,
            CouponOrderDisburse {
                out_order_no: "DB1".into(),
                out_request_no: "RQ2".into(),
                deduct_auth_no: Some("AUTH1".into()),
                order_title: "领取".into(),
                amount: m("1.00"),
                payee_user_id: Some("2088102000000003".into()),
                ..Default::default()
            },
        )
        .await;
        check(
            &gw,
            c,
            CouponOrderRefund {
                auth_no: "AUTH1".into(),
                out_request_no: "RQ3".into(),
                amount: m("9.00"),
                ..Default::default()
            },
        )
        .await;
        check(
            &gw,
            c,
            CouponOperationQuery {
                auth_no: Some("AUTH1".into()),
                operation_id: Some("OP1".into()),
                ..Default::default()
            },
        )
        .await;
        // Authorization (issue 16): oauth.token and user.info.share send top-level fields.
        check(&gw, c, alipay_api::auth::SystemOauthToken::authorization_code("4b203fe6c11548bcabd8da5bb087a83b")).await;
        check(&gw, c, alipay_api::auth::SystemOauthToken::refresh("authusrB5b807e61b5b54125a834a3f10c499X83")).await;
        check(
            &gw,
            c,
            alipay_api::auth::UserInfoShare { auth_token: "authusrB60c6c42b28524c2d9fc52835c3a4cX83".into() },
        )
        .await;
        check(&gw, c, alipay_api::auth::OpenAuthTokenApp::authorization_code("P1798b23682e34d96859afa000000003")).await;
        check(&gw, c, alipay_api::auth::OpenAuthTokenApp::refresh("201510BB09dece3ea7654531b66bf9f97cdceE67")).await;
        check(
            &gw,
            c,
            alipay_api::auth::OpenAuthTokenAppQuery {
                app_auth_token: "201510BBb507dc9f5efe41a0b98ae22f01519X62".into(),
            },
        )
        .await;

        // The two that make no HTTP call: signed order string and page form.
        let app = CouponOrderAppPay {
            out_order_no: "AP1".into(),
            out_request_no: "RQ4".into(),
            order_title: "红包".into(),
            amount: m("5.00"),
            ..Default::default()
        };
        let order = c.app_order_string(&app, &Default::default()).unwrap();
        let pairs = form::decode(order.as_bytes(), charset).unwrap();
        assert!(pairs.iter().any(|(k, v)| k == "method" && v == CouponOrderAppPay::METHOD));
        verify_request(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            gw.gw.app_key.public_key(),
            SignType::Rsa2,
            charset,
        )
        .unwrap();
        let page = CouponOrderPagePay {
            out_order_no: "PP1".into(),
            out_request_no: "RQ5".into(),
            order_title: "红包".into(),
            amount: m("5.00"),
            ..Default::default()
        };
        let url = c.page_pay_url(&page, &Default::default()).unwrap();
        let pairs = form::decode(url.split_once('?').unwrap().1.as_bytes(), charset).unwrap();
        verify_request(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            gw.gw.app_key.public_key(),
            SignType::Rsa2,
            charset,
        )
        .unwrap();
    }
}
