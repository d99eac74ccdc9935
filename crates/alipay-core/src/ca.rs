//! A certificate authority for cert mode (feature `ca`): what a local gateway needs to play Alipay's CA.
//!
//! The layout is Alipay's (see `tests/fixtures/certs/README.md` of this crate for the real files):
//! - [`CertAuthority::generate`] creates a root bundle shaped like Alipay's `alipayRootCert.crt`, four roots in
//!   the real order: an ECDSA P-256 root standing in for the SM2 root, the RSA root "R1", an ECDSA P-384 root
//!   "E1", and a second RSA root standing in for iTrusChina's SHA-1 root (rcgen signs no SHA-1; the root SN takes
//!   every RSA-signed root, so it has two parts like the real `687b…_0294…`).
//! - Two intermediates under R1, as Alipay has: "Class 1 R1" issues app certificates
//!   ([`CertAuthority::issue_app`]: a file of one certificate, like `appCertPublicKey_<app_id>.crt`) and
//!   "Class 2 R1" issues Alipay certificates ([`CertAuthority::issue_alipay`]), shipped as the leaf followed by
//!   that intermediate ([`CertAuthority::chain_pem`], like `alipayCertPublicKey_RSA2.crt`).
//! - [`CertAuthority::issue`] issues straight from R1 (a certificate for tests that need no intermediate).
//!
//! ```
//! use alipay_core::{ca::CertAuthority, cert::Certificate, PrivateKey};
//! let ca = CertAuthority::generate()?;
//! let app_key = PrivateKey::generate()?;
//! let app_cert = ca.issue_app("2088000000000001-2021000000000001", app_key.public_key())?;
//! assert!(app_cert.issuer().contains("Class 1 R1"));
//! assert_eq!(app_cert.public_key()?, *app_key.public_key());
//! let alipay_key = PrivateKey::generate()?;
//! let leaf = ca.issue_alipay("支付宝(中国)网络技术有限公司-2088000000000001", alipay_key.public_key())?;
//! let file = ca.chain_pem(&leaf);                       // leaf, then "Class 2 R1"
//! let chain = Certificate::all_from_pem(&file)?;
//! assert_eq!(chain.len(), 2);
//! ca.roots().verify_chain(&chain)?;
//! assert_eq!(ca.roots().certs().len(), 4);
//! assert_eq!(ca.roots().sn().split('_').count(), 2);   // the two RSA roots, as in Alipay's bundle
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

/// A CA with a root bundle, the RSA root's key and two intermediates. Issues app and Alipay certificates.
pub struct CertAuthority {
    issuer: Issuer<'static, KeyPair>,
    root_key: PrivateKey,
    roots: RootCerts,
    /// "Class 1 R1": issues app certificates.
    class1: Intermediate,
    /// "Class 2 R1": issues Alipay certificates.
    class2: Intermediate,
}

/// An intermediate CA under the RSA root.
struct Intermediate {
    issuer: Issuer<'static, KeyPair>,
    key: PrivateKey,
    cert: Certificate,
}

/// An intermediate's key and certificate, to keep and give back to [`CertAuthority::restore`].
#[derive(Debug, Clone)]
pub struct IntermediateParts {
    /// Its private key.
    pub key: PrivateKey,
    /// Its certificate (issued by the RSA root).
    pub cert: Certificate,
}

impl std::fmt::Debug for CertAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertAuthority")
            .field("roots", &self.roots)
            .field("class1", &self.class1.cert.subject())
            .field("class2", &self.class2.cert.subject())
            .finish_non_exhaustive()
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
const E1_ROOT_CN: &str = "alipay-rs Local Certification Authority E1";
const SECOND_RSA_ROOT_CN: &str = "alipay-rs Local Class 2 Root CA - G3 (iTrusChina stand-in)";
/// The CN of the intermediate that issues app certificates (Alipay's "Ant Financial Certification Authority
/// Class 1 R1").
pub const CLASS1_CN: &str = "alipay-rs Local Certification Authority Class 1 R1";
/// The CN of the intermediate that issues Alipay certificates (Alipay's "Ant Financial Certification Authority
/// Class 2 R1").
pub const CLASS2_CN: &str = "alipay-rs Local Certification Authority Class 2 R1";

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

