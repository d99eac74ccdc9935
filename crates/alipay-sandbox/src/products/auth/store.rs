//! Store tables and queries of authorization (owned by [`crate::products::auth`]).
//!
//! Add tables by appending to [`MIGRATIONS`] (never edit a shipped entry) and queries as methods of
//! [`AuthRepo`], implemented here for every repository. Every method runs inside the caller's transaction.
//!
//! An app authorization's token itself is the core's `app_auth_tokens` row (`crate::store::AuthTokenRecord`,
//! what the gateway's `app_auth_token` check reads); this component keeps beside it what only authorization
//! knows (the refresh token, the status, when it started). Single use (codes, refresh tokens) is one
//! conditional `UPDATE` whose changed-row count decides: on PostgreSQL two transactions using the same code
//! conflict on that row and the one that runs again sees it used.

use crate::store::sql::{params, Row};
use crate::store::StoreError;

/// This component's ordered migrations; versions are tracked per component (`component_versions`).
pub const MIGRATIONS: &[&str] = &[
    // 1: authorization codes, user tokens, app authorizations.
    r#"
    CREATE TABLE auth_codes (
        code TEXT PRIMARY KEY, kind TEXT NOT NULL, app_id TEXT NOT NULL, subject TEXT NOT NULL,
        scope TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL);
    CREATE TABLE auth_user_tokens (
        access_token TEXT PRIMARY KEY, refresh_token TEXT NOT NULL UNIQUE, app_id TEXT NOT NULL,
        user_id TEXT NOT NULL, scope TEXT NOT NULL, auth_start INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        re_expires_at INTEGER NOT NULL, refreshed INTEGER NOT NULL);
    CREATE TABLE auth_app_grants (
        app_auth_token TEXT PRIMARY KEY, app_refresh_token TEXT NOT NULL UNIQUE, app_id TEXT NOT NULL,
        merchant_pid TEXT NOT NULL, auth_app_id TEXT NOT NULL, auth_start INTEGER NOT NULL,
        re_expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL, refreshed INTEGER NOT NULL);
    "#,
];

/// What an authorization code stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// A user's consent (`auth_code`, for `alipay.system.oauth.token`).
    User,
    /// A merchant's consent to an ISV's app (`app_auth_code`, for `alipay.open.auth.token.app`).
    App,
}

impl CodeKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::User => "user",
            CodeKind::App => "app",
        }
    }

    fn parse(text: &str) -> Option<CodeKind> {
        match text {
            "user" => Some(CodeKind::User),
            "app" => Some(CodeKind::App),
            _ => None,
        }
    }
}

crate::store::sql::text_value!(parse: CodeKind);

/// A single-use authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCodeRecord {
    /// The code.
    pub code: String,
    /// User or app consent.
    pub kind: CodeKind,
    /// The app the code was issued to (only that app may exchange it).
    pub app_id: String,
    /// Who consented: the buyer's user id, or the merchant's pid.
    pub subject: String,
    /// The granted scopes, comma-separated (`auth_base`, `auth_user`; empty for app consent).
    pub scope: String,
    /// Issued (unix seconds, sandbox clock).
    pub created_at: i64,
    /// Unusable from then on.
    pub expires_at: i64,
    /// Exchanged already.
    pub used: bool,
}

/// A user's access token and its refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTokenRecord {
    /// `access_token` (`auth_token` of `alipay.user.info.share`).
    pub access_token: String,
    /// `refresh_token` (single use).
    pub refresh_token: String,
    /// The app it was issued to.
    pub app_id: String,
    /// The buyer.
    pub user_id: String,
    /// Granted scopes, comma-separated.
    pub scope: String,
    /// When its lifetimes started.
    pub auth_start: i64,
    /// The access token ends.
    pub expires_at: i64,
    /// The refresh token ends.
    pub re_expires_at: i64,
    /// The refresh token was used.
    pub refreshed: bool,
}

/// What authorization keeps about one `app_auth_token` beside the core's token row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppGrantRecord {
    /// The token (the core's `app_auth_tokens.token`).
    pub app_auth_token: String,
    /// `app_refresh_token` (single use).
    pub app_refresh_token: String,
    /// The ISV's app the merchant authorized.
    pub app_id: String,
    /// The authorizing merchant.
    pub merchant_pid: String,
    /// The merchant's app.
    pub auth_app_id: String,
    /// When the authorization started.
    pub auth_start: i64,
    /// The refresh token ends.
    pub re_expires_at: i64,
    /// Revoked (a simulation control: the merchant cancelled the authorization).
    pub revoked: bool,
    /// The refresh token was used (the token then lives on for a grace period only).
    pub refreshed: bool,
}

