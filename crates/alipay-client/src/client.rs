//! [`AlipayClient`]: signed calls over HTTP, answers verified before anything is returned.

use std::sync::Arc;

use alipay_api::{AlipayRequest, ApiResponse};
use alipay_core::aes::{AesKey, ENCRYPT_TYPE_AES};
use alipay_core::{envelope, form, sign_request, Charset, EnvelopeError, PrivateKey, PublicKey, SignType, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::builder::ClientBuilder;
use crate::config::ClientConfig;
use crate::error::{ConfigError, Error};

/// Per-call settings that override the client's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Act for a merchant (ISV): the merchant's `app_auth_token`.
    pub app_auth_token: Option<String>,
    /// Where Alipay sends the asynchronous notification for this call.
    pub notify_url: Option<String>,
    /// Where the browser returns after a page payment.
    pub return_url: Option<String>,
    /// AES content encryption for this call: `Some(true)` encrypts (an AES key must be configured),
    /// `Some(false)` does not, `None` follows the client (encrypts when built with an AES key).
    pub encrypt: Option<bool>,
}

impl CallOptions {
    /// Options with an `app_auth_token`.
    pub fn for_merchant(app_auth_token: &str) -> CallOptions {
        CallOptions { app_auth_token: Some(app_auth_token.to_owned()), ..CallOptions::default() }
    }
}

/// The Alipay client: build once, clone freely (it is an `Arc`), share across tasks.
///
/// Every answer is verified against the Alipay public key over its raw bytes before it is parsed; an answer
/// that fails is [`Error::Verify`], never data. Business failures (40004 ...) are returned as the answer's
/// status, because flows need their fields; use [`crate::ResponseExt::ok`] when only success matters.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use alipay_client::{AlipayClient, ResponseExt};
/// use alipay_api::trade::TradeQuery;
/// let client = AlipayClient::from_config_file("app.json")?;
/// let answer = client.execute(&TradeQuery { out_trade_no: Some("20150320010101001".into()), ..Default::default() }).await?;
/// println!("{:?}", answer.ok()?.trade_status);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AlipayClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) gateway: String,
    pub(crate) app_id: String,
    pub(crate) app_key: PrivateKey,
    pub(crate) alipay_key: PublicKey,
    pub(crate) sign_type: SignType,
    pub(crate) charset: Charset,
    pub(crate) notify_url: Option<String>,
    pub(crate) app_auth_token: Option<String>,
    pub(crate) modes: crate::modes::Modes,
}

/// A verified answer object as JSON text (decrypted if it was encrypted).
pub(crate) struct Answer {
    pub(crate) json: String,
}

impl Answer {
    pub(crate) fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.json)
    }
}

/// Signed parameters, split the way the Java SDK sends them: protocol parameters (with `sign`) in the query
/// string, business parameters in the form body.
pub(crate) struct SignedParams {
    pub(crate) protocol: Vec<(String, String)>,
    pub(crate) business: Vec<(String, String)>,
}

impl std::fmt::Debug for AlipayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlipayClient")
            .field("gateway", &self.inner.gateway)
            .field("app_id", &self.inner.app_id)
            .field("sign_type", &self.inner.sign_type)
            .field("charset", &self.inner.charset)
            .field("protocol", &self.inner.modes.protocol)
            .field("cert_mode", &self.inner.modes.cert.is_some())
            .field("aes", &self.inner.modes.aes.is_some())
            .finish_non_exhaustive()
    }
}

impl AlipayClient {
    /// Starts configuring a client with the three things every app has.
    pub fn builder(app_id: &str, app_private_key: &str, alipay_public_key: &str) -> ClientBuilder {
        ClientBuilder::new(app_id, app_private_key, alipay_public_key)
    }

    /// A client from a configuration (see [`ClientConfig`]).
    pub fn from_config(config: &ClientConfig) -> Result<AlipayClient, ConfigError> {
        ClientBuilder::from_config(config)?.build()
    }

