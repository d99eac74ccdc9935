//! Protocol modes of a client: certificate mode, AES content encryption, and the choice of v2 or v3.
//!
//! Certificate mode keeps every trusted Alipay certificate by SN. An answer naming an SN the client does not
//! know triggers one download (`alipay.open.app.alipaycert.download`, see [`AlipayCertDownload`]), as the
//! Java SDK does; the downloaded certificate is used only if it is the one asked for and chains to the root
//! bundle, and is then kept. Concurrent callers wait for that one download instead of starting their own; a
//! failed download is remembered for [`FAILED_DOWNLOAD_TTL`] so that callers that were waiting for it fail at
//! once too. The download's own answer is verified with a certificate the client already trusts (the answer's
//! `alipay_cert_sn` must be known): an answer signed only by the new, unknown certificate is refused.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use alipay_api::{AlipayRequest, ApiResponse};
use alipay_core::aes::AesKey;
use alipay_core::cert::{CertError, Certificate, RootCerts};
use alipay_core::{Charset, PrivateKey, PublicKey};
use base64::Engine as _;
use serde::Deserialize;

use crate::builder::ClientBuilder;
use crate::client::{AlipayClient, CallOptions};
use crate::config::ClientConfig;
use crate::error::{ConfigError, Error};

/// How long a failed certificate download is remembered (callers in that window fail without a new download).
pub const FAILED_DOWNLOAD_TTL: Duration = Duration::from_secs(5);

/// The wire protocol of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// `gateway.do`: signed form parameters, signed JSON envelope (the default).
    #[default]
    V2,
    /// OpenAPI v3: REST paths, `Authorization` header, signed response headers.
    V3,
}

impl std::str::FromStr for Protocol {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "v2" | "" => Ok(Protocol::V2),
            "v3" => Ok(Protocol::V3),
            other => Err(ConfigError::Invalid(format!("protocol {other:?}: use \"v2\" or \"v3\""))),
        }
    }
}

/// `alipay.open.app.alipaycert.download` (the model of `alipay_api::cert`, the gateway's too), which the client
/// itself calls for certificate rotation.
///
/// ```no_run
/// # async fn run(client: alipay_client::AlipayClient) -> Result<(), alipay_client::Error> {
/// use alipay_client::{modes::AlipayCertDownload, ResponseExt};
/// let answer = client.execute(&AlipayCertDownload { alipay_cert_sn: "7513daaaa48aa3ba2e4018d84402479c".into() }).await?;
/// let pem_base64 = answer.ok()?.alipay_cert_content;
/// # Ok(()) }
/// ```
pub use alipay_api::cert::{AlipayCertDownload, AlipayCertDownloadResponse};

/// Key text that `Debug` never shows.
#[derive(Clone)]
pub(crate) struct SecretText(pub(crate) String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

/// The three certificate texts of cert mode.
#[derive(Debug, Clone)]
pub(crate) struct CertSettings {
    pub(crate) app_cert: String,
    pub(crate) alipay_cert: String,
    pub(crate) root_cert: String,
}

/// Cert mode state: SNs sent with every request, the roots, and the trusted Alipay keys by SN.
pub(crate) struct CertState {
    pub(crate) app_cert_sn: String,
    pub(crate) root_cert_sn: String,
    roots: RootCerts,
    default_sn: String,
    default_key: PublicKey,
    known: RwLock<HashMap<String, PublicKey>>,
    /// Held during a download; remembers the last failure.
    download: tokio::sync::Mutex<Option<(String, Instant, String)>>,
}

impl CertState {
    pub(crate) fn load(settings: &CertSettings, app_key: &PrivateKey) -> Result<CertState, ConfigError> {
        let app_cert = Certificate::from_pem(&settings.app_cert).map_err(ConfigError::AppCert)?;
        if app_cert.public_key().map_err(ConfigError::AppCert)? != *app_key.public_key() {
            return Err(ConfigError::AppCertMismatch { sn: app_cert.sn().to_owned() });
        }
        let roots = RootCerts::from_pem(&settings.root_cert).map_err(ConfigError::RootCert)?;
        let chain = Certificate::all_from_pem(&settings.alipay_cert).map_err(ConfigError::AlipayCert)?;
        roots.verify_chain(&chain).map_err(ConfigError::AlipayCert)?;
        let leaf = chain.first().ok_or(ConfigError::AlipayCert(CertError::NoCertificate))?;
        let default_key = leaf.public_key().map_err(ConfigError::AlipayCert)?;
        let default_sn = leaf.sn().to_owned();
        Ok(CertState {
            app_cert_sn: app_cert.sn().to_owned(),
            root_cert_sn: roots.sn().to_owned(),
            roots,
            known: RwLock::new(HashMap::from([(default_sn.clone(), default_key.clone())])),
            default_sn,
            default_key,
            download: tokio::sync::Mutex::new(None),
        })
    }

    pub(crate) fn default_key(&self) -> &PublicKey {
        &self.default_key
    }

    fn known(&self, sn: &str) -> Option<PublicKey> {
        self.known.read().ok().and_then(|m| m.get(sn).cloned())
    }

    /// The key of `sn` if known; with no SN, the configured Alipay certificate's.
    fn known_or_default(&self, sn: Option<&str>) -> Result<PublicKey, Error> {
        match sn {
            None => Ok(self.default_key.clone()),
            Some(sn) => self.known(sn).ok_or_else(|| Error::UnknownAlipayCert { sn: sn.to_owned() }),
        }
    }
}

/// Everything mode-related a client holds.
pub(crate) struct Modes {
    pub(crate) cert: Option<CertState>,
    pub(crate) aes: Option<AesKey>,
    pub(crate) encrypt_by_default: bool,
    pub(crate) protocol: Protocol,
    pub(crate) v3_endpoint: String,
}

impl Modes {
    /// The AES key if this call is to be encrypted.
    pub(crate) fn encryption(&self, options: &CallOptions) -> Result<Option<&AesKey>, Error> {
        if options.encrypt.unwrap_or(self.encrypt_by_default) {
            self.aes.as_ref().map(Some).ok_or(Error::NoAesKey)
        } else {
            Ok(None)
        }
    }
}

pub(crate) fn read_file(path: &std::path::Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError::ReadFile { path: path.display().to_string(), reason: e.to_string() })
}

