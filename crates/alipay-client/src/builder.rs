//! [`ClientBuilder`]: configure once, build one [`AlipayClient`], share it everywhere.

use std::sync::Arc;
use std::time::Duration;

use alipay_core::aes::AesKey;
use alipay_core::{Charset, PrivateKey, PublicKey, SignType};

use crate::client::{AlipayClient, Inner};
use crate::config::ClientConfig;
use crate::error::ConfigError;
use crate::modes::{CertSettings, CertState, Modes, Protocol};

/// Alipay's production gateway.
pub const PRODUCTION_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
/// Alipay's remote sandbox gateway.
pub const SANDBOX_GATEWAY: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

/// Builds an [`AlipayClient`]; the counterpart of Java's
/// `DefaultAlipayClient(URL, APP_ID, APP_PRIVATE_KEY, FORMAT, CHARSET, ALIPAY_PUBLIC_KEY, SIGN_TYPE)`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use alipay_client::AlipayClient;
/// use std::time::Duration;
/// let client = AlipayClient::builder("2021000000000001", "<app private key>", "<Alipay public key>")
///     .gateway("http://127.0.0.1:8080/gateway.do")
///     .charset(alipay_core::Charset::Gbk)
///     .timeout(Duration::from_secs(15))
///     .notify_url("https://merchant.example.com/alipay/notify")
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    app_id: String,
    app_private_key: String,
    alipay_public_key: String,
    gateway: String,
    sign_type: SignType,
    charset: Charset,
    notify_url: Option<String>,
    app_auth_token: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    proxy: Option<String>,
    http: Option<reqwest::Client>,
    certs: Option<CertSettings>,
    aes_key: Option<crate::modes::SecretText>,
    encrypt_by_default: bool,
    protocol: Protocol,
    v3_endpoint: Option<String>,
}

impl ClientBuilder {
    pub(crate) fn new(app_id: &str, app_private_key: &str, alipay_public_key: &str) -> ClientBuilder {
        ClientBuilder {
            app_id: app_id.to_owned(),
            app_private_key: app_private_key.to_owned(),
            alipay_public_key: alipay_public_key.to_owned(),
            gateway: PRODUCTION_GATEWAY.to_owned(),
            sign_type: SignType::Rsa2,
            charset: Charset::Utf8,
            notify_url: None,
            app_auth_token: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            proxy: None,
            http: None,
            certs: None,
            aes_key: None,
            encrypt_by_default: false,
            protocol: Protocol::V2,
            v3_endpoint: None,
        }
    }

    /// Starts from a configuration file's settings.
    pub fn from_config(config: &ClientConfig) -> Result<ClientBuilder, ConfigError> {
        let mut b = ClientBuilder::new(&config.app_id, &config.app_private_key, &config.alipay_public_key)
            .gateway(&config.gateway_url);
        b.sign_type =
            config.sign_type.parse().map_err(|e: alipay_core::UnknownSignType| ConfigError::Invalid(e.to_string()))?;
        b.charset =
            config.charset.parse().map_err(|e: alipay_core::CharsetError| ConfigError::Invalid(e.to_string()))?;
        b.notify_url = config.notify_url.clone();
        b = crate::modes::apply_config(b, config)?;
        Ok(b)
    }

