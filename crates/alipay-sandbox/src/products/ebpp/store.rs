//! Store tables and queries of EBPP bills (owned by [`crate::products::ebpp`]).
//!
//! Add tables by appending to [`MIGRATIONS`] (never edit a shipped entry) and queries as methods of
//! [`EbppRepo`], implemented here for `SqlRepo`. Every method runs inside the caller's transaction.
//! Migration 1 of this component (`ebpp`) also created the direct-deduct tables of
//! [`crate::products::deduct::store`]: the two families shipped as one component; new deduct tables go to
//! that module's own component.
//!
//! Every lookup of a bill names the merchant (`seller_id`) it belongs to: there is no way to read another
//! merchant's rows through these queries.

use crate::store::sql::{params, Row};
use alipay_api::ebpp::OrderStatus;

use crate::store::sql::text_value;
use crate::store::StoreError;

/// This component's ordered migrations; versions are tracked per component (`component_versions`).
pub const MIGRATIONS: &[&str] = &[
    // 1: bills, payment-password tokens, deduct agreements, deductions, holds and injected failures.
    r#"
    CREATE TABLE ebpp_bills (
        seller_id TEXT NOT NULL, merchant_order_no TEXT NOT NULL, alipay_order_no TEXT NOT NULL UNIQUE,
        app_id TEXT NOT NULL, order_type TEXT NOT NULL, request TEXT NOT NULL, status TEXT NOT NULL,
        buyer_id TEXT, gmt_create INTEGER NOT NULL, gmt_pay INTEGER,
        PRIMARY KEY (seller_id, merchant_order_no));
    CREATE TABLE ebpp_pay_tokens (
        token TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL);
    CREATE TABLE ebpp_agreements (
        agreement_id TEXT PRIMARY KEY, seller_id TEXT NOT NULL, app_id TEXT NOT NULL, user_id TEXT NOT NULL,
        biz_type TEXT NOT NULL, sub_biz_type TEXT NOT NULL, charge_inst TEXT NOT NULL, bill_key TEXT NOT NULL,
        pid TEXT NOT NULL, out_agreement_id TEXT, request TEXT NOT NULL, status TEXT NOT NULL,
        sign_date INTEGER NOT NULL, cancel_date INTEGER);
    CREATE INDEX ebpp_agreements_by_bill
        ON ebpp_agreements(seller_id, user_id, biz_type, sub_biz_type, charge_inst, bill_key, status);
    CREATE TABLE ebpp_deductions (
        seller_id TEXT NOT NULL, out_order_no TEXT NOT NULL, bill_no TEXT NOT NULL UNIQUE,
        agreement_id TEXT NOT NULL, user_id TEXT NOT NULL, pid TEXT NOT NULL, amount INTEGER NOT NULL,
        request TEXT NOT NULL, status TEXT NOT NULL, result_code TEXT NOT NULL, result_msg TEXT NOT NULL,
        gmt_create INTEGER NOT NULL, gmt_finish INTEGER,
        PRIMARY KEY (seller_id, out_order_no));
    CREATE TABLE ebpp_holds (
        scope TEXT NOT NULL, key TEXT NOT NULL, remaining INTEGER NOT NULL, PRIMARY KEY (scope, key));
    CREATE TABLE ebpp_faults (
        id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL, sub_code TEXT NOT NULL,
        remaining INTEGER NOT NULL);
    "#,
];

text_value!(from: OrderStatus);

/// A stored EBPP bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EbppBillRecord {
    /// The merchant the bill belongs to.
    pub seller_id: String,
    /// The merchant's order number (unique per merchant).
    pub merchant_order_no: String,
    /// Alipay's order number.
    pub alipay_order_no: String,
    /// The app that created it.
    pub app_id: String,
    /// `order_type`, as sent.
    pub order_type: String,
    /// The `alipay.ebpp.bill.add` request as JSON (compared on replays, echoed in answers).
    pub request: String,
    /// `INIT`, `SUCCESS` or `FAILED` (stored as that text).
    pub status: OrderStatus,
    /// Who paid it.
    pub buyer_id: Option<String>,
    /// Created (unix seconds, sandbox clock).
    pub gmt_create: i64,
    /// Paid (unix seconds, sandbox clock).
    pub gmt_pay: Option<i64>,
}