/// Applies the mode fields of a configuration file to a builder.
pub(crate) fn apply_config(mut b: ClientBuilder, config: &ClientConfig) -> Result<ClientBuilder, ConfigError> {
    let pick = |text: &Option<String>, path: &Option<String>| -> Result<Option<String>, ConfigError> {
        match (text, path) {
            (Some(t), _) if !t.trim().is_empty() => Ok(Some(t.clone())),
            (_, Some(p)) if !p.trim().is_empty() => read_file(std::path::Path::new(p)).map(Some),
            _ => Ok(None),
        }
    };
    let app = pick(&config.app_cert, &config.app_cert_path)?;
    let alipay = pick(&config.alipay_cert, &config.alipay_cert_path)?;
    let root = pick(&config.alipay_root_cert, &config.alipay_root_cert_path)?;
    match (app, alipay, root) {
        (Some(a), Some(b2), Some(r)) => b = b.certs(&a, &b2, &r),
        (None, None, None) => {}
        _ => {
            return Err(ConfigError::Invalid(
                "certificate mode needs all three of app_cert, alipay_cert and alipay_root_cert (or their _path)"
                    .into(),
            ))
        }
    }
    if let Some(key) = config.aes_key.as_deref().filter(|k| !k.trim().is_empty()) {
        b = b.aes_key(key);
        match config.encrypt_type.as_deref().map(|s| s.trim().to_ascii_uppercase()) {
            None => {}
            Some(t) if t == "AES" => {}
            Some(t) if t.is_empty() || t == "NONE" => b = b.encrypt_by_default(false),
            Some(other) => {
                return Err(ConfigError::Invalid(format!("encrypt_type {other:?}: use \"AES\" or \"none\"")))
            }
        }
    } else if config.encrypt_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("AES")) {
        return Err(ConfigError::Invalid("encrypt_type is AES but no aes_key is configured".into()));
    }
    if let Some(p) = &config.protocol {
        b = b.protocol(p.parse()?);
    }
    if let Some(e) = &config.v3_endpoint {
        b = b.v3_endpoint(e);
    }
    Ok(b)
}

/// The top-level `alipay_cert_sn` of a v2 answer, if any.
pub(crate) fn answer_cert_sn(body: &[u8], charset: Charset) -> Option<String> {
    #[derive(Deserialize)]
    struct Top {
        #[serde(default)]
        alipay_cert_sn: Option<String>,
    }
    let text = charset.decode(body).ok()?;
    serde_json::from_str::<Top>(&text).ok()?.alipay_cert_sn.filter(|s| !s.is_empty())
}

