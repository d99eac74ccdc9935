//! The trade and refund tables' rows and queries ([`TradeRepo`], implemented here for `SqlRepo`). The tables
//! were created by the core's migration 1 (`crate::store::schema`). Every lookup of a trade names its merchant,
//! except by QR code (the buyer's only handle).

use crate::store::sql::{params, Row};
use alipay_core::{Money, SignType};

use crate::store::sql::{text_value, SqlRepo};
use crate::store::StoreError;

/// How a trade was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeKind {
    /// `alipay.trade.pay` (barcode).
    Pay,
    /// `alipay.trade.precreate` (QR code).
    Precreate,
    /// `alipay.trade.page.pay` (website checkout, paid on the cashier).
    Page,
    /// `alipay.trade.wap.pay` (mobile web, paid on the phone-sized cashier).
    Wap,
    /// `alipay.trade.app.pay` (in-app, paid from the wallet with the order string).
    App,
}

impl TradeKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TradeKind::Pay => "pay",
            TradeKind::Precreate => "precreate",
            TradeKind::Page => "page",
            TradeKind::Wap => "wap",
            TradeKind::App => "app",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<TradeKind> {
        match s {
            "pay" => Some(TradeKind::Pay),
            "precreate" => Some(TradeKind::Precreate),
            "page" => Some(TradeKind::Page),
            "wap" => Some(TradeKind::Wap),
            "app" => Some(TradeKind::App),
            _ => None,
        }
    }
}

/// A trade's state. `Created` is a precreated trade whose QR code nobody scanned yet (query: not found).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeState {
    /// Precreated, not scanned.
    Created,
    /// Waiting for the buyer to confirm.
    WaitBuyerPay,
    /// Paid.
    Success,
    /// Closed unpaid, failed, or fully refunded.
    Closed,
    /// Paid and the refund window ended.
    Finished,
}

impl TradeState {
    /// Stored (and, except `CREATED`, wire) name.
    pub fn as_str(self) -> &'static str {
        match self {
            TradeState::Created => "CREATED",
            TradeState::WaitBuyerPay => "WAIT_BUYER_PAY",
            TradeState::Success => "TRADE_SUCCESS",
            TradeState::Closed => "TRADE_CLOSED",
            TradeState::Finished => "TRADE_FINISHED",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<TradeState> {
        Some(match s {
            "CREATED" => TradeState::Created,
            "WAIT_BUYER_PAY" => TradeState::WaitBuyerPay,
            "TRADE_SUCCESS" => TradeState::Success,
            "TRADE_CLOSED" => TradeState::Closed,
            "TRADE_FINISHED" => TradeState::Finished,
            _ => return None,
        })
    }

    /// `true` while the trade waits for payment (it can time out, be closed or cancelled without refund).
    pub fn is_unpaid_open(self) -> bool {
        matches!(self, TradeState::Created | TradeState::WaitBuyerPay)
    }
}

text_value!(parse: TradeKind, TradeState);

/// A trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeRecord {
    /// Alipay's 28-digit trade number.
    pub trade_no: String,
    /// The merchant that receives the money (scope of `out_trade_no`).
    pub seller_id: String,
    /// The app that created it.
    pub app_id: String,
    /// The merchant's app (differs from `app_id` for third-party calls).
    pub auth_app_id: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Pay or precreate.
    pub kind: TradeKind,
    /// Current state.
    pub state: TradeState,
    /// Order amount.
    pub total_amount: Money,
    /// Refunded so far.
    pub refund_fee: Money,
    /// Order title.
    pub subject: String,
    /// Order description.
    pub body: Option<String>,
    /// The buyer, once known.
    pub buyer_id: Option<String>,
    /// The payment code used (trade.pay).
    pub auth_code: Option<String>,
    /// The QR code (precreate).
    pub qr_code: Option<String>,
    /// Merchant store id.
    pub store_id: Option<String>,
    /// Merchant terminal id.
    pub terminal_id: Option<String>,
    /// Merchant operator id.
    pub operator_id: Option<String>,
    /// Echoed in notifications.
    pub passback_params: Option<String>,
    /// Where notifications go.
    pub notify_url: Option<String>,
    /// The charset of the creating request (notifications use it).
    pub charset: String,
    /// The sign type of the creating app (notifications use it).
    pub sign_type: SignType,
    /// Creation time.
    pub gmt_create: i64,
    /// Payment time.
    pub gmt_payment: Option<i64>,
    /// Close time.
    pub gmt_close: Option<i64>,
    /// Unpaid trades close at this time.
    pub expire_at: i64,
    /// The QR code stops being scannable at this time.
    pub qr_expire_at: Option<i64>,
    /// `close` or `refund` once cancelled.
    pub cancel_action: Option<String>,
    /// The sub_code of the failure that closed it at creation, if any.
    pub fail_code: Option<String>,
}

