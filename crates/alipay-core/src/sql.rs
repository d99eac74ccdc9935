//! `rusqlite` conversions (feature `rusqlite`): [`Money`] is stored as an `INTEGER` of fen, [`SignType`] as its
//! wire text (`RSA2`, `RSA`). Used by the local gateway's store; the SDK does not enable the feature.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::{Money, SignType};

impl ToSql for Money {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.fen()))
    }
}

impl FromSql for Money {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Money::from_fen)
    }
}

impl ToSql for SignType {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for SignType {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse().map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn money_and_sign_type_round_trip_through_sqlite() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (m INTEGER, s TEXT)").unwrap();
        db.execute("INSERT INTO t VALUES (?1, ?2)", (Money::from_fen(12345), SignType::Rsa)).unwrap();
        let (fen, text): (i64, String) =
            db.query_row("SELECT m, s FROM t", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!((fen, text.as_str()), (12345, "RSA"));
        let (m, s): (Money, SignType) = db.query_row("SELECT m, s FROM t", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!((m, s), (Money::from_fen(12345), SignType::Rsa));
        db.execute("UPDATE t SET s = 'MD5'", []).unwrap();
        assert!(db.query_row("SELECT s FROM t", [], |r| r.get::<_, SignType>(0)).is_err());
    }
}
