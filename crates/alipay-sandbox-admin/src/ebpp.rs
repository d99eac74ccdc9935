//! EBPP bills and direct deduct: `/admin/ebpp/...` and `/admin/deduct/...`.
//!
#![doc = include_str!("../docs/ebpp_deduct.md")]

use alipay_core::Money;
use serde::{Deserialize, Serialize};

/// Names a bill: the query of `GET /admin/ebpp/bills` and the body of `POST /admin/ebpp/bills/fail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillLocator {
    /// The merchant's bill number.
    pub merchant_order_no: String,
    /// The app whose merchant owns the bill (default: the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
}

impl BillLocator {
    /// The default app's bill `merchant_order_no`.
    pub fn new(merchant_order_no: impl Into<String>) -> BillLocator {
        BillLocator { merchant_order_no: merchant_order_no.into(), app_id: None }
    }
}

/// `POST /admin/ebpp/bills/pay`: the user pays a bill in the wallet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayBill {
    /// The merchant's bill number.
    pub merchant_order_no: String,
    /// The app whose merchant owns the bill (default: the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Who pays (default: the default buyer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_id: Option<String>,
}

/// An EBPP bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    /// Alipay's bill number.
    pub alipay_order_no: String,
    /// The merchant's bill number.
    pub merchant_order_no: String,
    /// The app that added it.
    pub app_id: String,
    /// The merchant it belongs to.
    pub seller_id: String,
    /// e.g. `JF`.
    pub order_type: String,
    /// e.g. `WATER`.
    pub sub_order_type: String,
    /// The charging institution.
    pub charge_inst: String,
    /// The user's account at the institution.
    pub bill_key: String,
    /// `INIT`, `SUCCESS` or `FAILED`.
    pub order_status: String,
    /// The bill amount.
    pub pay_amount: Money,
    /// The service fee, if any.
    #[serde(default)]
    pub service_amount: Option<Money>,
    /// Who paid.
    #[serde(default)]
    pub buyer_id: Option<String>,
    /// When it was added.
    #[serde(default)]
    pub gmt_create: Option<String>,
    /// When it was paid.
    #[serde(default)]
    pub pay_time: Option<String>,
}

/// `POST /admin/deduct/pay-password-tokens` (the body is optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPayPasswordToken {
    /// The user (default: the default buyer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Lifetime in seconds of sandbox clock (default 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_secs: Option<i64>,
}

impl NewPayPasswordToken {
    /// A token of `user_id`.
    pub fn for_user(user_id: impl Into<String>) -> NewPayPasswordToken {
        NewPayPasswordToken { user_id: Some(user_id.into()), ttl_secs: None }
    }
}

/// A single-use pay-password token, for `sign.add` or `sign.cancel` of its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPasswordToken {
    /// The token.
    pub pay_password_token: String,
    /// Its user.
    pub user_id: String,
    /// Expiry (Beijing time).
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// The query of `GET /admin/deduct/agreements/{agreement_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppQuery {
    /// The app whose merchant is meant (default: the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
}

/// A deduct agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Alipay's agreement id.
    pub agreement_id: String,
    /// `NORMAL` or `CANCEL`.
    pub status: String,
    /// The gateway's word for `status`: `success` (`NORMAL`) or `cancel` (`CANCEL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_status: Option<String>,
    /// The user.
    pub user_id: String,
    /// The institution's merchant.
    pub pid: String,
    /// Bill identity: business type.
    pub biz_type: String,
    /// Bill identity: sub type.
    pub sub_biz_type: String,
    /// Bill identity: institution.
    pub charge_inst: String,
    /// Bill identity: the user's account.
    pub bill_key: String,
    /// The merchant's agreement id.
    #[serde(default)]
    pub out_agreement_id: Option<String>,
    /// When it was signed.
    #[serde(default)]
    pub sign_date: Option<String>,
    /// When it was cancelled.
    #[serde(default)]
    pub cancel_date: Option<String>,
}

/// `POST /admin/deduct/holds`: the next deductions of an agreement or a user stay pending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewHold {
    /// Hold this agreement's deductions (wins over `user_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    /// Hold this user's deductions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// How many (default 1; 0 clears).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// The answer of `POST /admin/deduct/holds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// `agreement` or `user`.
    pub scope: String,
    /// The agreement id or user id.
    pub key: String,
    /// How many deductions will still be held.
    pub remaining: i64,
}

/// `POST /admin/deduct/resolve`: settles a pending deduction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveDeduction {
    /// The deduction.
    pub out_order_no: String,
    /// `success` or `failed` (anything else answers 400).
    pub result: String,
    /// The app whose merchant owns it (default: the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// On failure: the code to record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_result_code: Option<String>,
    /// On failure: the message to record (default `支付失败`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_result_msg: Option<String>,
}

impl ResolveDeduction {
    /// The pending deduction `out_order_no` succeeds.
    pub fn success(out_order_no: impl Into<String>) -> ResolveDeduction {
        ResolveDeduction { out_order_no: out_order_no.into(), result: "success".into(), ..Default::default() }
    }

    /// The pending deduction `out_order_no` fails.
    pub fn failed(out_order_no: impl Into<String>) -> ResolveDeduction {
        ResolveDeduction { out_order_no: out_order_no.into(), result: "failed".into(), ..Default::default() }
    }
}

/// The query of `GET /admin/deduct/deductions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductionLocator {
    /// The institution's order number.
    pub out_order_no: String,
    /// The app whose merchant owns it (default: the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
}

impl DeductionLocator {
    /// The default app's deduction `out_order_no`.
    pub fn new(out_order_no: impl Into<String>) -> DeductionLocator {
        DeductionLocator { out_order_no: out_order_no.into(), app_id: None }
    }
}

/// A deduction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deduction {
    /// The institution's order number.
    pub out_order_no: String,
    /// Alipay's bill number.
    pub bill_no: String,
    /// The agreement charged.
    pub agreement_id: String,
    /// The user charged.
    pub user_id: String,
    /// The merchant credited.
    pub pid: String,
    /// The amount.
    pub pay_amount: Money,
    /// `0` pending, `1` success, `2` failed.
    pub status: String,
    /// The failure code, if any.
    pub order_result_code: String,
    /// The failure message, if any.
    pub order_result_msg: String,
    /// What this pending deduction reserves of the user's balance (`0.00` once settled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<Money>,
    /// When it was requested.
    #[serde(default)]
    pub gmt_create: Option<String>,
    /// When it was settled.
    #[serde(default)]
    pub gmt_finish: Option<String>,
}

/// `POST /admin/deduct/faults`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDeductFault {
    /// `alipay.ebpp.pdeduct.pay` or `alipay.ebpp.pdeduct.sign.query`.
    pub method: String,
    /// `QUERY_DEDUCT_SIGN_INFO_ERROR`, or `SYSTEM_ERROR` for sign.query.
    pub sub_code: String,
    /// How many calls (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// A pending deduct fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductFault {
    /// The method.
    pub method: String,
    /// The sub_code it answers.
    pub sub_code: String,
    /// Calls left.
    pub remaining: i64,
}

/// The answer of the `/admin/deduct/faults` routes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductFaults {
    /// The faults still waiting.
    pub pending: Vec<DeductFault>,
}
