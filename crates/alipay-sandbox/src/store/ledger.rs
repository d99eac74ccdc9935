//! Store table and queries of the merchants' account ledger (账务明细, read by `bill_type=signcustomer`
//! bills in `crate::products::bill::engine`).
//!
//! One table, `ledger_entries`: one row per movement of a merchant's balance, written by
//! [`LedgerRepo::post_merchant`] together with the new balance in `merchants.balance`, so the ledger and the
//! balance can never disagree: the last entry's `balance_after` is the merchant's balance (a merchant's opening
//! balance, set when it is created, has no entry).
//! The row id (autoincrement, never reused) is the source of the 账务流水号.
//!
//! Add tables by appending to [`MIGRATIONS`] (never edit a shipped entry) and queries as methods of
//! [`LedgerRepo`]. Every method runs inside the caller's transaction.

use crate::store::sql::{params, Row};
use alipay_core::Money;

use super::sql::SqlRepo;
use super::StoreError;

/// This component's ordered migrations; versions are tracked per component (`component_versions`).
pub const MIGRATIONS: &[&str] = &[
    // 1: one row per movement of a merchant's balance.
    r#"
    CREATE TABLE ledger_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT, pid TEXT NOT NULL, at INTEGER NOT NULL, amount INTEGER NOT NULL,
        balance_after INTEGER NOT NULL, biz_no TEXT NOT NULL, out_biz_no TEXT NOT NULL, subject TEXT NOT NULL,
        counterparty TEXT NOT NULL, biz_type TEXT NOT NULL, channel TEXT NOT NULL, memo TEXT NOT NULL);
    CREATE INDEX ledger_entries_by_pid_time ON ledger_entries(pid, at);
    "#,
];

/// `业务类型` labels the sandbox posts, as Alipay's ledger bills write them.
pub mod biz_type {
    /// A buyer paid a trade (`alipay.trade.*`).
    pub const ONLINE_PAYMENT: &str = "在线支付";
    /// A trade was refunded, or cancelled after payment.
    pub const TRADE_REFUND: &str = "交易退款";
    /// A direct-deduct payment (`alipay.ebpp.pdeduct.pay`).
    pub const DEDUCT: &str = "代扣";
    /// A user paid an EBPP bill.
    pub const BILL_PAYMENT: &str = "缴费";
    /// Money into a cash red packet, or its rest back.
    pub const RED_PACKET: &str = "红包";
}

/// `交易渠道` of every movement the sandbox makes.
pub const CHANNEL_ALIPAY: &str = "支付宝";

/// One movement of a merchant's balance, as posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The merchant.
    pub pid: String,
    /// When (sandbox clock, Unix seconds, as trades store time).
    pub at: i64,
    /// Signed: positive into the balance, negative out of it.
    pub amount: Money,
    /// 业务流水号: the trade number, red packet `auth_no`, deduction `bill_no`, EBPP `alipay_order_no`.
    pub biz_no: String,
    /// 商户订单号: `out_trade_no`, `out_order_no`, `merchant_order_no`.
    pub out_biz_no: String,
    /// 商品名称.
    pub subject: String,
    /// 对方账号: the counterparty's masked logon id, or empty.
    pub counterparty: String,
    /// 业务类型 (one of [`biz_type`]).
    pub biz_type: String,
    /// 交易渠道.
    pub channel: String,
    /// 备注.
    pub memo: String,
}

impl LedgerEntry {
    /// An entry of `pid` at `at` for `amount`, channel `支付宝`, the other fields empty.
    pub fn new(pid: &str, at: i64, amount: Money, biz_type: &str) -> LedgerEntry {
        LedgerEntry {
            pid: pid.to_owned(),
            at,
            amount,
            biz_no: String::new(),
            out_biz_no: String::new(),
            subject: String::new(),
            counterparty: String::new(),
            biz_type: biz_type.to_owned(),
            channel: CHANNEL_ALIPAY.to_owned(),
            memo: String::new(),
        }
    }
}

/// A stored ledger row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRecord {
    /// The row id (autoincrement): the source of the 账务流水号.
    pub id: i64,
    /// The merchant's balance right after this movement.
    pub balance_after: Money,
    /// The movement.
    pub entry: LedgerEntry,
}

/// Ledger persistence. A supertrait of [`super::Repo`], so engines reach it through `&dyn Repo`.
pub trait LedgerRepo {
    /// Moves `entry.amount` into (or, negative, out of) merchant `entry.pid`'s balance and records the movement,
    /// in the caller's transaction; returns the balance after. Refuses (`StoreError::Corrupt`, nothing changed)
    /// an unknown merchant, an overflow, or a balance that would go negative: callers check the balance first.
    fn post_merchant(&self, entry: &LedgerEntry) -> Result<Money, StoreError>;
    /// The movements of merchant `pid` at `[from, to)`, in the order they were posted.
    fn ledger_entries(&self, pid: &str, from: i64, to: i64) -> Result<Vec<LedgerRecord>, StoreError>;
}

const COLUMNS: &str =
    "id, balance_after, pid, at, amount, biz_no, out_biz_no, subject, counterparty, biz_type, channel, memo";

fn record_row(r: &Row) -> Result<LedgerRecord, StoreError> {
    Ok(LedgerRecord {
        id: r.get(0)?,
        balance_after: Money::from_fen(r.get(1)?),
        entry: LedgerEntry {
            pid: r.get(2)?,
            at: r.get(3)?,
            amount: Money::from_fen(r.get(4)?),
            biz_no: r.get(5)?,
            out_biz_no: r.get(6)?,
            subject: r.get(7)?,
            counterparty: r.get(8)?,
            biz_type: r.get(9)?,
            channel: r.get(10)?,
            memo: r.get(11)?,
        },
    })
}

impl LedgerRepo for SqlRepo<'_> {
    fn post_merchant(&self, e: &LedgerEntry) -> Result<Money, StoreError> {
        let balance: Option<i64> =
            self.row("SELECT balance FROM merchants WHERE pid = ?1", [&e.pid], |r| r.get("balance"))?;
        let balance =
            balance.ok_or_else(|| StoreError::Corrupt(format!("ledger entry of unknown merchant {}", e.pid)))?;
        let after = Money::from_fen(balance)
            .checked_add(e.amount)
            .filter(|b| *b >= Money::ZERO)
            .ok_or_else(|| StoreError::Corrupt(format!("balance of merchant {} would be negative", e.pid)))?;
        self.exec("UPDATE merchants SET balance = ?2 WHERE pid = ?1", params![e.pid, after.fen()])?;
        self.exec(
            "INSERT INTO ledger_entries (pid, at, amount, balance_after, biz_no, out_biz_no, subject, \
             counterparty, biz_type, channel, memo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                e.pid,
                e.at,
                e.amount.fen(),
                after.fen(),
                e.biz_no,
                e.out_biz_no,
                e.subject,
                e.counterparty,
                e.biz_type,
                e.channel,
                e.memo
            ],
        )?;
        Ok(after)
    }

    fn ledger_entries(&self, pid: &str, from: i64, to: i64) -> Result<Vec<LedgerRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM ledger_entries WHERE pid = ?1 AND at >= ?2 AND at < ?3 ORDER BY id");
        let rows = self.rows(&sql, params![pid, from, to], record_row)?;
        Ok(rows)
    }
}
