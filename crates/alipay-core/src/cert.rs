//! Public-key certificate mode (公钥证书模式): certificates, their SNs, and the chain check.
//!
//! An app in cert mode holds three files: its own certificate (`appCertPublicKey_<appid>.crt`), Alipay's
//! certificate (`alipayCertPublicKey_RSA2.crt`, often the leaf followed by Alipay's intermediate CA) and the
//! root bundle (`alipayRootCert.crt`). Requests carry `app_cert_sn` and `alipay_root_cert_sn`; answers name the
//! Alipay certificate that signed them in `alipay_cert_sn`.
//!
//! A certificate's **SN** is computed exactly as Alipay's Java and Node SDKs do: the lowercase hex MD5 of the
//! issuer distinguished name as Java's `X500Principal.getName()` prints it (RFC 2253: RDNs in reverse order,
//! `,` without spaces, RFC 2253 escaping) followed by the serial number in decimal, left-padded to 32 hex
//! digits. The root bundle's SN joins the SNs of its RSA-signed certificates (signature algorithm OID under
//! `1.2.840.113549.1.1`) with `_`, in file order; the SM2 root is skipped.
//!
//! An Alipay certificate is trusted only after [`RootCerts::verify_chain`]: every link is signed by the next
//! (the last by a root of the bundle), and every certificate of the chain, root included, is within its
//! validity dates.
//!
//! ```
//! use alipay_core::cert::{Certificate, RootCerts};
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/certs");
//! # let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
//! let app = Certificate::from_pem(&read("appCertPublicKey_2021001161683774.crt"))?;
//! assert_eq!(app.sn(), "866efef280dec9137a87d047ac446315");
//! let roots = RootCerts::from_pem(&read("alipayRootCert.crt"))?;
//! assert_eq!(roots.sn(), "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6");
//! # Ok::<(), alipay_core::cert::CertError>(())
//! ```

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature as lc;
use base64::Engine as _;
use der::{Decode as _, Encode as _, Reader as _, Tagged as _};
use md5::Digest as _;

use crate::key::{KeyError, PublicKey};

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";
/// Signature algorithm OIDs of RSA (PKCS#1) signatures start with this.
pub const RSA_SIGNATURE_OID_PREFIX: &str = "1.2.840.113549.1.1";

/// A certificate could not be loaded, or is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// No `-----BEGIN CERTIFICATE-----` block in the text.
    #[error("no PEM certificate (-----BEGIN CERTIFICATE-----) found")]
    NoCertificate,
    /// A PEM block without its end line, or whose body is not base64.
    #[error("certificate {index} of the file is not valid PEM: {reason}")]
    Pem {
        /// Position of the certificate in the file (0-based).
        index: usize,
        /// What was wrong.
        reason: String,
    },
    /// The DER inside is not an X.509 certificate.
    #[error("certificate {index} of the file is not a valid X.509 certificate: {source}")]
    Der {
        /// Position of the certificate in the file (0-based).
        index: usize,
        /// The DER parser's error.
        #[source]
        source: der::Error,
    },
    /// The certificate's key is not an RSA key usable for Alipay signatures.
    #[error("the certificate's public key cannot be used: {0}")]
    Key(#[from] KeyError),
    /// Outside its validity dates.
    #[error("certificate {sn} ({subject}) is not valid now: valid from {not_before} to {not_after} (unix seconds)")]
    Expired {
        /// The certificate's SN.
        sn: String,
        /// Its subject.
        subject: String,
        /// notBefore, unix seconds.
        not_before: u64,
        /// notAfter, unix seconds.
        not_after: u64,
    },
    /// No certificate of the chain or the root bundle issued this certificate.
    #[error("certificate {sn} was issued by {issuer:?}, which is neither in its chain nor in the root bundle")]
    UnknownIssuer {
        /// The certificate's SN.
        sn: String,
        /// Its issuer DN.
        issuer: String,
    },
    /// The issuer's key does not verify the certificate's signature.
    #[error("the signature of certificate {sn} does not verify with the key of its issuer {issuer:?}")]
    BadSignature {
        /// The certificate's SN.
        sn: String,
        /// Its issuer DN.
        issuer: String,
    },
    /// The certificate is signed with an algorithm this library does not verify.
    #[error("certificate {sn} uses signature algorithm {oid}, which is not supported")]
    UnsupportedAlgorithm {
        /// The certificate's SN.
        sn: String,
        /// The signature algorithm OID.
        oid: String,
    },
    /// The certificate is not the one asked for (its SN differs).
    #[error("expected the certificate with SN {expected}, got {found}")]
    SnMismatch {
        /// The SN asked for.
        expected: String,
        /// The SN of the certificate received.
        found: String,
    },
    /// The chain is longer than any real one (a loop).
    #[error("the certificate chain is too long")]
    ChainTooLong,
}

