//! Any response body: extraction and verification must return, never panic.
#![no_main]

use std::sync::OnceLock;

use alipay_core::{envelope, Charset, PrivateKey, SignType};
use libfuzzer_sys::fuzz_target;

fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().expect("keygen"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let charset = if selector & 1 == 0 { Charset::Utf8 } else { Charset::Gbk };
    let sign_type = if selector & 2 == 0 { SignType::Rsa2 } else { SignType::Rsa };
    let method = ["alipay.trade.pay", "a", "error", ""][usize::from(selector >> 2) % 4];
    let _ = envelope::extract(body, method, charset);
    if let Ok(v) = envelope::verify_response(body, method, charset, key().public_key(), sign_type) {
        let _ = v.status();
    }
});
