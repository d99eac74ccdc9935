//! Protocol modes of the local Alipay: the sandbox as its own certificate authority (cert mode), the Alipay
//! certificates and their rotation, AES content keys, and each app's mode settings.
//!
//! # The CA and the Alipay certificates
//!
//! At first start the sandbox makes a CA ([`alipay_core::ca::CertAuthority`]) laid out like Alipay's: a root
//! bundle shaped like `alipayRootCert.crt` (four roots: an SM2 stand-in, the RSA root R1, an ECDSA root E1 and a
//! second RSA root; the root SN joins the two RSA roots' SNs), and under R1 the intermediates "Class 1 R1" (issues
//! app certificates: a file of one certificate) and "Class 2 R1" (issues Alipay certificates, shipped as the leaf
//! followed by Class 2 R1, as in Alipay's `alipayCertPublicKey_RSA2.crt`). The first Alipay certificate is for
//! the sandbox's Alipay key (the key plain-key apps verify with). All of it is kept in the store's `meta` table
//! ([`meta_keys`]), so restarts (and instances sharing a store) keep them; reset keeps them too. A store made
//! before the intermediates existed keeps its two-root bundle and its certificates, and gets intermediates for
//! what it issues from then on.
//! `POST /admin/alipay-cert/rotate` adds a new Alipay key pair and certificate issued by the same CA: from then
//! on cert-mode answers are signed with it; every older certificate stays downloadable with
//! `alipay.open.app.alipaycert.download`.
//!
//! Whose key signs what:
//! - plain-key apps: always the sandbox's Alipay key (`alipay_public_key` of their config; rotation is a
//!   certificate matter and does not change it);
//! - cert-mode apps: the current Alipay certificate's key, the answer naming its SN (`alipay_cert_sn`, v3
//!   `alipay-sn`);
//! - the answer of `alipay.open.app.alipaycert.download` to a cert-mode app: the Alipay certificate handed to
//!   that app at creation (the one in its config), so a client that learns of a new SN can verify the download
//!   with a certificate it already trusts (Alipay's SDKs refuse a download signed only by the unknown cert);
//! - notifications: for a cert-mode app, the key of the Alipay certificate it was configured with (what its
//!   client verifies notifications with); for the others, the sandbox's Alipay key.
//!
//! # Per-app settings ([`AppModes`], component `modes` of the schema)
//!
//! `cert_mode`, the app certificate and its SN, the AES key, `encrypt_required` (default false: an AES app
//! chooses per call whether to encrypt), and `cert_required_methods` (default none: no method refuses plain
//! keys unless the app was created with a list, e.g. `["alipay.fund.trans.uni.transfer"]`).

use std::sync::RwLock;

use alipay_core::aes::AesKey;
use alipay_core::ca::{CertAuthority, IntermediateParts};
use alipay_core::cert::Certificate;
use alipay_core::{PrivateKey, PublicKey, SignType};
use alipay_sandbox_admin::{NewApp as NewAppRequest, RegisteredApp, RotatedAlipayCert};
use serde::{Deserialize, Serialize};

use crate::accounts::{self, AccountError, NewApp};
use crate::store::{Repo, Store, StoreError};

/// This component's ordered migrations (component `modes`).
pub const MIGRATIONS: &[&str] = &[
    // 1: per-app mode settings, as JSON ([`AppModes`]).
    r#"
    CREATE TABLE app_modes (app_id TEXT PRIMARY KEY, settings TEXT NOT NULL);
    "#,
];

/// `meta` keys of the CA and the Alipay certificates.
pub mod meta_keys {
    /// The RSA root's private key (PKCS#8 base64).
    pub const CA_ROOT_KEY: &str = "ca.root_key";
    /// The root bundle (PEM, in order).
    pub const CA_ROOT_BUNDLE: &str = "ca.root_bundle";
    /// Every Alipay certificate with its key, oldest first (JSON `[{cert, key}]`).
    pub const ALIPAY_CERTS: &str = "alipay.certs";
    /// The intermediates "Class 1 R1" and "Class 2 R1" with their keys (JSON `[{cert, key}]`, in that order).
    pub const CA_INTERMEDIATES: &str = "ca.intermediates";
}