/// Authorization persistence: an extension of [`crate::store::Repo`], so engines reach it through `&dyn Repo`.
pub trait AuthRepo {
    /// Stores a new code.
    fn insert_auth_code(&self, code: &AuthCodeRecord) -> Result<(), StoreError>;
    /// A code, used or not.
    fn auth_code(&self, code: &str) -> Result<Option<AuthCodeRecord>, StoreError>;
    /// Marks an unused code used; `false` when it was used already.
    fn use_auth_code(&self, code: &str) -> Result<bool, StoreError>;
    /// Stores a user token.
    fn insert_user_token(&self, token: &UserTokenRecord) -> Result<(), StoreError>;
    /// A user token by its access token.
    fn user_token(&self, access_token: &str) -> Result<Option<UserTokenRecord>, StoreError>;
    /// A user token by its refresh token.
    fn user_token_by_refresh(&self, refresh_token: &str) -> Result<Option<UserTokenRecord>, StoreError>;
    /// Marks an unused refresh token used; `false` when it was used already.
    fn use_user_refresh(&self, refresh_token: &str) -> Result<bool, StoreError>;
    /// Stores an app authorization.
    fn insert_app_grant(&self, grant: &AppGrantRecord) -> Result<(), StoreError>;
    /// An app authorization by its token.
    fn app_grant(&self, app_auth_token: &str) -> Result<Option<AppGrantRecord>, StoreError>;
    /// An app authorization by its refresh token.
    fn app_grant_by_refresh(&self, app_refresh_token: &str) -> Result<Option<AppGrantRecord>, StoreError>;
    /// Marks an unused, unrevoked app refresh token used; `false` otherwise.
    fn use_app_refresh(&self, app_refresh_token: &str) -> Result<bool, StoreError>;
    /// Revokes an app authorization and removes its core token row (the gateway then knows no such token).
    fn revoke_app_grant(&self, app_auth_token: &str) -> Result<(), StoreError>;
    /// Moves the end of a core token row earlier (never later): a refreshed token's grace period.
    fn end_auth_token_by(&self, app_auth_token: &str, ends_at: i64) -> Result<(), StoreError>;
}

const CODE_COLUMNS: &str = "code, kind, app_id, subject, scope, created_at, expires_at, used";
const USER_COLUMNS: &str =
    "access_token, refresh_token, app_id, user_id, scope, auth_start, expires_at, re_expires_at, refreshed";
const GRANT_COLUMNS: &str =
    "app_auth_token, app_refresh_token, app_id, merchant_pid, auth_app_id, auth_start, re_expires_at, revoked, refreshed";

fn flag(r: &Row, column: &str) -> Result<bool, StoreError> {
    Ok(r.get::<_, i64>(column)? != 0)
}

fn code_row(r: &Row) -> Result<AuthCodeRecord, StoreError> {
    Ok(AuthCodeRecord {
        code: r.get("code")?,
        kind: r.get("kind")?,
        app_id: r.get("app_id")?,
        subject: r.get("subject")?,
        scope: r.get("scope")?,
        created_at: r.get("created_at")?,
        expires_at: r.get("expires_at")?,
        used: flag(r, "used")?,
    })
}

fn user_row(r: &Row) -> Result<UserTokenRecord, StoreError> {
    Ok(UserTokenRecord {
        access_token: r.get("access_token")?,
        refresh_token: r.get("refresh_token")?,
        app_id: r.get("app_id")?,
        user_id: r.get("user_id")?,
        scope: r.get("scope")?,
        auth_start: r.get("auth_start")?,
        expires_at: r.get("expires_at")?,
        re_expires_at: r.get("re_expires_at")?,
        refreshed: flag(r, "refreshed")?,
    })
}

fn grant_row(r: &Row) -> Result<AppGrantRecord, StoreError> {
    Ok(AppGrantRecord {
        app_auth_token: r.get("app_auth_token")?,
        app_refresh_token: r.get("app_refresh_token")?,
        app_id: r.get("app_id")?,
        merchant_pid: r.get("merchant_pid")?,
        auth_app_id: r.get("auth_app_id")?,
        auth_start: r.get("auth_start")?,
        re_expires_at: r.get("re_expires_at")?,
        revoked: flag(r, "revoked")?,
        refreshed: flag(r, "refreshed")?,
    })
}

