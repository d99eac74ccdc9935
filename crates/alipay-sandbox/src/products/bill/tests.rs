//! The bill engine without the gateway (moved here from `tests/bill.rs` when the crate's modules became
//! private): rows read from a store, packed, unzipped and read back.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{Cursor, Read};

use alipay_api::bill_file::DetailReader;
use alipay_api::bill_ledger::{LedgerBizType, LedgerReader, LedgerRow};
use alipay_core::{Charset, Money};

use super::engine::{self as engine_bill, Period};
use crate::products::trade::store::TradeRepo;

fn money(s: &str) -> Money {
    s.parse().unwrap()
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

struct Unzipped {
    detail: Vec<alipay_api::bill_file::DetailRow>,
    summary: String,
}

fn unzip(bytes: &[u8], account: &str, label: &str) -> Unzipped {
    let (_, detail_bytes, summary_bytes) =
        unzip_pair(bytes, &format!("{account}_{label}_业务明细.csv"), &format!("{account}_{label}_业务明细(汇总).csv"));
    let detail = DetailReader::new(&detail_bytes[..]).collect::<Result<Vec<_>, _>>().unwrap();
    let summary = Charset::Gbk.decode(&summary_bytes).unwrap().into_owned();
    Unzipped { detail, summary }
}

fn unzip_ledger(bytes: &[u8], account: &str, label: &str) -> (Vec<String>, Vec<LedgerRow>, String) {
    let (names, detail, summary) =
        unzip_pair(bytes, &format!("{account}_{label}_账务明细.csv"), &format!("{account}_{label}_账务汇总.csv"));
    let rows = LedgerReader::new(&detail[..]).collect::<Result<Vec<_>, _>>().unwrap();
    (names, rows, Charset::Gbk.decode(&summary).unwrap().into_owned())
}

/// The engine without the gateway: rows read from a store, packed, unzipped and read back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_packs_a_stores_rows() {
    use crate::products::trade::store::{RefundRecord, TradeKind, TradeRecord, TradeState};
    use crate::store::{BuyerRecord, MerchantRecord, Store, StoreError};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db"), crate::products::COMPONENTS).unwrap();
    let period = Period::parse("2019-09-16").unwrap();
    let at = period.from + 10 * 3600;
    let trade = |no: &str, seller: &str, amount: &str| TradeRecord {
        trade_no: no.into(),
        seller_id: seller.into(),
        app_id: "2021000000000001".into(),
        auth_app_id: "2021000000000001".into(),
        out_trade_no: format!("O{no}"),
        kind: TradeKind::Pay,
        state: TradeState::Success,
        total_amount: money(amount),
        refund_fee: Money::ZERO,
        subject: "s".into(),
        body: None,
        buyer_id: Some("2088000000000009".into()),
        auth_code: None,
        qr_code: None,
        store_id: None,
        terminal_id: None,
        operator_id: None,
        passback_params: None,
        notify_url: None,
        charset: "utf-8".into(),
        sign_type: alipay_core::SignType::Rsa2,
        gmt_create: at,
        gmt_payment: Some(at),
        gmt_close: None,
        expire_at: at + 60,
        qr_expire_at: None,
        cancel_action: None,
        fail_code: None,
    };
    let (mine, theirs, late) = (trade("1", "2088000000000001", "5.00"), trade("2", "2088000000000002", "9.00"), {
        let mut t = trade("3", "2088000000000001", "1.00");
        t.gmt_payment = Some(period.to);
        t
    });
    store
        .write(move |r| -> Result<(), StoreError> {
            for pid in ["2088000000000001", "2088000000000002"] {
                r.insert_merchant(&MerchantRecord {
                    pid: pid.into(),
                    name: "m".into(),
                    email: "m@x.com".into(),
                    balance: Money::ZERO,
                    primary_app_id: None,
                })?;
            }
            r.insert_buyer(&BuyerRecord {
                user_id: "2088000000000009".into(),
                logon_id: "13912345601".into(),
                balance: Money::ZERO,
                password_free_limit: Money::ZERO,
            })?;
            for t in [&mine, &theirs, &late] {
                r.insert_trade(t)?;
            }
            r.insert_refund(&RefundRecord {
                trade_no: "1".into(),
                out_request_no: "R".into(),
                amount: money("0.50"),
                reason: None,
                gmt_refund: at + 5,
                refund_fee_after: money("0.50"),
            })
        })
        .await
        .unwrap();
    let p = period.clone();
    let rows = store.read(move |r| engine_bill::collect(r, "2088000000000001", &p)).await.unwrap();
    let brief: Vec<(&str, Money, &str, &str)> = rows
        .iter()
        .map(|r| (r.trade_no.as_str(), r.total_amount, r.out_request_no.as_str(), r.counterparty.as_str()))
        .collect();
    assert_eq!(brief, vec![("1", money("5.00"), "", "139******01"), ("1", money("-0.50"), "R", "139******01")]);
    let zip = engine_bill::build("2088000000000001", &period, period.to + 60, &rows).unwrap();
    assert_eq!(zip.file_name, "20880000000000010156_20190916.csv.zip");
    let z = unzip(&zip.bytes, "20880000000000010156", "20190916");
    assert_eq!(z.detail, rows);
    assert!(z.summary.contains("合计,,1,1,4.50,4.50,0.00,0.00,0.00,0.00,0.00,4.50\r\n"), "{}", z.summary);
    store.close();
}