/// The mode settings of one app (stored as JSON in `app_modes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppModes {
    /// Certificate mode.
    #[serde(default)]
    pub cert_mode: bool,
    /// Cert mode: the app certificate's SN (what `app_cert_sn` must be).
    #[serde(default)]
    pub app_cert_sn: Option<String>,
    /// Cert mode: the app certificate (PEM).
    #[serde(default)]
    pub app_cert: Option<String>,
    /// Cert mode: the SN of the Alipay certificate in the app's config (signs its certificate downloads).
    #[serde(default)]
    pub alipay_cert_sn: Option<String>,
    /// The AES key (base64).
    #[serde(default)]
    pub aes_key: Option<String>,
    /// Requests without `encrypt_type=AES` are refused.
    #[serde(default)]
    pub encrypt_required: bool,
    /// Methods a plain-key call of this app may not use.
    #[serde(default)]
    pub cert_required_methods: Vec<String>,
    /// The app gets buyers' open ids (`buyer_open_id`) instead of their `2088…` user ids, as Alipay's apps
    /// created since 2023–24 do ([`crate::openid`]).
    #[serde(default)]
    pub open_id: bool,
    /// The authorization callback address (授权回调地址): the consent pages redirect only under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_redirect_uri: Option<String>,
}

impl AppModes {
    /// The parsed AES key, if the app has one that parses.
    pub fn aes(&self) -> Option<AesKey> {
        self.aes_key.as_deref().and_then(|k| AesKey::from_base64(k).ok())
    }
}

/// Per-app mode persistence. An extension of [`crate::store::Repo`], implemented for every repository.
pub trait ModesRepo {
    /// The settings of an app (`None`: a plain app with no settings row).
    fn app_modes(&self, app_id: &str) -> Result<Option<AppModes>, StoreError>;
    /// Stores (replaces) an app's settings.
    fn set_app_modes(&self, app_id: &str, modes: &AppModes) -> Result<(), StoreError>;
}

impl<R: crate::store::Repo + ?Sized> ModesRepo for R {
    fn app_modes(&self, app_id: &str) -> Result<Option<AppModes>, StoreError> {
        let text: Option<String> =
            self.sql().row("SELECT settings FROM app_modes WHERE app_id = ?1", [app_id], |r| r.get(0))?;
        text.map(|t| serde_json::from_str(&t).map_err(StoreError::backend)).transpose()
    }

    fn set_app_modes(&self, app_id: &str, modes: &AppModes) -> Result<(), StoreError> {
        let text = serde_json::to_string(modes).map_err(StoreError::backend)?;
        self.sql().exec(
            "INSERT INTO app_modes (app_id, settings) VALUES (?1, ?2) \
             ON CONFLICT (app_id) DO UPDATE SET settings = excluded.settings",
            [app_id, text.as_str()],
        )?;
        Ok(())
    }
}

