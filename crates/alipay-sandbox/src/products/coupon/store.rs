//! Store tables and queries of cash red packets (owned by `crate::products::coupon`).
//!
//! Add tables by appending to [`MIGRATIONS`] (never edit a shipped entry) and queries as methods of
//! [`CouponRepo`], implemented here for `SqlRepo`. Every method runs inside the caller's transaction.
//!
//! Two tables:
//! - `coupon_orders`: one red packet (a fund-authorisation order, `auth_no`) with what was paid into it
//!   (`amount`), what went out to payees (`disbursed`) and back to the payer (`refunded`). What remains is
//!   `amount - disbursed - refunded` once the order is `SUCCESS`; the sandbox holds that money itself.
//! - `coupon_operations`: one money movement (`operation_id`) on a red packet: the funding payment, a
//!   disbursement, a refund, or the timeout refund. Each merchant request (`out_request_no`) is one row; the
//!   row keeps a fingerprint of the request so a replay can be told from a changed one.
//!
//! Every lookup a gateway method makes names the app and the merchant (`app_id`, `seller_id`): one app never
//! reads another's red packets.

use crate::store::sql::{params, Row};
use alipay_api::coupon::{CouponStatus, OperationType};
use alipay_core::{Money, SignType};

use crate::store::sql::{text_value, SqlRepo};
use crate::store::StoreError;

/// This component's ordered migrations; versions are tracked per component (`component_versions`).
pub const MIGRATIONS: &[&str] = &[
    // 1: red packets and their money movements.
    r#"
    CREATE TABLE coupon_orders (
        auth_no TEXT PRIMARY KEY, app_id TEXT NOT NULL, seller_id TEXT NOT NULL, out_order_no TEXT NOT NULL,
        kind TEXT NOT NULL, status TEXT NOT NULL, payer_id TEXT, amount INTEGER NOT NULL,
        disbursed INTEGER NOT NULL, refunded INTEGER NOT NULL, order_title TEXT NOT NULL,
        pay_expire_at INTEGER NOT NULL, notify_url TEXT, charset TEXT NOT NULL, sign_type TEXT NOT NULL,
        gmt_create INTEGER NOT NULL, gmt_trans INTEGER, gmt_timeout_refund INTEGER,
        UNIQUE (app_id, seller_id, out_order_no));
    CREATE INDEX coupon_orders_open ON coupon_orders(status, gmt_trans);
    CREATE TABLE coupon_operations (
        operation_id TEXT PRIMARY KEY, auth_no TEXT NOT NULL REFERENCES coupon_orders(auth_no),
        app_id TEXT NOT NULL, seller_id TEXT NOT NULL, out_order_no TEXT NOT NULL, out_request_no TEXT,
        kind TEXT NOT NULL, operation_type TEXT NOT NULL, status TEXT NOT NULL, amount INTEGER NOT NULL,
        payer_id TEXT, payee_id TEXT, order_title TEXT, remark TEXT, fingerprint TEXT NOT NULL,
        gmt_create INTEGER NOT NULL, gmt_trans INTEGER,
        UNIQUE (app_id, seller_id, out_request_no));
    CREATE INDEX coupon_operations_by_order ON coupon_operations(auth_no);
    "#,
];

/// A small enum stored as text (and shown as that text by the controls).
macro_rules! stored_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// As stored.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Parses a stored text.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

stored_enum! {
    /// How a red packet is funded.
    pub enum FundKind {
        /// `alipay.fund.coupon.order.agreement.pay`.
        Agreement = "agreement",
        /// `alipay.fund.coupon.order.page.pay`.
        Page = "page",
        /// `alipay.fund.coupon.order.app.pay`.
        App = "app",
    }
}

stored_enum! {
    /// What a money movement on a red packet is.
    pub enum OperationKind {
        /// The funding payment (`PAY`).
        Fund = "fund",
        /// A disbursement to a payee (`PAY`).
        Disburse = "disburse",
        /// A merchant's refund to the payer (`REFUND`).
        Refund = "refund",
        /// The sandbox's refund of the unclaimed rest at the timeout (`REFUND`).
        TimeoutRefund = "timeout_refund",
    }
}

text_value!(parse: FundKind, OperationKind);
text_value!(from: CouponStatus, OperationType);