/// The ledger store without the gateway: a post moves the balance and records the movement together; a post
/// that would make the balance negative changes nothing; entries are read by merchant and period; the zip holds
/// the two ledger files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_store_posts_reads_and_packs() {
    use crate::store::ledger::{biz_type, LedgerEntry};
    use crate::store::{MerchantRecord, Store, StoreError};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db"), crate::products::COMPONENTS).unwrap();
    let period = Period::parse("2019-09-16").unwrap();
    let at = period.from + 10 * 3600;
    store
        .write(move |r| -> Result<(), StoreError> {
            for pid in ["2088000000000001", "2088000000000002"] {
                r.insert_merchant(&MerchantRecord {
                    pid: pid.into(),
                    name: "m".into(),
                    email: "m@x.com".into(),
                    balance: money("1.00"),
                    primary_app_id: None,
                })?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let post = |pid: &'static str, when: i64, amount: &str, kind: &'static str| {
        let e = LedgerEntry {
            biz_no: "B".into(),
            out_biz_no: "O".into(),
            ..LedgerEntry::new(pid, when, money(amount), kind)
        };
        store.write(move |r| r.post_merchant(&e))
    };
    assert_eq!(post("2088000000000001", at, "5.00", biz_type::ONLINE_PAYMENT).await.unwrap(), money("6.00"));
    assert_eq!(post("2088000000000001", at + 1, "-2.50", biz_type::TRADE_REFUND).await.unwrap(), money("3.50"));
    assert!(post("2088000000000001", at + 2, "-3.51", biz_type::RED_PACKET).await.is_err(), "never negative");
    assert!(post("2088000000000009", at, "1.00", biz_type::DEDUCT).await.is_err(), "unknown merchant");
    assert_eq!(post("2088000000000002", at, "9.00", biz_type::DEDUCT).await.unwrap(), money("10.00"));
    assert_eq!(post("2088000000000001", period.to, "1.00", biz_type::BILL_PAYMENT).await.unwrap(), money("4.50"));
    let balance = store.read(|r| r.merchant("2088000000000001")).await.unwrap().unwrap().balance;
    assert_eq!(balance, money("4.50"), "the refused post changed nothing");

    let p = period.clone();
    let rows = store.read(move |r| engine_bill::collect_ledger(r, "2088000000000001", &p)).await.unwrap();
    let brief: Vec<(LedgerBizType, Money, Money, Money)> =
        rows.iter().map(|r| (r.biz_type.clone(), r.income, r.expense, r.balance)).collect();
    assert_eq!(
        brief,
        vec![
            (LedgerBizType::OnlinePayment, money("5.00"), Money::ZERO, money("6.00")),
            (LedgerBizType::TradeRefund, Money::ZERO, money("-2.50"), money("3.50")),
        ]
    );
    assert_eq!(rows[0].account_log_id, "20190916000000000001");
    let zip = engine_bill::build_ledger("2088000000000001", &period, period.to + 60, &rows).unwrap();
    assert_eq!(zip.file_name, "20880000000000010156_20190916.csv.zip");
    let (names, back, summary) = unzip_ledger(&zip.bytes, "20880000000000010156", "20190916");
    assert_eq!(names.len(), 2);
    assert_eq!(back, rows);
    assert!(summary.contains("\r\n合计,1,5.00,1,-2.50\r\n"), "{summary}");
    store.close();
}