/// One refund of a trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    /// The trade.
    pub trade_no: String,
    /// The merchant's refund request number (`out_trade_no` when none was sent).
    pub out_request_no: String,
    /// Amount refunded by this request.
    pub amount: Money,
    /// Reason given.
    pub reason: Option<String>,
    /// When the money moved.
    pub gmt_refund: i64,
    /// The trade's cumulative refund after this request.
    pub refund_fee_after: Money,
}

/// Trade persistence. An extension of [`crate::store::Repo`], implemented for every repository, so engines reach it through `&dyn Repo`.
pub trait TradeRepo {
    /// A trade of `seller_id` by its trade number.
    fn trade_by_no(&self, seller_id: &str, trade_no: &str) -> Result<Option<TradeRecord>, StoreError>;
    /// A trade of `seller_id` by the merchant's order number.
    fn trade_by_out_no(&self, seller_id: &str, out_trade_no: &str) -> Result<Option<TradeRecord>, StoreError>;
    /// A trade by its QR code (the buyer's side: the code is the only handle a buyer has).
    fn trade_by_qr(&self, qr_code: &str) -> Result<Option<TradeRecord>, StoreError>;
    /// Precreated trades still waiting for a buyer (unscanned, or scanned and unpaid), newest first.
    fn open_qr_trades(&self, limit: usize) -> Result<Vec<TradeRecord>, StoreError>;
    /// The buyers' user ids, in order (the wallet's buyer picker).
    fn buyer_ids(&self, limit: usize) -> Result<Vec<String>, StoreError>;
    /// Unpaid trades whose `expire_at` is at or before `now`.
    fn expired_trades(&self, now: i64, limit: usize) -> Result<Vec<TradeRecord>, StoreError>;
    /// Paid trades paid at or before `paid_before` (their refund window is over).
    fn finishable_trades(&self, paid_before: i64, limit: usize) -> Result<Vec<TradeRecord>, StoreError>;
    /// Creates a trade.
    fn insert_trade(&self, trade: &TradeRecord) -> Result<(), StoreError>;
    /// Saves a trade's mutable fields.
    fn update_trade(&self, trade: &TradeRecord) -> Result<(), StoreError>;
    /// A refund by trade and request number.
    fn refund(&self, trade_no: &str, out_request_no: &str) -> Result<Option<RefundRecord>, StoreError>;
    /// Records a refund.
    fn insert_refund(&self, refund: &RefundRecord) -> Result<(), StoreError>;
    /// Trades of `seller_id` paid in `[from, to)`, or cancelled with a refund (`cancel_action = refund`)
    /// in `[from, to)`: the trades a bill of that period shows (bill files).
    fn bill_trades(&self, seller_id: &str, from: i64, to: i64) -> Result<Vec<TradeRecord>, StoreError>;
    /// Refunds of `seller_id`'s trades made in `[from, to)`, oldest first.
    fn bill_refunds(&self, seller_id: &str, from: i64, to: i64) -> Result<Vec<RefundRecord>, StoreError>;
    /// Trades of every merchant, newest first, whose trade_no, out_trade_no, buyer id, seller id or app id
    /// contains `query` (all when `None`): the console's search.
    fn search_trades(&self, query: Option<&str>, limit: usize) -> Result<Vec<TradeRecord>, StoreError>;
    /// A trade by its trade number alone (the console's timeline; trade numbers are unique).
    fn trade_by_no_any(&self, trade_no: &str) -> Result<Option<TradeRecord>, StoreError>;
    /// The newest unpaid trade (`CREATED` or `WAIT_BUYER_PAY`) of `app_id` that has a `notify_url`, optionally
    /// the one of `out_trade_no` (the acceptance probes' target).
    fn pending_notified_trade(
        &self,
        app_id: &str,
        out_trade_no: Option<&str>,
    ) -> Result<Option<TradeRecord>, StoreError>;
    /// Every refund of one trade, oldest first.
    fn refunds_of_trade(&self, trade_no: &str) -> Result<Vec<RefundRecord>, StoreError>;
}

