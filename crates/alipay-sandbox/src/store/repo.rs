//! [`Repo`] over a [`super::sql::Conn`]: the core tables' queries, the same for SQLite and PostgreSQL.

use alipay_core::Money;

use super::sql::{limit_arg, params, Row, SqlRepo};
use super::*;

const OUTBOX_COLUMNS: &str =
    "id, notify_id, trade_no, out_trade_no, app_id, url, charset, sign_type, params, status, attempts, next_attempt_at_ms";

/// A corrupt-row error about a stored `value` of `what`.
pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unexpected {what} {value:?}"))
}

fn outbox_row(r: &Row) -> Result<OutboxRecord, StoreError> {
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
        sign_type: r.get(7)?,
        params,
        status: r.get(9)?,
        attempts: r.get(10)?,
        next_attempt_at_ms: r.get(11)?,
    })
}

const APP_COLUMNS: &str = "app_id, merchant_pid, public_key, sign_type, created_at";
const MERCHANT_COLUMNS: &str = "pid, name, email, balance, primary_app_id";

/// The part of a buyer's balance (`buyers.balance`, what the user owns) that reservations hold, as an SQL
/// expression over the `buyers` row: a buyer's balance as every family reads it ([`BuyerRecord::balance`]) is
/// the *available* balance, the column minus this.
const RESERVED_OF_BUYER: &str = "(SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM buyer_reservations r \
    WHERE r.user_id = buyers.user_id)";

/// A buyer with its available balance: what reservations hold is not spendable.
fn buyer_select() -> String {
    format!("SELECT user_id, logon_id, balance - {RESERVED_OF_BUYER} AS balance, password_free_limit FROM buyers")
}

fn app_row(r: &Row) -> Result<AppRecord, StoreError> {
    Ok(AppRecord {
        app_id: r.get("app_id")?,
        merchant_pid: r.get("merchant_pid")?,
        public_key: r.get("public_key")?,
        sign_type: r.get("sign_type")?,
        created_at: r.get("created_at")?,
    })
}

fn merchant_row(r: &Row) -> Result<MerchantRecord, StoreError> {
    Ok(MerchantRecord {
        pid: r.get("pid")?,
        name: r.get("name")?,
        email: r.get("email")?,
        balance: r.get("balance")?,
        primary_app_id: r.get("primary_app_id")?,
    })
}

fn buyer_row(r: &Row) -> Result<BuyerRecord, StoreError> {
    Ok(BuyerRecord {
        user_id: r.get("user_id")?,
        logon_id: r.get("logon_id")?,
        balance: r.get("balance")?,
        password_free_limit: r.get("password_free_limit")?,
    })
}

fn delivery_row(r: &Row) -> Result<DeliveryRecord, StoreError> {
    Ok(DeliveryRecord {
        notification_id: r.get(0)?,
        attempt: r.get(1)?,
        at_ms: r.get(2)?,
        http_status: r.get(3)?,
        response_body: r.get(4)?,
        error: r.get(5)?,
    })
}