/// One red packet: a fund-authorisation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponOrderRecord {
    /// Alipay's fund-authorisation order number (28 digits).
    pub auth_no: String,
    /// The app that created it.
    pub app_id: String,
    /// The merchant it belongs to (the app's, or the one an `app_auth_token` named).
    pub seller_id: String,
    /// The merchant's order number.
    pub out_order_no: String,
    /// How it is funded: `agreement`, `page` or `app`.
    pub kind: FundKind,
    /// `INIT` (waiting for the payer), `SUCCESS` (paid), `CLOSED` (unpaid at its pay timeout).
    pub status: CouponStatus,
    /// Who paid (a merchant PID or a buyer's user id); `None` until paid.
    pub payer_id: Option<String>,
    /// What was (or is to be) paid in.
    pub amount: Money,
    /// What went out to payees.
    pub disbursed: Money,
    /// What went back to the payer (refunds and the timeout refund).
    pub refunded: Money,
    /// Title.
    pub order_title: String,
    /// An `INIT` order closes at this instant (sandbox clock).
    pub pay_expire_at: i64,
    /// Where notifications about it go.
    pub notify_url: Option<String>,
    /// The charset of its notifications.
    pub charset: String,
    /// The sign type of its notifications.
    pub sign_type: SignType,
    /// Created (sandbox clock).
    pub gmt_create: i64,
    /// Paid (sandbox clock).
    pub gmt_trans: Option<i64>,
    /// When the unclaimed rest went back to the payer at the timeout.
    pub gmt_timeout_refund: Option<i64>,
}

impl CouponOrderRecord {
    /// What is left to disburse or refund: `amount - disbursed - refunded` when paid, zero otherwise.
    pub fn remaining(&self) -> Option<Money> {
        if self.status != CouponStatus::Success {
            return Some(Money::ZERO);
        }
        self.amount.checked_sub(self.disbursed)?.checked_sub(self.refunded)
    }
}

/// One money movement on a red packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponOperationRecord {
    /// Alipay's operation number (28 digits).
    pub operation_id: String,
    /// The red packet it moves money of.
    pub auth_no: String,
    /// The app that asked for it.
    pub app_id: String,
    /// The merchant it belongs to.
    pub seller_id: String,
    /// The merchant's order number: the red packet's, or the disbursement's own.
    pub out_order_no: String,
    /// The merchant's request number; `None` for the sandbox's own timeout refund.
    pub out_request_no: Option<String>,
    /// `fund`, `disburse`, `refund` or `timeout_refund`.
    pub kind: OperationKind,
    /// `PAY` or `REFUND`.
    pub operation_type: OperationType,
    /// `INIT`, `SUCCESS` or `CLOSED`.
    pub status: CouponStatus,
    /// The amount moved.
    pub amount: Money,
    /// Whose balance it leaves (a merchant PID or a buyer's user id), when known.
    pub payer_id: Option<String>,
    /// Whose balance it reaches, for disbursements and refunds.
    pub payee_id: Option<String>,
    /// Title.
    pub order_title: Option<String>,
    /// Note.
    pub remark: Option<String>,
    /// The request as it was understood (method and canonical fields), to tell a replay from a change.
    pub fingerprint: String,
    /// Created (sandbox clock).
    pub gmt_create: i64,
    /// When the money moved.
    pub gmt_trans: Option<i64>,
}

/// Red-packet persistence: an extension of [`crate::store::Repo`], so engines reach it through `&dyn Repo`.
pub trait CouponRepo {
    /// A red packet by `auth_no`, whoever owns it (simulation controls only).
    fn coupon_order(&self, auth_no: &str) -> Result<Option<CouponOrderRecord>, StoreError>;
    /// A red packet of one app and merchant by `auth_no`.
    fn coupon_order_of(
        &self,
        app_id: &str,
        seller_id: &str,
        auth_no: &str,
    ) -> Result<Option<CouponOrderRecord>, StoreError>;
    /// A red packet of one app and merchant by the merchant's order number.
    fn coupon_order_by_out_no(
        &self,
        app_id: &str,
        seller_id: &str,
        out_order_no: &str,
    ) -> Result<Option<CouponOrderRecord>, StoreError>;
    /// Creates a red packet.
    fn insert_coupon_order(&self, order: &CouponOrderRecord) -> Result<(), StoreError>;
    /// Saves a red packet's mutable fields (status, payer, amounts, times).
    fn update_coupon_order(&self, order: &CouponOrderRecord) -> Result<(), StoreError>;
    /// Red packets, newest first, optionally of one app.
    fn coupon_orders(&self, app_id: Option<&str>, limit: usize) -> Result<Vec<CouponOrderRecord>, StoreError>;
    /// `INIT` red packets whose pay timeout is at or before `now`.
    fn coupon_unpaid_expired(&self, now: i64, limit: usize) -> Result<Vec<CouponOrderRecord>, StoreError>;
    /// Paid red packets paid at or before `paid_before` whose timeout refund has not run yet.
    fn coupon_refund_due(&self, paid_before: i64, limit: usize) -> Result<Vec<CouponOrderRecord>, StoreError>;
    /// The sum of what remains in every paid red packet.
    fn coupon_open_total(&self) -> Result<Money, StoreError>;

