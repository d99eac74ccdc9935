//! The shared controls: apps, third-party tokens, merchants, buyers, payment codes, trades, the clock, the
//! sweeper, fault injection, notifications and reset.
//!
#![doc = include_str!("../docs/common.md")]

use std::fmt;

use alipay_core::Money;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `POST /admin/apps`: registers an app (and a new merchant, unless `merchant_pid` names one).
///
/// Without a `public_key` the sandbox generates the app's key pair and answers the private key, so the
/// answer ([`RegisteredApp`]) is a complete client configuration. `cert_mode` makes a certificate-mode app
/// (the sandbox's CA issues its app certificate), `aes` gives it an AES content key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApp {
    /// The app's public key (PEM or base64); empty or absent: the sandbox generates the key pair.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub public_key: String,
    /// `RSA2` (default) or `RSA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_type: Option<String>,
    /// A wished app id (default: a new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Attach the app to this existing merchant instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_pid: Option<String>,
    /// Certificate mode: the app signs with `app_cert_sn` / `alipay_root_cert_sn`, answers carry
    /// `alipay_cert_sn` (default `false`: plain public keys).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cert_mode: bool,
    /// AES content encryption: the sandbox makes the app an AES key (default `false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aes: bool,
    /// With `aes`: refuse requests without `encrypt_type=AES` (default `false`: the app chooses per call).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub encrypt_required: bool,
    /// Methods this app may call only in certificate mode (default: none). A plain-key app calling one gets
    /// `40002 isv.missing-app-cert-sn`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cert_required_methods: Vec<String>,
    /// Buyers appear as open ids (`buyer_open_id`), as in the apps Alipay creates today; default `true`.
    /// `false`: `2088…` user ids (`buyer_user_id`), like older apps and the sandbox's default app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<bool>,
    /// The app's authorization callback address (授权回调地址, configured in Alipay's console before users are
    /// sent to the consent page): the consent pages then redirect only to URLs of its scheme and host.
    /// Absent: any absolute http(s) URL (the sandbox's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_redirect_uri: Option<String>,
}

/// The answer of `POST /admin/apps`: the app, and (when the sandbox generated the key pair) a complete client
/// configuration, accepted as it is by `alipay call --config` and `ClientConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredApp {
    /// The app id.
    pub app_id: String,
    /// Its merchant.
    pub merchant_pid: String,
    /// `RSA2` or `RSA`.
    pub sign_type: String,
    /// Whether the app gets buyers' open ids instead of user ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<bool>,
    /// `http://HOST:PORT/gateway.do`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_url: Option<String>,
    /// `utf-8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    /// The generated private key (PKCS#8 PEM); absent when the request named a `public_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_private_key: Option<String>,
    /// The same key as PKCS#1 PEM (what Alipay's Python SDK reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_private_key_pkcs1: Option<String>,
    /// Plain-key mode: the sandbox's Alipay public key (SPKI PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_public_key: Option<String>,
    /// Cert mode: the app certificate (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_cert: Option<String>,
    /// Cert mode: the current Alipay certificate (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_cert: Option<String>,
    /// Cert mode: the root bundle (PEM, the non-RSA root first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_root_cert: Option<String>,
    /// Cert mode: the app certificate's SN (`app_cert_sn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_cert_sn: Option<String>,
    /// Cert mode: the Alipay certificate's SN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_cert_sn: Option<String>,
    /// Cert mode: the root bundle's SN (`alipay_root_cert_sn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_root_cert_sn: Option<String>,
    /// AES: the content key (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aes_key: Option<String>,
    /// AES: `AES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_type: Option<String>,
}

/// The answer of `POST /admin/alipay-cert/rotate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedAlipayCert {
    /// The SN of the new Alipay certificate (signs cert-mode answers from now on).
    pub alipay_cert_sn: String,
    /// The new certificate (PEM).
    pub alipay_cert: String,
    /// Every Alipay certificate SN the sandbox knows, oldest first (all downloadable).
    pub known_sns: Vec<String>,
}