    /// A client from a JSON configuration file, such as the local gateway's `app.json`.
    pub fn from_config_file(path: impl AsRef<std::path::Path>) -> Result<AlipayClient, ConfigError> {
        AlipayClient::from_config(&ClientConfig::from_file(path)?)
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// The charset of requests and answers.
    pub fn charset(&self) -> Charset {
        self.inner.charset
    }

    /// The sign type of requests and answers.
    pub fn sign_type(&self) -> SignType {
        self.inner.sign_type
    }

    /// The gateway URL.
    pub fn gateway(&self) -> &str {
        &self.inner.gateway
    }

    pub(crate) fn alipay_key(&self) -> &PublicKey {
        &self.inner.alipay_key
    }

    /// Calls a typed method with the client's defaults.
    pub async fn execute<R: AlipayRequest>(&self, request: &R) -> Result<ApiResponse<R::Response>, Error> {
        self.execute_with(request, &CallOptions::default()).await
    }

    /// Calls a typed method with per-call options (ISV token, notify_url).
    ///
    /// The request is validated against its seed rules first; nothing is sent if it breaks one.
    pub async fn execute_with<R: AlipayRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<ApiResponse<R::Response>, Error> {
        request.validate()?;
        let business = alipay_api::encode_request(request).map_err(|e| Error::Build(e.to_string()))?;
        let verified = self.send(R::METHOD, business, options).await?;
        verified.parse().map_err(|e| Error::Decode { method: R::METHOD.to_owned(), reason: e.to_string() })
    }

    /// Calls any method by name: `biz_content` as JSON (if the method takes one) and any other business
    /// parameters as pairs. The answer is verified like any other; its fields come back as a JSON map.
    ///
    /// ```no_run
    /// # async fn run(client: alipay_client::AlipayClient) -> Result<(), alipay_client::Error> {
    /// let answer = client.call_raw("alipay.trade.query",
    ///     Some(&serde_json::json!({"out_trade_no": "20150320010101001"})), &[], &Default::default()).await?;
    /// println!("{} {:?}", answer.status, answer.body.get("trade_status"));
    /// # Ok(()) }
    /// ```
    pub async fn call_raw(
        &self,
        method: &str,
        biz_content: Option<&Value>,
        params: &[(String, String)],
        options: &CallOptions,
    ) -> Result<ApiResponse<Map<String, Value>>, Error> {
        let mut business = params.to_vec();
        if let Some(biz) = biz_content {
            business.push(("biz_content".to_owned(), biz.to_string()));
        }
        let verified = self.send(method, business, options).await?;
        verified.parse().map_err(|e| Error::Decode { method: method.to_owned(), reason: e.to_string() })
    }

    /// Builds the full, signed parameter set of a call (never encrypted: page and app pay).
    pub(crate) fn sign_params(
        &self,
        method: &str,
        business: Vec<(String, String)>,
        options: &CallOptions,
    ) -> Result<SignedParams, Error> {
        self.sign_params_with(method, business, options, None)
    }

    /// Builds the full, signed parameter set of a call; with an AES key, `biz_content` is replaced by its
    /// ciphertext and `encrypt_type=AES` added before signing.
    pub(crate) fn sign_params_with(
        &self,
        method: &str,
        mut business: Vec<(String, String)>,
        options: &CallOptions,
        encrypt: Option<&AesKey>,
    ) -> Result<SignedParams, Error> {
        let inner = &self.inner;
        let mut protocol: Vec<(String, String)> = vec![
            ("app_id".into(), inner.app_id.clone()),
            ("method".into(), method.to_owned()),
            ("format".into(), "JSON".into()),
            ("charset".into(), inner.charset.as_str().into()),
            ("sign_type".into(), inner.sign_type.as_str().into()),
            ("timestamp".into(), Timestamp::now().to_string()),
            ("version".into(), "1.0".into()),
        ];
        let token = options.app_auth_token.as_ref().or(inner.app_auth_token.as_ref());
        let notify = options.notify_url.as_ref().or(inner.notify_url.as_ref());
        for (k, v) in [("app_auth_token", token), ("notify_url", notify), ("return_url", options.return_url.as_ref())] {
            if let Some(v) = v {
                protocol.push((k.into(), v.clone()));
            }
        }
        if let Some(cert) = &inner.modes.cert {
            protocol.push(("app_cert_sn".into(), cert.app_cert_sn.clone()));
            protocol.push(("alipay_root_cert_sn".into(), cert.root_cert_sn.clone()));
        }
        if let Some(key) = encrypt {
            if let Some((_, biz)) = business.iter_mut().find(|(k, _)| k == "biz_content") {
                *biz = key.encrypt(biz, inner.charset).map_err(|e| Error::Build(format!("AES: {e}")))?;
                protocol.push(("encrypt_type".into(), ENCRYPT_TYPE_AES.into()));
            }
        }
        let all = protocol.iter().chain(business.iter()).map(|(k, v)| (k.as_str(), v.as_str()));
        let sign = sign_request(all, &inner.app_key, inner.sign_type, inner.charset)?;
        protocol.push(("sign".into(), sign));
        Ok(SignedParams { protocol, business })
    }

    /// `gateway?query` for the given pairs.
    pub(crate) fn url_with(&self, pairs: &[(String, String)]) -> Result<String, Error> {
        let query = form::encode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), self.inner.charset)?;
        let sep = if self.inner.gateway.contains('?') { '&' } else { '?' };
        Ok(format!("{}{sep}{query}", self.inner.gateway))
    }

    async fn send(
        &self,
        method: &str,
        business: Vec<(String, String)>,
        options: &CallOptions,
    ) -> Result<Answer, Error> {
        if self.inner.modes.protocol == crate::modes::Protocol::V3 {
            return self.send_v3(method, business, options).await;
        }
        let inner = &self.inner;
        let aes = inner.modes.encryption(options)?;
        let signed = self.sign_params_with(method, business, options, aes)?;
        let bytes = self.post_form(method, &signed).await?;
        let sn = if inner.modes.cert.is_some() { crate::modes::answer_cert_sn(&bytes, inner.charset) } else { None };
        let key = self.alipay_key_for(sn.as_deref()).await?;
        let verified = self.verify_v2(&bytes, method, &key)?;
        let json = match aes {
            Some(key) => decrypt_answer(verified.json(), key, inner.charset)?,
            None => verified.json().to_owned(),
        };
        Ok(Answer { json })
    }

    /// POSTs signed parameters to the gateway and returns the raw body of a 200 answer.
    pub(crate) async fn post_form(&self, method: &str, signed: &SignedParams) -> Result<Vec<u8>, Error> {
        let inner = &self.inner;
        let url = self.url_with(&signed.protocol)?;
        let body = form::encode(signed.business.iter().map(|(k, v)| (k.as_str(), v.as_str())), inner.charset)?;
        tracing::debug!(method, app_id = %inner.app_id, "alipay call");
        let response = inner
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("application/x-www-form-urlencoded;charset={}", inner.charset.as_str()),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| if e.is_connect() || e.is_builder() { Error::Connect(e) } else { Error::NoAnswer(e) })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(Error::NoAnswer)?;
        if status != reqwest::StatusCode::OK {
            let body = String::from_utf8_lossy(bytes.get(..bytes.len().min(512)).unwrap_or_default()).into_owned();
            return Err(Error::HttpStatus { status: status.as_u16(), body });
        }
        Ok(bytes.to_vec())
    }

    /// Verifies a v2 answer with `key`.
    pub(crate) fn verify_v2(
        &self,
        bytes: &[u8],
        method: &str,
        key: &PublicKey,
    ) -> Result<envelope::VerifiedResponse, Error> {
        let inner = &self.inner;
        let verified = envelope::verify_response(bytes, method, inner.charset, key, inner.sign_type)
            .map_err(unsigned_refusal)
            .inspect_err(|e| tracing::warn!(method, error = %e, "alipay response rejected"))?;
        Ok(verified)
    }
}

