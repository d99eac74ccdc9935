//! Store tables and queries of direct deduct (owned by [`crate::products::deduct`]).
//!
//! The tables were created by migration 1 of the `ebpp` component ([`crate::products::ebpp::store`]); new
//! tables of this family go to [`MIGRATIONS`] (component `deduct`). Queries are methods of [`DeductRepo`],
//! implemented here for `SqlRepo`; every method runs inside the caller's transaction.
//!
//! Every lookup of an agreement or a deduction names the merchant (`seller_id`) it belongs to: there is no way
//! to read another merchant's rows through these queries.

use crate::store::sql::{params, Row};
use alipay_api::deduct::DeductResult;
use alipay_core::Money;

use crate::store::sql::text_value;
use crate::store::StoreError;

/// This component's ordered migrations (its first tables live in the `ebpp` component's migration 1).
pub const MIGRATIONS: &[&str] = &[
    // 1: what a pending deduction reserves of its user's balance (fen; 0 for rows written before, which
    // reserved nothing), and the index the available-balance sum reads.
    r#"
    ALTER TABLE ebpp_deductions ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX ebpp_deductions_pending ON ebpp_deductions(user_id, status);
    "#,
    // 2: one usable agreement per user and bill identity, by the database (two instances on a shared store
    // signing the same identity at once cannot both succeed).
    r#"
    CREATE UNIQUE INDEX ebpp_agreements_one_normal
        ON ebpp_agreements(seller_id, user_id, biz_type, sub_biz_type, charge_inst, bill_key) WHERE status = 'NORMAL';
    "#,
    // 3: reservations are the core store's (`buyer_reservations`, core migration 2): the pending deductions'
    // move there under their holder key ([`reservation_holder`]); the column stays as the deduction's record.
    r#"
    INSERT INTO buyer_reservations (holder, user_id, amount)
        SELECT 'deduct:' || seller_id || ':' || out_order_no, user_id, reserved FROM ebpp_deductions
        WHERE status = '0' AND reserved > 0;
    "#,
];

/// The key under which a pending deduction holds its reservation in the core store.
pub fn reservation_holder(seller_id: &str, out_order_no: &str) -> String {
    format!("deduct:{seller_id}:{out_order_no}")
}

/// The state of a direct-deduct agreement.
///
/// One vocabulary, two spellings: the store and the simulation controls (`status`) say `NORMAL` / `CANCEL`;
/// the gateway's `agreement_status` (seed 000) says `success` / `cancel` for the same states
/// ([`AgreementStatus::agreement_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementStatus {
    /// Signed and usable (`NORMAL`; the gateway answers `success`).
    Normal,
    /// Cancelled by `alipay.ebpp.pdeduct.sign.cancel` (`CANCEL`; the gateway answers `cancel`).
    Cancel,
}

impl AgreementStatus {
    /// As stored and shown by the controls.
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::Normal => "NORMAL",
            AgreementStatus::Cancel => "CANCEL",
        }
    }

    /// Parses a stored text.
    pub fn parse(text: &str) -> Option<AgreementStatus> {
        match text {
            "NORMAL" => Some(AgreementStatus::Normal),
            "CANCEL" => Some(AgreementStatus::Cancel),
            _ => None,
        }
    }

    /// As the gateway answers it in `agreement_status`.
    pub fn agreement_status(self) -> &'static str {
        match self {
            AgreementStatus::Normal => "success",
            AgreementStatus::Cancel => "cancel",
        }
    }
}

text_value!(parse: AgreementStatus);
text_value!(from: DeductResult);

impl serde::Serialize for AgreementStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A `pay_password_token` issued for a user by the simulation control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayTokenRecord {
    /// The token.
    pub token: String,
    /// The user who authorised.
    pub user_id: String,
    /// Expiry (unix seconds, sandbox clock).
    pub expires_at: i64,
    /// Consumed by a sign or a cancel.
    pub used: bool,
}