/// `POST /admin/auth-tokens`: lets a third-party app act for a merchant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuthToken {
    /// The third-party app.
    pub app_id: String,
    /// The merchant it may act for.
    pub merchant_pid: String,
    /// Lifetime in seconds of sandbox clock (default 1 year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_secs: Option<i64>,
}

/// The answer of `POST /admin/auth-tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthToken {
    /// The `app_auth_token` to send.
    pub app_auth_token: String,
    /// The third-party app.
    pub app_id: String,
    /// The merchant.
    pub merchant_pid: String,
    /// The merchant's own app (reported as `auth_app_id`).
    pub auth_app_id: String,
    /// Expiry (Beijing time).
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// `GET /admin/merchants/{pid}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merchant {
    /// `2088` + 12 digits.
    pub pid: String,
    /// Display name.
    pub name: String,
    /// Login e-mail.
    pub email: String,
    /// Settled balance.
    pub balance: Money,
    /// The merchant's own app.
    #[serde(default)]
    pub primary_app_id: Option<String>,
}

/// `POST /admin/buyers`. Amounts are yuan strings, checked by the sandbox (a bad one answers 400).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBuyer {
    /// Starting balance (default `0.00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    /// Payments up to this need no confirmation (default `2000.00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_free_limit: Option<String>,
    /// The unmasked logon id (default: a made-up phone number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logon_id: Option<String>,
}

impl NewBuyer {
    /// A buyer with `balance` and the given password-free limit.
    pub fn new(balance: impl fmt::Display, password_free_limit: impl fmt::Display) -> NewBuyer {
        NewBuyer {
            balance: Some(balance.to_string()),
            password_free_limit: Some(password_free_limit.to_string()),
            logon_id: None,
        }
    }
}

/// A buyer's wallet: the answer of `POST /admin/buyers` and `GET /admin/buyers/{user_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    /// `2088` + 12 digits.
    pub user_id: String,
    /// Unmasked logon id.
    pub logon_id: String,
    /// What the buyer owns.
    pub balance: Money,
    /// Payments up to this amount need no confirmation.
    pub password_free_limit: Money,
    /// What it may spend: `balance` minus what pending direct deductions reserve (`GET` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_balance: Option<Money>,
    /// What pending direct deductions reserve (`GET` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<Money>,
}

/// `POST /admin/buyers/{user_id}/payment-codes` (the body is optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPaymentCode {
    /// Lifetime in seconds of sandbox clock (default: the sandbox's setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_secs: Option<i64>,
}

/// A single-use payment code (`auth_code`) of a buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCode {
    /// The digits, for `alipay.trade.pay`.
    pub auth_code: String,
    /// Its owner.
    pub user_id: String,
    /// Expiry (Beijing time).
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Names a trade: `qr_code`, or `app_id` (default: the default app) with `trade_no` or `out_trade_no`.
/// The query of `GET /admin/trades`, the body of `POST /admin/trades/confirm` and `/refuse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeLocator {
    /// The app whose merchant owns the trade (default: the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Alipay's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// The QR code of a precreated trade (wins over the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

impl TradeLocator {
    /// The trade of the default app with this `out_trade_no`.
    pub fn out_trade_no(out_trade_no: impl Into<String>) -> TradeLocator {
        TradeLocator { out_trade_no: Some(out_trade_no.into()), ..TradeLocator::default() }
    }

    /// The trade of the default app with this `trade_no`.
    pub fn trade_no(trade_no: impl Into<String>) -> TradeLocator {
        TradeLocator { trade_no: Some(trade_no.into()), ..TradeLocator::default() }
    }

    /// The precreated trade with this QR code.
    pub fn qr_code(qr_code: impl Into<String>) -> TradeLocator {
        TradeLocator { qr_code: Some(qr_code.into()), ..TradeLocator::default() }
    }
}

/// `POST /admin/trades/scan`: a buyer scans a precreated trade's QR code (and, with `confirm`, pays at once).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanTrade {
    /// The app whose merchant owns the trade (default: the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Alipay's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// The QR code (usual).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
    /// The buyer who scans (default: the default buyer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_id: Option<String>,
    /// Pay at once.
    #[serde(default)]
    pub confirm: bool,
}