fn leaf_params(common_name: &str, not_before: SystemTime, not_after: SystemTime) -> Result<CertificateParams, CaError> {
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
    Ok(params)
}

fn sign_leaf(
    issuer: &Issuer<'static, KeyPair>,
    common_name: &str,
    public_key: &PublicKey,
    not_before: SystemTime,
    not_after: SystemTime,
) -> Result<Certificate, CaError> {
    let params = leaf_params(common_name, not_before, not_after)?;
    let cert = params.signed_by(&RsaPublic(public_key.to_pkcs1_der()), issuer)?;
    Ok(Certificate::from_der(cert.der())?)
}

impl Intermediate {
    /// A new intermediate `cn` issued by the RSA root.
    fn generate(cn: &str, root: &Issuer<'static, KeyPair>) -> Result<Intermediate, CaError> {
        let key = PrivateKey::generate()?;
        let pair = rsa_key_pair(&key)?;
        let mut params = ca_params(cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.use_authority_key_identifier_extension = true;
        let cert = Certificate::from_der(params.signed_by(&pair, root)?.der())?;
        Ok(Intermediate { issuer: Issuer::new(ca_params(cn), pair), key, cert })
    }

    fn restore(cn: &str, parts: &IntermediateParts) -> Result<Intermediate, CaError> {
        let pair = rsa_key_pair(&parts.key)?;
        Ok(Intermediate { issuer: Issuer::new(ca_params(cn), pair), key: parts.key.clone(), cert: parts.cert.clone() })
    }

    fn parts(&self) -> IntermediateParts {
        IntermediateParts { key: self.key.clone(), cert: self.cert.clone() }
    }
}

impl CertAuthority {
    /// A new CA: the four roots of Alipay's bundle (the RSA root R1 with a 2048-bit key) and the two
    /// intermediates "Class 1 R1" and "Class 2 R1" under R1.
    pub fn generate() -> Result<CertAuthority, CaError> {
        let ec_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let ec_root = ca_params(EC_ROOT_CN).self_signed(&ec_key)?;
        let e1_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)?;
        let e1_root = ca_params(E1_ROOT_CN).self_signed(&e1_key)?;
        let second_key = rsa_key_pair(&PrivateKey::generate()?)?;
        let second_root = ca_params(SECOND_RSA_ROOT_CN).self_signed(&second_key)?;
        let root_key = PrivateKey::generate()?;
        let pair = rsa_key_pair(&root_key)?;
        let params = ca_params(RSA_ROOT_CN);
        let rsa_root = params.self_signed(&pair)?;
        let roots = RootCerts::new(vec![
            Certificate::from_der(ec_root.der())?,
            Certificate::from_der(rsa_root.der())?,
            Certificate::from_der(e1_root.der())?,
            Certificate::from_der(second_root.der())?,
        ]);
        let issuer = Issuer::new(params, pair);
        let class1 = Intermediate::generate(CLASS1_CN, &issuer)?;
        let class2 = Intermediate::generate(CLASS2_CN, &issuer)?;
        Ok(CertAuthority { issuer, root_key, roots, class1, class2 })
    }

    /// Restores a CA saved as its RSA root key ([`CertAuthority::root_key`]), its root bundle
    /// ([`CertAuthority::root_bundle_pem`]) and its intermediates ([`CertAuthority::intermediates`]: Class 1,
    /// then Class 2). Without intermediates (a CA saved before they existed) new ones are made under the root:
    /// keep them with [`CertAuthority::intermediates`].
    pub fn restore(
        root_key: &PrivateKey,
        root_bundle_pem: &str,
        intermediates: Option<&[IntermediateParts; 2]>,
    ) -> Result<CertAuthority, CaError> {
        let roots = RootCerts::from_pem(root_bundle_pem)?;
        let ok = roots
            .certs()
            .iter()
            .any(|c| c.is_rsa_signed() && c.public_key().ok().as_ref() == Some(root_key.public_key()));
        if !ok {
            return Err(CaError::NoRsaRoot);
        }
        let issuer = Issuer::new(ca_params(RSA_ROOT_CN), rsa_key_pair(root_key)?);
        let (class1, class2) = match intermediates {
            Some([c1, c2]) => (Intermediate::restore(CLASS1_CN, c1)?, Intermediate::restore(CLASS2_CN, c2)?),
            None => (Intermediate::generate(CLASS1_CN, &issuer)?, Intermediate::generate(CLASS2_CN, &issuer)?),
        };
        Ok(CertAuthority { issuer, root_key: root_key.clone(), roots, class1, class2 })
    }