    /// An operation of one app and merchant by the merchant's request number.
    fn coupon_operation_by_request(
        &self,
        app_id: &str,
        seller_id: &str,
        out_request_no: &str,
    ) -> Result<Option<CouponOperationRecord>, StoreError>;
    /// An operation of one app and merchant by `auth_no` + `operation_id`.
    fn coupon_operation(
        &self,
        app_id: &str,
        seller_id: &str,
        auth_no: &str,
        operation_id: &str,
    ) -> Result<Option<CouponOperationRecord>, StoreError>;
    /// An operation of one app and merchant by `out_order_no` + `out_request_no`.
    fn coupon_operation_by_out(
        &self,
        app_id: &str,
        seller_id: &str,
        out_order_no: &str,
        out_request_no: &str,
    ) -> Result<Option<CouponOperationRecord>, StoreError>;
    /// The disbursement of one app and merchant whose own `out_order_no` this is (unique among them).
    fn coupon_disbursement_by_out_no(
        &self,
        app_id: &str,
        seller_id: &str,
        out_order_no: &str,
    ) -> Result<Option<CouponOperationRecord>, StoreError>;
    /// The operations of one red packet, oldest first.
    fn coupon_operations_of(&self, auth_no: &str) -> Result<Vec<CouponOperationRecord>, StoreError>;
    /// Records an operation.
    fn insert_coupon_operation(&self, op: &CouponOperationRecord) -> Result<(), StoreError>;
    /// Saves an operation's mutable fields (status, payer, `gmt_trans`).
    fn update_coupon_operation(&self, op: &CouponOperationRecord) -> Result<(), StoreError>;
}

const ORDER_COLUMNS: &str = "auth_no, app_id, seller_id, out_order_no, kind, status, payer_id, amount, disbursed, \
    refunded, order_title, pay_expire_at, notify_url, charset, sign_type, gmt_create, gmt_trans, gmt_timeout_refund";

const OPERATION_COLUMNS: &str = "operation_id, auth_no, app_id, seller_id, out_order_no, out_request_no, kind, \
    operation_type, status, amount, payer_id, payee_id, order_title, remark, fingerprint, gmt_create, gmt_trans";

fn order_row(r: &Row) -> Result<CouponOrderRecord, StoreError> {
    Ok(CouponOrderRecord {
        auth_no: r.get("auth_no")?,
        app_id: r.get("app_id")?,
        seller_id: r.get("seller_id")?,
        out_order_no: r.get("out_order_no")?,
        kind: r.get("kind")?,
        status: r.get("status")?,
        payer_id: r.get("payer_id")?,
        amount: r.get("amount")?,
        disbursed: r.get("disbursed")?,
        refunded: r.get("refunded")?,
        order_title: r.get("order_title")?,
        pay_expire_at: r.get("pay_expire_at")?,
        notify_url: r.get("notify_url")?,
        charset: r.get("charset")?,
        sign_type: r.get("sign_type")?,
        gmt_create: r.get("gmt_create")?,
        gmt_trans: r.get("gmt_trans")?,
        gmt_timeout_refund: r.get("gmt_timeout_refund")?,
    })
}

