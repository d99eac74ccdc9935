//! RSA keys in every form Alipay users hold them, parsed once and kept ready to sign or verify.
//!
//! Private keys: PKCS#1 (`RSA PRIVATE KEY`, what Alipay's key tool calls "non-Java") or PKCS#8 (`PRIVATE KEY`,
//! "for Java"), as PEM or as a bare base64 one-liner. Public keys: SPKI (`PUBLIC KEY`) or PKCS#1
//! (`RSA PUBLIC KEY`), PEM or bare base64. The form is detected; a key of the wrong kind or a garbled one is an
//! error that says what was found and what was expected. Parsing is expensive, so a key is parsed once and
//! shared (`Clone` is a reference-count increment).

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::signature as lc;
use base64::Engine as _;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;

/// What a piece of key text turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyForm {
    /// PKCS#1 `RSAPrivateKey` (PEM label `RSA PRIVATE KEY`).
    Pkcs1Private,
    /// PKCS#8 `PrivateKeyInfo` (PEM label `PRIVATE KEY`).
    Pkcs8Private,
    /// X.509 `SubjectPublicKeyInfo` (PEM label `PUBLIC KEY`), the usual form of the Alipay public key.
    SpkiPublic,
    /// PKCS#1 `RSAPublicKey` (PEM label `RSA PUBLIC KEY`).
    Pkcs1Public,
}

impl KeyForm {
    /// `true` for the private-key forms.
    pub fn is_private(self) -> bool {
        matches!(self, KeyForm::Pkcs1Private | KeyForm::Pkcs8Private)
    }

    fn from_pem_label(label: &str) -> Option<KeyForm> {
        match label {
            "RSA PRIVATE KEY" => Some(KeyForm::Pkcs1Private),
            "PRIVATE KEY" => Some(KeyForm::Pkcs8Private),
            "PUBLIC KEY" => Some(KeyForm::SpkiPublic),
            "RSA PUBLIC KEY" => Some(KeyForm::Pkcs1Public),
            _ => None,
        }
    }
}

impl fmt::Display for KeyForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyForm::Pkcs1Private => "a PKCS#1 RSA private key",
            KeyForm::Pkcs8Private => "a PKCS#8 RSA private key",
            KeyForm::SpkiPublic => "an SPKI RSA public key",
            KeyForm::Pkcs1Public => "a PKCS#1 RSA public key",
        })
    }
}

const EXPECTED_PRIVATE: &str =
    "an RSA private key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`, as PEM or a base64 one-liner)";
const EXPECTED_PUBLIC: &str =
    "an RSA public key (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`, as PEM or a base64 one-liner)";

/// A key could not be loaded, generated or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text was empty.
    #[error("the key is empty: expected {expected}")]
    Empty {
        /// What was expected.
        expected: &'static str,
    },
    /// A valid key, but of the other kind (a public key where a private key belongs, or the reverse).
    #[error("found {found} where {expected} was expected")]
    WrongKind {
        /// What was found.
        found: String,
        /// What was expected.
        expected: &'static str,
    },
    /// Not PEM and not base64, or base64 of something that is not an RSA key.
    #[error("not a key: {detail}; expected {expected}")]
    Garbled {
        /// What went wrong, with a position where there is one.
        detail: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The PEM label promised a form but the content does not parse as it.
    #[error("the PEM says {form} but its content is not valid ({reason}); was it truncated or edited?")]
    Malformed {
        /// The form the PEM label announced.
        form: KeyForm,
        /// The parser's complaint.
        reason: String,
    },
    /// The key is valid but cannot be used (size, exponent, an encrypted PEM).
    #[error("unsupported key: {0}")]
    Unsupported(String),
    /// The "Alipay public key" is the public half of the app's own private key.
    #[error(
        "the Alipay public key you configured is your own app public key: copy the Alipay public key \
         (支付宝公钥) from the open platform console, not the app public key (应用公钥) you uploaded"
    )]
    AlipayKeyIsAppKey,
    /// Key generation failed in the crypto library.
    #[error("RSA key generation failed")]
    Generation,
}