impl ScanTrade {
    /// The default buyer scans `qr_code`.
    pub fn qr_code(qr_code: impl Into<String>) -> ScanTrade {
        ScanTrade { qr_code: Some(qr_code.into()), ..ScanTrade::default() }
    }

    /// The trade it names.
    pub fn locator(&self) -> TradeLocator {
        TradeLocator {
            app_id: self.app_id.clone(),
            trade_no: self.trade_no.clone(),
            out_trade_no: self.out_trade_no.clone(),
            qr_code: self.qr_code.clone(),
        }
    }
}

/// A trade as the sandbox stores it (also an unscanned precreate, `trade_status` `CREATED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// Alipay's 28-digit trade number.
    pub trade_no: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The app that created it.
    pub app_id: String,
    /// The merchant that receives the money.
    pub seller_id: String,
    /// `pay` or `precreate`.
    pub kind: String,
    /// `CREATED`, `WAIT_BUYER_PAY`, `TRADE_SUCCESS`, `TRADE_CLOSED` or `TRADE_FINISHED`.
    pub trade_status: String,
    /// Order amount.
    pub total_amount: Money,
    /// Refunded so far.
    pub refund_fee: Money,
    /// Order title.
    pub subject: String,
    /// The buyer, once known.
    #[serde(default)]
    pub buyer_id: Option<String>,
    /// The QR code (precreate).
    #[serde(default)]
    pub qr_code: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub gmt_create: Option<String>,
    /// Payment time.
    #[serde(default)]
    pub gmt_payment: Option<String>,
    /// Close time.
    #[serde(default)]
    pub gmt_close: Option<String>,
    /// Unpaid, it closes at this time.
    #[serde(default)]
    pub expire_at: Option<String>,
}

/// `GET /admin/clock`: the sandbox clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// The sandbox's now (Beijing time).
    #[serde(default)]
    pub now: Option<String>,
    /// How far the sandbox clock is ahead of the real one.
    pub offset_secs: i64,
}

/// `POST /admin/clock/advance`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceClock {
    /// Seconds to move forward (≥ 0; the clock never moves back).
    pub seconds: i64,
}

/// The answer of `POST /admin/clock/advance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedClock {
    /// The sandbox's new now (Beijing time).
    #[serde(default)]
    pub now: Option<String>,
    /// The new offset.
    pub offset_secs: i64,
    /// How many timeouts and refund-window ends were applied.
    pub swept: usize,
}

/// The answer of `POST /admin/sweep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Swept {
    /// How many timeouts and refund-window ends were applied.
    pub swept: usize,
}

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer `20000` / `isp.unknow-error` (outcome unknown).
    UnknownError,
    /// Answer `10003` (in process).
    InProcess,
    /// Answer `40004` / `ACQ.SYSTEM_ERROR`.
    SystemError,
    /// Do the work normally but answer `latency_ms` later.
    Latency,
    /// Do the work, commit, then drop the connection without an answer.
    DropAfterCommit,
    /// Do the work, commit, then deliver the notifications it made (the first attempt, answered or not, up to
    /// 10 s) before answering: the merchant's `notify_url` hears of a payment before the synchronous answer
    /// arrives, as happens in production when the answer is slow.
    NotifyFirst,
}