/// One Alipay certificate with its key.
#[derive(Debug, Clone)]
pub struct AlipayCert {
    /// The certificate.
    pub cert: Certificate,
    /// Its private key.
    pub key: PrivateKey,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredCert {
    cert: String,
    key: String,
}

/// The CA and the Alipay certificates of a running sandbox.
#[derive(Debug)]
pub struct Authority {
    ca: CertAuthority,
    /// Oldest first; the last one is current.
    certs: RwLock<Vec<AlipayCert>>,
}

/// The sandbox's modes could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ModesError {
    /// The CA failed.
    #[error(transparent)]
    Ca(#[from] alipay_core::ca::CaError),
    /// A stored certificate does not parse.
    #[error(transparent)]
    Cert(#[from] alipay_core::cert::CertError),
    /// A stored key does not parse.
    #[error(transparent)]
    Key(#[from] alipay_core::KeyError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stored JSON is broken.
    #[error("stored Alipay certificates: {0}")]
    Json(#[from] serde_json::Error),
    /// The stored intermediates are not two.
    #[error("the stored CA intermediates are not Class 1 and Class 2")]
    Intermediates,
}

/// The CN of the sandbox's Alipay certificates, in Alipay's pattern (`支付宝(中国)网络技术有限公司-<pid>`).
const ALIPAY_CERT_CN: &str = "支付宝(中国)网络技术有限公司-alipay-rs Local";

fn stored(c: &AlipayCert) -> StoredCert {
    StoredCert { cert: c.cert.to_pem(), key: c.key.to_pkcs8_base64() }
}

fn stored_intermediates(ca: &CertAuthority) -> Result<String, serde_json::Error> {
    let list: Vec<StoredCert> =
        ca.intermediates().iter().map(|p| StoredCert { cert: p.cert.to_pem(), key: p.key.to_pkcs8_base64() }).collect();
    serde_json::to_string(&list)
}

fn parse_intermediates(text: &str) -> Result<[IntermediateParts; 2], ModesError> {
    let list: Vec<StoredCert> = serde_json::from_str(text)?;
    let mut parts = Vec::with_capacity(2);
    for s in list {
        parts.push(IntermediateParts { cert: Certificate::from_pem(&s.cert)?, key: PrivateKey::from_text(&s.key)? });
    }
    <[IntermediateParts; 2]>::try_from(parts).map_err(|_| ModesError::Intermediates)
}

impl Authority {
    /// Loads the CA and the Alipay certificates from `meta`, creating them (for `alipay_key`) on first start.
    /// A store made before the CA had intermediates gets them now (kept in `meta`); its root bundle and the
    /// certificates already issued stay as they were.
    pub async fn load_or_create(store: &Store, alipay_key: &PrivateKey) -> Result<Authority, ModesError> {
        let read = |r: &dyn Repo| -> Result<[Option<String>; 4], StoreError> {
            Ok([
                r.meta(meta_keys::CA_ROOT_KEY)?,
                r.meta(meta_keys::CA_ROOT_BUNDLE)?,
                r.meta(meta_keys::ALIPAY_CERTS)?,
                r.meta(meta_keys::CA_INTERMEDIATES)?,
            ])
        };
        if let [Some(k), Some(b), Some(c), Some(i)] = store.read(read).await? {
            return Authority::from_stored(&k, &b, &c, &i);
        }
        // First start (or a store from before the intermediates): make what is missing, and store it unless
        // another instance sharing the store just did.
        let texts = match store.read(read).await? {
            [Some(k), Some(b), Some(c), None] => {
                let ca = CertAuthority::restore(&PrivateKey::from_text(&k)?, &b, None)?;
                [k, b, c, stored_intermediates(&ca)?]
            }
            _ => {
                let ca = CertAuthority::generate()?;
                let cert = ca.issue_alipay(ALIPAY_CERT_CN, alipay_key.public_key())?;
                [
                    ca.root_key().to_pkcs8_base64(),
                    ca.root_bundle_pem(),
                    serde_json::to_string(&[stored(&AlipayCert { cert, key: alipay_key.clone() })])?,
                    stored_intermediates(&ca)?,
                ]
            }
        };
        let [k, b, c, i] = store
            .write(move |r| -> Result<[String; 4], StoreError> {
                let now = read(r)?;
                let keys = [
                    meta_keys::CA_ROOT_KEY,
                    meta_keys::CA_ROOT_BUNDLE,
                    meta_keys::ALIPAY_CERTS,
                    meta_keys::CA_INTERMEDIATES,
                ];
                let mut out = texts.clone();
                // The root and the certificates go together: keep another instance's if it stored them first.
                if let [Some(k), Some(b), Some(c), _] = &now {
                    out[0].clone_from(k);
                    out[1].clone_from(b);
                    out[2].clone_from(c);
                }
                if let Some(i) = &now[3] {
                    out[3].clone_from(i);
                }
                for (key, (value, old)) in keys.iter().zip(out.iter().zip(now.iter())) {
                    if old.is_none() {
                        r.set_meta(key, value)?;
                    }
                }
                Ok(out)
            })
            .await?;
        Authority::from_stored(&k, &b, &c, &i)
    }

    fn from_stored(root_key: &str, bundle: &str, certs: &str, intermediates: &str) -> Result<Authority, ModesError> {
        let parts = parse_intermediates(intermediates)?;
        let ca = CertAuthority::restore(&PrivateKey::from_text(root_key)?, bundle, Some(&parts))?;
        let authority = Authority { ca, certs: RwLock::new(Vec::new()) };
        authority.replace_certs(certs)?;
        Ok(authority)
    }

    /// An Alipay certificate's file as Alipay ships it (`alipayCertPublicKey_RSA2.crt`): the certificate, then
    /// the intermediate that issued it.
    pub fn chain_pem(&self, cert: &Certificate) -> String {
        self.ca.chain_pem(cert)
    }

    /// Reads the stored Alipay certificates again (another instance may have rotated).
    pub async fn reload(&self, store: &Store) -> Result<(), ModesError> {
        if let Some(text) = store.read(|r| r.meta(meta_keys::ALIPAY_CERTS)).await? {
            self.replace_certs(&text)?;
        }
        Ok(())
    }

    fn replace_certs(&self, text: &str) -> Result<(), ModesError> {
        let list: Vec<StoredCert> = serde_json::from_str(text)?;
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            out.push(AlipayCert { cert: Certificate::from_pem(&s.cert)?, key: PrivateKey::from_text(&s.key)? });
        }
        if let Ok(mut certs) = self.certs.write() {
            *certs = out;
        }
        Ok(())
    }

    /// The CA.
    pub fn ca(&self) -> &CertAuthority {
        &self.ca
    }

    /// The current Alipay certificate.
    pub fn current(&self) -> Option<AlipayCert> {
        self.certs.read().ok().and_then(|c| c.last().cloned())
    }

    /// A known Alipay certificate by SN.
    pub fn by_sn(&self, sn: &str) -> Option<AlipayCert> {
        self.certs.read().ok().and_then(|c| c.iter().find(|c| c.cert.sn() == sn).cloned())
    }

    /// The key that signs what an app verifies outside a gateway answer (notifications, the cashier's
    /// synchronous return): for a cert-mode app, the key of the Alipay certificate it was configured with (what its
    /// client verifies with); for the others, `plain` (the sandbox's Alipay key).
    pub fn configured_key(&self, modes: Option<&AppModes>, plain: &PrivateKey) -> PrivateKey {
        modes
            .filter(|m| m.cert_mode)
            .and_then(|m| m.alipay_cert_sn.as_deref())
            .and_then(|sn| self.by_sn(sn))
            .map_or_else(|| plain.clone(), |c| c.key)
    }

    /// Every known SN, oldest first.
    pub fn sns(&self) -> Vec<String> {
        self.certs.read().map(|c| c.iter().map(|c| c.cert.sn().to_owned()).collect()).unwrap_or_default()
    }

    /// Rotates: a new key pair and certificate, stored, then current.
    pub async fn rotate(&self, store: &Store) -> Result<RotatedAlipayCert, ModesError> {
        let key = PrivateKey::generate()?;
        let n = self.certs.read().map(|c| c.len()).unwrap_or(0) + 1;
        let cert = self.ca.issue_alipay(&format!("{ALIPAY_CERT_CN} {n}"), key.public_key())?;
        let new = AlipayCert { cert, key };
        // Appended to the stored list (another instance on a shared store may have rotated meanwhile), then this
        // process's list is the stored one.
        let added = serde_json::to_value(stored(&new))?;
        let all = store
            .write(move |r| -> Result<String, StoreError> {
                let mut all: Vec<serde_json::Value> = match r.meta(meta_keys::ALIPAY_CERTS)? {
                    Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    None => Vec::new(),
                };
                all.push(added.clone());
                let text = serde_json::to_string(&all).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                r.set_meta(meta_keys::ALIPAY_CERTS, &text)?;
                crate::shared::bump(r)?;
                Ok(text)
            })
            .await?;
        self.replace_certs(&all)?;
        tracing::info!(sn = new.cert.sn(), "Alipay certificate rotated");
        Ok(RotatedAlipayCert {
            alipay_cert_sn: new.cert.sn().to_owned(),
            alipay_cert: self.chain_pem(&new.cert),
            known_sns: self.sns(),
        })
    }
}

/// Registers an app from the admin request: generates its key pair unless one is given, issues its app
/// certificate in cert mode, makes its AES key, stores its settings, and answers its client configuration.
pub(crate) async fn register(
    state: &crate::SandboxState,
    body: NewAppRequest,
    gateway_url: String,
) -> Result<RegisteredApp, AccountError> {
    let sign_type = match body.sign_type.as_deref() {
        None => SignType::Rsa2,
        Some(s) => s.parse().map_err(|e: alipay_core::UnknownSignType| AccountError::Invalid(e.to_string()))?,
    };
    let generated = if body.public_key.trim().is_empty() {
        Some(PrivateKey::generate().map_err(|e| AccountError::Invalid(format!("cannot generate a key: {e}")))?)
    } else {
        None
    };
    let public_key = match &generated {
        Some(k) => k.public_key().clone(),
        None => PublicKey::from_text(&body.public_key).map_err(|e| AccountError::BadKey(e.to_string()))?,
    };
    let alipay = if body.cert_mode { state.authority.current() } else { None };
    if body.cert_mode && alipay.is_none() {
        return Err(AccountError::Invalid("the sandbox has no Alipay certificate".into()));
    }
    if let Some(uri) = &body.auth_redirect_uri {
        if !crate::origin::is_http_url(uri) {
            return Err(AccountError::Invalid(format!("auth_redirect_uri is not an absolute http(s) URL: {uri}")));
        }
    }
    let aes = body.aes.then(AesKey::generate);
    let new = NewApp {
        public_key: if generated.is_some() { public_key.to_spki_pem() } else { body.public_key.clone() },
        sign_type,
        app_id: body.app_id.clone(),
        merchant_pid: body.merchant_pid.clone(),
    };
    let now = state.clock.now();
    let cert_mode = body.cert_mode;
    let settings = AppModes {
        cert_mode,
        app_cert_sn: None,
        app_cert: None,
        alipay_cert_sn: alipay.as_ref().map(|a| a.cert.sn().to_owned()),
        aes_key: aes.as_ref().map(AesKey::to_base64),
        encrypt_required: body.encrypt_required && aes.is_some(),
        cert_required_methods: body.cert_required_methods.clone(),
        // What Alipay gives a new app today: open ids (`"open_id": false` for a user-id app).
        open_id: body.open_id.unwrap_or(true),
        auth_redirect_uri: body.auth_redirect_uri.clone(),
    };
    let authority = std::sync::Arc::clone(&state.authority);
    let issue_key = public_key.clone();
    let (app, merchant, settings) = state
        .store
        .write(move |r: &dyn Repo| -> Result<_, AccountError> {
            let (app, merchant) = accounts::register_app(r, &new, now)?;
            let mut settings = settings.clone();
            if cert_mode {
                let cn = format!("{}-{}", merchant.pid, app.app_id);
                let cert = authority
                    .ca()
                    .issue_app(&cn, &issue_key)
                    .map_err(|e| AccountError::Invalid(format!("cannot issue the app certificate: {e}")))?;
                settings.app_cert_sn = Some(cert.sn().to_owned());
                settings.app_cert = Some(cert.to_pem());
            }
            if settings != AppModes::default() {
                r.set_app_modes(&app.app_id, &settings)?;
            }
            Ok((app, merchant, settings))
        })
        .await?;
    let mut out = RegisteredApp {
        app_id: app.app_id,
        merchant_pid: merchant.pid,
        sign_type: app.sign_type.as_str().to_owned(),
        open_id: Some(settings.open_id),
        ..RegisteredApp::default()
    };
    if let Some(k) = &generated {
        out.gateway_url = Some(gateway_url);
        out.charset = Some("utf-8".into());
        out.app_private_key = Some(k.to_pkcs8_pem());
        out.app_private_key_pkcs1 = Some(k.to_pkcs1_pem());
    }
    match &alipay {
        Some(a) => {
            out.app_cert = settings.app_cert.clone();
            out.app_cert_sn = settings.app_cert_sn.clone();
            out.alipay_cert = Some(state.authority.chain_pem(&a.cert));
            out.alipay_cert_sn = Some(a.cert.sn().to_owned());
            out.alipay_root_cert = Some(state.authority.ca().root_bundle_pem());
            out.alipay_root_cert_sn = Some(state.authority.ca().roots().sn().to_owned());
        }
        None => out.alipay_public_key = Some(state.alipay_key.public_key().to_spki_pem()),
    }
    if let Some(k) = &settings.aes_key {
        out.aes_key = Some(k.clone());
        out.encrypt_type = Some(alipay_core::aes::ENCRYPT_TYPE_AES.to_owned());
    }
    Ok(out)
}
