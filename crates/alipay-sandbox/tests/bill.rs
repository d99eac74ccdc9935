//! Bill files: `alipay.data.dataservice.bill.downloadurl.query` over signed HTTP, the zip downloaded from
//! the sandbox itself and read with the SDK's `DetailReader`.
//!
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{Cursor, Read};
use std::time::Duration;

use alipay_api::bill_file::{BillRowKind, DetailReader, DetailRow};
use alipay_api::bill_ledger::{LedgerBizType, LedgerReader, LedgerRow, LEDGER_SUMMARY_COLUMNS};
use alipay_core::{Charset, Money};
use common::{code_of, sub_code_of, Harness, TestApp};
use serde_json::{json, Value};

const METHOD: &str = "alipay.data.dataservice.bill.downloadurl.query";

/// The sandbox clock's Beijing date and time (`yyyy-MM-dd`, `HH:mm:ss`).
async fn clock(h: &Harness) -> (String, String) {
    let now = h.admin_get("/admin/clock").await["now"].as_str().unwrap().to_owned();
    (now[..10].to_owned(), now[11..].to_owned())
}

async fn advance(h: &Harness, seconds: i64) {
    let (s, b) = h.admin_post("/admin/clock/advance", json!({"seconds": seconds})).await;
    assert_eq!(s, 200, "{b}");
}

/// Keeps a test away from Beijing midnight so everything it pays lands on one day.
async fn away_from_midnight(h: &Harness) {
    if clock(h).await.1.as_str() >= "23:58:00" {
        advance(h, 300).await;
    }
}

async fn bill(h: &Harness, app: &TestApp, bill_type: &str, date: &str) -> Value {
    h.call_as(app, METHOD, json!({"bill_type": bill_type, "bill_date": date}), &[]).await
}

