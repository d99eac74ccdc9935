//! The acceptance routes (`alipay accept`): the durable call log of the gateway and the judgement of a
//! merchant's traffic against Alipay's rules.
//!
//! - `GET /admin/calls?app_id=&since_ms=&limit=` ([`CallLogQuery`] → a list of [`LoggedCall`], oldest first):
//!   every gateway call of the app, and every fetch of a bill URL the app was given.
//! - `POST /admin/accept/lint` ([`LintRequest`] → [`AcceptReport`]): the passive checks over that log and the
//!   notification delivery log.
//! - `POST /admin/accept/notify-probes` ([`NotifyProbeRequest`] → [`AcceptReport`]): the notification probes.
//! - `POST /admin/accept/arm` ([`ArmRequest`] → [`Armed`]): a provocation for the app's next matching call;
//!   `POST /admin/accept/disarm` ([`DisarmRequest`] → [`Disarmed`]): the app's provocations not taken yet, removed.

use serde::{Deserialize, Serialize};

/// The query of `GET /admin/calls`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLogQuery {
    /// Only this app's calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Only calls at or after this real Unix millisecond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
    /// At most this many, the oldest first (default 1000, at most 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// The pseudo-method of a bill-URL fetch in the call log (`GET /bills/{token}`).
pub const BILL_FETCH: &str = "bill.download";

/// One entry of the durable call log: a gateway call, or a bill-URL fetch ([`BILL_FETCH`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedCall {
    /// Row id (increasing).
    #[serde(default)]
    pub id: i64,
    /// Gateway real time of the answer, Unix milliseconds.
    pub at_ms: i64,
    /// `app_id` as sent (may be empty for an unsigned garbage request).
    pub app_id: String,
    /// `method` as sent, or [`BILL_FETCH`].
    pub method: String,
    /// `out_trade_no` of the `biz_content`, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// `out_request_no` of the `biz_content`, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    /// `out_order_no` of the `biz_content`, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// `trade_no` of the `biz_content`, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The answer's `code` (empty when no envelope was sent: a dropped connection has the code that was not
    /// sent, see `dropped`).
    pub code: String,
    /// The answer's `sub_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<String>,
    /// The answer's `trade_status`, if it has one (`alipay.trade.query`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_status: Option<String>,
    /// The answer's `retry_flag`, if it has one (`alipay.trade.cancel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_flag: Option<String>,
    /// `refund_amount` of the `biz_content` (refunds), as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<String>,
    /// The answer's `fund_change` (`Y`/`N`, refunds): whether this call moved money.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_change: Option<String>,
    /// `merchant_order_no` of the request (`alipay.ebpp.bill.add`, `.bill.get`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<String>,
    /// The agreement the call is about: `agreement_id` of the request (direct deduct), else of the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_no: Option<String>,
    /// The red packet's `auth_no`, of the request, else of the answer (`alipay.fund.coupon.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_no: Option<String>,
    /// The red-packet operation's `operation_id`, of the request, else of the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// The answer's outcome field: `result_status` (`pdeduct.pay`: `0` unknown, `1` success, `2` failed), else
    /// `status` (`pdeduct.bill.pay.status`, a red-packet operation: `SUCCESS`, `INIT`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_status: Option<String>,
    /// The amount the request moves, as sent: `pay_amount` (direct deduct, EBPP), else `amount` (red packets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// `bill_date` of the `biz_content` (bill queries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_date: Option<String>,
    /// The token of the bill URL answered (bill queries) or fetched ([`BILL_FETCH`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_token: Option<String>,
    /// The HTTP status of a bill fetch (200, or 404 for an expired, used or unknown URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<i64>,
    /// The connection was dropped after the work (an injected fault): the merchant saw no answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dropped: bool,
    /// The caller's address (`IP:port`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
}

impl LoggedCall {
    /// The caller's host (the address without its port): calls of one client share it.
    pub fn peer_host(&self) -> &str {
        let peer = self.peer.as_deref().unwrap_or("");
        match peer.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => peer,
        }
    }
}

/// The timing profile the checks judge with. The defaults are Alipay's rules; any other value makes the
/// report say "not Alipay's rule".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Expected seconds between the `10003` answer and the first query, and between queries (Alipay: 5 s,
    /// seed 001:56; the official demo's `query_duration = 5000`).
    pub poll_interval_s: f64,
    /// Seconds after which a bill URL is dead (Alipay: 30 s, seed 001:243).
    pub bill_url_ttl_s: f64,
    /// `true` when every value is Alipay's own.
    pub alipay_rule: bool,
}

impl Default for Profile {
    fn default() -> Profile {
        Profile { poll_interval_s: 5.0, bill_url_ttl_s: 30.0, alipay_rule: true }
    }
}

