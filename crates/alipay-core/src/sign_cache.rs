//! A bounded cache of signatures, for a gateway that signs the same bytes again.
//!
//! RSA PKCS#1 v1.5 signatures (RSA2 = SHA256withRSA, legacy RSA = SHA1withRSA) are deterministic: the same key
//! over the same bytes always gives the same signature. An answer byte-for-byte equal to one already signed
//! (a merchant polling `alipay.trade.query` on a trade that has not changed) needs no second signature. The
//! cache is keyed by SHA-256 over the key's [`PrivateKey::fingerprint`], the sign type and the signed bytes,
//! so nothing ever invalidates an entry: equal keys mean equal signatures. It is direct-mapped (a fixed number of
//! slots, each holding the last entry that hashed to it), so its memory is bounded and a lookup is one hash and
//! one short lock.
//!
//! ```
//! use alipay_core::{sign_cache::SignatureCache, PrivateKey, SignType};
//! let key = PrivateKey::generate()?;
//! let cache = SignatureCache::new(1024);
//! let first = cache.sign(&key, SignType::Rsa2, b"{\"code\":\"10000\"}")?;
//! let again = cache.sign(&key, SignType::Rsa2, b"{\"code\":\"10000\"}")?;   // from the cache
//! assert_eq!(first, again);
//! assert_eq!(first, key.sign(SignType::Rsa2, b"{\"code\":\"10000\"}")?);
//! assert_eq!(cache.hits(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::key::PrivateKey;
use crate::sign::{SignError, SignType};

/// One slot's content: the digest of (key, sign type, bytes) and the signature.
type Entry = ([u8; 32], String);

/// A bounded, thread-safe cache of signatures (see the module documentation).
#[derive(Debug)]
pub struct SignatureCache {
    slots: Vec<Mutex<Option<Entry>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl SignatureCache {
    /// A cache of `slots` entries; `0` keeps nothing (every call signs). Each entry holds a 32-byte digest and
    /// one base64 signature (344 characters for RSA-2048): 4096 slots are about 1.6 MB.
    pub fn new(slots: usize) -> SignatureCache {
        SignatureCache {
            slots: (0..slots).map(|_| Mutex::new(None)).collect(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The base64 signature of `content` by `key`: from the cache when these exact bytes were signed with this
    /// key and sign type before, else signed now and kept.
    pub fn sign(&self, key: &PrivateKey, sign_type: SignType, content: &[u8]) -> Result<String, SignError> {
        if self.slots.is_empty() {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return key.sign(sign_type, content);
        }
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        ctx.update(&key.fingerprint());
        ctx.update(sign_type.as_str().as_bytes());
        ctx.update(&[0]);
        ctx.update(content);
        let digest: [u8; 32] = ctx.finish().as_ref().try_into().unwrap_or([0u8; 32]);
        let index = usize::from_le_bytes(digest[..8].try_into().unwrap_or([0u8; 8])) % self.slots.len();
        let slot = self.slots.get(index);
        if let Some(Ok(guard)) = slot.map(Mutex::lock) {
            if let Some((d, sig)) = guard.as_ref() {
                if *d == digest {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(sig.clone());
                }
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let sig = key.sign(sign_type, content)?;
        if let Some(Ok(mut guard)) = slot.map(Mutex::lock) {
            *guard = Some((digest, sig.clone()));
        }
        Ok(sig)
    }

    /// How many signatures came from the cache.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// How many signatures were computed.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::SignatureCache;
    use crate::{PrivateKey, SignType};

    #[test]
    fn cached_signatures_are_the_keys_own_for_every_key_and_sign_type() {
        let (a, b) = (PrivateKey::generate().unwrap(), PrivateKey::generate().unwrap());
        let cache = SignatureCache::new(2); // tiny: entries evict each other
        for round in 0..3 {
            for key in [&a, &b] {
                for t in [SignType::Rsa2, SignType::Rsa] {
                    for content in [&b"x"[..], b"y", b"{\"code\":\"10000\"}"] {
                        let sig = cache.sign(key, t, content).unwrap();
                        assert_eq!(sig, key.sign(t, content).unwrap(), "round {round}");
                        key.public_key().verify(t, content, &sig).unwrap();
                    }
                }
            }
        }
        assert_eq!(cache.hits() + cache.misses(), 36);
        let big = SignatureCache::new(4096);
        for _ in 0..3 {
            big.sign(&a, SignType::Rsa2, b"poll").unwrap();
        }
        assert_eq!((big.hits(), big.misses()), (2, 1));
        let off = SignatureCache::new(0);
        off.sign(&a, SignType::Rsa2, b"poll").unwrap();
        off.sign(&a, SignType::Rsa2, b"poll").unwrap();
        assert_eq!((off.hits(), off.misses()), (0, 2));
    }
}