/// An unsigned answer that claims a parameter refusal (`40001`/`40002`, e.g. `isv.invalid-app-id`) becomes
/// [`Error::UnsignedRefusal`]; every other verification failure stays [`Error::Verify`].
fn unsigned_refusal(e: EnvelopeError) -> Error {
    use alipay_core::ResultCode::{InvalidArgument, MissingArgument};
    match e {
        EnvelopeError::Unsigned { claimed: Some(status) }
            if matches!(status.code, MissingArgument | InvalidArgument) =>
        {
            Error::UnsignedRefusal { status }
        }
        other => Error::Verify(other),
    }
}

/// The verified answer of an encrypting call: a JSON string of base64 ciphertext, decrypted to the object.
/// An answer that came back as a plain object (a gateway that could not decrypt the request answers so) is
/// returned as it is: it was verified.
fn decrypt_answer(verified_json: &str, key: &AesKey, charset: Charset) -> Result<String, Error> {
    match serde_json::from_str::<Value>(verified_json) {
        Ok(Value::String(ciphertext)) => {
            let plain = key.decrypt(&ciphertext, charset).map_err(Error::Decrypt)?;
            match serde_json::from_str::<Value>(&plain) {
                Ok(Value::Object(_)) => Ok(plain),
                _ => Err(Error::Decrypt(alipay_core::aes::AesError::BadCiphertext)),
            }
        }
        Ok(Value::Object(_)) => Ok(verified_json.to_owned()),
        _ => Err(Error::Verify(EnvelopeError::Json("the answer is neither an object nor an encrypted string".into()))),
    }
}

/// Turns an answer into a `Result` when only success matters.
pub trait ResponseExt<T> {
    /// `Ok(body)` for 10000, otherwise [`Error::Api`] with the verified status.
    fn ok(self) -> Result<T, Error>;
}

impl<T> ResponseExt<T> for ApiResponse<T> {
    fn ok(self) -> Result<T, Error> {
        if self.status.is_success() {
            Ok(self.body)
        } else {
            Err(Error::Api(self.status))
        }
    }
}
