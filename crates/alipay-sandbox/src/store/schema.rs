//! Schema migrations, applied in order by the program itself; `schema_version` records the last one applied.

use super::sql::{Conn, Dialect, Value};
use super::StoreError;

/// Ordered migrations. Never edit one that shipped: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: accounts, trades, refunds, notification outbox and delivery log.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE merchants (
        pid TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, balance INTEGER NOT NULL,
        primary_app_id TEXT);
    CREATE TABLE apps (
        app_id TEXT PRIMARY KEY, merchant_pid TEXT NOT NULL REFERENCES merchants(pid), public_key TEXT NOT NULL,
        sign_type TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE app_auth_tokens (
        token TEXT PRIMARY KEY, app_id TEXT NOT NULL, merchant_pid TEXT NOT NULL, auth_app_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL);
    CREATE TABLE buyers (
        user_id TEXT PRIMARY KEY, logon_id TEXT NOT NULL, balance INTEGER NOT NULL,
        password_free_limit INTEGER NOT NULL);
    CREATE TABLE payment_codes (
        code TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL);
    CREATE TABLE trades (
        trade_no TEXT PRIMARY KEY, seller_id TEXT NOT NULL, app_id TEXT NOT NULL, auth_app_id TEXT NOT NULL,
        out_trade_no TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, total_amount INTEGER NOT NULL,
        refund_fee INTEGER NOT NULL, subject TEXT NOT NULL, body TEXT, buyer_id TEXT, auth_code TEXT,
        qr_code TEXT, store_id TEXT, terminal_id TEXT, operator_id TEXT, passback_params TEXT, notify_url TEXT,
        charset TEXT NOT NULL, sign_type TEXT NOT NULL, gmt_create INTEGER NOT NULL, gmt_payment INTEGER,
        gmt_close INTEGER, expire_at INTEGER NOT NULL, qr_expire_at INTEGER, cancel_action TEXT, fail_code TEXT,
        UNIQUE (seller_id, out_trade_no));
    CREATE UNIQUE INDEX trades_by_qr ON trades(qr_code) WHERE qr_code IS NOT NULL;
    CREATE INDEX trades_open ON trades(state, expire_at);
    CREATE TABLE refunds (
        trade_no TEXT NOT NULL, out_request_no TEXT NOT NULL, amount INTEGER NOT NULL, reason TEXT,
        gmt_refund INTEGER NOT NULL, refund_fee_after INTEGER NOT NULL, PRIMARY KEY (trade_no, out_request_no));
    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT, notify_id TEXT NOT NULL UNIQUE, trade_no TEXT NOT NULL,
        out_trade_no TEXT NOT NULL, app_id TEXT NOT NULL, url TEXT NOT NULL, charset TEXT NOT NULL,
        sign_type TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
        next_attempt_at_ms INTEGER NOT NULL);
    CREATE INDEX notifications_due ON notifications(status, next_attempt_at_ms);
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT, notification_id INTEGER NOT NULL, attempt INTEGER NOT NULL,
        at_ms INTEGER NOT NULL, http_status INTEGER, response_body TEXT, error TEXT);
    CREATE INDEX deliveries_by_notification ON deliveries(notification_id);
    "#,
];

/// Product components beside the core, each with its own ordered migrations and version.
const COMPONENTS: &[(&str, &[&str])] = &[
    ("ebpp", crate::products::ebpp::store::MIGRATIONS),
    ("coupon", crate::products::coupon::store::MIGRATIONS),
    ("ledger", super::ledger::MIGRATIONS),
    ("deduct", crate::products::deduct::store::MIGRATIONS),
    ("modes", crate::modes::MIGRATIONS),
    ("bill", crate::products::bill::store::MIGRATIONS),
    ("calls", super::calls::MIGRATIONS),
    ("auth", crate::products::auth::store::MIGRATIONS),
];

/// One migration still to apply: the core's (`component` `None`) or a component's.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    component: Option<&'static str>,
    version: i64,
    sql: &'static str,
}

impl Step {
    /// Runs the migration and records it, on a connection inside a transaction. The schema is written in
    /// SQLite's dialect; on PostgreSQL its types are mapped first ([`super::postgres::ddl`]).
    pub fn apply(&self, conn: &dyn Conn) -> Result<(), StoreError> {
        match conn.dialect() {
            Dialect::Sqlite => conn.batch(self.sql)?,
            Dialect::Postgres => conn.batch(&super::postgres::ddl(self.sql))?,
        }
        match self.component {
            None => conn.execute("INSERT INTO schema_version (version) VALUES (?1)", &[Value::Int(self.version)])?,
            Some(component) => conn.execute(
                "INSERT INTO component_versions (component, version) VALUES (?1, ?2) \
                 ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                &[Value::Text(component.to_owned()), Value::Int(self.version)],
            )?,
        };
        tracing::info!(component = self.component.unwrap_or("core"), version = self.version, "schema migrated");
        Ok(())
    }
}

/// The migrations not applied yet, in order: the core's, then each component's. Creates the bookkeeping tables
/// if needed. The caller applies each [`Step`] in its own transaction (and, on a shared database, holds a lock
/// across the whole run so that instances starting together migrate once).
pub fn pending(conn: &dyn Conn) -> Result<Vec<Step>, StoreError> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL); \
         CREATE TABLE IF NOT EXISTS component_versions (component TEXT PRIMARY KEY, version BIGINT NOT NULL)",
    )?;
    let version_of = |sql: &str, args: &[Value]| -> Result<i64, StoreError> {
        let rows = conn.query(sql, args)?;
        rows.first().map_or(Ok(0), |r| r.get::<_, Option<i64>>("v").map(Option::unwrap_or_default))
    };
    let mut steps = Vec::new();
    let core = version_of("SELECT MAX(version) AS v FROM schema_version", &[])?;
    steps.extend(numbered(None, MIGRATIONS).filter(|s| s.version > core));
    for (component, migrations) in COMPONENTS {
        let current = version_of(
            "SELECT MAX(version) AS v FROM component_versions WHERE component = ?1",
            &[Value::Text((*component).to_owned())],
        )?;
        steps.extend(numbered(Some(component), migrations).filter(|s| s.version > current));
    }
    Ok(steps)
}

fn numbered(component: Option<&'static str>, migrations: &'static [&'static str]) -> impl Iterator<Item = Step> {
    migrations.iter().zip(1..).map(move |(sql, version)| Step { component, version, sql })
}
