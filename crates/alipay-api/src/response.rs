//! [`ApiResponse`]: the object under `<method>_response`, split into its status and its business fields.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use alipay_core::ApiStatus;

const STATUS_FIELDS: [&str; 4] = ["code", "msg", "sub_code", "sub_msg"];

/// A method's answer: `code`/`msg`/`sub_code`/`sub_msg` and the business fields `T`.
///
/// On the wire both are one flat object, status first. An answer with none of the status fields is a success
/// (production's `alipay.system.oauth.token` answers only its token fields). Business fields are all optional in the models, since
/// failures (and 10003 answers) carry only some of them.
///
/// ```
/// use alipay_api::{trade::TradeQueryResponse, ApiResponse};
/// let r: ApiResponse<TradeQueryResponse> = serde_json::from_str(
///     r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#).unwrap();
/// assert_eq!(r.status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
/// assert_eq!(r.body.trade_status, None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse<T> {
    /// The result code and messages.
    pub status: ApiStatus,
    /// The business fields.
    pub body: T,
}

impl<T: Serialize> Serialize for ApiResponse<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Value::Object(mut out) = serde_json::to_value(&self.status).map_err(S::Error::custom)? else {
            return Err(S::Error::custom("status is not an object"));
        };
        match serde_json::to_value(&self.body).map_err(S::Error::custom)? {
            Value::Object(body) => out.extend(body.into_iter().filter(|(k, _)| !STATUS_FIELDS.contains(&k.as_str()))),
            Value::Null => {}
            _ => return Err(S::Error::custom("a response body must serialise to an object")),
        }
        out.serialize(serializer)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for ApiResponse<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut map = Map::<String, Value>::deserialize(deserializer)?;
        let mut status_map = Map::new();
        for key in STATUS_FIELDS {
            if let Some(v) = map.remove(key) {
                status_map.insert(key.to_owned(), v);
            }
        }
        // A success without `code`/`msg` (`alipay.system.oauth.token` answers so in production): a success, as
        // the official Java SDK reads it (`isSuccess()`: no `sub_code`).
        let status = if status_map.is_empty() {
            ApiStatus::success()
        } else {
            serde_json::from_value(Value::Object(status_map)).map_err(D::Error::custom)?
        };
        let body = serde_json::from_value(Value::Object(map)).map_err(D::Error::custom)?;
        Ok(ApiResponse { status, body })
    }
}
