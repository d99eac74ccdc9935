//! How business parameters travel: inside `biz_content`, or (legacy EBPP methods) as top-level form fields.

use serde_json::Value;

use crate::AlipayRequest;

/// Where a method's business parameters go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// One `biz_content` parameter holding the JSON object (almost every method).
    BizContent,
    /// One form field per business parameter (legacy EBPP methods; `extend_field` is JSON text in a field).
    TopLevel,
}

/// Business parameters could not be read from a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A `biz_content` method was called without `biz_content`.
    #[error("biz_content is required")]
    MissingBizContent,
    /// The parameters do not fit the method's model (bad JSON, wrong type, bad amount...).
    #[error("invalid business parameters: {0}")]
    Invalid(String),
}

/// The business parameters of `request` as form pairs, in field order.
///
/// For [`Transport::BizContent`] that is one pair, `biz_content` → compact JSON. For [`Transport::TopLevel`]
/// every non-null field becomes a pair; strings go as they are, numbers as their text, objects as JSON text.
pub fn encode_request<R: AlipayRequest>(request: &R) -> Result<Vec<(String, String)>, serde_json::Error> {
    match R::TRANSPORT {
        Transport::BizContent => Ok(vec![("biz_content".to_owned(), serde_json::to_string(request)?)]),
        Transport::TopLevel => {
            let Value::Object(map) = serde_json::to_value(request)? else {
                return Ok(Vec::new());
            };
            let mut out = Vec::with_capacity(map.len());
            for (k, v) in map {
                let text = match v {
                    Value::Null => continue,
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.push((k, text));
            }
            Ok(out)
        }
    }
}

/// Reads a request's business parameters from decoded form pairs (the gateway side of [`encode_request`]).
///
/// For [`Transport::TopLevel`] all pairs are offered to the model, which ignores the common parameters.
pub fn decode_request<R: AlipayRequest>(params: &[(String, String)]) -> Result<R, DecodeError> {
    match R::TRANSPORT {
        Transport::BizContent => {
            let biz = params
                .iter()
                .find(|(k, _)| k == "biz_content")
                .map(|(_, v)| v.as_str())
                .filter(|v| !alipay_core::content::is_blank(v))
                .ok_or(DecodeError::MissingBizContent)?;
            serde_json::from_str(biz).map_err(|e| DecodeError::Invalid(e.to_string()))
        }
        Transport::TopLevel => {
            let map: serde_json::Map<String, Value> =
                params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            serde_json::from_value(Value::Object(map)).map_err(|e| DecodeError::Invalid(e.to_string()))
        }
    }
}