impl AlipayClient {
    /// The Alipay key that signed an answer naming `sn` (cert mode), downloading and checking the
    /// certificate once if it is unknown; the configured key outside cert mode.
    pub(crate) async fn alipay_key_for(&self, sn: Option<&str>) -> Result<PublicKey, Error> {
        let Some(cert) = &self.inner.modes.cert else {
            return Ok(self.inner.alipay_key.clone());
        };
        let Some(sn) = sn else {
            return Ok(cert.default_key.clone());
        };
        if let Some(key) = cert.known(sn) {
            return Ok(key);
        }
        let mut last_failure = cert.download.lock().await;
        if let Some(key) = cert.known(sn) {
            return Ok(key);
        }
        if let Some((failed_sn, at, reason)) = last_failure.as_ref() {
            if failed_sn == sn && at.elapsed() < FAILED_DOWNLOAD_TTL {
                return Err(Error::CertDownload {
                    sn: sn.to_owned(),
                    source: Box::new(Error::Flow(format!("an attempt moments ago failed: {reason}"))),
                });
            }
        }
        tracing::info!(sn, app_id = %self.inner.app_id, "unknown Alipay certificate SN: downloading it");
        match self.download_alipay_cert(cert, sn).await {
            Ok(key) => {
                if let Ok(mut known) = cert.known.write() {
                    known.insert(sn.to_owned(), key.clone());
                }
                *last_failure = None;
                Ok(key)
            }
            Err(e) => {
                tracing::warn!(sn, error = %e, "Alipay certificate download failed");
                *last_failure = Some((sn.to_owned(), Instant::now(), e.to_string()));
                Err(e)
            }
        }
    }

    async fn download_alipay_cert(&self, cert: &CertState, sn: &str) -> Result<PublicKey, Error> {
        let wrap = |e: Error| Error::CertDownload { sn: sn.to_owned(), source: Box::new(e) };
        let untrusted = |source: CertError| Error::CertUntrusted { sn: sn.to_owned(), source };
        let method = AlipayCertDownload::METHOD;
        let biz = serde_json::json!({ "alipay_cert_sn": sn }).to_string();
        let signed = self.sign_params_with(method, vec![("biz_content".into(), biz)], &CallOptions::default(), None)?;
        let bytes = self.post_form(method, &signed).await.map_err(wrap)?;
        let charset = self.inner.charset;
        let key = cert.known_or_default(answer_cert_sn(&bytes, charset).as_deref()).map_err(wrap)?;
        let verified = self.verify_v2(&bytes, method, &key).map_err(wrap)?;
        let answer: ApiResponse<AlipayCertDownloadResponse> =
            verified.parse().map_err(|e| wrap(Error::Decode { method: method.to_owned(), reason: e.to_string() }))?;
        if !answer.status.is_success() {
            return Err(wrap(Error::Api(answer.status)));
        }
        let content = answer.body.alipay_cert_content.unwrap_or_default();
        let pem = base64::engine::general_purpose::STANDARD
            .decode(content.trim().as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                untrusted(CertError::Pem { index: 0, reason: "alipay_cert_content is not base64 of PEM text".into() })
            })?;
        let chain = Certificate::all_from_pem(&pem).map_err(untrusted)?;
        let leaf = chain.first().ok_or_else(|| untrusted(CertError::NoCertificate))?;
        if leaf.sn() != sn {
            return Err(untrusted(CertError::SnMismatch { expected: sn.to_owned(), found: leaf.sn().to_owned() }));
        }
        cert.roots.verify_chain(&chain).map_err(untrusted)?;
        leaf.public_key().map_err(untrusted)
    }

    /// Cert mode: the SN of the app certificate (sent as `app_cert_sn`).
    pub fn app_cert_sn(&self) -> Option<&str> {
        self.inner.modes.cert.as_ref().map(|c| c.app_cert_sn.as_str())
    }

    /// Cert mode: the root bundle's SN (sent as `alipay_root_cert_sn`).
    pub fn alipay_root_cert_sn(&self) -> Option<&str> {
        self.inner.modes.cert.as_ref().map(|c| c.root_cert_sn.as_str())
    }

    /// Cert mode: the SNs of the Alipay certificates the client trusts now (the configured one first).
    pub fn trusted_alipay_cert_sns(&self) -> Vec<String> {
        let Some(cert) = &self.inner.modes.cert else { return Vec::new() };
        let mut out = vec![cert.default_sn.clone()];
        if let Ok(known) = cert.known.read() {
            out.extend(known.keys().filter(|k| **k != cert.default_sn).cloned());
        }
        out
    }

    /// The wire protocol.
    pub fn protocol(&self) -> Protocol {
        self.inner.modes.protocol
    }
}