const TRADE_COLUMNS: &str = "trade_no, seller_id, app_id, auth_app_id, out_trade_no, kind, state, total_amount, \
    refund_fee, subject, body, buyer_id, auth_code, qr_code, store_id, terminal_id, operator_id, passback_params, \
    notify_url, charset, sign_type, gmt_create, gmt_payment, gmt_close, expire_at, qr_expire_at, cancel_action, \
    fail_code";

fn trade_row(r: &Row) -> Result<TradeRecord, StoreError> {
    Ok(TradeRecord {
        trade_no: r.get("trade_no")?,
        seller_id: r.get("seller_id")?,
        app_id: r.get("app_id")?,
        auth_app_id: r.get("auth_app_id")?,
        out_trade_no: r.get("out_trade_no")?,
        kind: r.get("kind")?,
        state: r.get("state")?,
        total_amount: Money::from_fen(r.get("total_amount")?),
        refund_fee: Money::from_fen(r.get("refund_fee")?),
        subject: r.get("subject")?,
        body: r.get("body")?,
        buyer_id: r.get("buyer_id")?,
        auth_code: r.get("auth_code")?,
        qr_code: r.get("qr_code")?,
        store_id: r.get("store_id")?,
        terminal_id: r.get("terminal_id")?,
        operator_id: r.get("operator_id")?,
        passback_params: r.get("passback_params")?,
        notify_url: r.get("notify_url")?,
        charset: r.get("charset")?,
        sign_type: r.get("sign_type")?,
        gmt_create: r.get("gmt_create")?,
        gmt_payment: r.get("gmt_payment")?,
        gmt_close: r.get("gmt_close")?,
        expire_at: r.get("expire_at")?,
        qr_expire_at: r.get("qr_expire_at")?,
        cancel_action: r.get("cancel_action")?,
        fail_code: r.get("fail_code")?,
    })
}

fn refund_row(r: &Row) -> Result<RefundRecord, StoreError> {
    Ok(RefundRecord {
        trade_no: r.get("trade_no")?,
        out_request_no: r.get("out_request_no")?,
        amount: Money::from_fen(r.get("amount")?),
        reason: r.get("reason")?,
        gmt_refund: r.get("gmt_refund")?,
        refund_fee_after: Money::from_fen(r.get("refund_fee_after")?),
    })
}

impl SqlRepo<'_> {
    fn trades_where(
        &self,
        clause: &str,
        args: impl crate::store::sql::IntoArgs,
    ) -> Result<Vec<TradeRecord>, StoreError> {
        let sql = format!("SELECT {TRADE_COLUMNS} FROM trades WHERE {clause}");
        let rows = self.rows(&sql, args, trade_row)?;
        Ok(rows)
    }

    fn one_trade(
        &self,
        clause: &str,
        args: impl crate::store::sql::IntoArgs,
    ) -> Result<Option<TradeRecord>, StoreError> {
        Ok(self.trades_where(clause, args)?.into_iter().next())
    }
}

