//! The catalogue of acceptance checks: stable ids, the product, the rule in words and the seed line that states
//! it (`../shared/seeds/`, file:line), and whether this sandbox judges it yet.

/// How a check is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// From the call log and the delivery log of the merchant's own traffic (`alipay accept lint`).
    Passive,
    /// A provocation the sandbox sends or arms, judged by the reply or the log (`alipay accept run`).
    Active,
    /// Listed, not judged yet: never reported with a verdict.
    NotImplemented,
}

impl Mode {
    /// `passive`, `active`, `not implemented`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Passive => "passive",
            Mode::Active => "active",
            Mode::NotImplemented => "not implemented",
        }
    }
}

/// One check of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Stable id (`F1`).
    pub id: &'static str,
    /// Product (`face-to-face`, `notify`, `refund`, `bill`, `deduct`, `coupon`, `page-pay`).
    pub product: &'static str,
    /// The rule.
    pub rule: &'static str,
    /// `file:line` of the seed document (or the source, for rules from Alipay's demos).
    pub seed: &'static str,
    /// How this sandbox judges it.
    pub mode: Mode,
}

macro_rules! check {
    ($id:literal, $product:literal, $rule:literal, $seed:expr, $mode:ident) => {
        Check { id: $id, product: $product, rule: $rule, seed: $seed, mode: Mode::$mode }
    };
}

/// Every check, in report order.
pub const CHECKS: &[Check] = &[
    check!("F1", "face-to-face", "on 10003 wait ~5 s, then query by out_trade_no every ~5 s until a final status",
        "001_cd7107dff871e3cf.txt:56", Passive),
    check!("F2", "face-to-face", "still WAIT_BUYER_PAY when polling ends: cancel at once (alipay.trade.cancel)",
        "001_cd7107dff871e3cf.txt:56", Passive),
    check!("F3", "face-to-face", "cancel answering retry_flag=Y: cancel again", "001_cd7107dff871e3cf.txt:139",
        Passive),
    check!("F4", "face-to-face", "on 20000 query before deciding; never a new trade.pay for the order first",
        "001_cd7107dff871e3cf.txt:57", Passive),
    check!("F5", "face-to-face", "no answer at all: query before deciding, as on 20000",
        "001_cd7107dff871e3cf.txt:57", Passive),
    check!("F6", "face-to-face", "out_trade_no is never reused, even after a failed or cancelled trade",
        "001_cd7107dff871e3cf.txt:58", Passive),
    check!("F7", "face-to-face", "precreate: poll and cancel at the deadline, or rely on a verified notification",
        "001_cd7107dff871e3cf.txt:153", Passive),
    check!("N1", "notify", "a genuine notification is answered with exactly `success` (no HTML, no redirect)",
        "001_cd7107dff871e3cf.txt:154", Passive),
    check!("N2", "notify", "a forged notification (valid RSA signature made with another key) is refused",
        "001_cd7107dff871e3cf.txt:154", Active),
    check!("N3", "notify", "a tampered notification (genuine signature, then total_amount changed) is refused",
        "001_cd7107dff871e3cf.txt:154", Active),
    check!("N4", "notify", "an unsigned, sign_type-switched or duplicated-key notification is refused",
        "001_cd7107dff871e3cf.txt:154", Active),
    check!("N5", "notify", "a correctly signed but inconsistent notification (unknown order, wrong amount, seller_id or app_id) is not acted on",
        "official notify demo (务必忽略)", Active),
    check!("N6", "notify", "a non-final status (WAIT_BUYER_PAY, TRADE_CLOSED) is not taken as paid",
        "official notify demo", Active),
    check!("N7", "notify", "a duplicate notification (same notify_id) is acknowledged and acted on once",
        "official notify demo (过滤重复)", Active),
    check!("N8", "notify", "a notification arriving before the synchronous answer is still processed, once",
        "shared/spec/trade.md (retries)", Active),
    check!("R1", "refund", "each partial refund has its own out_request_no", "001_cd7107dff871e3cf.txt:202",
        Passive),
    check!("R2", "refund", "refund 20000 or timeout: retry with the same out_request_no, or query first",
        "001_cd7107dff871e3cf.txt:202", Passive),
    check!("B1", "bill", "bills only for past days (not today, not the future)", "001_cd7107dff871e3cf.txt:236",
        Passive),
    check!("B2", "bill", "the bill URL is fetched at once: it is valid 30 s", "001_cd7107dff871e3cf.txt:243",
        Passive),
    check!("B3", "bill", "an expired bill URL: ask for a new one, do not retry the dead one",
        "001_cd7107dff871e3cf.txt:243", Passive),
    check!("D1", "deduct", "merchant_order_no is unique", "000_1e4ec0ea677450e6.txt:30", Passive),
    check!("D2", "deduct", "pdeduct.pay 20000 or timeout: bill.pay.status before retrying, with the same out_order_no",
        "000_1e4ec0ea677450e6.txt:76", Passive),
    check!("D3", "deduct", "result_status 0 (unknown): poll the status until resolved", "002_2eb287469fe6a965.txt:46",
        Passive),
    check!("D4", "deduct", "QUERY_DEDUCT_SIGN_INFO_ERROR: retry with the same out_order_no",
        "002_2eb287469fe6a965.txt:95", Passive),
    check!("D5", "deduct", "DEDUCT_SIGN_INFO_NOT_EXIST: reconcile with sign.query, stop charging the agreement",
        "002_2eb287469fe6a965.txt:94", Passive),
    check!("P1", "coupon", "10003: the identical request again, or operation.query; never a new out_request_no first",
        "003_4500014b8ba50e92.txt:238", Passive),
    check!("P2", "coupon", "20000: the identical request again, or operation.query", "003_4500014b8ba50e92.txt:241",
        Passive),
    check!("P3", "coupon", "query by auth_no + operation_id where possible", "003_4500014b8ba50e92.txt:209",
        Passive),
    check!("P4", "coupon", "out_order_no / out_request_no never repeated", "003_4500014b8ba50e92.txt:63",
        Passive),
    check!("W1", "page-pay", "return_url is for display only: the notification or a query is the authority",
        "official page-pay demo", Active),
];

/// The check `id`.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id.eq_ignore_ascii_case(id))
}
