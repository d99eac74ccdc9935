//! Bill downloads in the store (component `bill`): a URL made by one instance downloads from any instance on
//! the same store. Queries are methods of [`BillRepo`], implemented once for both databases.

use crate::store::sql::params;
use crate::store::StoreError;

/// This component's ordered migrations (component `bill`).
pub const MIGRATIONS: &[&str] = &[
    // 1: issued, not yet downloaded bill files (single use, short-lived).
    r#"
    CREATE TABLE bill_downloads (
        token TEXT PRIMARY KEY, file_name TEXT NOT NULL, bytes BLOB NOT NULL, expires_at_ms INTEGER NOT NULL);
    "#,
];

/// Bill-download persistence. An extension of [`crate::store::Repo`], implemented for every repository.
pub trait BillRepo {
    /// Stores a file under `token` until `expires_at_ms` (real time), dropping files expired at `now_ms`.
    fn insert_download(
        &self,
        token: &str,
        file_name: &str,
        bytes: &[u8],
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError>;
    /// Takes (removes and returns) the file of `token`, if it has not expired at `now_ms`: a token serves once.
    fn take_download(&self, token: &str, now_ms: i64) -> Result<Option<(String, Vec<u8>)>, StoreError>;
}

impl<R: crate::store::Repo + ?Sized> BillRepo for R {
    fn insert_download(
        &self,
        token: &str,
        file_name: &str,
        bytes: &[u8],
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.sql().exec("DELETE FROM bill_downloads WHERE expires_at_ms <= ?1", [now_ms])?;
        self.sql().exec(
            "INSERT INTO bill_downloads (token, file_name, bytes, expires_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![token, file_name, bytes, expires_at_ms],
        )?;
        Ok(())
    }

    fn take_download(&self, token: &str, now_ms: i64) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let found = self.sql().row(
            "DELETE FROM bill_downloads WHERE token = ?1 RETURNING file_name, bytes, expires_at_ms",
            [token],
            |r| {
                Ok((r.get::<_, String>("file_name")?, r.get::<_, Vec<u8>>("bytes")?, r.get::<_, i64>("expires_at_ms")?))
            },
        )?;
        Ok(found.filter(|(_, _, expires)| *expires > now_ms).map(|(name, bytes, _)| (name, bytes)))
    }
}
