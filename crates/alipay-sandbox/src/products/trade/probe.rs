//! Acceptance probes of trade notifications (`alipay accept run --suite notify`): deliberately bad
//! `trade_status_sync` notifications for a real pending trade of the app, sent to the `notify_url` the merchant
//! gave it. Each has exactly one flaw (the lesson of the OpenID Foundation conformance suite, issue 1375): real
//! ids, amounts, charset and `sign_type` of the trade, claiming `TRADE_SUCCESS` the way a genuine payment
//! notification would — so a merchant that does not verify fails, instead of being rescued by a parse error.
//!
//! A probe is sent directly, never through the outbox: it never changes the trade, never counts as the trade's
//! notification and never enters the retry schedule. The merchant must refuse N2–N4: any reply other than
//! `success` ([`crate::notify::wire::is_acknowledgement`]) passes (seed 001:154 "一定要对异步通知做验签,确保通知是
//! 支付宝发出的": always verify the signature, be sure Alipay sent it).
//!
//! N5 and N6 carry Alipay's genuine signature: what is wrong is their content, which the merchant must check
//! before acting (Alipay's notify demos: verify that `out_trade_no` is the merchant's own order, `total_amount`
//! its amount, `seller_id` and `app_id` its own — "上述有任何一个验证不通过,则表明本次通知是异常通知,务必忽略";
//! and only `TRADE_SUCCESS`/`TRADE_FINISHED` mean paid).

use alipay_core::{form, sign_content, Charset, PrivateKey, SignScope, SignType};

use super::notify::{sync_params, SyncEvent};
use super::store::{TradeRecord, TradeState};
use crate::notify::wire::NotifyError;
use crate::store::{Repo, StoreError};

/// One probe, ready to send.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The check it serves (`N2` … `N6`).
    pub check: &'static str,
    /// What is wrong with it, in words.
    pub flaw: &'static str,
    /// The form body.
    pub body: Vec<u8>,
    /// The `out_trade_no` it names (the trade's, or an order the merchant never made).
    pub out_trade_no: String,
}

/// The parameters a genuine `TRADE_SUCCESS` notification of `trade` would carry now (without `sign`).
pub fn success_claim(repo: &dyn Repo, trade: &TradeRecord, now: i64) -> Result<Vec<(String, String)>, StoreError> {
    claim(repo, trade, TradeState::Success, now)
}

/// The parameters a genuine notification of `trade` in `state` would carry now (without `sign`): paid now for
/// `Success`, unpaid for `WaitBuyerPay`, closed unpaid now for `Closed`.
pub fn claim(
    repo: &dyn Repo,
    trade: &TradeRecord,
    state: TradeState,
    now: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut t = trade.clone();
    t.state = state;
    t.gmt_payment = (state == TradeState::Success).then_some(now);
    if state == TradeState::Closed {
        t.gmt_close = Some(now);
    }
    let buyer = match &trade.buyer_id {
        Some(id) => repo.buyer(id)?,
        None => None,
    };
    Ok(sync_params(repo, &t, buyer.as_ref(), &SyncEvent::Plain, now)?.1)
}

fn signed(
    params: &[(String, String)],
    key: &PrivateKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<String, NotifyError> {
    let content = sign_content(SignScope::NotifyV1, params.iter().map(|(k, v)| (k, v)));
    Ok(key.sign(sign_type, &charset.encode(&content)?)?)
}

fn body(params: &[(String, String)], charset: Charset) -> Result<Vec<u8>, NotifyError> {
    Ok(form::encode(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), charset)?.into_bytes())
}

fn set(params: &mut [(String, String)], key: &str, value: &str) {
    if let Some((_, v)) = params.iter_mut().find(|(k, _)| k == key) {
        *v = value.to_owned();
    }
}

/// A `total_amount` that differs from the trade's: one fen.
const TAMPERED_AMOUNT: &str = "0.01";

/// The probes of `checks` (`N2`, `N3`, `N4`) for the claim `params`, in the trade's `charset` and `sign_type`;
/// `genuine` is the key that signs the app's real notifications, `forger` any other key.
pub fn build(
    checks: &[&str],
    params: &[(String, String)],
    genuine: &PrivateKey,
    forger: &PrivateKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<Vec<Probe>, NotifyError> {
    let with_sign = |p: &[(String, String)], sign: String| {
        let mut p = p.to_vec();
        p.push(("sign".to_owned(), sign));
        p
    };
    let order = get(params, "out_trade_no").to_owned();
    let mut out = Vec::new();
    if checks.contains(&"N2") {
        // Forged: everything perfect, signed with a key that is not Alipay's.
        let sign = signed(params, forger, sign_type, charset)?;
        out.push(Probe {
            check: "N2",
            flaw: "forged: a valid RSA signature made with a key that is not Alipay's",
            body: body(&with_sign(params, sign), charset)?,
            out_trade_no: order.clone(),
        });
    }
    if checks.contains(&"N3") {
        // Tampered: Alipay's genuine signature, then total_amount changed.
        let sign = signed(params, genuine, sign_type, charset)?;
        let mut p = with_sign(params, sign);
        set(&mut p, "total_amount", TAMPERED_AMOUNT);
        out.push(Probe {
            check: "N3",
            flaw: "tampered: Alipay's genuine signature, then total_amount changed to 0.01",
            body: body(&p, charset)?,
            out_trade_no: order.clone(),
        });
    }
    if checks.contains(&"N4") {
        out.push(Probe {
            check: "N4",
            flaw: "unsigned: no sign parameter",
            body: body(params, charset)?,
            out_trade_no: order.clone(),
        });
        // sign_type switched: genuinely signed by Alipay's key, but with the other algorithm and sign_type
        // saying so (a downgrade from RSA2 to SHA-1 RSA, or the reverse); the merchant must verify with the
        // sign type its app is configured with.
        let switched = match sign_type {
            SignType::Rsa2 => SignType::Rsa,
            _ => SignType::Rsa2,
        };
        let mut p = params.to_vec();
        set(&mut p, "sign_type", switched.as_str());
        let sign = signed(&p, genuine, switched, charset)?;
        out.push(Probe {
            check: "N4",
            flaw: "sign_type switched: signed with the other algorithm, sign_type changed to match",
            body: body(&with_sign(&p, sign), charset)?,
            out_trade_no: order.clone(),
        });
        // Duplicated key: the genuine signed body, plus a second total_amount.
        let sign = signed(params, genuine, sign_type, charset)?;
        let mut p = with_sign(params, sign);
        p.push(("total_amount".to_owned(), TAMPERED_AMOUNT.to_owned()));
        out.push(Probe {
            check: "N4",
            flaw: "duplicated key: Alipay's genuine signed body plus a second total_amount=0.01",
            body: body(&p, charset)?,
            out_trade_no: order.clone(),
        });
    }
    Ok(out)
}

fn get<'a>(params: &'a [(String, String)], key: &str) -> &'a str {
    params.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