async fn get(h: &Harness, url: &str) -> (u16, Vec<u8>) {
    let resp = h.http.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

struct Unzipped {
    names: Vec<String>,
    detail: Vec<DetailRow>,
    summary: String,
}

/// The zip's entry names (GBK bytes without the zip UTF-8 flag, as Alipay writes them: decoded here) and the
/// bytes of the two named entries (detail, summary).
fn unzip_pair(bytes: &[u8], detail: &str, summary: &str) -> (Vec<String>, Vec<u8>, Vec<u8>) {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let names: Vec<String> = (0..zip.len())
        .map(|i| {
            let entry = zip.by_index(i).unwrap();
            let raw = entry.name_raw();
            assert!(std::str::from_utf8(raw).is_err(), "the name is GBK, not UTF-8: {raw:?}");
            Charset::Gbk.decode(raw).unwrap().into_owned()
        })
        .collect();
    let mut read = |name: &str| {
        let i = names.iter().position(|n| n == name).unwrap_or_else(|| panic!("{name} not in {names:?}"));
        let mut buf = Vec::new();
        zip.by_index(i).unwrap().read_to_end(&mut buf).unwrap();
        buf
    };
    let (detail, summary) = (read(detail), read(summary));
    (names, detail, summary)
}

fn unzip(bytes: &[u8], account: &str, label: &str) -> Unzipped {
    let (names, detail_bytes, summary_bytes) =
        unzip_pair(bytes, &format!("{account}_{label}_业务明细.csv"), &format!("{account}_{label}_业务明细(汇总).csv"));
    let detail = DetailReader::new(&detail_bytes[..]).collect::<Result<Vec<_>, _>>().unwrap();
    let summary = Charset::Gbk.decode(&summary_bytes).unwrap().into_owned();
    Unzipped { names, detail, summary }
}

fn money(s: &str) -> Money {
    s.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trade_bill_lists_the_merchants_payments_and_refunds_once() {
    let config = alipay_sandbox::Config { bill_url_ttl: Duration::from_secs(2), ..common::test_config() };
    let h = Harness::start_with(config).await;
    away_from_midnight(&h).await;
    let buyer = h.buyer("1000.00", "500.00").await;
    let account = format!("{}0156", h.info.merchant_pid);

    let code = h.code(&buyer).await;
    let paid = h
        .call(
            "alipay.trade.pay",
            json!({"out_trade_no": "B1", "scene": "bar_code", "auth_code": code, "subject": "咖啡 大杯",
                   "total_amount": "10.00", "store_id": "NJ_001", "terminal_id": "T9", "operator_id": "op1"}),
        )
        .await;
    assert_eq!(code_of(&paid), "10000", "{paid}");
    let masked = paid["buyer_logon_id"].as_str().unwrap().to_owned();
    assert_eq!(code_of(&h.pay("B2", "0.01", &buyer).await), "10000");
    assert_eq!(code_of(&h.pay("B3", "25.50", &buyer).await), "10000");
    let r = h
        .call(
            "alipay.trade.refund",
            json!({"out_trade_no": "B1", "refund_amount": "3.30", "out_request_no": "R1", "refund_reason": "少糖"}),
        )
        .await;
    assert_eq!(code_of(&r), "10000", "{r}");

    // Another app (its own merchant) pays too: its trade must never show in the first merchant's bill.
    let key = alipay_core::PrivateKey::generate().unwrap();
    let (st, reg) =
        h.admin_post("/admin/apps", json!({"public_key": key.public_key().to_spki_pem(), "sign_type": "RSA2"})).await;
    assert_eq!(st, 200, "{reg}");
    let other =
        TestApp { app_id: reg["app_id"].as_str().unwrap().to_owned(), key, sign_type: alipay_core::SignType::Rsa2 };
    let other_account = format!("{}0156", reg["merchant_pid"].as_str().unwrap());
    assert_ne!(other_account, account);
    let code = h.code(&buyer).await;
    let o = h
        .call_as(
            &other,
            "alipay.trade.pay",
            json!({"out_trade_no": "O1", "scene": "bar_code", "auth_code": code, "subject": "other",
                   "total_amount": "7.77"}),
            &[],
        )
        .await;
    assert_eq!(code_of(&o), "10000", "{o}");

    // Today is not over yet.
    let (day, _) = clock(&h).await;
    let r = bill(&h, &h.app, "trade", &day).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "isp.bill_date_error"), "{r}");
    assert!(r.get("bill_download_url").is_none());

    advance(&h, 86_400).await;
    let r = bill(&h, &h.app, "trade", &day).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let url = r["bill_download_url"].as_str().unwrap().to_owned();
    // Shaped like Alipay's URL (seed 001:272): `downloadBillFile.resource?bizType=…&downloadFileName=…`.
    assert!(url.starts_with(&format!("{}/downloadBillFile.resource?bizType=trade&userId=", h.base())), "{url}");
    assert!(url.contains(&format!("&fileType=csv.zip&bizDates={}&downloadFileName=", day.replace('-', ""))), "{url}");

    let (status, zip_bytes) = get(&h, &url).await;
    assert_eq!(status, 200);
    let label = day.replace('-', "");
    let z = unzip(&zip_bytes, &account, &label);
    assert_eq!(z.names.len(), 2, "{:?}", z.names);
    assert!(url.contains(&format!("downloadFileName={account}_{label}.csv.zip&")), "{url}");
    // The marker lines byte for byte as Alipay writes them; merchants' parsers compare whole lines with them
    // (see `alipay_api::bill_file::SUMMARY_LIST_END`: 40 dashes, the words, 37 dashes).
    let summary_lines: Vec<&str> = z.summary.split("\r\n").collect();
    assert!(summary_lines
        .contains(&"#-----------------------------------------业务汇总列表----------------------------------------"));
    assert!(
        summary_lines.contains(
            &"#----------------------------------------业务汇总列表结束-------------------------------------"
        ),
        "{}",
        z.summary
    );

    let mut rows = z.detail.clone();
    rows.sort_by(|a, b| (&a.out_trade_no, a.total_amount).cmp(&(&b.out_trade_no, b.total_amount)));
    let brief: Vec<(&str, BillRowKind, Money, Money, &str)> = rows
        .iter()
        .map(|r| (r.out_trade_no.as_str(), r.kind.clone(), r.total_amount, r.receipt_amount, r.out_request_no.as_str()))
        .collect();
    assert_eq!(
        brief,
        vec![
            ("B1", BillRowKind::Refund, money("-3.30"), money("-3.30"), "R1"),
            ("B1", BillRowKind::Trade, money("10.00"), money("10.00"), ""),
            ("B2", BillRowKind::Trade, money("0.01"), money("0.01"), ""),
            ("B3", BillRowKind::Trade, money("25.50"), money("25.50"), ""),
        ]
    );
    let b1 = rows.iter().find(|r| r.out_trade_no == "B1" && r.kind == BillRowKind::Trade).unwrap();
    assert_eq!(b1.trade_no, paid["trade_no"].as_str().unwrap());
    assert_eq!(b1.subject, "咖啡 大杯");
    assert_eq!((b1.store_id.as_str(), b1.terminal_id.as_str(), b1.operator_id.as_str()), ("NJ_001", "T9", "op1"));
    assert_eq!(b1.finished.map(|t| t.to_string()), paid["gmt_payment"].as_str().map(str::to_owned));
    assert!(rows.iter().all(|r| r.counterparty == masked && r.created.to_string().starts_with(&day)), "{rows:?}");
    assert!(rows.iter().all(|r| r.out_trade_no != "O1"));

    // Summary: one row per store, then 合计 (3 trades, 1 refund, 10.00 + 0.01 + 25.50 − 3.30 = 32.21).
    let lines: Vec<&str> = z.summary.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines[0], alipay_api::bill_file::SUMMARY_COLUMNS.join(","), "{}", z.summary);
    assert_eq!(lines.len(), 4, "{}", z.summary);
    assert!(lines.contains(&"NJ_001\t,,1,1,6.70,6.70,0.00,0.00,0.00,0.00,0.00,6.70"), "{}", z.summary);
    assert!(lines.contains(&"\t,,2,0,25.51,25.51,0.00,0.00,0.00,0.00,0.00,25.51"), "{}", z.summary);
    assert_eq!(lines[3], "合计,,3,1,32.21,32.21,0.00,0.00,0.00,0.00,0.00,32.21", "{}", z.summary);
    assert!(z.summary.starts_with(&format!("#支付宝业务汇总查询\r\n#账号：[{account}]\r\n")), "{}", z.summary);

    // Single use.
    assert_eq!(get(&h, &url).await.0, 404);

    // The other app sees only its own merchant's trade.
    let r = bill(&h, &other, "trade", &day).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let (status, bytes) = get(&h, r["bill_download_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
    let names: Vec<String> = (0..zip.len())
        .map(|i| Charset::Gbk.decode(zip.by_index(i).unwrap().name_raw()).unwrap().into_owned())
        .collect();
    let index = names.iter().position(|n| n.ends_with("_业务明细.csv")).unwrap();
    assert_eq!(names[index], format!("{other_account}_{label}_业务明细.csv"));
    let mut buf = Vec::new();
    zip.by_index(index).unwrap().read_to_end(&mut buf).unwrap();
    let theirs = DetailReader::new(&buf[..]).collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!((theirs[0].out_trade_no.as_str(), theirs[0].total_amount), ("O1", money("7.77")));

    // Expired: a URL not used within the validity (2 s in this test, 30 s by default) is gone.
    let r = bill(&h, &h.app, "trade", &day).await;
    let late = r["bill_download_url"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    assert_eq!(get(&h, &late).await.0, 404);
    // An unknown token.
    assert_eq!(get(&h, &format!("{}/bills/nope", h.base())).await.0, 404);

    // The day before: nothing paid or refunded.
    let before = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap().pred_opt().unwrap();
    let r = bill(&h, &h.app, "trade", &before.format("%Y-%m-%d").to_string()).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "isp.bill_not_exist"), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn month_bill_is_one_detail_file_once_the_month_is_over() {
    let h = Harness::start().await;
    away_from_midnight(&h).await;
    let buyer = h.buyer("1000.00", "500.00").await;
    let account = format!("{}0156", h.info.merchant_pid);
    assert_eq!(code_of(&h.pay("M1", "12.34", &buyer).await), "10000");
    advance(&h, 3_600).await;
    let r = h.call("alipay.trade.refund", json!({"out_trade_no": "M1", "refund_amount": "12.34"})).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(code_of(&h.pay("M2", "1.00", &buyer).await), "10000");
    // A paid trade cancelled within the window is a refund of what was left.
    let c = h.call("alipay.trade.cancel", json!({"out_trade_no": "M2"})).await;
    assert_eq!(c["action"], "refund", "{c}");

    let (day, _) = clock(&h).await;
    let month = day[..7].to_owned();
    let r = bill(&h, &h.app, "trade", &month).await;
    assert_eq!(sub_code_of(&r), "isp.bill_date_error", "the month is not over: {r}");

    advance(&h, 32 * 86_400).await;
    let r = bill(&h, &h.app, "trade", &month).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let (status, bytes) = get(&h, r["bill_download_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let z = unzip(&bytes, &account, &month.replace('-', ""));
    let mut rows = z.detail.clone();
    rows.sort_by(|a, b| (&a.out_trade_no, a.total_amount).cmp(&(&b.out_trade_no, b.total_amount)));
    let brief: Vec<(&str, BillRowKind, Money, &str)> = rows
        .iter()
        .map(|r| (r.out_trade_no.as_str(), r.kind.clone(), r.total_amount, r.out_request_no.as_str()))
        .collect();
    assert_eq!(
        brief,
        vec![
            ("M1", BillRowKind::Refund, money("-12.34"), "M1"),
            ("M1", BillRowKind::Trade, money("12.34"), ""),
            ("M2", BillRowKind::Refund, money("-1.00"), "M2"),
            ("M2", BillRowKind::Trade, money("1.00"), ""),
        ]
    );
    assert!(z.summary.lines().any(|l| l == "合计,,2,2,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00"), "{}", z.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bill_query_refusals() {
    let h = Harness::start().await;
    let r = bill(&h, &h.app, "signcustomer", "2016-04-05").await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "isp.bill_not_exist"), "{r}");
    let r = bill(&h, &h.app, "signcustomer", "2099-01-01").await;
    assert_eq!(sub_code_of(&r), "isp.bill_date_error", "{r}");
    for bad in ["2016-4-5", "20160405", "2016-02-30", ""] {
        let r = bill(&h, &h.app, "trade", bad).await;
        assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "isv.invalid-parameter"), "{bad}: {r}");
    }
    let r = bill(&h, &h.app, "fund", "2016-04-05").await;
    assert_eq!(sub_code_of(&r), "isv.invalid-parameter", "{r}");
    let r = bill(&h, &h.app, "trade", "2099-01-01").await;
    assert_eq!(sub_code_of(&r), "isp.bill_date_error", "{r}");
    let r = bill(&h, &h.app, "trade", "2016-04-05").await;
    assert_eq!(sub_code_of(&r), "isp.bill_not_exist", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_bill_token_is_404() {
    let h = Harness::start().await;
    assert_eq!(get(&h, &format!("{}/bills/0123456789abcdefghijklmnopqrstuv", h.base())).await.0, 404);
}

/// The ledger zip of `label`: its entry names, the typed rows and the summary text.
fn unzip_ledger(bytes: &[u8], account: &str, label: &str) -> (Vec<String>, Vec<LedgerRow>, String) {
    let (names, detail, summary) =
        unzip_pair(bytes, &format!("{account}_{label}_账务明细.csv"), &format!("{account}_{label}_账务汇总.csv"));
    let rows = LedgerReader::new(&detail[..]).collect::<Result<Vec<_>, _>>().unwrap();
    (names, rows, Charset::Gbk.decode(&summary).unwrap().into_owned())
}

/// The ledger bill (`signcustomer`) of a day with a payment, a partial refund, a red packet the merchant funds
/// and part of it coming back: one row per movement, signed amounts, running balances that end at the balance
/// the admin API reports; other merchants' movements never show; an empty day is `isp.bill_not_exist`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_bill_lists_every_balance_movement_with_running_balances() {
    let h = Harness::start().await;
    away_from_midnight(&h).await;
    let buyer = h.buyer("1000.00", "500.00").await;
    let account = format!("{}0156", h.info.merchant_pid);
    let opening = money(&h.merchant_balance().await);

    let paid = h
        .call(
            "alipay.trade.pay",
            json!({"out_trade_no": "L1", "scene": "bar_code", "auth_code": h.code(&buyer).await,
                   "subject": "咖啡 大杯, 少糖", "total_amount": "100.00"}),
        )
        .await;
    assert_eq!(code_of(&paid), "10000", "{paid}");
    let trade_no = paid["trade_no"].as_str().unwrap().to_owned();
    let masked = paid["buyer_logon_id"].as_str().unwrap().to_owned();
    let r = h
        .call(
            "alipay.trade.refund",
            json!({"out_trade_no": "L1", "refund_amount": "30.50", "out_request_no": "LR1", "refund_reason": "少糖"}),
        )
        .await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let rp = h
        .call(
            "alipay.fund.coupon.order.agreement.pay",
            json!({"out_order_no": "LRP1", "out_request_no": "LRP1-pay", "order_title": "新年红包",
                   "amount": "20.00", "pay_timeout": "2h"}),
        )
        .await;
    assert_eq!(code_of(&rp), "10000", "{rp}");
    let auth_no = rp["auth_no"].as_str().unwrap().to_owned();
    let back = h
        .call(
            "alipay.fund.coupon.order.refund",
            json!({"auth_no": auth_no, "out_request_no": "LRP1-r", "amount": "5.00"}),
        )
        .await;
    assert_eq!(code_of(&back), "10000", "{back}");
    // A failed refund (more than what is left) moves nothing and posts nothing.
    let r = h
        .call("alipay.trade.refund", json!({"out_trade_no": "L1", "refund_amount": "99.00", "out_request_no": "LR2"}))
        .await;
    assert_eq!(code_of(&r), "40004", "{r}");
    // Another merchant's payment never shows in this merchant's ledger.
    let other = h.new_app().await;
    let o = h
        .call_as(
            &other,
            "alipay.trade.pay",
            json!({"out_trade_no": "LO1", "scene": "bar_code", "auth_code": h.code(&buyer).await, "subject": "o",
                   "total_amount": "7.77"}),
            &[],
        )
        .await;
    assert_eq!(code_of(&o), "10000", "{o}");
    let closing = money(&h.merchant_balance().await);

    let (day, _) = clock(&h).await;
    let r = bill(&h, &h.app, "signcustomer", &day).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "isp.bill_date_error"), "{r}");
    advance(&h, 86_400).await;
    let r = bill(&h, &h.app, "signcustomer", &day).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let url = r["bill_download_url"].as_str().unwrap().to_owned();
    let (status, bytes) = get(&h, &url).await;
    assert_eq!(status, 200);
    assert_eq!(get(&h, &url).await.0, 404, "single use");
    let label = day.replace('-', "");
    let (names, rows, summary) = unzip_ledger(&bytes, &account, &label);
    assert_eq!(names.len(), 2, "{names:?}");

    let brief: Vec<(LedgerBizType, Money, Money, &str, &str, &str)> = rows
        .iter()
        .map(|r| (r.biz_type.clone(), r.income, r.expense, r.biz_no.as_str(), r.out_biz_no.as_str(), r.memo.as_str()))
        .collect();
    assert_eq!(
        brief,
        vec![
            (LedgerBizType::OnlinePayment, money("100.00"), Money::ZERO, trade_no.as_str(), "L1", ""),
            (LedgerBizType::TradeRefund, Money::ZERO, money("-30.50"), trade_no.as_str(), "L1", "少糖"),
            (LedgerBizType::RedPacket, Money::ZERO, money("-20.00"), auth_no.as_str(), "LRP1", "红包资金"),
            (LedgerBizType::RedPacket, money("5.00"), Money::ZERO, auth_no.as_str(), "LRP1", "红包退回"),
        ]
    );
    // Running balances: each row's balance is the previous one plus its amount, starting from the opening
    // balance and ending at the balance the admin API reports.
    let mut running = opening;
    for r in &rows {
        running = running.checked_add(r.amount().unwrap()).unwrap();
        assert_eq!(r.balance, running, "{r:?}");
        assert!(r.time.to_string().starts_with(&day), "{r:?}");
        assert_eq!(r.channel, "支付宝");
        assert!(r.account_log_id.starts_with(&label) && r.account_log_id.len() == 20, "{r:?}");
    }
    assert_eq!(running, closing);
    assert_eq!(closing, opening.checked_add(money("54.50")).unwrap());
    let ids: std::collections::HashSet<&str> = rows.iter().map(|r| r.account_log_id.as_str()).collect();
    assert_eq!(ids.len(), rows.len(), "账务流水号 are unique");
    assert_eq!(rows[0].subject, "咖啡 大杯, 少糖");
    assert_eq!(rows[2].subject, "新年红包");
    assert_eq!((rows[0].counterparty.as_str(), rows[1].counterparty.as_str()), (masked.as_str(), masked.as_str()));
    assert_eq!(rows[0].time.to_string(), paid["gmt_payment"].as_str().unwrap());

    let lines: Vec<&str> = summary.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        vec![
            LEDGER_SUMMARY_COLUMNS.join(",").as_str(),
            "在线支付,1,100.00,0,0.00",
            "交易退款,0,0.00,1,-30.50",
            "红包,1,5.00,1,-20.00",
            "合计,2,105.00,2,-50.50",
        ],
        "{summary}"
    );
    assert!(summary.starts_with(&format!("#支付宝账务汇总查询\r\n#账号：[{account}]\r\n")), "{summary}");

    // The other merchant's ledger has its one payment only.
    let r = bill(&h, &other, "signcustomer", &day).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let (_, bytes) = get(&h, r["bill_download_url"].as_str().unwrap()).await;
    let other_pid = h.admin_get(&format!("/admin/trades?app_id={}&out_trade_no=LO1", other.app_id)).await["seller_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, theirs, _) = unzip_ledger(&bytes, &format!("{other_pid}0156"), &label);
    assert_eq!(theirs.len(), 1);
    assert_eq!((theirs[0].out_biz_no.as_str(), theirs[0].income), ("LO1", money("7.77")));

    // The month bill holds the same rows once the month is over.
    let month = day[..7].to_owned();
    let r = bill(&h, &h.app, "signcustomer", &month).await;
    assert_eq!(sub_code_of(&r), "isp.bill_date_error", "{r}");
    advance(&h, 32 * 86_400).await;
    let r = bill(&h, &h.app, "signcustomer", &month).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let (_, bytes) = get(&h, r["bill_download_url"].as_str().unwrap()).await;
    let (_, month_rows, _) = unzip_ledger(&bytes, &account, &month.replace('-', ""));
    assert_eq!(month_rows, rows);

    // A day without any movement: no bill.
    let before = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap().pred_opt().unwrap();
    let r = bill(&h, &h.app, "signcustomer", &before.format("%Y-%m-%d").to_string()).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "isp.bill_not_exist"), "{r}");
}
