//! The SQL the repositories speak, whatever database runs it.
//!
//! Every repository query is written once, in the common subset of SQLite and PostgreSQL, with numbered
//! placeholders (`?1`, `?2`, …), and runs on a [`Conn`]: the SQLite connection of the embedded store or a
//! PostgreSQL transaction (`super::postgres` rewrites the placeholders to `$1` and `instr(` to `strpos(`). Values
//! cross the boundary as [`Value`]s: integers (`BIGINT` in PostgreSQL), text and bytes; a row comes back as a
//! [`Row`] read by column name.
//!
//! ```ignore
//! let repo = SqlRepo::new(conn);
//! let name: Option<String> =
//!     repo.row("SELECT name FROM merchants WHERE pid = ?1", params![pid], |r| r.get("name"))?;
//! ```

use std::sync::Arc;

use alipay_core::{Money, SignType};

use super::StoreError;

/// One SQL value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `NULL`.
    Null,
    /// A 64-bit integer (amounts in fen, times, counters, flags).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (bill files).
    Blob(Vec<u8>),
}

/// A Rust value that can be a query argument.
pub trait ToValue {
    /// The SQL value.
    fn to_value(&self) -> Value;
}

/// A Rust value that can be read from a column.
pub trait FromValue: Sized {
    /// Converts, or says what was found instead.
    fn from_value(value: &Value) -> Result<Self, String>;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Int(*self)
    }
}

impl ToValue for i32 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for u32 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl ToValue for Money {
    fn to_value(&self) -> Value {
        Value::Int(self.fen())
    }
}

impl ToValue for SignType {
    fn to_value(&self) -> Value {
        Value::Text(self.as_str().to_owned())
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Int(i) => Ok(*i),
            other => Err(format!("an integer expected, found {other:?}")),
        }
    }
}

impl FromValue for u32 {
    fn from_value(value: &Value) -> Result<Self, String> {
        u32::try_from(i64::from_value(value)?).map_err(|e| e.to_string())
    }
}

impl FromValue for i32 {
    fn from_value(value: &Value) -> Result<Self, String> {
        i32::try_from(i64::from_value(value)?).map_err(|e| e.to_string())
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, String> {
        i64::from_value(value).map(|i| i != 0)
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("text expected, found {other:?}")),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Blob(b) => Ok(b.clone()),
            other => Err(format!("bytes expected, found {other:?}")),
        }
    }
}

impl FromValue for Money {
    fn from_value(value: &Value) -> Result<Self, String> {
        i64::from_value(value).map(Money::from_fen)
    }
}

impl FromValue for SignType {
    fn from_value(value: &Value) -> Result<Self, String> {
        let text = String::from_value(value)?;
        text.parse().map_err(|_| format!("unexpected sign_type {text:?}"))
    }
}

/// Stores a type as its text (`as_str`) and reads it back with `parse` (an unknown text is a corrupt row) or,
/// with `from`, with its `From<&str>` (for the API's wire enums that keep unknown texts).
macro_rules! text_value {
    (parse: $($t:ty),+ $(,)?) => {$(
        impl $crate::store::sql::ToValue for $t {
            fn to_value(&self) -> $crate::store::sql::Value {
                $crate::store::sql::Value::Text(self.as_str().to_owned())
            }
        }
        impl $crate::store::sql::FromValue for $t {
            fn from_value(value: &$crate::store::sql::Value) -> Result<Self, String> {
                let text = <String as $crate::store::sql::FromValue>::from_value(value)?;
                <$t>::parse(&text).ok_or_else(|| format!("unexpected {} {text:?}", stringify!($t)))
            }
        }
    )+};
    (from: $($t:ty),+ $(,)?) => {$(
        impl $crate::store::sql::ToValue for $t {
            fn to_value(&self) -> $crate::store::sql::Value {
                $crate::store::sql::Value::Text(self.as_str().to_owned())
            }
        }
        impl $crate::store::sql::FromValue for $t {
            fn from_value(value: &$crate::store::sql::Value) -> Result<Self, String> {
                let text = <String as $crate::store::sql::FromValue>::from_value(value)?;
                Ok(<$t>::from(text.as_str()))
            }
        }
    )+};
}
pub(crate) use text_value;