/// An RSA private key, ready to sign. Cheap to clone; never printed by `Debug`.
///
/// ```
/// use alipay_core::{PrivateKey, SignType};
/// let key = PrivateKey::generate().unwrap();
/// let one_liner = key.to_pkcs8_base64();            // what Alipay's key tool shows "for Java"
/// let again: PrivateKey = one_liner.parse().unwrap();
/// let sig = again.sign(SignType::Rsa2, b"app_id=2021&method=x").unwrap();
/// key.public_key().verify(SignType::Rsa2, b"app_id=2021&method=x", &sig).unwrap();
/// ```
#[derive(Clone)]
pub struct PrivateKey(Arc<PrivateInner>);

struct PrivateInner {
    /// SHA-256 of the public key's PKCS#1 DER: identifies the key ([`PrivateKey::fingerprint`]).
    fingerprint: [u8; 32],
    /// aws-lc key for RSA2 signing at OpenSSL speed; `None` below 2048 bits, which aws-lc refuses.
    fast: Option<lc::RsaKeyPair>,
    /// RustCrypto key: exports, and SHA1withRSA signing (blinded), which aws-lc does not offer.
    rsa: rsa::RsaPrivateKey,
    public: PublicKey,
}

/// An RSA public key, ready to verify. Cheap to clone.
#[derive(Clone)]
pub struct PublicKey(Arc<PublicInner>);

struct PublicInner {
    rsa: rsa::RsaPublicKey,
    rsa2: lc::ParsedPublicKey,
    rsa1: lc::ParsedPublicKey,
}

impl PrivateKey {
    /// Generates a new 2048-bit key (the size Alipay requires for RSA2).
    pub fn generate() -> Result<PrivateKey, KeyError> {
        use aws_lc_rs::encoding::AsDer;
        let pair = lc::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(|_| KeyError::Generation)?;
        let der: aws_lc_rs::encoding::Pkcs8V1Der<'_> = pair.as_der().map_err(|_| KeyError::Generation)?;
        PrivateKey::from_der(der.as_ref())
    }

    /// Parses PEM (PKCS#1 or PKCS#8) or a bare base64 one-liner of either, detecting the form.
    pub fn from_text(text: &str) -> Result<PrivateKey, KeyError> {
        let (form, der) = read_key_text(text, EXPECTED_PRIVATE)?;
        match form {
            Some(f) if !f.is_private() => Err(KeyError::WrongKind { found: f.to_string(), expected: EXPECTED_PRIVATE }),
            Some(f) => from_private_der_as(f, &der),
            None => PrivateKey::from_der(&der),
        }
    }

    /// Parses DER bytes of a PKCS#8 or PKCS#1 private key.
    pub fn from_der(der: &[u8]) -> Result<PrivateKey, KeyError> {
        match sniff_der(der) {
            Some(f) if f.is_private() => from_private_der_as(f, der),
            Some(f) => Err(KeyError::WrongKind { found: f.to_string(), expected: EXPECTED_PRIVATE }),
            None => Err(KeyError::Garbled {
                detail: format!("{} bytes of DER that are not a PKCS#1, PKCS#8 or SPKI RSA key", der.len()),
                expected: EXPECTED_PRIVATE,
            }),
        }
    }

