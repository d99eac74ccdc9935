//! Acceptance probes of trade notifications (`alipay accept run --suite notify`): deliberately bad
//! `trade_status_sync` notifications for a real pending trade of the app, sent to the `notify_url` the merchant
//! gave it. Each has exactly one flaw (the lesson of the OpenID Foundation conformance suite, issue 1375): real
//! ids, amounts, charset and `sign_type` of the trade, claiming `TRADE_SUCCESS` the way a genuine payment
//! notification would — so a merchant that does not verify fails, instead of being rescued by a parse error.
//!
//! A probe is sent directly, never through the outbox: it never changes the trade, never counts as the trade's
//! notification and never enters the retry schedule. The merchant must refuse it: any reply other than
//! `success` ([`crate::notify::wire::is_acknowledgement`]) passes (seed 001:154 "一定要对异步通知做验签,确保通知是
//! 支付宝发出的": always verify the signature, be sure Alipay sent it).

use alipay_core::{form, sign_content, Charset, PrivateKey, SignScope, SignType};

use super::notify::{sync_params, SyncEvent};
use super::store::{TradeRecord, TradeState};
use crate::notify::wire::NotifyError;
use crate::store::{Repo, StoreError};

/// One probe, ready to send.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The check it serves (`N2`, `N3`, `N4`).
    pub check: &'static str,
    /// What is wrong with it, in words.
    pub flaw: &'static str,
    /// The form body.
    pub body: Vec<u8>,
}

/// The parameters a genuine `TRADE_SUCCESS` notification of `trade` would carry now (without `sign`).
pub fn success_claim(repo: &dyn Repo, trade: &TradeRecord, now: i64) -> Result<Vec<(String, String)>, StoreError> {
    let mut paid = trade.clone();
    paid.state = TradeState::Success;
    paid.gmt_payment = Some(now);
    let buyer = match &trade.buyer_id {
        Some(id) => repo.buyer(id)?,
        None => None,
    };
    Ok(sync_params(repo, &paid, buyer.as_ref(), &SyncEvent::Plain, now)?.1)
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
    let mut out = Vec::new();
    if checks.contains(&"N2") {
        // Forged: everything perfect, signed with a key that is not Alipay's.
        let sign = signed(params, forger, sign_type, charset)?;
        out.push(Probe {
            check: "N2",
            flaw: "forged: a valid RSA signature made with a key that is not Alipay's",
            body: body(&with_sign(params, sign), charset)?,
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
        });
    }
    if checks.contains(&"N4") {
        out.push(Probe { check: "N4", flaw: "unsigned: no sign parameter", body: body(params, charset)? });
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
        });
        // Duplicated key: the genuine signed body, plus a second total_amount.
        let sign = signed(params, genuine, sign_type, charset)?;
        let mut p = with_sign(params, sign);
        p.push(("total_amount".to_owned(), TAMPERED_AMOUNT.to_owned()));
        out.push(Probe {
            check: "N4",
            flaw: "duplicated key: Alipay's genuine signed body plus a second total_amount=0.01",
            body: body(&p, charset)?,
        });
    }
    Ok(out)
}