/// One injected fault: the body of `POST /admin/faults` and an entry of [`Faults::pending`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// The gateway method it applies to (`*` for every method).
    pub method: String,
    /// What happens.
    pub kind: FaultKind,
    /// How many calls it affects (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Added latency for `latency` (default 0).
    #[serde(default)]
    pub latency_ms: u64,
    /// For `unknown_error`, `in_process` and `system_error`: do the work (and commit it) before answering
    /// the failure, as a real timeout after the fact would (default false: nothing happens).
    #[serde(default)]
    pub execute: bool,
    /// Only calls made by this app (default: any app's). The acceptance suites arm their provocations this way,
    /// so another app's traffic on the same sandbox never takes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    /// One call of `method` (or `*`) fails with `kind`, without doing the work.
    pub fn new(method: impl Into<String>, kind: FaultKind) -> FaultSpec {
        FaultSpec { method: method.into(), kind, count: 1, latency_ms: 0, execute: false, app_id: None }
    }

    /// Only calls of `app_id` take it.
    ///
    /// ```
    /// use alipay_sandbox_admin::{FaultKind, FaultSpec};
    /// let f = FaultSpec::new("alipay.trade.refund", FaultKind::UnknownError).execute().for_app("2021000000000001");
    /// assert_eq!(f.app_id.as_deref(), Some("2021000000000001"));
    /// ```
    #[must_use]
    pub fn for_app(mut self, app_id: impl Into<String>) -> FaultSpec {
        self.app_id = Some(app_id.into());
        self
    }

    /// Affects `count` calls.
    #[must_use]
    pub fn count(mut self, count: u32) -> FaultSpec {
        self.count = count;
        self
    }

    /// Does the work (and commits it) before answering the failure.
    #[must_use]
    pub fn execute(mut self) -> FaultSpec {
        self.execute = true;
        self
    }

    /// Latency in milliseconds (for [`FaultKind::Latency`]).
    #[must_use]
    pub fn latency_ms(mut self, latency_ms: u64) -> FaultSpec {
        self.latency_ms = latency_ms;
        self
    }
}

/// The faults still waiting to fire: the answer of every `/admin/faults` route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faults {
    /// In the order they fire per method.
    pub pending: Vec<FaultSpec>,
}

/// The query of `GET /admin/notifications`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationQuery {
    /// Only notifications to this app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Only notifications about this order (`out_trade_no`, or a red packet's `out_order_no`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// At most this many (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl NotificationQuery {
    /// The notifications about `out_trade_no`.
    pub fn out_trade_no(out_trade_no: impl Into<String>) -> NotificationQuery {
        NotificationQuery { out_trade_no: Some(out_trade_no.into()), ..NotificationQuery::default() }
    }
}

/// A notification of the outbox with its delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Row id.
    pub id: i64,
    /// `notify_id`, the same across retries.
    pub notify_id: String,
    /// The trade it is about.
    pub trade_no: String,
    /// The trade's `out_trade_no`.
    pub out_trade_no: String,
    /// The app it goes to.
    pub app_id: String,
    /// Target URL.
    pub url: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// The form parameters (without `sign`), in order.
    pub params: Params,
    /// Every attempt so far.
    pub deliveries: Vec<Delivery>,
}

/// Form parameters in their order: a JSON object of strings on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Serialize for Params {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Params, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Params;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Params, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    pairs.push((k, v));
                }
                Ok(Params(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// One delivery attempt of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The notification's [`Notification::id`].
    pub notification_id: i64,
    /// 1-based attempt number.
    pub attempt: i64,
    /// Real Unix milliseconds of the attempt.
    pub at_ms: i64,
    /// HTTP status, if an answer came.
    #[serde(default)]
    pub http_status: Option<i64>,
    /// Answer body (truncated to 1 KiB), if an answer came.
    #[serde(default)]
    pub response_body: Option<String>,
    /// Transport error, if no answer came.
    #[serde(default)]
    pub error: Option<String>,
}

/// `GET /admin/open-ids?app_id=…&user_id=…` (or `&open_id=…`): a buyer's open id in an app, or the user id
/// behind one. The answer has all three fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIdPair {
    /// The app the open id belongs to.
    #[serde(default)]
    pub app_id: String,
    /// The buyer's `2088…` user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The buyer's open id in that app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
}

/// The answer of `POST /admin/reset`: the re-created default app and buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reset {
    /// The default app (same id as before).
    #[serde(default)]
    pub app_id: Option<String>,
    /// The new default buyer.
    #[serde(default)]
    pub buyer_user_id: Option<String>,
    /// The default app's merchant (same PID as before: `app.json` stays true).
    #[serde(default)]
    pub merchant_pid: Option<String>,
}

/// The body of every error answer (4xx/5xx) of the admin API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
}