/// A direct-deduct agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRecord {
    /// Alipay's agreement id (32 digits).
    pub agreement_id: String,
    /// The merchant that signed the user up (the caller's merchant).
    pub seller_id: String,
    /// The app that signed.
    pub app_id: String,
    /// The user.
    pub user_id: String,
    /// Business type.
    pub biz_type: String,
    /// Sub-type.
    pub sub_biz_type: String,
    /// Billing institution.
    pub charge_inst: String,
    /// Household number.
    pub bill_key: String,
    /// The institution's merchant PID: deductions are paid to it.
    pub pid: String,
    /// The institution's own agreement id.
    pub out_agreement_id: Option<String>,
    /// The `alipay.ebpp.pdeduct.sign.add` request as JSON.
    pub request: String,
    /// `NORMAL` or `CANCEL`.
    pub status: AgreementStatus,
    /// Signed (unix seconds, sandbox clock).
    pub sign_date: i64,
    /// Cancelled (unix seconds, sandbox clock).
    pub cancel_date: Option<i64>,
}

/// One deduction (`alipay.ebpp.pdeduct.pay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeductionRecord {
    /// The merchant that asked for it.
    pub seller_id: String,
    /// The institution's order number (idempotency key, unique per merchant).
    pub out_order_no: String,
    /// Alipay's order number.
    pub bill_no: String,
    /// The agreement charged.
    pub agreement_id: String,
    /// The user charged.
    pub user_id: String,
    /// The merchant paid.
    pub pid: String,
    /// `pay_amount` (stored in fen).
    pub amount: Money,
    /// The request as JSON (compared on replays).
    pub request: String,
    /// `0` unknown, `1` success, `2` failed (stored as that text).
    pub status: DeductResult,
    /// `order_result_code`.
    pub result_code: String,
    /// `order_result_msg`.
    pub result_msg: String,
    /// Created (unix seconds, sandbox clock).
    pub gmt_create: i64,
    /// Settled or failed (unix seconds, sandbox clock).
    pub gmt_finish: Option<i64>,
    /// What it reserves of the user's balance while pending (`status` 0): its amount, or zero when the
    /// available balance could not cover it as it went pending. Kept after it settles (no longer counted).
    pub reserved: Money,
}

/// Direct-deduct persistence. An extension of [`crate::store::Repo`], implemented for every repository, so engines reach it through `&dyn Repo`.
pub trait DeductRepo {
    /// A payment-password token.
    fn pay_token(&self, token: &str) -> Result<Option<PayTokenRecord>, StoreError>;
    /// Stores a token.
    fn insert_pay_token(&self, token: &PayTokenRecord) -> Result<(), StoreError>;
    /// Marks a token used.
    fn use_pay_token(&self, token: &str) -> Result<(), StoreError>;

    /// An agreement of `seller_id` (any status).
    fn agreement(&self, seller_id: &str, agreement_id: &str) -> Result<Option<AgreementRecord>, StoreError>;
    /// The `NORMAL` agreement of `seller_id` for a user and a bill identity.
    fn agreement_by_bill(
        &self,
        seller_id: &str,
        user_id: &str,
        identity: [&str; 4],
    ) -> Result<Option<AgreementRecord>, StoreError>;
    /// Stores a new agreement.
    fn insert_agreement(&self, agreement: &AgreementRecord) -> Result<(), StoreError>;
    /// Marks an agreement cancelled at `now`.
    fn cancel_agreement(&self, agreement_id: &str, now: i64) -> Result<(), StoreError>;

    /// A deduction of `seller_id` by the institution's order number.
    fn deduction(&self, seller_id: &str, out_order_no: &str) -> Result<Option<DeductionRecord>, StoreError>;
    /// Stores a new deduction.
    fn insert_deduction(&self, deduction: &DeductionRecord) -> Result<(), StoreError>;
    /// Saves a deduction's status, result code/message and finish time.
    fn update_deduction(&self, deduction: &DeductionRecord) -> Result<(), StoreError>;