    /// Certificate mode (公钥证书模式): the app certificate, the Alipay certificate (leaf first, any
    /// intermediates after it, as Alipay ships `alipayCertPublicKey_RSA2.crt`) and the root bundle, as PEM text.
    /// Requests then carry `app_cert_sn` and `alipay_root_cert_sn`; answers are verified with the Alipay
    /// certificate they name. The `alipay_public_key` given to [`AlipayClient::builder`] is ignored (pass `""`).
    ///
    /// ```no_run
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use alipay_client::AlipayClient;
    /// let read = |p: &str| std::fs::read_to_string(p);
    /// let client = AlipayClient::builder("2021000000000001", &read("app_private_key.pem")?, "")
    ///     .certs(&read("appCertPublicKey_2021000000000001.crt")?, &read("alipayCertPublicKey_RSA2.crt")?,
    ///            &read("alipayRootCert.crt")?)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn certs(mut self, app_cert_pem: &str, alipay_cert_pem: &str, alipay_root_cert_pem: &str) -> Self {
        self.certs = Some(CertSettings {
            app_cert: app_cert_pem.to_owned(),
            alipay_cert: alipay_cert_pem.to_owned(),
            root_cert: alipay_root_cert_pem.to_owned(),
        });
        self
    }

    /// [`ClientBuilder::certs`] from files.
    pub fn cert_paths(
        self,
        app_cert: impl AsRef<std::path::Path>,
        alipay_cert: impl AsRef<std::path::Path>,
        alipay_root_cert: impl AsRef<std::path::Path>,
    ) -> Result<Self, ConfigError> {
        let read = crate::modes::read_file;
        let (a, b, c) = (read(app_cert.as_ref())?, read(alipay_cert.as_ref())?, read(alipay_root_cert.as_ref())?);
        Ok(self.certs(&a, &b, &c))
    }

    /// AES content encryption (`encrypt_type=AES`) with this key (base64, as the console shows it), for every
    /// call unless [`ClientBuilder::encrypt_by_default`] turns that off; a call can also ask for it with
    /// [`crate::CallOptions::encrypt`].
    ///
    /// ```no_run
    /// # fn run() -> Result<(), alipay_client::ConfigError> {
    /// let client = alipay_client::AlipayClient::builder("2021000000000001", "<app private key>", "<Alipay public key>")
    ///     .aes_key("aa4BtZ4tspm2wnXLb1ThQA==")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn aes_key(mut self, key_base64: &str) -> Self {
        self.aes_key = Some(crate::modes::SecretText(key_base64.to_owned()));
        self.encrypt_by_default = true;
        self
    }

    /// Whether calls are encrypted unless they say otherwise (default: `true` once an AES key is set).
    pub fn encrypt_by_default(mut self, on: bool) -> Self {
        self.encrypt_by_default = on;
        self
    }

    /// `V2` (default: `gateway.do`) or `V3` (REST paths with an `Authorization` header, for the methods
    /// that have one; see [`crate::v3::V3_PATHS`]).
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// v3 endpoint, e.g. `https://openapi.alipay.com` (default: the gateway URL without `/gateway.do`).
    pub fn v3_endpoint(mut self, url: &str) -> Self {
        self.v3_endpoint = Some(url.trim_end_matches('/').to_owned());
        self
    }

    /// The gateway URL (default: production). Any http(s) URL, e.g. the local gateway.
    pub fn gateway(mut self, url: &str) -> Self {
        url.clone_into(&mut self.gateway);
        self
    }

    /// Use Alipay's remote sandbox gateway.
    pub fn sandbox(self) -> Self {
        self.gateway(SANDBOX_GATEWAY)
    }

    /// `RSA2` (default) or legacy `RSA`.
    pub fn sign_type(mut self, sign_type: SignType) -> Self {
        self.sign_type = sign_type;
        self
    }

    /// Request and signature charset: UTF-8 (default) or GBK.
    pub fn charset(mut self, charset: Charset) -> Self {
        self.charset = charset;
        self
    }

    /// Default `notify_url`, sent with every call unless a call overrides it.
    pub fn notify_url(mut self, url: &str) -> Self {
        self.notify_url = Some(url.to_owned());
        self
    }

    /// Default `app_auth_token` (an ISV acting for one merchant). Per-call tokens override it.
    pub fn app_auth_token(mut self, token: &str) -> Self {
        self.app_auth_token = Some(token.to_owned());
        self
    }

    /// Whole-request timeout (default 30 s). A timeout after sending is reported as an unknown outcome.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// An HTTP(S) proxy for all calls, e.g. `http://proxy.internal:3128`.
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = Some(url.to_owned());
        self
    }

    /// Use this `reqwest::Client` (its own timeouts and proxy apply; `timeout`/`proxy` here are ignored).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Loads the keys (once), checks them, and builds the client.
    ///
    /// Fails if a key cannot be loaded, or if the "Alipay public key" is in fact the app's own public key.
    pub fn build(self) -> Result<AlipayClient, ConfigError> {
        if self.app_id.trim().is_empty() {
            return Err(ConfigError::Missing("app_id"));
        }
        let app_key = PrivateKey::from_text(&self.app_private_key).map_err(ConfigError::AppKey)?;
        let cert = self.certs.as_ref().map(|c| CertState::load(c, &app_key)).transpose()?;
        let alipay_key = match &cert {
            Some(c) => c.default_key().clone(),
            None => PublicKey::from_text(&self.alipay_public_key).map_err(ConfigError::AlipayKey)?,
        };
        alipay_key.ensure_not_app_key(&app_key).map_err(ConfigError::AlipayKey)?;
        let aes = self.aes_key.as_ref().map(|k| AesKey::from_base64(&k.0)).transpose().map_err(ConfigError::AesKey)?;
        let v3_endpoint = match &self.v3_endpoint {
            Some(e) => e.clone(),
            None => self.gateway.split('?').next().unwrap_or_default().trim_end_matches("/gateway.do").to_owned(),
        };
        let modes = Modes {
            cert,
            encrypt_by_default: self.encrypt_by_default && aes.is_some(),
            aes,
            protocol: self.protocol,
            v3_endpoint,
        };
        let gateway = url::Url::parse(&self.gateway).map_err(|_| ConfigError::GatewayUrl(self.gateway.clone()))?;
        if !matches!(gateway.scheme(), "http" | "https") {
            return Err(ConfigError::GatewayUrl(self.gateway));
        }
        let http = match self.http {
            Some(h) => h,
            None => {
                let mut b = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    .pool_idle_timeout(Duration::from_secs(60))
                    .user_agent(concat!("alipay-rs/", env!("CARGO_PKG_VERSION")));
                if let Some(p) = &self.proxy {
                    b = b.proxy(reqwest::Proxy::all(p)?);
                }
                b.build()?
            }
        };
        Ok(AlipayClient {
            inner: Arc::new(Inner {
                http,
                gateway: self.gateway,
                app_id: self.app_id,
                app_key,
                alipay_key,
                sign_type: self.sign_type,
                charset: self.charset,
                notify_url: self.notify_url,
                app_auth_token: self.app_auth_token,
                modes,
            }),
        })
    }
}
