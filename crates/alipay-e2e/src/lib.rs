//! End-to-end tests live in `tests/`: the SDK (`alipay-client`) against the local Alipay (`alipay-sandbox`),
//! over real HTTP with real signatures and the sandbox's persistent store. This crate has no code of its own;
//! it exists so that neither side has to depend on the other.