impl Repo for SqlRepo<'_> {
    fn sql(&self) -> &SqlRepo<'_> {
        self
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    fn metas(&self, keys: &[&str]) -> Result<Vec<(String, String)>, StoreError> {
        let marks: Vec<String> = (1..=keys.len()).map(|i| format!("?{i}")).collect();
        let sql = format!("SELECT key, value FROM meta WHERE key IN ({})", marks.join(", "));
        let args: Vec<super::sql::Value> = keys.iter().map(|k| super::sql::Value::Text((*k).to_owned())).collect();
        self.rows(&sql, args, |r| Ok((r.get("key")?, r.get("value")?)))
    }

    fn next_seq(&self, name: &str) -> Result<i64, StoreError> {
        if self.dialect() == super::sql::Dialect::Postgres && SEQUENCES.contains(&name) {
            // A database sequence: concurrent transactions never wait for (nor conflict on) one counter row; a
            // unit of work that rolls back or runs again leaves a gap, as Alipay's own numbers have.
            return self.one(&format!("SELECT nextval('alipay_seq_{name}') AS n"), params![], |r| r.get("n"));
        }
        let key = format!("seq.{name}");
        let current: i64 = self.meta(&key)?.and_then(|v| v.parse().ok()).unwrap_or(0);
        let next = current + 1;
        self.set_meta(&key, &next.to_string())?;
        Ok(next)
    }

    fn app(&self, app_id: &str) -> Result<Option<AppRecord>, StoreError> {
        self.row(&format!("SELECT {APP_COLUMNS} FROM apps WHERE app_id = ?1"), [app_id], app_row)
    }

    fn insert_app(&self, app: &AppRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO apps (app_id, merchant_pid, public_key, sign_type, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![app.app_id, app.merchant_pid, app.public_key, app.sign_type.as_str(), app.created_at],
        )?;
        Ok(())
    }

    fn merchant(&self, pid: &str) -> Result<Option<MerchantRecord>, StoreError> {
        self.row(&format!("SELECT {MERCHANT_COLUMNS} FROM merchants WHERE pid = ?1"), [pid], merchant_row)
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
        self.row(
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
    }

    fn insert_auth_token(&self, t: &AuthTokenRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO app_auth_tokens (token, app_id, merchant_pid, auth_app_id, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![t.token, t.app_id, t.merchant_pid, t.auth_app_id, t.expires_at],
        )?;
        Ok(())
    }

    fn buyer(&self, user_id: &str) -> Result<Option<BuyerRecord>, StoreError> {
        self.row(&format!("{} WHERE user_id = ?1", buyer_select()), [user_id], buyer_row)
    }

    fn buyer_by_logon(&self, logon_id: &str) -> Result<Option<BuyerRecord>, StoreError> {
        let sql = format!("{} WHERE logon_id = ?1 ORDER BY user_id LIMIT 1", buyer_select());
        self.row(&sql, [logon_id], buyer_row)
    }

    fn insert_buyer(&self, b: &BuyerRecord) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO buyers (user_id, logon_id, balance, password_free_limit) VALUES (?1, ?2, ?3, ?4)",
            params![b.user_id, b.logon_id, b.balance.fen(), b.password_free_limit.fen()],
        )?;
        Ok(())
    }

    fn lock_buyer(&self, user_id: &str) -> Result<(), StoreError> {
        self.exec("UPDATE buyers SET balance = balance WHERE user_id = ?1", [user_id])?;
        Ok(())
    }

    fn reserve(&self, holder: &str, user_id: &str, amount: Money) -> Result<(), StoreError> {
        self.lock_buyer(user_id)?;
        self.exec(
            "INSERT INTO buyer_reservations (holder, user_id, amount) VALUES (?1, ?2, ?3)",
            params![holder, user_id, amount.fen()],
        )?;
        Ok(())
    }

    fn release(&self, holder: &str) -> Result<Money, StoreError> {
        let freed = self.row("DELETE FROM buyer_reservations WHERE holder = ?1 RETURNING amount", [holder], |r| {
            r.get::<_, Money>("amount")
        })?;
        Ok(freed.unwrap_or(Money::ZERO))
    }

    fn reserved(&self, user_id: &str) -> Result<Money, StoreError> {
        self.one(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS reserved FROM buyer_reservations WHERE user_id = ?1",
            [user_id],
            |r| r.get("reserved"),
        )
    }

    fn set_buyer_balance(&self, user_id: &str, balance: Money) -> Result<(), StoreError> {
        // `balance` is the available balance: what reservations hold stays in the column.
        let sql = format!("UPDATE buyers SET balance = ?2 + {RESERVED_OF_BUYER} WHERE user_id = ?1");
        self.exec(&sql, params![user_id, balance.fen()])?;
        Ok(())
    }

    fn payment_code(&self, code: &str) -> Result<Option<PaymentCodeRecord>, StoreError> {
        self.row("SELECT code, user_id, expires_at, used FROM payment_codes WHERE code = ?1", [code], |r| {
            Ok(PaymentCodeRecord {
                code: r.get(0)?,
                user_id: r.get(1)?,
                expires_at: r.get(2)?,
                used: r.get::<_, i64>(3)? != 0,
            })
        })
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

    fn insert_outbox(&self, n: &OutboxRecord) -> Result<i64, StoreError> {
        let params_json = serde_json::to_string(&n.params).map_err(StoreError::backend)?;
        self.one(
            "INSERT INTO notifications (notify_id, trade_no, out_trade_no, app_id, url, charset, sign_type, params, \
             status, attempts, next_attempt_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
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
            |r| r.get("id"),
        )
    }

    fn claim_outbox(&self, now_ms: i64, lease_until_ms: i64, limit: usize) -> Result<Vec<OutboxRecord>, StoreError> {
        let lock = match self.dialect() {
            super::sql::Dialect::Sqlite => "",
            super::sql::Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM notifications WHERE status = 'pending' AND next_attempt_at_ms <= ?1 \
             ORDER BY next_attempt_at_ms, id LIMIT ?2{lock}"
        );
        let rows = self.rows(&sql, params![now_ms, limit_arg(limit)], outbox_row)?;
        for n in &rows {
            self.exec("UPDATE notifications SET next_attempt_at_ms = ?2 WHERE id = ?1", params![n.id, lease_until_ms])?;
        }
        Ok(rows)
    }

    fn next_outbox_due(&self) -> Result<Option<i64>, StoreError> {
        self.one("SELECT MIN(next_attempt_at_ms) AS due FROM notifications WHERE status = 'pending'", params![], |r| {
            r.get("due")
        })
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
        let limit = limit_arg(limit);
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM notifications WHERE (CAST(?1 AS TEXT) IS NULL OR app_id = ?1) \
             AND (CAST(?2 AS TEXT) IS NULL OR out_trade_no = ?2) ORDER BY id DESC LIMIT ?3"
        );
        self.rows(&sql, params![app_id, out_trade_no, limit], outbox_row)
    }

    fn deliveries(&self, notification_id: i64) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.rows(
            "SELECT notification_id, attempt, at_ms, http_status, response_body, error FROM deliveries \
             WHERE notification_id = ?1 ORDER BY attempt",
            [notification_id],
            delivery_row,
        )
    }

    fn requeue_notification(&self, id: i64, now_ms: i64) -> Result<bool, StoreError> {
        let n = self.exec(
            "UPDATE notifications SET status = 'pending', next_attempt_at_ms = ?2 WHERE id = ?1",
            params![id, now_ms],
        )?;
        Ok(n > 0)
    }

    fn apps(&self, limit: usize) -> Result<Vec<AppRecord>, StoreError> {
        self.rows(&format!("SELECT {APP_COLUMNS} FROM apps ORDER BY rowid DESC LIMIT ?1"), [limit_arg(limit)], app_row)
    }

    fn merchants(&self, limit: usize) -> Result<Vec<MerchantRecord>, StoreError> {
        let sql = format!("SELECT {MERCHANT_COLUMNS} FROM merchants ORDER BY rowid DESC LIMIT ?1");
        self.rows(&sql, [limit_arg(limit)], merchant_row)
    }

    fn buyers(&self, query: Option<&str>, limit: usize) -> Result<Vec<BuyerRecord>, StoreError> {
        let sql = format!(
            "{} WHERE (CAST(?1 AS TEXT) IS NULL OR instr(user_id, ?1) > 0 OR instr(logon_id, ?1) > 0) \
             ORDER BY rowid DESC LIMIT ?2",
            buyer_select()
        );
        self.rows(&sql, params![query, limit_arg(limit)], buyer_row)
    }

    fn wipe(&self, keep_meta: &[&str]) -> Result<(), StoreError> {
        // Every table of every component, children before parents (reverse creation order), but the keys
        // in `meta` and the schema bookkeeping.
        for table in self.conn().tables()? {
            if ["meta", "schema_version", "component_versions"].contains(&table.as_str()) {
                continue;
            }
            self.conn().batch(&format!("DELETE FROM \"{}\"", table.replace('"', "\"\"")))?;
        }
        let keys = self.rows("SELECT key FROM meta", params![], |r| r.get::<_, String>("key"))?;
        for key in keys {
            if !keep_meta.contains(&key.as_str()) {
                self.exec("DELETE FROM meta WHERE key = ?1", [&key])?;
            }
        }
        Ok(())
    }
}