/// One X.509 certificate, parsed once, with its SN computed. Cheap to clone.
#[derive(Clone)]
pub struct Certificate(Arc<CertInner>);

struct CertInner {
    der: Vec<u8>,
    cert: x509_cert::Certificate,
    issuer: String,
    subject: String,
    serial: String,
    sn: String,
    tbs_range: (usize, usize),
}

impl Certificate {
    /// The first certificate of PEM text (a file may hold a chain: the leaf comes first).
    pub fn from_pem(text: &str) -> Result<Certificate, CertError> {
        Certificate::all_from_pem(text)?.into_iter().next().ok_or(CertError::NoCertificate)
    }

    /// Every certificate of PEM text, in file order.
    pub fn all_from_pem(text: &str) -> Result<Vec<Certificate>, CertError> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(PEM_BEGIN) {
            let index = out.len();
            let after = rest.get(start + PEM_BEGIN.len()..).unwrap_or_default();
            let end = after
                .find(PEM_END)
                .ok_or_else(|| CertError::Pem { index, reason: format!("no `{PEM_END}` line (truncated?)") })?;
            let body: String = after.get(..end).unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .map_err(|e| CertError::Pem { index, reason: e.to_string() })?;
            out.push(Certificate::parse(der, index)?);
            rest = after.get(end + PEM_END.len()..).unwrap_or_default();
        }
        if out.is_empty() {
            return Err(CertError::NoCertificate);
        }
        Ok(out)
    }

    /// A certificate from DER bytes.
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertError> {
        Certificate::parse(der.to_vec(), 0)
    }

    fn parse(der: Vec<u8>, index: usize) -> Result<Certificate, CertError> {
        let cert = x509_cert::Certificate::from_der(&der).map_err(|source| CertError::Der { index, source })?;
        let tbs_range = tbs_range(&der).map_err(|source| CertError::Der { index, source })?;
        let issuer = rfc2253(&cert.tbs_certificate.issuer);
        let subject = rfc2253(&cert.tbs_certificate.subject);
        let serial = rsa::BigUint::from_bytes_be(cert.tbs_certificate.serial_number.as_bytes()).to_str_radix(10);
        let sn = sn_of(&issuer, &serial);
        Ok(Certificate(Arc::new(CertInner { der, cert, issuer, subject, serial, sn, tbs_range })))
    }

    /// The SN: lowercase hex MD5 of the RFC 2253 issuer followed by the decimal serial number.
    pub fn sn(&self) -> &str {
        &self.0.sn
    }

    /// The issuer DN as Java's `X500Principal.getName()` prints it (RFC 2253).
    pub fn issuer(&self) -> &str {
        &self.0.issuer
    }

    /// The subject DN, RFC 2253.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The serial number in decimal.
    pub fn serial_decimal(&self) -> &str {
        &self.0.serial
    }

    /// The signature algorithm OID, dotted (e.g. `1.2.840.113549.1.1.11` for SHA256withRSA).
    pub fn signature_algorithm(&self) -> String {
        self.0.cert.signature_algorithm.oid.to_string()
    }

    /// `true` when the certificate is signed with RSA (what the root SN keeps).
    pub fn is_rsa_signed(&self) -> bool {
        self.signature_algorithm().starts_with(RSA_SIGNATURE_OID_PREFIX)
    }

    /// The certificate's RSA public key.
    pub fn public_key(&self) -> Result<PublicKey, CertError> {
        let spki = self
            .0
            .cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|source| CertError::Der { index: 0, source })?;
        Ok(PublicKey::from_der(&spki)?)
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// PEM text (64-column base64).
    pub fn to_pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.0.der);
        let mut out = String::with_capacity(b64.len() + 80);
        out.push_str(PEM_BEGIN);
        out.push('\n');
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str(PEM_END);
        out.push('\n');
        out
    }

    /// notBefore and notAfter, in unix seconds.
    pub fn validity(&self) -> (u64, u64) {
        let v = &self.0.cert.tbs_certificate.validity;
        (v.not_before.to_unix_duration().as_secs(), v.not_after.to_unix_duration().as_secs())
    }

    /// `Ok` when `at` lies within the validity dates.
    pub fn check_validity_at(&self, at: SystemTime) -> Result<(), CertError> {
        let now = at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
        let (not_before, not_after) = self.validity();
        if now < not_before || now > not_after {
            return Err(CertError::Expired {
                sn: self.sn().to_owned(),
                subject: self.subject().to_owned(),
                not_before,
                not_after,
            });
        }
        Ok(())
    }

    /// Verifies this certificate's signature with `issuer`'s key (RSA PKCS#1 v1.5 with SHA-1/256/384/512, or
    /// ECDSA P-256/P-384), over the exact TBS bytes. Does not look at names or dates.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), CertError> {
        let oid = self.signature_algorithm();
        let spki = &issuer.0.cert.tbs_certificate.subject_public_key_info;
        let key_bytes = spki.subject_public_key.raw_bytes();
        let algs: &[&'static dyn lc::VerificationAlgorithm] = match oid.as_str() {
            "1.2.840.113549.1.1.5" => &[&lc::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY],
            "1.2.840.113549.1.1.11" => &[&lc::RSA_PKCS1_2048_8192_SHA256],
            "1.2.840.113549.1.1.12" => &[&lc::RSA_PKCS1_2048_8192_SHA384],
            "1.2.840.113549.1.1.13" => &[&lc::RSA_PKCS1_2048_8192_SHA512],
            "1.2.840.10045.4.3.2" => &[&lc::ECDSA_P256_SHA256_ASN1, &lc::ECDSA_P384_SHA256_ASN1],
            "1.2.840.10045.4.3.3" => &[&lc::ECDSA_P384_SHA384_ASN1, &lc::ECDSA_P256_SHA384_ASN1],
            _ => return Err(CertError::UnsupportedAlgorithm { sn: self.sn().to_owned(), oid }),
        };
        let tbs = self.0.der.get(self.0.tbs_range.0..self.0.tbs_range.1).unwrap_or_default();
        let signature = self.0.cert.signature.raw_bytes();
        if algs.iter().any(|alg| lc::UnparsedPublicKey::new(*alg, key_bytes).verify(tbs, signature).is_ok()) {
            Ok(())
        } else {
            Err(CertError::BadSignature { sn: self.sn().to_owned(), issuer: self.issuer().to_owned() })
        }
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.0.der == other.0.der
    }
}