impl<R: crate::store::Repo + ?Sized> TradeRepo for R {
    fn pending_notified_trade(
        &self,
        app_id: &str,
        out_trade_no: Option<&str>,
    ) -> Result<Option<TradeRecord>, StoreError> {
        self.sql().one_trade(
            "app_id = ?1 AND notify_url IS NOT NULL AND state IN ('CREATED', 'WAIT_BUYER_PAY') \
             AND (CAST(?2 AS TEXT) IS NULL OR out_trade_no = ?2) ORDER BY gmt_create DESC, trade_no DESC LIMIT 1",
            crate::store::sql::params![app_id, out_trade_no],
        )
    }

    fn trade_by_no(&self, seller_id: &str, trade_no: &str) -> Result<Option<TradeRecord>, StoreError> {
        self.sql().one_trade("seller_id = ?1 AND trade_no = ?2", [seller_id, trade_no])
    }

    fn trade_by_out_no(&self, seller_id: &str, out_trade_no: &str) -> Result<Option<TradeRecord>, StoreError> {
        self.sql().one_trade("seller_id = ?1 AND out_trade_no = ?2", [seller_id, out_trade_no])
    }

    fn trade_by_qr(&self, qr_code: &str) -> Result<Option<TradeRecord>, StoreError> {
        self.sql().one_trade("qr_code = ?1", [qr_code])
    }

    fn buyer_ids(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let limit = crate::store::sql::limit_arg(limit);
        let rows = self
            .sql()
            .rows("SELECT user_id FROM buyers ORDER BY user_id LIMIT ?1", [limit], |r| r.get::<_, String>(0))?;
        Ok(rows)
    }

    fn open_qr_trades(&self, limit: usize) -> Result<Vec<TradeRecord>, StoreError> {
        let limit = crate::store::sql::limit_arg(limit);
        self.sql().trades_where(
            "kind = 'precreate' AND state IN ('CREATED', 'WAIT_BUYER_PAY') ORDER BY gmt_create DESC, trade_no DESC LIMIT ?1",
            [limit],
        )
    }

    fn expired_trades(&self, now: i64, limit: usize) -> Result<Vec<TradeRecord>, StoreError> {
        let limit = crate::store::sql::limit_arg(limit);
        self.sql().trades_where(
            "state IN ('CREATED', 'WAIT_BUYER_PAY') AND expire_at <= ?1 ORDER BY expire_at LIMIT ?2",
            params![now, limit],
        )
    }

    fn finishable_trades(&self, paid_before: i64, limit: usize) -> Result<Vec<TradeRecord>, StoreError> {
        let limit = crate::store::sql::limit_arg(limit);
        self.sql().trades_where(
            "state = 'TRADE_SUCCESS' AND gmt_payment <= ?1 ORDER BY gmt_payment LIMIT ?2",
            params![paid_before, limit],
        )
    }

    fn insert_trade(&self, t: &TradeRecord) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO trades ({TRADE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
             ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"
        );
        self.sql().exec(
            &sql,
            params![
                t.trade_no,
                t.seller_id,
                t.app_id,
                t.auth_app_id,
                t.out_trade_no,
                t.kind,
                t.state,
                t.total_amount.fen(),
                t.refund_fee.fen(),
                t.subject,
                t.body,
                t.buyer_id,
                t.auth_code,
                t.qr_code,
                t.store_id,
                t.terminal_id,
                t.operator_id,
                t.passback_params,
                t.notify_url,
                t.charset,
                t.sign_type.as_str(),
                t.gmt_create,
                t.gmt_payment,
                t.gmt_close,
                t.expire_at,
                t.qr_expire_at,
                t.cancel_action,
                t.fail_code,
            ],
        )?;
        Ok(())
    }