    /// Sets how many coming deductions of `scope` (`agreement` or `user`) `key` stay unknown.
    fn set_hold(&self, scope: &str, key: &str, count: i64) -> Result<(), StoreError>;
    /// Consumes one hold of `(scope, key)`; `true` if there was one.
    fn take_hold(&self, scope: &str, key: &str) -> Result<bool, StoreError>;
    /// Consumes every hold of `(scope, key)`; how many there were.
    fn take_all_holds(&self, scope: &str, key: &str) -> Result<i64, StoreError>;

    /// Queues `count` injected failures `sub_code` for `method`.
    fn add_ebpp_fault(&self, method: &str, sub_code: &str, count: i64) -> Result<(), StoreError>;
    /// Consumes the oldest injected failure for `method`; its sub_code.
    fn take_ebpp_fault(&self, method: &str) -> Result<Option<String>, StoreError>;
    /// Deductions of every merchant, newest first, whose out_order_no, bill_no, agreement id or user id
    /// contains `query` (all when `None`): the console's search.
    fn search_deductions(&self, query: Option<&str>, limit: usize) -> Result<Vec<DeductionRecord>, StoreError>;
    /// Agreements of every merchant, newest first, whose agreement id, user id or bill key contains `query`.
    fn search_agreements(&self, query: Option<&str>, limit: usize) -> Result<Vec<AgreementRecord>, StoreError>;
    /// Pending injected failures: `(method, sub_code, remaining)`.
    fn ebpp_faults(&self) -> Result<Vec<(String, String, i64)>, StoreError>;
}

const AGREEMENT_COLUMNS: &str = "agreement_id, seller_id, app_id, user_id, biz_type, sub_biz_type, charge_inst, \
    bill_key, pid, out_agreement_id, request, status, sign_date, cancel_date";

const DEDUCTION_COLUMNS: &str = "seller_id, out_order_no, bill_no, agreement_id, user_id, pid, amount, request, \
    status, result_code, result_msg, gmt_create, gmt_finish, reserved";

fn agreement_row(r: &Row) -> Result<AgreementRecord, StoreError> {
    Ok(AgreementRecord {
        agreement_id: r.get("agreement_id")?,
        seller_id: r.get("seller_id")?,
        app_id: r.get("app_id")?,
        user_id: r.get("user_id")?,
        biz_type: r.get("biz_type")?,
        sub_biz_type: r.get("sub_biz_type")?,
        charge_inst: r.get("charge_inst")?,
        bill_key: r.get("bill_key")?,
        pid: r.get("pid")?,
        out_agreement_id: r.get("out_agreement_id")?,
        request: r.get("request")?,
        status: r.get("status")?,
        sign_date: r.get("sign_date")?,
        cancel_date: r.get("cancel_date")?,
    })
}

fn deduction_row(r: &Row) -> Result<DeductionRecord, StoreError> {
    Ok(DeductionRecord {
        seller_id: r.get("seller_id")?,
        out_order_no: r.get("out_order_no")?,
        bill_no: r.get("bill_no")?,
        agreement_id: r.get("agreement_id")?,
        user_id: r.get("user_id")?,
        pid: r.get("pid")?,
        amount: r.get("amount")?,
        request: r.get("request")?,
        status: r.get("status")?,
        result_code: r.get("result_code")?,
        result_msg: r.get("result_msg")?,
        gmt_create: r.get("gmt_create")?,
        gmt_finish: r.get("gmt_finish")?,
        reserved: r.get("reserved")?,
    })
}

impl<R: crate::store::Repo + ?Sized> DeductRepo for R {
    fn pay_token(&self, token: &str) -> Result<Option<PayTokenRecord>, StoreError> {
        self.sql().row("SELECT token, user_id, expires_at, used FROM ebpp_pay_tokens WHERE token = ?1", [token], |r| {
            Ok(PayTokenRecord {
                token: r.get("token")?,
                user_id: r.get("user_id")?,
                expires_at: r.get("expires_at")?,
                used: r.get::<_, i64>("used")? != 0,
            })
        })
    }