impl Eq for Certificate {}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("sn", &self.sn())
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .finish_non_exhaustive()
    }
}

/// Alipay's root bundle (`alipayRootCert.crt`): the trust anchors, and `alipay_root_cert_sn`.
///
/// ```
/// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/certs");
/// let roots = alipay_core::cert::RootCerts::from_pem(
///     &std::fs::read_to_string(format!("{dir}/alipayRootCert.crt")).unwrap()).unwrap();
/// assert_eq!(roots.certs().len(), 4);   // SM2, RSA, ECDSA, RSA (SHA-1): two RSA roots in the SN
/// assert_eq!(roots.sn().split('_').count(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootCerts {
    certs: Vec<Certificate>,
    sn: String,
}

impl RootCerts {
    /// Parses the root bundle (one or more PEM certificates).
    pub fn from_pem(text: &str) -> Result<RootCerts, CertError> {
        Ok(RootCerts::new(Certificate::all_from_pem(text)?))
    }

    /// A bundle of already-parsed root certificates, in file order.
    pub fn new(certs: Vec<Certificate>) -> RootCerts {
        let sn = root_sn(&certs);
        RootCerts { certs, sn }
    }

    /// `alipay_root_cert_sn`: the SNs of the RSA-signed roots joined with `_`, in file order.
    pub fn sn(&self) -> &str {
        &self.sn
    }

    /// The roots, in file order.
    pub fn certs(&self) -> &[Certificate] {
        &self.certs
    }

    /// Checks that `chain` (leaf first, then any intermediates, as in `alipayCertPublicKey_RSA2.crt`) leads to
    /// a root of this bundle, now. See [`RootCerts::verify_chain_at`].
    pub fn verify_chain(&self, chain: &[Certificate]) -> Result<(), CertError> {
        self.verify_chain_at(chain, SystemTime::now())
    }