    fn from_rsa(rsa: rsa::RsaPrivateKey) -> Result<PrivateKey, KeyError> {
        let bits = rsa.size() * 8;
        if bits < 1024 {
            return Err(KeyError::Unsupported(format!("a {bits}-bit RSA key is too small (at least 1024 bits)")));
        }
        let pkcs1 = rsa.to_pkcs1_der().map_err(|e| KeyError::Unsupported(e.to_string()))?;
        let fast = if bits >= 2048 { lc::RsaKeyPair::from_der(pkcs1.as_bytes()).ok() } else { None };
        let public = PublicKey::from_rsa(rsa.to_public_key())?;
        let fingerprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &public.to_pkcs1_der());
        let fingerprint = fingerprint.as_ref().try_into().unwrap_or([0u8; 32]);
        Ok(PrivateKey(Arc::new(PrivateInner { fingerprint, fast, rsa, public })))
    }

    /// SHA-256 of the public key's PKCS#1 DER: equal for two values of the same key, whatever their source.
    ///
    /// ```
    /// let k = alipay_core::PrivateKey::generate().unwrap();
    /// let again = alipay_core::PrivateKey::from_text(&k.to_pkcs8_pem()).unwrap();
    /// assert_eq!(k.fingerprint(), again.fingerprint());
    /// assert_ne!(k.fingerprint(), alipay_core::PrivateKey::generate().unwrap().fingerprint());
    /// ```
    pub fn fingerprint(&self) -> [u8; 32] {
        self.0.fingerprint
    }

    /// The matching public key (the "app public key" uploaded to the open platform).
    pub fn public_key(&self) -> &PublicKey {
        &self.0.public
    }

    /// Size of the modulus in bits.
    pub fn bits(&self) -> usize {
        self.0.rsa.size() * 8
    }

    pub(crate) fn fast(&self) -> Option<&lc::RsaKeyPair> {
        self.0.fast.as_ref()
    }

    pub(crate) fn rsa(&self) -> &rsa::RsaPrivateKey {
        &self.0.rsa
    }

    /// PKCS#8 DER as a base64 one-liner (Alipay's key tool, "for Java").
    pub fn to_pkcs8_base64(&self) -> String {
        self.0.rsa.to_pkcs8_der().map(|d| b64(d.as_bytes())).unwrap_or_default()
    }

    /// PKCS#1 DER as a base64 one-liner (Alipay's key tool, "for non-Java").
    pub fn to_pkcs1_base64(&self) -> String {
        self.0.rsa.to_pkcs1_der().map(|d| b64(d.as_bytes())).unwrap_or_default()
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> String {
        self.0.rsa.to_pkcs8_pem(LineEnding::LF).map(|p| p.to_string()).unwrap_or_default()
    }

    /// PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`).
    pub fn to_pkcs1_pem(&self) -> String {
        self.0.rsa.to_pkcs1_pem(LineEnding::LF).map(|p| p.to_string()).unwrap_or_default()
    }
}

fn from_private_der_as(form: KeyForm, der: &[u8]) -> Result<PrivateKey, KeyError> {
    let parsed = match form {
        KeyForm::Pkcs8Private => rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| e.to_string()),
        _ => rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(|e| e.to_string()),
    };
    parsed.map_err(|reason| KeyError::Malformed { form, reason }).and_then(PrivateKey::from_rsa)
}

impl std::str::FromStr for PrivateKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PrivateKey::from_text(s)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey").field("bits", &self.bits()).finish_non_exhaustive()
    }
}

impl PublicKey {
    /// Parses PEM (SPKI or PKCS#1) or a bare base64 one-liner of either, detecting the form.
    pub fn from_text(text: &str) -> Result<PublicKey, KeyError> {
        let (form, der) = read_key_text(text, EXPECTED_PUBLIC)?;
        match form {
            Some(f) if f.is_private() => Err(KeyError::WrongKind {
                found: format!("{f} (never share it: give the matching public key instead)"),
                expected: EXPECTED_PUBLIC,
            }),
            Some(f) => from_public_der_as(f, &der),
            None => PublicKey::from_der(&der),
        }
    }