    fn insert_pay_token(&self, t: &PayTokenRecord) -> Result<(), StoreError> {
        self.sql().exec(
            "INSERT INTO ebpp_pay_tokens (token, user_id, expires_at, used) VALUES (?1, ?2, ?3, ?4)",
            params![t.token, t.user_id, t.expires_at, i64::from(t.used)],
        )?;
        Ok(())
    }

    fn use_pay_token(&self, token: &str) -> Result<(), StoreError> {
        self.sql().exec("UPDATE ebpp_pay_tokens SET used = 1 WHERE token = ?1", [token])?;
        Ok(())
    }

    fn agreement(&self, seller_id: &str, agreement_id: &str) -> Result<Option<AgreementRecord>, StoreError> {
        let sql = format!("SELECT {AGREEMENT_COLUMNS} FROM ebpp_agreements WHERE seller_id = ?1 AND agreement_id = ?2");
        self.sql().row(&sql, [seller_id, agreement_id], agreement_row)
    }

    fn agreement_by_bill(
        &self,
        seller_id: &str,
        user_id: &str,
        identity: [&str; 4],
    ) -> Result<Option<AgreementRecord>, StoreError> {
        let [biz_type, sub_biz_type, charge_inst, bill_key] = identity;
        let sql = format!(
            "SELECT {AGREEMENT_COLUMNS} FROM ebpp_agreements WHERE seller_id = ?1 AND user_id = ?2 AND biz_type = ?3 \
             AND sub_biz_type = ?4 AND charge_inst = ?5 AND bill_key = ?6 AND status = ?7 \
             ORDER BY sign_date DESC LIMIT 1"
        );
        self.sql().row(
            &sql,
            params![seller_id, user_id, biz_type, sub_biz_type, charge_inst, bill_key, AgreementStatus::Normal],
            agreement_row,
        )
    }

    fn insert_agreement(&self, a: &AgreementRecord) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO ebpp_agreements ({AGREEMENT_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        );
        self.sql().exec(
            &sql,
            params![
                a.agreement_id,
                a.seller_id,
                a.app_id,
                a.user_id,
                a.biz_type,
                a.sub_biz_type,
                a.charge_inst,
                a.bill_key,
                a.pid,
                a.out_agreement_id,
                a.request,
                a.status,
                a.sign_date,
                a.cancel_date
            ],
        )?;
        Ok(())
    }

    fn cancel_agreement(&self, agreement_id: &str, now: i64) -> Result<(), StoreError> {
        self.sql().exec(
            "UPDATE ebpp_agreements SET status = ?3, cancel_date = ?2 WHERE agreement_id = ?1",
            params![agreement_id, now, AgreementStatus::Cancel],
        )?;
        Ok(())
    }

    fn search_deductions(&self, query: Option<&str>, limit: usize) -> Result<Vec<DeductionRecord>, StoreError> {
        let limit = crate::store::sql::limit_arg(limit);
        let sql = format!(
            "SELECT {DEDUCTION_COLUMNS} FROM ebpp_deductions WHERE (CAST(?1 AS TEXT) IS NULL OR instr(out_order_no, ?1) > 0 \
             OR instr(bill_no, ?1) > 0 OR instr(agreement_id, ?1) > 0 OR instr(user_id, ?1) > 0) \
             ORDER BY gmt_create DESC, rowid DESC LIMIT ?2"
        );
        let rows = self.sql().rows(&sql, params![query, limit], deduction_row)?;
        Ok(rows)
    }

    fn search_agreements(&self, query: Option<&str>, limit: usize) -> Result<Vec<AgreementRecord>, StoreError> {
        let limit = crate::store::sql::limit_arg(limit);
        let sql = format!(
            "SELECT {AGREEMENT_COLUMNS} FROM ebpp_agreements WHERE (CAST(?1 AS TEXT) IS NULL OR instr(agreement_id, ?1) > 0 \
             OR instr(user_id, ?1) > 0 OR instr(bill_key, ?1) > 0) ORDER BY sign_date DESC, rowid DESC LIMIT ?2"
        );
        let rows = self.sql().rows(&sql, params![query, limit], agreement_row)?;
        Ok(rows)
    }

