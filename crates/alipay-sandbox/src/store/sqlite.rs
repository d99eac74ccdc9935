//! [`Repo`] over a SQLite connection.

use std::path::Path;
use std::time::Duration;

use alipay_core::{Money, SignType};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::*;

/// Opens a connection with the sandbox's settings: WAL, `synchronous=FULL`, foreign keys, busy timeout.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Every statement the repository runs is prepared once per connection and reused (parsing costs more than
    // most of the sandbox's queries); the cache holds them all.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Prepared statements kept per connection: more than the repository's distinct statements.
const STATEMENT_CACHE: usize = 256;

/// The SQLite implementation of [`Repo`], borrowing a connection inside a transaction.
pub struct SqliteRepo<'c> {
    pub(super) conn: &'c Connection,
}

impl<'c> SqliteRepo<'c> {
    /// Wraps a connection.
    pub fn new(conn: &'c Connection) -> Self {
        SqliteRepo { conn }
    }
}

const TRADE_COLUMNS: &str = "trade_no, seller_id, app_id, auth_app_id, out_trade_no, kind, state, total_amount, \
    refund_fee, subject, body, buyer_id, auth_code, qr_code, store_id, terminal_id, operator_id, passback_params, \
    notify_url, charset, sign_type, gmt_create, gmt_payment, gmt_close, expire_at, qr_expire_at, cancel_action, \
    fail_code";

const OUTBOX_COLUMNS: &str =
    "id, notify_id, trade_no, out_trade_no, app_id, url, charset, sign_type, params, status, attempts, next_attempt_at_ms";

fn corrupt(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unexpected {what} {value:?}").into(),
    )
}

fn sign_type(value: String) -> rusqlite::Result<SignType> {
    value.parse::<SignType>().map_err(|_| corrupt("sign_type", &value))
}

fn trade_row(r: &Row<'_>) -> rusqlite::Result<TradeRecord> {
    let kind: String = r.get(5)?;
    let state: String = r.get(6)?;
    Ok(TradeRecord {
        trade_no: r.get(0)?,
        seller_id: r.get(1)?,
        app_id: r.get(2)?,
        auth_app_id: r.get(3)?,
        out_trade_no: r.get(4)?,
        kind: TradeKind::parse(&kind).ok_or_else(|| corrupt("trade kind", &kind))?,
        state: TradeState::parse(&state).ok_or_else(|| corrupt("trade state", &state))?,
        total_amount: Money::from_fen(r.get(7)?),
        refund_fee: Money::from_fen(r.get(8)?),
        subject: r.get(9)?,
        body: r.get(10)?,
        buyer_id: r.get(11)?,
        auth_code: r.get(12)?,
        qr_code: r.get(13)?,
        store_id: r.get(14)?,
        terminal_id: r.get(15)?,
        operator_id: r.get(16)?,
        passback_params: r.get(17)?,
        notify_url: r.get(18)?,
        charset: r.get(19)?,
        sign_type: sign_type(r.get(20)?)?,
        gmt_create: r.get(21)?,
        gmt_payment: r.get(22)?,
        gmt_close: r.get(23)?,
        expire_at: r.get(24)?,
        qr_expire_at: r.get(25)?,
        cancel_action: r.get(26)?,
        fail_code: r.get(27)?,
    })
}

fn refund_row(r: &Row<'_>) -> rusqlite::Result<RefundRecord> {
    Ok(RefundRecord {
        trade_no: r.get(0)?,
        out_request_no: r.get(1)?,
        amount: Money::from_fen(r.get(2)?),
        reason: r.get(3)?,
        gmt_refund: r.get(4)?,
        refund_fee_after: Money::from_fen(r.get(5)?),
    })
}

fn outbox_row(r: &Row<'_>) -> rusqlite::Result<OutboxRecord> {
    let params_json: String = r.get(8)?;
    let params: Vec<(String, String)> =
        serde_json::from_str(&params_json).map_err(|_| corrupt("notification params", &params_json))?;
    Ok(OutboxRecord {
        id: r.get(0)?,
        notify_id: r.get(1)?,
        trade_no: r.get(2)?,
        out_trade_no: r.get(3)?,
        app_id: r.get(4)?,
        url: r.get(5)?,
        charset: r.get(6)?,
        sign_type: sign_type(r.get(7)?)?,
        params,
        status: r.get(9)?,
        attempts: r.get(10)?,
        next_attempt_at_ms: r.get(11)?,
    })
}

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        notification_id: r.get(0)?,
        attempt: r.get(1)?,
        at_ms: r.get(2)?,
        http_status: r.get(3)?,
        response_body: r.get(4)?,
        error: r.get(5)?,
    })
}

