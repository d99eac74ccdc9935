//! A certificate authority for cert mode (feature `ca`): what a local gateway needs to play Alipay's CA.
//!
//! [`CertAuthority::generate`] creates a root bundle shaped like Alipay's `alipayRootCert.crt`: an ECDSA
//! P-256 root first (standing in for the SM2 root, and skipped by the root SN like it) and an RSA root that
//! signs everything. [`CertAuthority::issue`] issues a certificate for any RSA public key: the app
//! certificate for an app's public key, or the Alipay certificate for the gateway's own key. Every issued
//! certificate chains to the bundle under [`RootCerts::verify_chain`](crate::cert::RootCerts::verify_chain).
//!
//! ```
//! use alipay_core::{ca::CertAuthority, PrivateKey};
//! let ca = CertAuthority::generate()?;
//! let app_key = PrivateKey::generate()?;
//! let app_cert = ca.issue("2088000000000001-2021000000000001", app_key.public_key())?;
//! ca.roots().verify_chain(&[app_cert.clone()])?;
//! assert_eq!(app_cert.public_key()?, *app_key.public_key());
//! assert_eq!(ca.roots().sn().split('_').count(), 1);   // the EC root is not in the SN
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PublicKeyData, SerialNumber, SignatureAlgorithm,
};

use crate::cert::{CertError, Certificate, RootCerts};
use crate::key::{PrivateKey, PublicKey};

/// Issuing a certificate failed.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// rcgen refused (key, parameters, signing).
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// The issued certificate does not parse back.
    #[error("issued certificate: {0}")]
    Cert(#[from] CertError),
    /// The CA's key could not be generated or exported.
    #[error("CA key: {0}")]
    Key(#[from] crate::key::KeyError),
    /// A date is outside what X.509 can hold.
    #[error("validity date out of range")]
    Date,
    /// The root bundle given to [`CertAuthority::from_parts`] has no RSA root for that key.
    #[error("the root bundle has no RSA root certificate for the given key")]
    NoRsaRoot,
}

/// A CA with a root bundle and the RSA root's key. Issues app and Alipay certificates.
pub struct CertAuthority {
    issuer: Issuer<'static, KeyPair>,
    root_key: PrivateKey,
    roots: RootCerts,
}

impl std::fmt::Debug for CertAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertAuthority").field("roots", &self.roots).finish_non_exhaustive()
    }
}

/// How long an issued certificate is valid by default (Alipay issues for five years).
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(5 * 365 * 24 * 3600);

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    dn.push(DnType::OrganizationName, "alipay-rs Local");
    dn.push(DnType::OrganizationalUnitName, "Certification Authority");
    dn.push(DnType::CommonName, cn);
    dn
}

const RSA_ROOT_CN: &str = "alipay-rs Local Certification Authority R1";
const EC_ROOT_CN: &str = "alipay-rs Local ROOTCA (SM2 stand-in)";

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2049, 12, 31);
    p.serial_number = Some(random_serial());
    p
}

fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    if let Some(first) = bytes.first_mut() {
        *first = (*first & 0x7f) | 0x10; // positive, and 16 bytes long like Alipay's serials
    }
    SerialNumber::from_slice(&bytes)
}

fn rsa_key_pair(key: &PrivateKey) -> Result<KeyPair, CaError> {
    Ok(KeyPair::from_pkcs8_pem_and_sign_algo(&key.to_pkcs8_pem(), &rcgen::PKCS_RSA_SHA256)?)
}

fn to_time(t: SystemTime) -> Result<time::OffsetDateTime, CaError> {
    let secs = t.duration_since(UNIX_EPOCH).map_err(|_| CaError::Date)?.as_secs();
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).map_err(|_| CaError::Date)?)
        .map_err(|_| CaError::Date)
}

/// An RSA public key as rcgen wants it (PKCS#1 `RSAPublicKey` under rsaEncryption).
struct RsaPublic(Vec<u8>);

impl PublicKeyData for RsaPublic {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl CertAuthority {
    /// A new CA: an ECDSA root (the SM2 stand-in, listed first) and a 2048-bit RSA root.
    pub fn generate() -> Result<CertAuthority, CaError> {
        let ec_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let ec_root = ca_params(EC_ROOT_CN).self_signed(&ec_key)?;
        let root_key = PrivateKey::generate()?;
        let pair = rsa_key_pair(&root_key)?;
        let params = ca_params(RSA_ROOT_CN);
        let rsa_root = params.self_signed(&pair)?;
        let roots = RootCerts::new(vec![Certificate::from_der(ec_root.der())?, Certificate::from_der(rsa_root.der())?]);
        Ok(CertAuthority { issuer: Issuer::new(params, pair), root_key, roots })
    }

    /// Restores a CA saved as its RSA root key ([`CertAuthority::root_key`]) and its root bundle
    /// ([`CertAuthority::root_bundle_pem`]).
    pub fn from_parts(root_key: &PrivateKey, root_bundle_pem: &str) -> Result<CertAuthority, CaError> {
        let roots = RootCerts::from_pem(root_bundle_pem)?;
        let ok = roots
            .certs()
            .iter()
            .any(|c| c.is_rsa_signed() && c.public_key().ok().as_ref() == Some(root_key.public_key()));
        if !ok {
            return Err(CaError::NoRsaRoot);
        }
        let params = ca_params(RSA_ROOT_CN);
        Ok(CertAuthority { issuer: Issuer::new(params, rsa_key_pair(root_key)?), root_key: root_key.clone(), roots })
    }

    /// The root bundle (what apps configure as `alipayRootCert.crt`).
    pub fn roots(&self) -> &RootCerts {
        &self.roots
    }

    /// The root bundle as PEM, in order.
    pub fn root_bundle_pem(&self) -> String {
        self.roots.certs().iter().map(Certificate::to_pem).collect::<Vec<_>>().join("\n")
    }

    /// The RSA root's private key (keep it to restore the CA with [`CertAuthority::from_parts`]).
    pub fn root_key(&self) -> &PrivateKey {
        &self.root_key
    }

    /// Issues a certificate for `public_key` with subject CN `common_name`, valid from a day ago for
    /// [`DEFAULT_VALIDITY`].
    pub fn issue(&self, common_name: &str, public_key: &PublicKey) -> Result<Certificate, CaError> {
        let now = SystemTime::now();
        self.issue_valid(common_name, public_key, now - Duration::from_secs(86_400), now + DEFAULT_VALIDITY)
    }

    /// Issues a certificate valid from `not_before` to `not_after` (e.g. an expired one, for tests).
    pub fn issue_valid(
        &self,
        common_name: &str,
        public_key: &PublicKey,
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Result<Certificate, CaError> {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "CN");
        dn.push(DnType::OrganizationName, "alipay-rs Local");
        dn.push(DnType::OrganizationalUnitName, "Alipay");
        dn.push(DnType::CommonName, common_name);
        let mut params = CertificateParams::default();
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
        params.not_before = to_time(not_before)?;
        params.not_after = to_time(not_after)?;
        params.serial_number = Some(random_serial());
        params.use_authority_key_identifier_extension = true;
        let pkcs1 = public_key.to_pkcs1_der();
        let cert = params.signed_by(&RsaPublic(pkcs1), &self.issuer)?;
        Ok(Certificate::from_der(cert.der())?)
    }
}
