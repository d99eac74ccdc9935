//! The durable call log (component `calls`): every gateway call and every bill-URL fetch, per app, in gateway
//! real time: the evidence the acceptance checks (`crate::accept`) judge. On a shared store every instance
//! writes to it, so a merchant's polling is judged across instances. Beside it, the acceptance runs' reports
//! (`accept_reports`), kept for the console.
//!
//! The gateway does not wait for it: [`CallJournal::push`] hands the entry to one writer task per process that
//! writes whatever has queued in one transaction (on SQLite that transaction joins the writer's group commit).
//! A reader that must see every call answered so far calls [`CallJournal::flush`] first.

use std::sync::{Arc, OnceLock};

use alipay_sandbox_admin::{AcceptReport, LoggedCall, StoredReport};
use tokio::sync::{mpsc, oneshot};

use super::sql::{limit_arg, params, Row, SqlRepo};
use super::{Store, StoreError};

/// This component's ordered migrations (component `calls`).
pub const MIGRATIONS: &[&str] = &[
    // 1: the call log.
    r#"
    CREATE TABLE call_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, app_id TEXT NOT NULL, method TEXT NOT NULL,
        out_trade_no TEXT, out_request_no TEXT, out_order_no TEXT, trade_no TEXT, code TEXT NOT NULL,
        sub_code TEXT, trade_status TEXT, retry_flag TEXT, bill_date TEXT, bill_token TEXT, http_status INTEGER,
        dropped INTEGER NOT NULL, peer TEXT);
    CREATE INDEX call_log_by_app ON call_log(app_id, at_ms);
    "#,
    // 2: a refund's amount and whether it moved money (R1, R2).
    r#"
    ALTER TABLE call_log ADD COLUMN refund_amount TEXT;
    ALTER TABLE call_log ADD COLUMN fund_change TEXT;
    "#,
    // 3: the ids and outcomes of direct deduct, EBPP bills and red packets (D1–D5, P1–P4).
    r#"
    ALTER TABLE call_log ADD COLUMN merchant_order_no TEXT;
    ALTER TABLE call_log ADD COLUMN agreement_no TEXT;
    ALTER TABLE call_log ADD COLUMN auth_no TEXT;
    ALTER TABLE call_log ADD COLUMN operation_id TEXT;
    ALTER TABLE call_log ADD COLUMN result_status TEXT;
    ALTER TABLE call_log ADD COLUMN amount TEXT;
    "#,
    // 4: the reports of `alipay accept` runs (the console's page per run).
    r#"
    CREATE TABLE accept_reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, app_id TEXT NOT NULL, suite TEXT NOT NULL,
        report TEXT NOT NULL);
    CREATE INDEX accept_reports_by_app ON accept_reports(app_id, id);
    "#,
];

/// Call-log persistence. A supertrait of [`crate::store::Repo`].
pub trait CallLogRepo {
    /// Appends entries.
    fn insert_calls(&self, calls: &[LoggedCall]) -> Result<(), StoreError>;
    /// Entries of `app_id` (all apps when `None`) at or after `since_ms`, oldest first, at most `limit`.
    fn calls(&self, app_id: Option<&str>, since_ms: i64, limit: usize) -> Result<Vec<LoggedCall>, StoreError>;
    /// The app a bill URL token was given to (from the logged bill query that answered it).
    fn bill_token_app(&self, token: &str) -> Result<Option<String>, StoreError>;
    /// Keeps an acceptance run's report; answers its id.
    fn insert_report(&self, at_ms: i64, report: &AcceptReport) -> Result<i64, StoreError>;
    /// Kept reports (of `app_id`, all when `None`), newest first, at most `limit`.
    fn reports(&self, app_id: Option<&str>, limit: usize) -> Result<Vec<StoredReport>, StoreError>;
    /// The kept report `id`.
    fn report(&self, id: i64) -> Result<Option<StoredReport>, StoreError>;
}

fn stored(r: &Row) -> Result<StoredReport, StoreError> {
    let text: String = r.get("report")?;
    Ok(StoredReport {
        id: r.get("id")?,
        at_ms: r.get("at_ms")?,
        report: serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("an acceptance report: {e}")))?,
    })
}

fn logged(r: &Row) -> Result<LoggedCall, StoreError> {
    Ok(LoggedCall {
        id: r.get("id")?,
        at_ms: r.get("at_ms")?,
        app_id: r.get("app_id")?,
        method: r.get("method")?,
        out_trade_no: r.get("out_trade_no")?,
        out_request_no: r.get("out_request_no")?,
        out_order_no: r.get("out_order_no")?,
        trade_no: r.get("trade_no")?,
        code: r.get("code")?,
        sub_code: r.get("sub_code")?,
        trade_status: r.get("trade_status")?,
        retry_flag: r.get("retry_flag")?,
        refund_amount: r.get("refund_amount")?,
        fund_change: r.get("fund_change")?,
        merchant_order_no: r.get("merchant_order_no")?,
        agreement_no: r.get("agreement_no")?,
        auth_no: r.get("auth_no")?,
        operation_id: r.get("operation_id")?,
        result_status: r.get("result_status")?,
        amount: r.get("amount")?,
        bill_date: r.get("bill_date")?,
        bill_token: r.get("bill_token")?,
        http_status: r.get("http_status")?,
        dropped: r.get::<_, i64>("dropped")? != 0,
        peer: r.get("peer")?,
    })
}