    fn deduction(&self, seller_id: &str, out_order_no: &str) -> Result<Option<DeductionRecord>, StoreError> {
        let sql = format!("SELECT {DEDUCTION_COLUMNS} FROM ebpp_deductions WHERE seller_id = ?1 AND out_order_no = ?2");
        self.sql().row(&sql, [seller_id, out_order_no], deduction_row)
    }

    fn insert_deduction(&self, d: &DeductionRecord) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO ebpp_deductions ({DEDUCTION_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        );
        self.sql().exec(
            &sql,
            params![
                d.seller_id,
                d.out_order_no,
                d.bill_no,
                d.agreement_id,
                d.user_id,
                d.pid,
                d.amount,
                d.request,
                d.status,
                d.result_code,
                d.result_msg,
                d.gmt_create,
                d.gmt_finish,
                d.reserved
            ],
        )?;
        Ok(())
    }

    fn update_deduction(&self, d: &DeductionRecord) -> Result<(), StoreError> {
        self.sql().exec(
            "UPDATE ebpp_deductions SET status = ?3, result_code = ?4, result_msg = ?5, gmt_finish = ?6 \
             WHERE seller_id = ?1 AND out_order_no = ?2",
            params![d.seller_id, d.out_order_no, d.status, d.result_code, d.result_msg, d.gmt_finish],
        )?;
        Ok(())
    }

    fn set_hold(&self, scope: &str, key: &str, count: i64) -> Result<(), StoreError> {
        self.sql().exec(
            "INSERT INTO ebpp_holds (scope, key, remaining) VALUES (?1, ?2, ?3) \
             ON CONFLICT (scope, key) DO UPDATE SET remaining = excluded.remaining",
            params![scope, key, count],
        )?;
        Ok(())
    }

    fn take_hold(&self, scope: &str, key: &str) -> Result<bool, StoreError> {
        let n = self.sql().exec(
            "UPDATE ebpp_holds SET remaining = remaining - 1 WHERE scope = ?1 AND key = ?2 AND remaining > 0",
            [scope, key],
        )?;
        Ok(n > 0)
    }

    fn take_all_holds(&self, scope: &str, key: &str) -> Result<i64, StoreError> {
        let n: Option<i64> =
            self.sql().row("SELECT remaining FROM ebpp_holds WHERE scope = ?1 AND key = ?2", [scope, key], |r| {
                r.get("remaining")
            })?;
        let n = n.unwrap_or(0).max(0);
        if n > 0 {
            self.sql().exec("UPDATE ebpp_holds SET remaining = 0 WHERE scope = ?1 AND key = ?2", [scope, key])?;
        }
        Ok(n)
    }

    fn add_ebpp_fault(&self, method: &str, sub_code: &str, count: i64) -> Result<(), StoreError> {
        self.sql().exec(
            "INSERT INTO ebpp_faults (method, sub_code, remaining) VALUES (?1, ?2, ?3)",
            params![method, sub_code, count],
        )?;
        Ok(())
    }

    fn take_ebpp_fault(&self, method: &str) -> Result<Option<String>, StoreError> {
        let found: Option<(i64, String)> = self.sql().row(
            "SELECT id, sub_code FROM ebpp_faults WHERE method = ?1 AND remaining > 0 ORDER BY id LIMIT 1",
            [method],
            |r| Ok((r.get("id")?, r.get("sub_code")?)),
        )?;
        let Some((id, sub_code)) = found else { return Ok(None) };
        self.sql().exec("UPDATE ebpp_faults SET remaining = remaining - 1 WHERE id = ?1", [id])?;
        self.sql().exec("DELETE FROM ebpp_faults WHERE remaining <= 0", params![])?;
        Ok(Some(sub_code))
    }

    fn ebpp_faults(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = self.sql().rows(
            "SELECT method, sub_code, remaining FROM ebpp_faults WHERE remaining > 0 ORDER BY id",
            params![],
            |r| Ok((r.get("method")?, r.get("sub_code")?, r.get("remaining")?)),
        )?;
        Ok(rows)
    }
}