impl<R: crate::store::Repo + ?Sized> AuthRepo for R {
    fn insert_auth_code(&self, c: &AuthCodeRecord) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO auth_codes ({CODE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        let used = i64::from(c.used);
        self.sql()
            .exec(&sql, params![c.code, c.kind, c.app_id, c.subject, c.scope, c.created_at, c.expires_at, used])?;
        Ok(())
    }

    fn auth_code(&self, code: &str) -> Result<Option<AuthCodeRecord>, StoreError> {
        self.sql().row(&format!("SELECT {CODE_COLUMNS} FROM auth_codes WHERE code = ?1"), [code], code_row)
    }

    fn use_auth_code(&self, code: &str) -> Result<bool, StoreError> {
        Ok(self.sql().exec("UPDATE auth_codes SET used = 1 WHERE code = ?1 AND used = 0", [code])? == 1)
    }

    fn insert_user_token(&self, t: &UserTokenRecord) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO auth_user_tokens ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        self.sql().exec(
            &sql,
            params![
                t.access_token,
                t.refresh_token,
                t.app_id,
                t.user_id,
                t.scope,
                t.auth_start,
                t.expires_at,
                t.re_expires_at,
                i64::from(t.refreshed)
            ],
        )?;
        Ok(())
    }

    fn user_token(&self, access_token: &str) -> Result<Option<UserTokenRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM auth_user_tokens WHERE access_token = ?1");
        self.sql().row(&sql, [access_token], user_row)
    }

    fn user_token_by_refresh(&self, refresh_token: &str) -> Result<Option<UserTokenRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM auth_user_tokens WHERE refresh_token = ?1");
        self.sql().row(&sql, [refresh_token], user_row)
    }

    fn use_user_refresh(&self, refresh_token: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE auth_user_tokens SET refreshed = 1 WHERE refresh_token = ?1 AND refreshed = 0";
        Ok(self.sql().exec(sql, [refresh_token])? == 1)
    }

    fn insert_app_grant(&self, g: &AppGrantRecord) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO auth_app_grants ({GRANT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        self.sql().exec(
            &sql,
            params![
                g.app_auth_token,
                g.app_refresh_token,
                g.app_id,
                g.merchant_pid,
                g.auth_app_id,
                g.auth_start,
                g.re_expires_at,
                i64::from(g.revoked),
                i64::from(g.refreshed)
            ],
        )?;
        Ok(())
    }

    fn app_grant(&self, app_auth_token: &str) -> Result<Option<AppGrantRecord>, StoreError> {
        let sql = format!("SELECT {GRANT_COLUMNS} FROM auth_app_grants WHERE app_auth_token = ?1");
        self.sql().row(&sql, [app_auth_token], grant_row)
    }

    fn app_grant_by_refresh(&self, app_refresh_token: &str) -> Result<Option<AppGrantRecord>, StoreError> {
        let sql = format!("SELECT {GRANT_COLUMNS} FROM auth_app_grants WHERE app_refresh_token = ?1");
        self.sql().row(&sql, [app_refresh_token], grant_row)
    }

    fn use_app_refresh(&self, app_refresh_token: &str) -> Result<bool, StoreError> {
        let sql =
            "UPDATE auth_app_grants SET refreshed = 1 WHERE app_refresh_token = ?1 AND refreshed = 0 AND revoked = 0";
        Ok(self.sql().exec(sql, [app_refresh_token])? == 1)
    }

    fn revoke_app_grant(&self, app_auth_token: &str) -> Result<(), StoreError> {
        self.sql().exec("UPDATE auth_app_grants SET revoked = 1 WHERE app_auth_token = ?1", [app_auth_token])?;
        self.sql().exec("DELETE FROM app_auth_tokens WHERE token = ?1", [app_auth_token])?;
        Ok(())
    }

    fn end_auth_token_by(&self, app_auth_token: &str, ends_at: i64) -> Result<(), StoreError> {
        self.sql().exec(
            "UPDATE app_auth_tokens SET expires_at = ?2 WHERE token = ?1 AND expires_at > ?2",
            params![app_auth_token, ends_at],
        )?;
        Ok(())
    }
}