fn operation_row(r: &Row) -> Result<CouponOperationRecord, StoreError> {
    Ok(CouponOperationRecord {
        operation_id: r.get("operation_id")?,
        auth_no: r.get("auth_no")?,
        app_id: r.get("app_id")?,
        seller_id: r.get("seller_id")?,
        out_order_no: r.get("out_order_no")?,
        out_request_no: r.get("out_request_no")?,
        kind: r.get("kind")?,
        operation_type: r.get("operation_type")?,
        status: r.get("status")?,
        amount: r.get("amount")?,
        payer_id: r.get("payer_id")?,
        payee_id: r.get("payee_id")?,
        order_title: r.get("order_title")?,
        remark: r.get("remark")?,
        fingerprint: r.get("fingerprint")?,
        gmt_create: r.get("gmt_create")?,
        gmt_trans: r.get("gmt_trans")?,
    })
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl SqlRepo<'_> {
    fn coupon_orders_where(
        &self,
        clause: &str,
        args: impl crate::store::sql::IntoArgs,
    ) -> Result<Vec<CouponOrderRecord>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM coupon_orders WHERE {clause}");
        let rows = self.rows(&sql, args, order_row)?;
        Ok(rows)
    }

    fn coupon_operations_where(
        &self,
        clause: &str,
        args: impl crate::store::sql::IntoArgs,
    ) -> Result<Vec<CouponOperationRecord>, StoreError> {
        let sql = format!("SELECT {OPERATION_COLUMNS} FROM coupon_operations WHERE {clause}");
        let rows = self.rows(&sql, args, operation_row)?;
        Ok(rows)
    }
}

impl<R: crate::store::Repo + ?Sized> CouponRepo for R {
    fn coupon_order(&self, auth_no: &str) -> Result<Option<CouponOrderRecord>, StoreError> {
        Ok(self.sql().coupon_orders_where("auth_no = ?1", [auth_no])?.into_iter().next())
    }

    fn coupon_order_of(
        &self,
        app_id: &str,
        seller_id: &str,
        auth_no: &str,
    ) -> Result<Option<CouponOrderRecord>, StoreError> {
        let rows = self
            .sql()
            .coupon_orders_where("app_id = ?1 AND seller_id = ?2 AND auth_no = ?3", [app_id, seller_id, auth_no])?;
        Ok(rows.into_iter().next())
    }

    fn coupon_order_by_out_no(
        &self,
        app_id: &str,
        seller_id: &str,
        out_order_no: &str,
    ) -> Result<Option<CouponOrderRecord>, StoreError> {
        let rows = self.sql().coupon_orders_where(
            "app_id = ?1 AND seller_id = ?2 AND out_order_no = ?3",
            [app_id, seller_id, out_order_no],
        )?;
        Ok(rows.into_iter().next())
    }