/// EBPP bill persistence. An extension of [`crate::store::Repo`], implemented for every repository, so engines reach it through `&dyn Repo`.
pub trait EbppRepo {
    /// A bill of `seller_id` by the merchant's order number.
    fn ebpp_bill(&self, seller_id: &str, merchant_order_no: &str) -> Result<Option<EbppBillRecord>, StoreError>;
    /// Stores a new bill.
    fn insert_ebpp_bill(&self, bill: &EbppBillRecord) -> Result<(), StoreError>;
    /// Bills of every merchant, newest first, whose merchant or Alipay order number or buyer contains `query`
    /// (all when `None`): the console's search.
    fn search_ebpp_bills(&self, query: Option<&str>, limit: usize) -> Result<Vec<EbppBillRecord>, StoreError>;
    /// Saves a bill's status, payer and payment time.
    fn update_ebpp_bill(&self, bill: &EbppBillRecord) -> Result<(), StoreError>;
}

const BILL_COLUMNS: &str = "seller_id, merchant_order_no, alipay_order_no, app_id, order_type, request, status, \
    buyer_id, gmt_create, gmt_pay";

fn bill_row(r: &Row) -> Result<EbppBillRecord, StoreError> {
    Ok(EbppBillRecord {
        seller_id: r.get("seller_id")?,
        merchant_order_no: r.get("merchant_order_no")?,
        alipay_order_no: r.get("alipay_order_no")?,
        app_id: r.get("app_id")?,
        order_type: r.get("order_type")?,
        request: r.get("request")?,
        status: r.get("status")?,
        buyer_id: r.get("buyer_id")?,
        gmt_create: r.get("gmt_create")?,
        gmt_pay: r.get("gmt_pay")?,
    })
}

impl<R: crate::store::Repo + ?Sized> EbppRepo for R {
    fn ebpp_bill(&self, seller_id: &str, merchant_order_no: &str) -> Result<Option<EbppBillRecord>, StoreError> {
        let sql = format!("SELECT {BILL_COLUMNS} FROM ebpp_bills WHERE seller_id = ?1 AND merchant_order_no = ?2");
        self.sql().row(&sql, [seller_id, merchant_order_no], bill_row)
    }

    fn search_ebpp_bills(&self, query: Option<&str>, limit: usize) -> Result<Vec<EbppBillRecord>, StoreError> {
        let limit = crate::store::sql::limit_arg(limit);
        let sql = format!(
            "SELECT {BILL_COLUMNS} FROM ebpp_bills WHERE (CAST(?1 AS TEXT) IS NULL OR instr(merchant_order_no, ?1) > 0 \
             OR instr(alipay_order_no, ?1) > 0 OR instr(coalesce(buyer_id, ''), ?1) > 0) \
             ORDER BY gmt_create DESC, rowid DESC LIMIT ?2"
        );
        let rows = self.sql().rows(&sql, crate::store::sql::params![query, limit], bill_row)?;
        Ok(rows)
    }

    fn insert_ebpp_bill(&self, b: &EbppBillRecord) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO ebpp_bills ({BILL_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        self.sql().exec(
            &sql,
            params![
                b.seller_id,
                b.merchant_order_no,
                b.alipay_order_no,
                b.app_id,
                b.order_type,
                b.request,
                b.status,
                b.buyer_id,
                b.gmt_create,
                b.gmt_pay
            ],
        )?;
        Ok(())
    }

    fn update_ebpp_bill(&self, b: &EbppBillRecord) -> Result<(), StoreError> {
        self.sql().exec(
            "UPDATE ebpp_bills SET status = ?3, buyer_id = ?4, gmt_pay = ?5 \
             WHERE seller_id = ?1 AND merchant_order_no = ?2",
            params![b.seller_id, b.merchant_order_no, b.status, b.buyer_id, b.gmt_pay],
        )?;
        Ok(())
    }
}