impl CallLogRepo for SqlRepo<'_> {
    fn insert_calls(&self, calls: &[LoggedCall]) -> Result<(), StoreError> {
        for c in calls {
            self.exec(
                "INSERT INTO call_log (at_ms, app_id, method, out_trade_no, out_request_no, out_order_no, trade_no, \
                 code, sub_code, trade_status, retry_flag, bill_date, bill_token, http_status, dropped, peer, \
                 refund_amount, fund_change, merchant_order_no, agreement_no, auth_no, operation_id, result_status, \
                 amount) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
                 ?21, ?22, ?23, ?24)",
                params![
                    c.at_ms,
                    c.app_id,
                    c.method,
                    c.out_trade_no,
                    c.out_request_no,
                    c.out_order_no,
                    c.trade_no,
                    c.code,
                    c.sub_code,
                    c.trade_status,
                    c.retry_flag,
                    c.bill_date,
                    c.bill_token,
                    c.http_status,
                    i64::from(c.dropped),
                    c.peer,
                    c.refund_amount,
                    c.fund_change,
                    c.merchant_order_no,
                    c.agreement_no,
                    c.auth_no,
                    c.operation_id,
                    c.result_status,
                    c.amount
                ],
            )?;
        }
        Ok(())
    }

    fn calls(&self, app_id: Option<&str>, since_ms: i64, limit: usize) -> Result<Vec<LoggedCall>, StoreError> {
        self.rows(
            "SELECT * FROM call_log WHERE (CAST(?1 AS TEXT) IS NULL OR app_id = ?1) AND at_ms >= ?2 \
             ORDER BY at_ms, id LIMIT ?3",
            params![app_id, since_ms, limit_arg(limit)],
            logged,
        )
    }

    fn bill_token_app(&self, token: &str) -> Result<Option<String>, StoreError> {
        self.row(
            "SELECT app_id FROM call_log WHERE bill_token = ?1 AND method <> ?2 ORDER BY id LIMIT 1",
            params![token, alipay_sandbox_admin::BILL_FETCH],
            |r| r.get("app_id"),
        )
    }

    fn insert_report(&self, at_ms: i64, report: &AcceptReport) -> Result<i64, StoreError> {
        let text = serde_json::to_string(report).map_err(StoreError::backend)?;
        self.one(
            "INSERT INTO accept_reports (at_ms, app_id, suite, report) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![at_ms, report.app_id, report.suite, text],
            |r| r.get("id"),
        )
    }

    fn reports(&self, app_id: Option<&str>, limit: usize) -> Result<Vec<StoredReport>, StoreError> {
        self.rows(
            "SELECT * FROM accept_reports WHERE (CAST(?1 AS TEXT) IS NULL OR app_id = ?1) ORDER BY id DESC LIMIT ?2",
            params![app_id, limit_arg(limit)],
            stored,
        )
    }

    fn report(&self, id: i64) -> Result<Option<StoredReport>, StoreError> {
        self.row("SELECT * FROM accept_reports WHERE id = ?1", params![id], stored)
    }
}

enum Message {
    Call(Box<LoggedCall>),
    Flush(oneshot::Sender<()>),
}

/// The most entries written in one transaction.
const BATCH: usize = 512;

/// The process's writer of the call log: entries are queued without waiting and written in batches.
#[derive(Debug, Default)]
pub struct CallJournal {
    tx: OnceLock<mpsc::UnboundedSender<Message>>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Message")
    }
}

impl CallJournal {
    fn sender(&self, store: &Arc<Store>) -> &mpsc::UnboundedSender<Message> {
        self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(write_loop(Arc::clone(store), rx));
            tx
        })
    }

    /// Queues one entry (called from a Tokio task: the first call starts the writer).
    pub fn push(&self, store: &Arc<Store>, call: LoggedCall) {
        let _ = self.sender(store).send(Message::Call(Box::new(call)));
    }

    /// Waits until every entry queued before this call is written (or failed to be).
    pub async fn flush(&self, store: &Arc<Store>) {
        let (tx, rx) = oneshot::channel();
        if self.sender(store).send(Message::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

async fn write_loop(store: Arc<Store>, mut rx: mpsc::UnboundedReceiver<Message>) {
    while let Some(first) = rx.recv().await {
        let mut batch = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Call(c) => batch.push(*c),
                Message::Flush(f) => flushes.push(f),
            }
            if batch.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            let batch = Arc::new(batch);
            if let Err(e) = store.write(move |r| r.insert_calls(&batch)).await {
                tracing::error!(error = %e, "cannot write the call log");
            }
        }
        for f in flushes {
            let _ = f.send(());
        }
    }
}