    /// Checks that the first certificate of `chain` leads to a root of this bundle: each certificate's issuer
    /// is found by name among the chain's other certificates or the roots, and its signature verifies with
    /// that issuer's key; every certificate on the way, the root included, is valid at `at`.
    pub fn verify_chain_at(&self, chain: &[Certificate], at: SystemTime) -> Result<(), CertError> {
        let mut current = chain.first().ok_or(CertError::NoCertificate)?.clone();
        for _ in 0..8 {
            current.check_validity_at(at)?;
            if let Some(root) = self.certs.iter().find(|r| r.subject() == current.issuer()) {
                current.verify_signed_by(root)?;
                return root.check_validity_at(at);
            }
            let next = chain
                .iter()
                .find(|c| c.subject() == current.issuer() && **c != current)
                .ok_or_else(|| CertError::UnknownIssuer {
                    sn: current.sn().to_owned(),
                    issuer: current.issuer().to_owned(),
                })?
                .clone();
            current.verify_signed_by(&next)?;
            current = next;
        }
        Err(CertError::ChainTooLong)
    }
}

/// The SN of a certificate given its RFC 2253 issuer and decimal serial (what [`Certificate::sn`] returns).
///
/// ```
/// assert_eq!(alipay_core::cert::sn_of("CN=x", "1").len(), 32);
/// ```
pub fn sn_of(issuer_rfc2253: &str, serial_decimal: &str) -> String {
    let digest =
        md5::Md5::new().chain_update(issuer_rfc2253.as_bytes()).chain_update(serial_decimal.as_bytes()).finalize();
    let mut hex = String::with_capacity(32);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

fn root_sn(certs: &[Certificate]) -> String {
    certs.iter().filter(|c| c.is_rsa_signed()).map(Certificate::sn).collect::<Vec<_>>().join("_")
}

/// Byte range of the TBSCertificate TLV inside the certificate DER (the exact signed bytes).
fn tbs_range(der: &[u8]) -> der::Result<(usize, usize)> {
    let mut reader = der::SliceReader::new(der)?;
    let outer = der::Header::decode(&mut reader)?;
    let start = usize::try_from(outer.encoded_len()?)?;
    let tbs = reader.tlv_bytes()?;
    Ok((start, start + tbs.len()))
}

/// The RFC 2253 keywords Java's `X500Principal.getName()` knows; other attributes print as `OID=#hex`.
fn java_keyword(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// A name as Java's `X500Principal.getName()` (RFC 2253) prints it: RDNs last to first, `,` between them, `+`
/// inside a multi-valued RDN, string values escaped, unknown attributes as `OID=#<hex of the DER value>`.
fn rfc2253(name: &x509_cert::name::Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            let oid = atv.oid.to_string();
            match (java_keyword(&oid), string_value(&atv.value)) {
                (Some(keyword), Some(value)) => {
                    out.push_str(keyword);
                    out.push('=');
                    escape_rfc2253(&value, &mut out);
                }
                _ => {
                    out.push_str(&oid);
                    out.push_str("=#");
                    for b in atv.value.to_der().unwrap_or_default() {
                        let _ = write!(out, "{b:02x}");
                    }
                }
            }
        }
    }
    out
}

/// The text of a DirectoryString-like value, if it is one of the string types.
fn string_value(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        der::Tag::Utf8String | der::Tag::PrintableString | der::Tag::Ia5String | der::Tag::VisibleString => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        der::Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        der::Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 2253 escaping as Java does it: `,+"\<>;` anywhere, `#` or space first, space last.
fn escape_rfc2253(value: &str, out: &mut String) {
    let count = value.chars().count();
    for (i, ch) in value.chars().enumerate() {
        let special = matches!(ch, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (ch == '#' || ch == ' '))
            || (i + 1 == count && ch == ' ');
        if special {
            out.push('\\');
        }
        out.push(ch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_rfc2253() {
        let mut s = String::new();
        escape_rfc2253("#a,b+c \"d\"\\<e>;f ", &mut s);
        assert_eq!(s, "\\#a\\,b\\+c \\\"d\\\"\\\\\\<e\\>\\;f\\ ");
    }

    #[test]
    fn sn_is_md5_hex() {
        assert_eq!(sn_of("", ""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