impl SqliteRepo<'_> {
    /// Runs one statement through the connection's statement cache.
    pub(super) fn exec(&self, sql: &str, args: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.conn.prepare_cached(sql)?.execute(args)
    }

    /// Reads one row through the connection's statement cache.
    pub(super) fn row<T>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.conn.prepare_cached(sql)?.query_row(args, f)
    }

    fn trades_where(&self, clause: &str, args: impl rusqlite::Params) -> Result<Vec<TradeRecord>, StoreError> {
        let sql = format!("SELECT {TRADE_COLUMNS} FROM trades WHERE {clause}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, trade_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn one_trade(&self, clause: &str, args: impl rusqlite::Params) -> Result<Option<TradeRecord>, StoreError> {
        Ok(self.trades_where(clause, args)?.into_iter().next())
    }
}

impl Repo for SqliteRepo<'_> {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    fn next_seq(&self, name: &str) -> Result<i64, StoreError> {
        let key = format!("seq.{name}");
        let current: i64 = self.meta(&key)?.and_then(|v| v.parse().ok()).unwrap_or(0);
        let next = current + 1;
        self.set_meta(&key, &next.to_string())?;
        Ok(next)
    }

    fn app(&self, app_id: &str) -> Result<Option<AppRecord>, StoreError> {
        let row = self
            .row(
                "SELECT app_id, merchant_pid, public_key, sign_type, created_at FROM apps WHERE app_id = ?1",
                [app_id],
                |r| {
                    Ok(AppRecord {
                        app_id: r.get(0)?,
                        merchant_pid: r.get(1)?,
                        public_key: r.get(2)?,
                        sign_type: sign_type(r.get(3)?)?,
                        created_at: r.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    fn insert_app(&self, app: &AppRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO apps (app_id, merchant_pid, public_key, sign_type, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![app.app_id, app.merchant_pid, app.public_key, app.sign_type.as_str(), app.created_at],
        )?;
        Ok(())
    }

    fn merchant(&self, pid: &str) -> Result<Option<MerchantRecord>, StoreError> {
        let row = self
            .row("SELECT pid, name, email, balance, primary_app_id FROM merchants WHERE pid = ?1", [pid], |r| {
                Ok(MerchantRecord {
                    pid: r.get(0)?,
                    name: r.get(1)?,
                    email: r.get(2)?,
                    balance: Money::from_fen(r.get(3)?),
                    primary_app_id: r.get(4)?,
                })
            })
            .optional()?;
        Ok(row)
    }

    fn insert_merchant(&self, m: &MerchantRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO merchants (pid, name, email, balance, primary_app_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![m.pid, m.name, m.email, m.balance.fen(), m.primary_app_id],
        )?;
        Ok(())
    }

    fn set_primary_app(&self, pid: &str, app_id: &str) -> Result<(), StoreError> {
        self.exec("UPDATE merchants SET primary_app_id = ?2 WHERE pid = ?1", [pid, app_id])?;
        Ok(())
    }

    fn auth_token(&self, token: &str) -> Result<Option<AuthTokenRecord>, StoreError> {
        let row = self
            .row(
                "SELECT token, app_id, merchant_pid, auth_app_id, expires_at FROM app_auth_tokens WHERE token = ?1",
                [token],
                |r| {
                    Ok(AuthTokenRecord {
                        token: r.get(0)?,
                        app_id: r.get(1)?,
                        merchant_pid: r.get(2)?,
                        auth_app_id: r.get(3)?,
                        expires_at: r.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    fn insert_auth_token(&self, t: &AuthTokenRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO app_auth_tokens (token, app_id, merchant_pid, auth_app_id, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![t.token, t.app_id, t.merchant_pid, t.auth_app_id, t.expires_at],
        )?;
        Ok(())
    }

    fn buyer(&self, user_id: &str) -> Result<Option<BuyerRecord>, StoreError> {
        let row = self
            .row(
                "SELECT user_id, logon_id, balance, password_free_limit FROM buyers WHERE user_id = ?1",
                [user_id],
                |r| {
                    Ok(BuyerRecord {
                        user_id: r.get(0)?,
                        logon_id: r.get(1)?,
                        balance: Money::from_fen(r.get(2)?),
                        password_free_limit: Money::from_fen(r.get(3)?),
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    fn insert_buyer(&self, b: &BuyerRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO buyers (user_id, logon_id, balance, password_free_limit) VALUES (?1, ?2, ?3, ?4)",
            params![b.user_id, b.logon_id, b.balance.fen(), b.password_free_limit.fen()],
        )?;
        Ok(())
    }

    fn set_buyer_balance(&self, user_id: &str, balance: Money) -> Result<(), StoreError> {
        self.exec("UPDATE buyers SET balance = ?2 WHERE user_id = ?1", params![user_id, balance.fen()])?;
        Ok(())
    }

    fn payment_code(&self, code: &str) -> Result<Option<PaymentCodeRecord>, StoreError> {
        let row = self
            .row("SELECT code, user_id, expires_at, used FROM payment_codes WHERE code = ?1", [code], |r| {
                Ok(PaymentCodeRecord {
                    code: r.get(0)?,
                    user_id: r.get(1)?,
                    expires_at: r.get(2)?,
                    used: r.get::<_, i64>(3)? != 0,
                })
            })
            .optional()?;
        Ok(row)
    }

    fn insert_payment_code(&self, c: &PaymentCodeRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO payment_codes (code, user_id, expires_at, used) VALUES (?1, ?2, ?3, ?4)",
            params![c.code, c.user_id, c.expires_at, i64::from(c.used)],
        )?;
        Ok(())
    }

    fn use_payment_code(&self, code: &str) -> Result<(), StoreError> {
        self.exec("UPDATE payment_codes SET used = 1 WHERE code = ?1", [code])?;
        Ok(())
    }

    fn trade_by_no(&self, seller_id: &str, trade_no: &str) -> Result<Option<TradeRecord>, StoreError> {
        self.one_trade("seller_id = ?1 AND trade_no = ?2", [seller_id, trade_no])
    }

    fn trade_by_out_no(&self, seller_id: &str, out_trade_no: &str) -> Result<Option<TradeRecord>, StoreError> {
        self.one_trade("seller_id = ?1 AND out_trade_no = ?2", [seller_id, out_trade_no])
    }

    fn trade_by_qr(&self, qr_code: &str) -> Result<Option<TradeRecord>, StoreError> {
        self.one_trade("qr_code = ?1", [qr_code])
    }

    fn expired_trades(&self, now: i64, limit: usize) -> Result<Vec<TradeRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.trades_where(
            "state IN ('CREATED', 'WAIT_BUYER_PAY') AND expire_at <= ?1 ORDER BY expire_at LIMIT ?2",
            params![now, limit],
        )
    }

    fn finishable_trades(&self, paid_before: i64, limit: usize) -> Result<Vec<TradeRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.trades_where(
            "state = 'TRADE_SUCCESS' AND gmt_payment <= ?1 ORDER BY gmt_payment LIMIT ?2",
            params![paid_before, limit],
        )
    }

    fn insert_trade(&self, t: &TradeRecord) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO trades ({TRADE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
             ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"
        );
        self.exec(
            &sql,
            params![
                t.trade_no,
                t.seller_id,
                t.app_id,
                t.auth_app_id,
                t.out_trade_no,
                t.kind.as_str(),
                t.state.as_str(),
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
        self.exec(
            "UPDATE trades SET state = ?2, refund_fee = ?3, buyer_id = ?4, gmt_payment = ?5, gmt_close = ?6, \
             cancel_action = ?7, fail_code = ?8 WHERE trade_no = ?1",
            params![
                t.trade_no,
                t.state.as_str(),
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
        let row = self
            .row(
                "SELECT trade_no, out_request_no, amount, reason, gmt_refund, refund_fee_after FROM refunds \
                 WHERE trade_no = ?1 AND out_request_no = ?2",
                [trade_no, out_request_no],
                refund_row,
            )
            .optional()?;
        Ok(row)
    }

    fn bill_trades(&self, seller_id: &str, from: i64, to: i64) -> Result<Vec<TradeRecord>, StoreError> {
        self.trades_where(
            "seller_id = ?1 AND ((gmt_payment >= ?2 AND gmt_payment < ?3) \
             OR (cancel_action = 'refund' AND gmt_close >= ?2 AND gmt_close < ?3)) ORDER BY gmt_payment, trade_no",
            params![seller_id, from, to],
        )
    }

    fn bill_refunds(&self, seller_id: &str, from: i64, to: i64) -> Result<Vec<RefundRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.trade_no, r.out_request_no, r.amount, r.reason, r.gmt_refund, r.refund_fee_after \
             FROM refunds r JOIN trades t ON t.trade_no = r.trade_no \
             WHERE t.seller_id = ?1 AND r.gmt_refund >= ?2 AND r.gmt_refund < ?3 \
             ORDER BY r.gmt_refund, r.trade_no, r.refund_fee_after",
        )?;
        let rows = stmt.query_map(params![seller_id, from, to], refund_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn refunds_of_trade(&self, trade_no: &str) -> Result<Vec<RefundRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT trade_no, out_request_no, amount, reason, gmt_refund, refund_fee_after FROM refunds \
             WHERE trade_no = ?1 ORDER BY refund_fee_after",
        )?;
        let rows = stmt.query_map([trade_no], refund_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn insert_refund(&self, f: &RefundRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO refunds (trade_no, out_request_no, amount, reason, gmt_refund, refund_fee_after) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![f.trade_no, f.out_request_no, f.amount.fen(), f.reason, f.gmt_refund, f.refund_fee_after.fen()],
        )?;
        Ok(())
    }

    fn insert_outbox(&self, n: &OutboxRecord) -> Result<i64, StoreError> {
        let params_json = serde_json::to_string(&n.params).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.exec(
            "INSERT INTO notifications (notify_id, trade_no, out_trade_no, app_id, url, charset, sign_type, params, \
             status, attempts, next_attempt_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                n.notify_id,
                n.trade_no,
                n.out_trade_no,
                n.app_id,
                n.url,
                n.charset,
                n.sign_type.as_str(),
                params_json,
                n.status,
                n.attempts,
                n.next_attempt_at_ms
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn due_outbox(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM notifications WHERE status = 'pending' AND next_attempt_at_ms <= ?1 \
             ORDER BY next_attempt_at_ms, id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![now_ms, limit], outbox_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn next_outbox_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.row("SELECT MIN(next_attempt_at_ms) FROM notifications WHERE status = 'pending'", [], |r| r.get(0))?)
    }

    fn record_delivery(&self, d: &DeliveryRecord, status: &str, next_attempt_at_ms: i64) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO deliveries (notification_id, attempt, at_ms, http_status, response_body, error) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![d.notification_id, d.attempt, d.at_ms, d.http_status, d.response_body, d.error],
        )?;
        self.exec(
            "UPDATE notifications SET status = ?2, attempts = ?3, next_attempt_at_ms = ?4 WHERE id = ?1",
            params![d.notification_id, status, d.attempt, next_attempt_at_ms],
        )?;
        Ok(())
    }

    fn outbox(
        &self,
        app_id: Option<&str>,
        out_trade_no: Option<&str>,
        limit: usize,
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM notifications WHERE (?1 IS NULL OR app_id = ?1) \
             AND (?2 IS NULL OR out_trade_no = ?2) ORDER BY id DESC LIMIT ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![app_id, out_trade_no, limit], outbox_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn deliveries(&self, notification_id: i64) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT notification_id, attempt, at_ms, http_status, response_body, error FROM deliveries \
             WHERE notification_id = ?1 ORDER BY attempt",
        )?;
        let rows = stmt.query_map([notification_id], delivery_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn wipe(&self, keep_meta: &[&str]) -> Result<(), StoreError> {
        // Every table of every component, children before parents (reverse creation order), but the keys
        // in `meta` and the schema bookkeeping.
        let tables: Vec<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name NOT IN ('meta', 'schema_version', 'component_versions') ORDER BY rowid DESC",
            )?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            rows
        };
        for table in tables {
            self.conn.execute_batch(&format!("DELETE FROM \"{}\";", table.replace('"', "\"\"")))?;
        }
        let keys: Vec<String> = {
            let mut stmt = self.conn.prepare("SELECT key FROM meta")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            rows
        };
        for key in keys {
            if !keep_meta.contains(&key.as_str()) {
                self.exec("DELETE FROM meta WHERE key = ?1", [&key])?;
            }
        }
        Ok(())
    }
}