impl Profile {
    /// A profile polling every `seconds` (for CI); marked as not Alipay's rule unless it is 5 s.
    pub fn with_poll_interval(mut self, seconds: f64) -> Profile {
        self.poll_interval_s = seconds;
        self.alipay_rule = self.poll_interval_s == 5.0 && self.bill_url_ttl_s == 30.0;
        self
    }
}

/// The body of `POST /admin/accept/lint`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LintRequest {
    /// The app judged.
    pub app_id: String,
    /// Only traffic at or after this real Unix millisecond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
    /// The timing profile (default: Alipay's rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// Only these check ids (default: every passive check).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
}

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// The rule held on every occasion observed.
    Passed,
    /// The rule was broken.
    Failed,
    /// Allowed, but off Alipay's numbers.
    Warning,
    /// Needs evidence the wire cannot show.
    Review,
    /// The triggering traffic never happened: nothing to judge (never a pass).
    NotObserved,
}

impl Verdict {
    /// `PASSED`, `FAILED`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "PASSED",
            Verdict::Failed => "FAILED",
            Verdict::Warning => "WARNING",
            Verdict::Review => "REVIEW",
            Verdict::NotObserved => "NOT_OBSERVED",
        }
    }
}

/// One call of a case's timeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Gateway real time, Unix milliseconds.
    pub t_ms: i64,
    /// Milliseconds since the previous entry of the timeline (absent for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<i64>,
    /// The method (or [`BILL_FETCH`], or `notify` for a notification delivery).
    pub method: String,
    /// The answer's code (a delivery: the merchant's reply, quoted).
    pub code: String,
    /// The answer's sub_code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<String>,
    /// The order it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// The request number (`out_request_no`: a refund's), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    /// `trade_status` of the answer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_status: Option<String>,
}

/// The verdict of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The check's stable id (`F1`, `N1`, ...).
    pub id: String,
    /// The product (`face-to-face`, `notify`, `bill`, ...).
    pub product: String,
    /// The rule, in words.
    pub rule: String,
    /// `file:line` of the seed document that states it.
    pub seed: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words a person understands.
    pub reason: String,
    /// The calls the verdict rests on (for a failure: the offending order's calls, with intervals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
}

/// A report: the answer of `POST /admin/accept/lint`, and what `alipay accept` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptReport {
    /// `lint`, or the suite run (`notify`, `face-to-face`).
    pub suite: String,
    /// The app judged.
    pub app_id: String,
    /// The timing profile.
    pub profile: Profile,
    /// One result per check.
    pub cases: Vec<CaseResult>,
}

impl AcceptReport {
    /// The CI exit code: 0 no failure (warnings allowed), 1 a failure.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.cases.iter().any(|c| c.verdict == Verdict::Failed))
    }
}

/// A run's report as the sandbox keeps it (`GET /admin/accept/reports`, `GET /admin/accept/reports/{id}`); the
/// console shows it at `/accept/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReport {
    /// Row id (increasing).
    pub id: i64,
    /// When it was saved, real Unix milliseconds.
    pub at_ms: i64,
    /// The report.
    pub report: AcceptReport,
}

/// The answer of `POST /admin/accept/reports` (the body is an [`AcceptReport`]): where the console shows it.
///
/// ```
/// use alipay_sandbox_admin::SavedReport;
/// let saved: SavedReport = serde_json::from_str(r#"{"id":3,"console_path":"/accept/3"}"#).unwrap();
/// assert_eq!(saved.console_path, "/accept/3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReport {
    /// Row id.
    pub id: i64,
    /// The console page of the report, relative to the sandbox's base URL.
    pub console_path: String,
}

/// The query of `GET /admin/accept/reports`: newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportsQuery {
    /// Only this app's runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// At most this many (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// The body of `POST /admin/accept/notify-probes`: send notification probes to the `notify_url` the merchant
