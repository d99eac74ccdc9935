// Package examples drives the two most used Go SDKs for Alipay, github.com/smartwalle/alipay/v3 (v3.2.25)
// and github.com/go-pay/gopay (v1.5.101), against the local Alipay started by
// github.com/alipay-rs/alipay-rs/go/alipaysandbox, with their response and notification verification on.
// It is a separate module so that the helper's own go.mod requires nothing but the standard library; its
// tests are the ready-made configurations (Example functions) and the checks behind them.
package examples