    /// [`CertAuthority::restore`] without saved intermediates (new ones are made).
    pub fn from_parts(root_key: &PrivateKey, root_bundle_pem: &str) -> Result<CertAuthority, CaError> {
        CertAuthority::restore(root_key, root_bundle_pem, None)
    }

    /// The root bundle (what apps configure as `alipayRootCert.crt`).
    pub fn roots(&self) -> &RootCerts {
        &self.roots
    }

    /// The root bundle as PEM, in order.
    pub fn root_bundle_pem(&self) -> String {
        self.roots.certs().iter().map(Certificate::to_pem).collect::<Vec<_>>().join("\n")
    }

    /// The RSA root's private key (keep it to restore the CA with [`CertAuthority::restore`]).
    pub fn root_key(&self) -> &PrivateKey {
        &self.root_key
    }

    /// The intermediates' keys and certificates, Class 1 then Class 2 (keep them for [`CertAuthority::restore`]).
    pub fn intermediates(&self) -> [IntermediateParts; 2] {
        [self.class1.parts(), self.class2.parts()]
    }

    /// An app certificate for `public_key`, issued by "Class 1 R1" as Alipay issues them (subject
    /// `C=CN, O=…, OU=Alipay, CN=<pid>-<app_id>`), valid from a day ago for [`DEFAULT_VALIDITY`]. Its file holds
    /// this one certificate, like Alipay's `appCertPublicKey_<app_id>.crt`.
    pub fn issue_app(&self, common_name: &str, public_key: &PublicKey) -> Result<Certificate, CaError> {
        let now = SystemTime::now();
        sign_leaf(
            &self.class1.issuer,
            common_name,
            public_key,
            now - Duration::from_secs(86_400),
            now + DEFAULT_VALIDITY,
        )
    }

    /// An Alipay certificate for `public_key`, issued by "Class 2 R1" (subject `C=CN, O=…, OU=Alipay,
    /// CN=支付宝(中国)网络技术有限公司-<pid>` at Alipay). Ship it with [`CertAuthority::chain_pem`].
    pub fn issue_alipay(&self, common_name: &str, public_key: &PublicKey) -> Result<Certificate, CaError> {
        let now = SystemTime::now();
        sign_leaf(
            &self.class2.issuer,
            common_name,
            public_key,
            now - Duration::from_secs(86_400),
            now + DEFAULT_VALIDITY,
        )
    }

    /// A certificate file as Alipay ships it: `cert`, followed by the intermediate of this CA that issued it
    /// (none for a certificate issued by a root, or by another CA).
    pub fn chain_pem(&self, cert: &Certificate) -> String {
        let pem = cert.to_pem();
        let issuer = [&self.class1.cert, &self.class2.cert]
            .into_iter()
            .find(|i| i.subject() == cert.issuer() && cert.verify_signed_by(i).is_ok());
        match issuer {
            Some(i) => pem + &i.to_pem(), // no blank line between them, as in the real file
            None => pem,
        }
    }

    /// Issues a certificate for `public_key` with subject CN `common_name` straight from the RSA root, valid
    /// from a day ago for [`DEFAULT_VALIDITY`] (Alipay issues from an intermediate: see
    /// [`CertAuthority::issue_app`] and [`CertAuthority::issue_alipay`]).
    pub fn issue(&self, common_name: &str, public_key: &PublicKey) -> Result<Certificate, CaError> {
        let now = SystemTime::now();
        self.issue_valid(common_name, public_key, now - Duration::from_secs(86_400), now + DEFAULT_VALIDITY)
    }

    /// Issues a certificate from the RSA root, valid from `not_before` to `not_after` (e.g. an expired one,
    /// for tests).
    pub fn issue_valid(
        &self,
        common_name: &str,
        public_key: &PublicKey,
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Result<Certificate, CaError> {
        sign_leaf(&self.issuer, common_name, public_key, not_before, not_after)
    }
}
