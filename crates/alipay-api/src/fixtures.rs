//! The product documents' own request examples (`../shared/seeds/`), field for field, for tests on both sides
//! (the models' unit tests, the gateway's and the SDK's): one copy, so a test of the gateway and a test of the
//! model exercise the very same example. Behind the `fixtures` feature.
//!
//! ```
//! use alipay_api::{fixtures, AlipayRequest};
//! let bill = fixtures::ebpp_bill_add();
//! assert_eq!(bill.merchant_order_no, "201507250000001");
//! bill.validate()?;
//! # Ok::<(), alipay_api::ValidationError>(())
//! ```

use crate::deduct::{PdeductPay, PdeductSignAdd};
use crate::ebpp::EbppBillAdd;
use crate::trade::{TradePay, TradeRefund};
use crate::TimeoutExpress;

/// Seed 000's `alipay.ebpp.bill.add` example.
pub fn ebpp_bill_add() -> EbppBillAdd {
    EbppBillAdd {
        merchant_order_no: "201507250000001".into(),
        order_type: "JF".into(),
        sub_order_type: "GAS".into(),
        charge_inst: "WHSTRQ2150".into(),
        bill_key: "2015072001".into(),
        owner_name: Some("张三".into()),
        pay_amount: crate::Money::from_fen(9100),
        service_amount: Some(crate::Money::from_fen(900)),
        bill_date: Some("201607".into()),
        mobile: Some("139XXXXXXXX".into()),
        bank_bill_no: Some("20160712".into()),
        extend_field: Some(r#"{"channel":"EXTERNAL_BANGDAO"}"#.into()),
    }
}

/// Seed 000's `alipay.ebpp.pdeduct.sign.add` example.
pub fn pdeduct_sign_add() -> PdeductSignAdd {
    PdeductSignAdd {
        pay_password_token: "20160726a6f6d4d2a1c1449a8d0b52e0c4f1a6b8".into(),
        user_id: "2088102168514583".into(),
        open_id: None,
        biz_type: "JF".into(),
        sub_biz_type: "ELECTRIC".into(),
        bill_key: "2015072601".into(),
        owner_name: Some("张三".into()),
        pid: "2088102123187816".into(),
        charge_inst: "CQCENTERELECTRIC".into(),
        out_agreement_id: Some("123456".into()),
        deduct_type: Some("direct_sign_deduct".into()),
        agent_channel: "PUBLICPLATFORM".into(),
        agent_code: Some("123456".into()),
        ..Default::default()
    }
}

/// Seed 002's `alipay.ebpp.pdeduct.pay` example.
pub fn pdeduct_pay() -> PdeductPay {
    PdeductPay {
        agreement_id: "1234557890".into(),
        user_id: "2088123411243554".into(),
        open_id: None,
        bill_key: "262327843".into(),
        pid: "2088611103588892".into(),
        out_order_no: "18882329324".into(),
        pay_amount: crate::Money::from_fen(2300),
        fine_amount: crate::Money::from_fen(200),
        bill_date: Some("201410".into()),
        agent_channel: "PUBLICFORM".into(),
        agent_code: "SECOND".into(),
        memo: Some("memo".into()),
        extend_field: Some(r#"{"key1":"value1","key2":"value2", "key3":"value3","key4":"value4"}"#.into()),
    }
}

/// Seed 001's barcode `alipay.trade.pay` example.
pub fn trade_pay() -> TradePay {
    TradePay {
        out_trade_no: "20150320010101001".into(),
        auth_code: "28763443825664394".into(),
        subject: "Iphone6 16G".into(),
        store_id: Some("NJ_001".into()),
        timeout_express: Some(TimeoutExpress::Minutes(2)),
        total_amount: crate::Money::from_fen(8888),
        ..Default::default()
    }
}

/// Seed 001's `alipay.trade.refund` example.
pub fn trade_refund() -> TradeRefund {
    TradeRefund {
        out_trade_no: Some("20150320010101001".into()),
        trade_no: Some("2014112611001004680073956707".into()),
        out_request_no: Some("1000001".into()),
        refund_amount: crate::Money::from_fen(100),
        ..Default::default()
    }
}