    fn update_trade(&self, t: &TradeRecord) -> Result<(), StoreError> {
        self.sql().exec(
            "UPDATE trades SET state = ?2, refund_fee = ?3, buyer_id = ?4, gmt_payment = ?5, gmt_close = ?6, \
             cancel_action = ?7, fail_code = ?8 WHERE trade_no = ?1",
            params![
                t.trade_no,
                t.state,
                t.refund_fee.fen(),
                t.buyer_id,
                t.gmt_payment,
                t.gmt_close,
                t.cancel_action,
                t.fail_code,
            ],
        )?;
        Ok(())
    }

    fn refund(&self, trade_no: &str, out_request_no: &str) -> Result<Option<RefundRecord>, StoreError> {
        let row = self.sql().row(
            "SELECT trade_no, out_request_no, amount, reason, gmt_refund, refund_fee_after FROM refunds \
                 WHERE trade_no = ?1 AND out_request_no = ?2",
            [trade_no, out_request_no],
            refund_row,
        )?;
        Ok(row)
    }

    fn bill_trades(&self, seller_id: &str, from: i64, to: i64) -> Result<Vec<TradeRecord>, StoreError> {
        self.sql().trades_where(
            "seller_id = ?1 AND ((gmt_payment >= ?2 AND gmt_payment < ?3) \
             OR (cancel_action = 'refund' AND gmt_close >= ?2 AND gmt_close < ?3)) ORDER BY gmt_payment, trade_no",
            params![seller_id, from, to],
        )
    }

    fn bill_refunds(&self, seller_id: &str, from: i64, to: i64) -> Result<Vec<RefundRecord>, StoreError> {
        let rows = self.sql().rows(
            "SELECT r.trade_no, r.out_request_no, r.amount, r.reason, r.gmt_refund, r.refund_fee_after \
             FROM refunds r JOIN trades t ON t.trade_no = r.trade_no \
             WHERE t.seller_id = ?1 AND r.gmt_refund >= ?2 AND r.gmt_refund < ?3 \
             ORDER BY r.gmt_refund, r.trade_no, r.refund_fee_after",
            params![seller_id, from, to],
            refund_row,
        )?;
        Ok(rows)
    }

    fn search_trades(&self, query: Option<&str>, limit: usize) -> Result<Vec<TradeRecord>, StoreError> {
        let limit = crate::store::sql::limit_arg(limit);
        self.sql().trades_where(
            "(CAST(?1 AS TEXT) IS NULL OR instr(trade_no, ?1) > 0 OR instr(out_trade_no, ?1) > 0 OR instr(coalesce(buyer_id, ''), ?1) > 0 \
             OR instr(seller_id, ?1) > 0 OR instr(app_id, ?1) > 0) ORDER BY gmt_create DESC, rowid DESC LIMIT ?2",
            params![query, limit],
        )
    }

    fn trade_by_no_any(&self, trade_no: &str) -> Result<Option<TradeRecord>, StoreError> {
        self.sql().one_trade("trade_no = ?1", [trade_no])
    }

    fn refunds_of_trade(&self, trade_no: &str) -> Result<Vec<RefundRecord>, StoreError> {
        let rows = self.sql().rows(
            "SELECT trade_no, out_request_no, amount, reason, gmt_refund, refund_fee_after FROM refunds \
             WHERE trade_no = ?1 ORDER BY refund_fee_after",
            [trade_no],
            refund_row,
        )?;
        Ok(rows)
    }

    fn insert_refund(&self, f: &RefundRecord) -> Result<(), StoreError> {
        self.sql().exec(
            "INSERT INTO refunds (trade_no, out_request_no, amount, reason, gmt_refund, refund_fee_after) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![f.trade_no, f.out_request_no, f.amount.fen(), f.reason, f.gmt_refund, f.refund_fee_after.fen()],
        )?;
        Ok(())
    }
}
