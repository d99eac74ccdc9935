//! Schema migrations, applied in order by the program itself; `schema_version` records the last one applied.

use rusqlite::Connection;

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
];

/// Brings the database to the latest schema: the core's migrations, then each component's, each migration in
/// its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_core(conn)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS component_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    )?;
    for (component, migrations) in COMPONENTS {
        let current: i64 = conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM component_versions WHERE component = ?1",
            [component],
            |r| r.get(0),
        )?;
        for (i, sql) in migrations.iter().enumerate() {
            let version = i64::try_from(i).map_err(StoreError::backend)? + 1;
            if version <= current {
                continue;
            }
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO component_versions (component, version) VALUES (?1, ?2) \
                 ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                rusqlite::params![component, version],
            )?;
            tx.commit()?;
            tracing::info!(component, version, "schema migrated");
        }
    }
    Ok(())
}

fn migrate_core(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(i).map_err(StoreError::backend)? + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [version])?;
        tx.commit()?;
        tracing::info!(version, "schema migrated");
    }
    Ok(())
}