/// gave and judge the replies and, with a state probe, what the merchant did.
///
/// - N2–N4 (forged, tampered, unsigned, `sign_type`-switched, duplicated key) for a real unpaid trade of the
///   app: anything but `success` passes;
/// - N5 (genuinely signed, inconsistent: an unknown `out_trade_no`, a wrong amount, `seller_id` or `app_id`) and
///   N6 (genuinely signed, not paid: `WAIT_BUYER_PAY`, `TRADE_CLOSED`) for the same trade: they must not be
///   acted on, which only the merchant's state can show;
/// - N7: the newest genuine, acknowledged notification of a paid trade of the app, sent again twice (same
///   `notify_id`): acknowledged each time and acted on once.
///
/// The state probe is a URL of the merchant's: `GET URL?out_trade_no=…` answers
/// `{"paid": bool, "fulfilled": n}` (`404` for an order it does not know). Without it N5–N7 are `REVIEW`.
///
/// ```
/// use alipay_sandbox_admin::NotifyProbeRequest;
/// let req = NotifyProbeRequest {
///     app_id: "2021000000000001".into(),
///     checks: vec!["N5".into()],
///     state_probe: Some("http://127.0.0.1:8080/orders/state".into()),
///     ..NotifyProbeRequest::default()
/// };
/// assert_eq!(serde_json::to_value(&req).unwrap()["state_probe"], "http://127.0.0.1:8080/orders/state");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyProbeRequest {
    /// The app judged.
    pub app_id: String,
    /// The trade to probe (default: the app's newest unpaid trade with a `notify_url`; for N7 its newest paid
    /// trade with an acknowledged notification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Only these checks (`N2` … `N7`; default `N2`–`N6`, the probes of an unpaid trade).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// The merchant's state probe URL (`GET ?out_trade_no=` → `{"paid":bool,"fulfilled":n}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_probe: Option<String>,
}

/// A provocation an acceptance suite arms for one app's next matching call: the body of
/// `POST /admin/accept/arm`.
///
/// ```
/// use alipay_sandbox_admin::{ArmRequest, Provocation};
/// let arm = ArmRequest { app_id: "2021000000000001".into(), provocation: Provocation::DeadBillUrl };
/// assert_eq!(serde_json::to_value(&arm).unwrap()["provocation"]["kind"], "dead_bill_url");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmRequest {
    /// The app whose next matching call takes it.
    pub app_id: String,
    /// What happens to that call.
    pub provocation: Provocation,
}

/// What an armed call meets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provocation {
    /// The app's next `alipay.trade.refund` answers `20000` (outcome unknown); with `money_moved` the refund is
    /// done and committed first, as a timeout after the fact would (R2).
    RefundUnknown {
        /// Whether the refund is done before the `20000`.
        money_moved: bool,
    },
    /// The app's next `alipay.trade.refund` is done and committed, then the connection is dropped: no answer
    /// (R2).
    RefundDropped,
    /// The app's next `alipay.data.dataservice.bill.downloadurl.query` answers a URL that is already dead: its
    /// first fetch finds it expired (`404`), as a URL fetched after its 30 s would (B3).
    DeadBillUrl,
    /// The app's next `alipay.ebpp.pdeduct.pay` answers `20000` (outcome unknown); with `money_moved` the
    /// deduction is made and committed first (D2).
    DeductUnknown {
        /// Whether the deduction is made before the `20000`.
        money_moved: bool,
    },
    /// The app's next `alipay.ebpp.pdeduct.pay` is made and committed, then the connection is dropped (D2).
    DeductDropped,
    /// The app's next new deduction answers `result_status` `0` (unknown) and stays so for `queries`
    /// `alipay.ebpp.pdeduct.bill.pay.status` queries; the next one finds it resolved (D3).
    DeductPending {
        /// How many status queries answer it unknown.
        queries: u32,
    },
    /// The app's next `alipay.ebpp.pdeduct.pay` answers `QUERY_DEDUCT_SIGN_INFO_ERROR`; nothing happens (D4).
    DeductSignInfoError,
    /// The agreement of the app's next `alipay.ebpp.pdeduct.pay` is cancelled just before it, as the user would
    /// cancel it: the pay answers `DEDUCT_SIGN_INFO_NOT_EXIST` (D5).
    DeductAgreementCancelled,
    /// The app's next `alipay.fund.coupon.order.agreement.pay`, `.disburse` and `.refund` (one call of each)
    /// answer `10003` (in process); with `money_moved` the operation is done and committed first (P1).
    CouponInProcess {
        /// Whether each operation is done before the `10003`.
        money_moved: bool,
    },
    /// As [`Provocation::CouponInProcess`], answered `20000` (outcome unknown) (P2).
    CouponUnknown {
        /// Whether each operation is done before the `20000`.
        money_moved: bool,
    },
    /// The app's next `alipay.trade.pay` is done, and its notification is delivered to the `notify_url` before
    /// the synchronous answer goes out (N8).
    EarlyNotification,
}

/// The answer of `POST /admin/accept/arm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Armed {
    /// The method whose next call (of the app) takes it.
    pub method: String,
    /// What was armed, in words.
    pub what: String,
}

/// The body of `POST /admin/accept/disarm`: remove what the suites armed for the app and no call took (a run
/// whose merchant never made the call must not leave a fault for its ordinary traffic).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisarmRequest {
    /// The app.
    pub app_id: String,
}

/// The answer of `POST /admin/accept/disarm`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disarmed {
    /// How many armed provocations were still waiting (and are now removed).
    pub removed: usize,
}
