//! Any form body: decoding, sign content, and the value parsers must return, never panic.
#![no_main]

use alipay_core::{form, sign_content, Charset, Money, PrivateKey, PublicKey, SignScope, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for charset in [Charset::Utf8, Charset::Gbk] {
        let _ = form::raw_value(data, "charset");
        if let Ok(pairs) = form::decode(data, charset) {
            for scope in [SignScope::Request, SignScope::NotifyV1, SignScope::NotifyV2] {
                let content = sign_content(scope, pairs.iter().map(|(k, v)| (k, v)));
                let _ = charset.encode(&content);
            }
            for (k, v) in &pairs {
                let _ = form::encode_component(k, charset);
                let _ = v.parse::<Money>();
                let _ = v.parse::<Timestamp>();
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = text.parse::<Money>();
        let _ = serde_json::from_str::<Money>(text);
        let _ = PrivateKey::from_text(text);
        let _ = PublicKey::from_text(text);
    }
});