    fn insert_coupon_order(&self, o: &CouponOrderRecord) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO coupon_orders ({ORDER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
             ?13, ?14, ?15, ?16, ?17, ?18)"
        );
        self.sql().exec(
            &sql,
            params![
                o.auth_no,
                o.app_id,
                o.seller_id,
                o.out_order_no,
                o.kind,
                o.status,
                o.payer_id,
                o.amount,
                o.disbursed,
                o.refunded,
                o.order_title,
                o.pay_expire_at,
                o.notify_url,
                o.charset,
                o.sign_type,
                o.gmt_create,
                o.gmt_trans,
                o.gmt_timeout_refund,
            ],
        )?;
        Ok(())
    }

    fn update_coupon_order(&self, o: &CouponOrderRecord) -> Result<(), StoreError> {
        self.sql().exec(
            "UPDATE coupon_orders SET status = ?2, payer_id = ?3, disbursed = ?4, refunded = ?5, gmt_trans = ?6, \
             gmt_timeout_refund = ?7 WHERE auth_no = ?1",
            params![o.auth_no, o.status, o.payer_id, o.disbursed, o.refunded, o.gmt_trans, o.gmt_timeout_refund],
        )?;
        Ok(())
    }

    fn coupon_orders(&self, app_id: Option<&str>, limit: usize) -> Result<Vec<CouponOrderRecord>, StoreError> {
        self.sql().coupon_orders_where(
            "(CAST(?1 AS TEXT) IS NULL OR app_id = ?1) ORDER BY gmt_create DESC, auth_no DESC LIMIT ?2",
            params![app_id, limit_of(limit)],
        )
    }

    fn coupon_unpaid_expired(&self, now: i64, limit: usize) -> Result<Vec<CouponOrderRecord>, StoreError> {
        self.sql().coupon_orders_where(
            "status = ?3 AND pay_expire_at <= ?1 ORDER BY pay_expire_at LIMIT ?2",
            params![now, limit_of(limit), CouponStatus::Init],
        )
    }

    fn coupon_refund_due(&self, paid_before: i64, limit: usize) -> Result<Vec<CouponOrderRecord>, StoreError> {
        self.sql().coupon_orders_where(
            "status = ?3 AND gmt_timeout_refund IS NULL AND gmt_trans <= ?1 ORDER BY gmt_trans LIMIT ?2",
            params![paid_before, limit_of(limit), CouponStatus::Success],
        )
    }

    fn coupon_open_total(&self) -> Result<Money, StoreError> {
        self.sql().one(
            "SELECT CAST(COALESCE(SUM(amount - disbursed - refunded), 0) AS BIGINT) AS open_total FROM coupon_orders WHERE status = ?1",
            [CouponStatus::Success],
            |r| r.get("open_total"),
        )
    }

    fn coupon_operation_by_request(
        &self,
        app_id: &str,
        seller_id: &str,
        out_request_no: &str,
    ) -> Result<Option<CouponOperationRecord>, StoreError> {
        let rows = self.sql().coupon_operations_where(
            "app_id = ?1 AND seller_id = ?2 AND out_request_no = ?3",
            [app_id, seller_id, out_request_no],
        )?;
        Ok(rows.into_iter().next())
    }

    fn coupon_operation(
        &self,
        app_id: &str,
        seller_id: &str,
        auth_no: &str,
        operation_id: &str,
    ) -> Result<Option<CouponOperationRecord>, StoreError> {
        let rows = self.sql().coupon_operations_where(
            "app_id = ?1 AND seller_id = ?2 AND auth_no = ?3 AND operation_id = ?4",
            [app_id, seller_id, auth_no, operation_id],
        )?;
        Ok(rows.into_iter().next())
    }

    fn coupon_operation_by_out(
        &self,
        app_id: &str,
        seller_id: &str,
        out_order_no: &str,
        out_request_no: &str,
    ) -> Result<Option<CouponOperationRecord>, StoreError> {
        let rows = self.sql().coupon_operations_where(
            "app_id = ?1 AND seller_id = ?2 AND out_order_no = ?3 AND out_request_no = ?4",
            [app_id, seller_id, out_order_no, out_request_no],
        )?;
        Ok(rows.into_iter().next())
    }

    fn coupon_disbursement_by_out_no(
        &self,
        app_id: &str,
        seller_id: &str,
        out_order_no: &str,
    ) -> Result<Option<CouponOperationRecord>, StoreError> {
        let rows = self.sql().coupon_operations_where(
            "app_id = ?1 AND seller_id = ?2 AND out_order_no = ?3 AND kind = ?4 ORDER BY gmt_create, rowid LIMIT 1",
            params![app_id, seller_id, out_order_no, OperationKind::Disburse],
        )?;
        Ok(rows.into_iter().next())
    }

    fn coupon_operations_of(&self, auth_no: &str) -> Result<Vec<CouponOperationRecord>, StoreError> {
        self.sql().coupon_operations_where("auth_no = ?1 ORDER BY gmt_create, rowid", [auth_no])
    }

    fn insert_coupon_operation(&self, op: &CouponOperationRecord) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO coupon_operations ({OPERATION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
             ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        );
        self.sql().exec(
            &sql,
            params![
                op.operation_id,
                op.auth_no,
                op.app_id,
                op.seller_id,
                op.out_order_no,
                op.out_request_no,
                op.kind,
                op.operation_type,
                op.status,
                op.amount,
                op.payer_id,
                op.payee_id,
                op.order_title,
                op.remark,
                op.fingerprint,
                op.gmt_create,
                op.gmt_trans,
            ],
        )?;
        Ok(())
    }

    fn update_coupon_operation(&self, op: &CouponOperationRecord) -> Result<(), StoreError> {
        self.sql().exec(
            "UPDATE coupon_operations SET status = ?2, payer_id = ?3, gmt_trans = ?4 WHERE operation_id = ?1",
            params![op.operation_id, op.status, op.payer_id, op.gmt_trans],
        )?;
        Ok(())
    }
}