    /// Parses DER bytes of an SPKI or PKCS#1 public key.
    pub fn from_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        match sniff_der(der) {
            Some(f) if !f.is_private() => from_public_der_as(f, der),
            Some(f) => Err(KeyError::WrongKind { found: f.to_string(), expected: EXPECTED_PUBLIC }),
            None => Err(KeyError::Garbled {
                detail: format!("{} bytes of DER that are not a PKCS#1, PKCS#8 or SPKI RSA key", der.len()),
                expected: EXPECTED_PUBLIC,
            }),
        }
    }

    fn from_rsa(rsa: rsa::RsaPublicKey) -> Result<PublicKey, KeyError> {
        let bits = rsa.size() * 8;
        if bits < 1024 {
            return Err(KeyError::Unsupported(format!("a {bits}-bit RSA key is too small (at least 1024 bits)")));
        }
        let pkcs1 = rsa.to_pkcs1_der().map_err(|e| KeyError::Unsupported(e.to_string()))?;
        let parse = |alg: &'static lc::RsaParameters| {
            lc::ParsedPublicKey::new(alg, pkcs1.as_bytes()).map_err(|e| KeyError::Unsupported(e.to_string()))
        };
        // The 1024-bit floor admits the legacy 1024-bit Alipay RSA keys; 2048+ keys pass either way.
        let rsa2 = parse(&lc::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY)?;
        let rsa1 = parse(&lc::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY)?;
        Ok(PublicKey(Arc::new(PublicInner { rsa, rsa2, rsa1 })))
    }

    /// Size of the modulus in bits.
    pub fn bits(&self) -> usize {
        self.0.rsa.size() * 8
    }

    pub(crate) fn parsed(&self, sign_type: crate::SignType) -> &lc::ParsedPublicKey {
        match sign_type {
            crate::SignType::Rsa2 => &self.0.rsa2,
            crate::SignType::Rsa => &self.0.rsa1,
        }
    }

    /// PKCS#1 `RSAPublicKey` DER (the bits inside an SPKI or a certificate).
    pub fn to_pkcs1_der(&self) -> Vec<u8> {
        self.0.rsa.to_pkcs1_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// SPKI DER as a base64 one-liner (how the open platform console shows public keys).
    pub fn to_spki_base64(&self) -> String {
        self.0.rsa.to_public_key_der().map(|d| b64(d.as_bytes())).unwrap_or_default()
    }

    /// SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_spki_pem(&self) -> String {
        self.0.rsa.to_public_key_pem(LineEnding::LF).unwrap_or_default()
    }

    /// PKCS#1 PEM (`-----BEGIN RSA PUBLIC KEY-----`).
    pub fn to_pkcs1_pem(&self) -> String {
        self.0.rsa.to_pkcs1_pem(LineEnding::LF).unwrap_or_default()
    }

    /// Refuses a configuration whose "Alipay public key" is the app's own public key.
    ///
    /// This is the most common support problem in every Alipay SDK: the app public key pasted where the
    /// Alipay public key belongs. Every response would then fail verification with a baffling error; this
    /// check names the mistake at start-up instead.
    ///
    /// ```
    /// use alipay_core::{KeyError, PrivateKey};
    /// let app = PrivateKey::generate().unwrap();
    /// let wrongly_configured = app.public_key().clone();
    /// assert_eq!(wrongly_configured.ensure_not_app_key(&app), Err(KeyError::AlipayKeyIsAppKey));
    /// ```
    pub fn ensure_not_app_key(&self, app_private_key: &PrivateKey) -> Result<(), KeyError> {
        // Equal (n, e) is exactly "verifies what the app key signs".
        if self.0.rsa == app_private_key.public_key().0.rsa {
            Err(KeyError::AlipayKeyIsAppKey)
        } else {
            Ok(())
        }
    }
}

fn from_public_der_as(form: KeyForm, der: &[u8]) -> Result<PublicKey, KeyError> {
    let parsed = match form {
        KeyForm::SpkiPublic => rsa::RsaPublicKey::from_public_key_der(der).map_err(|e| e.to_string()),
        _ => rsa::RsaPublicKey::from_pkcs1_der(der).map_err(|e| e.to_string()),
    };
    parsed.map_err(|reason| KeyError::Malformed { form, reason }).and_then(PublicKey::from_rsa)
}

impl std::str::FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::from_text(s)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.rsa == other.0.rsa
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey").field("bits", &self.bits()).finish_non_exhaustive()
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Reads PEM or bare base64 into DER. For PEM, also returns the form its label announces.
fn read_key_text(text: &str, expected: &'static str) -> Result<(Option<KeyForm>, Vec<u8>), KeyError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(KeyError::Empty { expected });
    }
    if let Some(after) = text.strip_prefix("-----BEGIN ") {
        let (label, rest) = after
            .split_once("-----")
            .ok_or_else(|| KeyError::Garbled { detail: "a PEM header without its closing dashes".into(), expected })?;
        let end = format!("-----END {label}-----");
        let body = rest.split_once(end.as_str()).map(|(b, _)| b).ok_or_else(|| KeyError::Garbled {
            detail: format!("a PEM `{label}` block without its `{end}` line (truncated?)"),
            expected,
        })?;
        let form = match (label, KeyForm::from_pem_label(label)) {
            (_, Some(f)) => f,
            ("ENCRYPTED PRIVATE KEY", _) => {
                return Err(KeyError::Unsupported(
                    "an encrypted PKCS#8 key; decrypt it first (`openssl pkcs8 -in key.pem -out plain.pem`)".into(),
                ))
            }
            ("CERTIFICATE", _) => {
                return Err(KeyError::WrongKind {
                    found: "an X.509 certificate (in certificate mode load it with `alipay_core::cert::Certificate`; or extract its key with \
                            `openssl x509 -in cert.pem -pubkey -noout`)"
                        .into(),
                    expected,
                })
            }
            (other, None) => return Err(KeyError::WrongKind { found: format!("a PEM `{other}` block"), expected }),
        };
        if body.contains(':') {
            return Err(KeyError::Unsupported(
                "a PEM with headers (Proc-Type/DEK-Info: an encrypted key); decrypt it first".into(),
            ));
        }
        let der = decode_base64(body).map_err(|detail| KeyError::Malformed { form, reason: detail })?;
        return Ok((Some(form), der));
    }
    let der = decode_base64(text)
        .map_err(|detail| KeyError::Garbled { detail: format!("neither PEM nor base64 ({detail})"), expected })?;
    Ok((None, der))
}

fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let engine = base64::engine::general_purpose::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(compact.as_bytes()).map_err(|e| e.to_string())
}

/// Which RSA form DER bytes hold, trying each parser; `None` if none accepts them.
fn sniff_der(der: &[u8]) -> Option<KeyForm> {
    if rsa::RsaPrivateKey::from_pkcs8_der(der).is_ok() {
        Some(KeyForm::Pkcs8Private)
    } else if rsa::RsaPrivateKey::from_pkcs1_der(der).is_ok() {
        Some(KeyForm::Pkcs1Private)
    } else if rsa::RsaPublicKey::from_public_key_der(der).is_ok() {
        Some(KeyForm::SpkiPublic)
    } else if rsa::RsaPublicKey::from_pkcs1_der(der).is_ok() {
        Some(KeyForm::Pkcs1Public)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKey {
        PrivateKey::generate().unwrap()
    }

    #[test]
    fn private_key_round_trips_through_every_form() {
        let k = key();
        for text in [k.to_pkcs8_base64(), k.to_pkcs1_base64(), k.to_pkcs8_pem(), k.to_pkcs1_pem()] {
            let back = PrivateKey::from_text(&text).unwrap();
            assert_eq!(back.public_key(), k.public_key());
        }
        // A one-liner wrapped at 64 columns with CRLF, as pasted from a Windows editor.
        let wrapped: String =
            k.to_pkcs8_base64().as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c) + "\r\n").collect();
        assert_eq!(PrivateKey::from_text(&wrapped).unwrap().public_key(), k.public_key());
    }

    #[test]
    fn public_key_round_trips_through_every_form() {
        let k = key();
        let p = k.public_key();
        for text in [p.to_spki_base64(), p.to_spki_pem(), p.to_pkcs1_pem()] {
            assert_eq!(&PublicKey::from_text(&text).unwrap(), p);
        }
    }

    #[test]
    fn wrong_kind_names_what_was_found_and_expected() {
        let k = key();
        let err = PrivateKey::from_text(&k.public_key().to_spki_base64()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("found an SPKI RSA public key"), "{msg}");
        assert!(msg.contains("where an RSA private key"), "{msg}");
        let err = PublicKey::from_text(&k.to_pkcs1_pem()).unwrap_err();
        assert!(err.to_string().contains("found a PKCS#1 RSA private key"), "{err}");
    }

    #[test]
    fn garbled_and_truncated_keys_say_so() {
        assert!(matches!(PrivateKey::from_text("  "), Err(KeyError::Empty { .. })));
        assert!(matches!(PrivateKey::from_text("not a key!"), Err(KeyError::Garbled { .. })));
        assert!(matches!(PrivateKey::from_text("AAAA"), Err(KeyError::Garbled { .. })));
        let pem = key().to_pkcs8_pem();
        let cut = &pem[..pem.len() / 2];
        assert!(matches!(PrivateKey::from_text(cut), Err(KeyError::Garbled { .. })));
        let damaged = pem.replacen("MII", "MIJ", 1);
        assert!(matches!(PrivateKey::from_text(&damaged), Err(KeyError::Malformed { .. })));
        let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
        assert!(PublicKey::from_text(cert).unwrap_err().to_string().contains("certificate"));
    }

    #[test]
    fn debug_never_prints_key_material() {
        let k = key();
        let shown = format!("{k:?}");
        assert_eq!(shown, "PrivateKey { bits: 2048, .. }");
    }
}
