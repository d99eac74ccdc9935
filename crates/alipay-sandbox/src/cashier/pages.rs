//! The cashier's HTML (maud): self-contained, no script, no external resource.

use maud::{html, Markup, DOCTYPE};

use super::{Order, OrderState};

const STYLE: &str = "
body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;background:#f2f4f7;margin:0;color:#222}
header{background:#1677ff;color:#fff;padding:12px 24px;font-size:18px}
main{max-width:720px;margin:24px auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 4px #0002}
main.phone{max-width:360px;margin:0 auto;border-radius:0;min-height:100vh;box-sizing:border-box}
.amount{font-size:32px;color:#f60;margin:8px 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 16px}dt{color:#888}
input[type=text]{padding:8px;font-size:16px;width:100%;box-sizing:border-box;margin:8px 0}
button{padding:10px 24px;font-size:16px;border-radius:6px;border:0;cursor:pointer;margin:4px 8px 4px 0}
.primary{background:#1677ff;color:#fff}.secondary{background:#e6e8eb;color:#333}
.msg{background:#fff3cd;padding:8px 12px;border-radius:6px;margin:8px 0}
.err{background:#fde2e1;padding:12px;border-radius:6px}
.ok{background:#e3f7e8;padding:12px;border-radius:6px}
.phone button{width:100%}
";

/// The page skeleton.
pub(crate) fn layout(title: &str, phone: bool, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                @if !phone { header { "支付宝 · 沙箱 (alipay-rs sandbox)" } }
                main class=(if phone { "phone" } else { "" }) { (body) }
            }
        }
    }
    .into_string()
}

/// The cashier of one order: sign-in, then pay or cancel; or its result.
pub(crate) fn cashier(o: &Order, message: Option<&str>) -> String {
    let action = |what: &str| format!("/cashier/{}/{what}", o.reference);
    let title = format!("支付宝收银台 - {} - ¥{}", o.subject, o.amount);
    let body = html! {
        h1 { "支付宝收银台" }
        div data-testid="merchant" { "商户 (merchant): " (o.merchant) }
        div class="amount" data-testid="amount" { "¥" (o.amount.to_string()) }
        dl {
            dt { "商品 (subject)" } dd data-testid="subject" { (o.subject) }
            dt { "订单号 (order)" } dd data-testid="out-no" { (o.out_no) }
        }
        @if let Some(m) = message { div class="msg" data-testid="message" { (m) } }
        @match o.state {
            OrderState::Paid => {
                div class="ok" data-testid="result" { "支付成功 (paid)" }
            }
            OrderState::Closed => {
                div class="err" data-testid="result" { "交易已关闭 (closed)" }
            }
            OrderState::Open => {
                @match &o.buyer {
                    None => {
                        h2 { "登录支付宝账户 (sign in as a sandbox buyer)" }
                        form method="post" action=(action("login")) {
                            input type="hidden" name="t" value=(o.ticket);
                            label { "账户名 (logon id)"
                                input type="text" name="logon_id" data-testid="logon-id" value=(o.default_logon);
                            }
                            button class="primary" type="submit" data-testid="login" { "登录 (sign in)" }
                        }
                        form method="post" action=(action("cancel")) {
                            input type="hidden" name="t" value=(o.ticket);
                            button class="secondary" type="submit" data-testid="cancel" { "取消 (cancel)" }
                        }
                    }
                    Some(b) => {
                        p data-testid="buyer" { "已登录 (signed in): " (b.logon_id) " · 余额 (balance) ¥" (b.balance.to_string()) }
                        form method="post" action=(action("pay")) {
                            input type="hidden" name="t" value=(o.ticket);
                            button class="primary" type="submit" data-testid="pay" { "确认付款 ¥" (o.amount.to_string()) " (pay)" }
                        }
                        form method="post" action=(action("cancel")) {
                            input type="hidden" name="t" value=(o.ticket);
                            button class="secondary" type="submit" data-testid="cancel" { "取消 (cancel)" }
                        }
                    }
                }
            }
        }
    };
    layout(&title, o.phone, body)
}

/// An error page with the gateway's code.
pub(crate) fn error(title: &str, code: &str, sub_code: &str, sub_msg: &str) -> String {
    let body = html! {
        h1 { (title) }
        div class="err" data-testid="error" {
            p { "错误码 (code): " strong data-testid="error-code" { (code) } }
            p { (sub_code) }
            @if !sub_msg.is_empty() { p { (sub_msg) } }
        }
    };
    layout(&format!("{title} - {sub_code}"), false, body)
}

/// The buyer left without paying and there is nowhere to go back to.
pub(crate) fn cancelled() -> String {
    layout("支付已取消", false, html! { h1 { "支付已取消" } div data-testid="result" { "未付款 (not paid)" } })
}