/// The arguments of one statement: `params![a, b, c]` (each a [`ToValue`]).
macro_rules! params {
    () => { ::std::vec::Vec::<$crate::store::sql::Value>::new() };
    ($($arg:expr),+ $(,)?) => {
        ::std::vec![$($crate::store::sql::ToValue::to_value(&$arg)),+]
    };
}
pub(crate) use params;

/// One result row: its values and the names of its columns.
#[derive(Debug, Clone)]
pub struct Row {
    names: Arc<[String]>,
    values: Vec<Value>,
}

/// A column of a [`Row`]: its name or its position.
pub trait Column {
    /// The position in `row`, if there is such a column.
    fn position(&self, row: &Row) -> Option<usize>;
    /// How to name it in an error.
    fn describe(&self) -> String;
}

impl Column for usize {
    fn position(&self, row: &Row) -> Option<usize> {
        (*self < row.values.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("column {self}")
    }
}

impl Column for &str {
    fn position(&self, row: &Row) -> Option<usize> {
        row.names.iter().position(|n| n.eq_ignore_ascii_case(self))
    }
    fn describe(&self) -> String {
        format!("column {self:?}")
    }
}

impl Row {
    /// A row of `values` named by `names`.
    pub fn new(names: Arc<[String]>, values: Vec<Value>) -> Row {
        Row { names, values }
    }

    /// The value of `column` converted to `T`; a missing column or a value of another type is a corrupt row.
    pub fn get<C: Column, T: FromValue>(&self, column: C) -> Result<T, StoreError> {
        let value = column
            .position(self)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| StoreError::Corrupt(format!("no {}", column.describe())))?;
        T::from_value(value).map_err(|e| StoreError::Corrupt(format!("{}: {e}", column.describe())))
    }
}

/// Which database a [`Conn`] talks to (for the few statements that differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded store.
    Sqlite,
    /// A shared PostgreSQL database.
    Postgres,
}

/// A connection inside a transaction, as the repositories use it.
pub trait Conn {
    /// Runs a statement; the number of rows it changed.
    fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, StoreError>;
    /// Runs a query; every row.
    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs statements without arguments (schema changes, `wipe`).
    fn batch(&self, sql: &str) -> Result<(), StoreError>;
    /// The database behind it.
    fn dialect(&self) -> Dialect;
    /// The names of the tables the sandbox made, children before parents (latest first).
    fn tables(&self) -> Result<Vec<String>, StoreError>;
}

/// The repositories' view of a [`Conn`]: [`crate::store::Repo`] and every family's repository trait are implemented
/// for it, once, for both databases.
pub struct SqlRepo<'c> {
    conn: &'c dyn Conn,
}

impl<'c> SqlRepo<'c> {
    /// Wraps a connection inside a transaction.
    pub fn new(conn: &'c dyn Conn) -> Self {
        SqlRepo { conn }
    }

    /// The database.
    pub fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    /// The connection.
    pub fn conn(&self) -> &dyn Conn {
        self.conn
    }

    /// Runs one statement; the number of rows changed.
    pub fn exec(&self, sql: &str, args: impl IntoArgs) -> Result<u64, StoreError> {
        self.conn.execute(sql, &args.into_args())
    }

    /// The first row of a query mapped by `f`, if there is one.
    pub fn row<T>(
        &self,
        sql: &str,
        args: impl IntoArgs,
        f: impl FnOnce(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.conn.query(sql, &args.into_args())?.first().map(f).transpose()
    }

    /// The one row a query always returns (an aggregate), mapped by `f`.
    pub fn one<T>(
        &self,
        sql: &str,
        args: impl IntoArgs,
        f: impl FnOnce(&Row) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.row(sql, args, f)?.ok_or_else(|| StoreError::Corrupt(format!("no row from {sql}")))
    }

    /// Every row of a query, mapped by `f`.
    pub fn rows<T>(
        &self,
        sql: &str,
        args: impl IntoArgs,
        f: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        self.conn.query(sql, &args.into_args())?.iter().map(f).collect()
    }
}

/// What a statement's arguments can be given as: [`params!`]'s list, or an array of one type
/// (`[seller_id, trade_no]`).
pub trait IntoArgs {
    /// The values, in placeholder order.
    fn into_args(self) -> Vec<Value>;
}

impl IntoArgs for Vec<Value> {
    fn into_args(self) -> Vec<Value> {
        self
    }
}

impl<T: ToValue, const N: usize> IntoArgs for [T; N] {
    fn into_args(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// A `LIMIT` argument from a count.
pub fn limit_arg(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