/// `id` with its last digit changed: another merchant's PID, another app's id, of the same shape.
fn another(id: &str) -> String {
    let mut chars: Vec<char> = id.chars().collect();
    if let Some(last) = chars.iter_mut().rev().find(|c| c.is_ascii_digit()) {
        let d = last.to_digit(10).unwrap_or(0);
        *last = char::from_digit((d + 1) % 10, 10).unwrap_or('0');
    } else {
        chars.push('0');
    }
    chars.into_iter().collect()
}

/// The N5 probes for the `TRADE_SUCCESS` claim `params`: Alipay's genuine signature (`genuine`, the app's
/// `sign_type` and `charset`) over content with exactly one inconsistency each — `unknown_order` (an
/// `out_trade_no` the merchant never made), an amount of 0.01, another merchant's `seller_id`, another app's
/// `app_id`.
pub fn inconsistent(
    params: &[(String, String)],
    unknown_order: &str,
    genuine: &PrivateKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<Vec<Probe>, NotifyError> {
    let order = get(params, "out_trade_no").to_owned();
    let total = get(params, "total_amount").to_owned();
    let wrong_amount = if total == TAMPERED_AMOUNT { "0.02" } else { TAMPERED_AMOUNT };
    /// A flaw, the fields it changes, the order it names.
    type Variant<'a> = (&'static str, Vec<(&'static str, String)>, &'a str);
    let variants: [Variant<'_>; 4] = [
        (
            "unknown order: a genuine notification for an out_trade_no the merchant never made",
            vec![("out_trade_no", unknown_order.to_owned())],
            unknown_order,
        ),
        (
            "wrong amount: a genuine notification whose total_amount (and the amounts paid) is 0.01",
            ["total_amount", "receipt_amount", "invoice_amount", "buyer_pay_amount"]
                .into_iter()
                .map(|k| (k, wrong_amount.to_owned()))
                .chain(std::iter::once((
                    "fund_bill_list",
                    get(params, "fund_bill_list")
                        .replace(&format!("\"amount\":\"{total}\""), &format!("\"amount\":\"{wrong_amount}\"")),
                )))
                .collect(),
            &order,
        ),
        (
            "wrong seller_id: a genuine notification naming another merchant as the seller",
            vec![("seller_id", another(get(params, "seller_id")))],
            &order,
        ),
        (
            "wrong app_id: a genuine notification for another app",
            vec![("app_id", another(get(params, "app_id")))],
            &order,
        ),
    ];
    let mut out = Vec::new();
    for (flaw, changes, names) in variants {
        let mut p = params.to_vec();
        for (k, v) in &changes {
            if !(k == &"fund_bill_list" && v.is_empty()) {
                set(&mut p, k, v);
            }
        }
        let sign = signed(&p, genuine, sign_type, charset)?;
        p.push(("sign".to_owned(), sign));
        out.push(Probe { check: "N5", flaw, body: body(&p, charset)?, out_trade_no: names.to_owned() });
    }
    Ok(out)
}

/// The N6 probes: genuine notifications of the unpaid trade saying what is true of it (`waiting`,
/// `WAIT_BUYER_PAY`) and what is not paid either (`closed`, `TRADE_CLOSED`), signed by Alipay's key.
pub fn non_final(
    waiting: &[(String, String)],
    closed: &[(String, String)],
    genuine: &PrivateKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<Vec<Probe>, NotifyError> {
    let mut out = Vec::new();
    for (flaw, params) in [
        ("WAIT_BUYER_PAY: a genuine notification of the unpaid trade, not paid", waiting),
        ("TRADE_CLOSED: a genuine notification that the trade closed unpaid", closed),
    ] {
        let mut p = params.to_vec();
        let sign = signed(&p, genuine, sign_type, charset)?;
        p.push(("sign".to_owned(), sign));
        out.push(Probe {
            check: "N6",
            flaw,
            body: body(&p, charset)?,
            out_trade_no: get(params, "out_trade_no").to_owned(),
        });
    }
    Ok(out)
}
