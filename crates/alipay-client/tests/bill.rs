//! Bill download: URL query, download, unzip, streamed typed rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

mod common;

use std::io::Write as _;

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_api::bill_file::{self, BillRowKind, DetailReader, DetailRow};
use alipay_api::bill_ledger::{self, LedgerBizType, LedgerRow};
use alipay_client::Error;
use alipay_core::{Money, SignType};
use serde_json::json;

fn rows(n: usize) -> Vec<DetailRow> {
    (0..n)
        .map(|i| {
            let refund = i % 5 == 4;
            let amount = Money::from_fen(if refund { -100 } else { 1000 + i as i64 });
            DetailRow {
                trade_no: format!("20240501220014{i:014}"),
                out_trade_no: format!("T{i}"),
                kind: if refund { BillRowKind::Refund } else { BillRowKind::Trade },
                subject: format!("水费账单 #{i}, \"月结\""),
                created: "2024-05-01 10:00:00".parse().unwrap(),
                finished: Some("2024-05-01 10:00:05".parse().unwrap()),
                store_id: "NJ_001".into(),
                store_name: "南京店".into(),
                operator_id: String::new(),
                terminal_id: String::new(),
                counterparty: "139******01".into(),
                total_amount: amount,
                receipt_amount: amount,
                red_packet_amount: Money::ZERO,
                point_amount: Money::ZERO,
                alipay_discount: Money::ZERO,
                merchant_discount: Money::ZERO,
                voucher_amount: Money::ZERO,
                voucher_name: String::new(),
                merchant_red_packet_amount: Money::ZERO,
                card_amount: Money::ZERO,
                out_request_no: if refund { format!("R{i}") } else { String::new() },
                service_fee: Money::ZERO,
                royalty: Money::ZERO,
                remark: String::new(),
            }
        })
        .collect()
}

fn zip_of(rows: &[DetailRow]) -> Vec<u8> {
    let account = "20880000000000010156";
    let day = "2024-05-01";
    let detail = bill_file::write_detail(account, day, "2024-05-02 05:00:00".parse().unwrap(), rows);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file(bill_file::detail_file_name(account, day), opts).unwrap();
    w.write_all(&detail).unwrap();
    w.start_file(bill_file::summary_file_name(account, day), opts).unwrap();
    w.write_all(&bill_file::to_gbk_lossy("门店编号,门店名称\r\n")).unwrap();
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn bill_is_downloaded_unzipped_and_streamed_as_typed_rows() {
    let gw = common::start(SignType::Rsa2).await;
    let expected = rows(2_000);
    let url = gw.serve_file("bill.zip", zip_of(&expected));
    gw.answer(
        "alipay.data.dataservice.bill.downloadurl.query",
        json!({"code":"10000","msg":"Success","bill_download_url": url}),
    );
    let client = gw.client_builder().build().unwrap();
    let dir = std::env::temp_dir().join(format!("alipay-bill-{}", std::process::id()));
    let query = BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: "2024-05-01".into() };
    let bill = client.download_bill(&query, &dir).await.unwrap();
    let got: Vec<DetailRow> = bill.details().unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(got, expected);
    let refunds: Money =
        Money::checked_sum(got.iter().filter(|r| r.kind == BillRowKind::Refund).map(|r| r.total_amount)).unwrap();
    assert_eq!(refunds, Money::from_fen(-100 * 400));
    let summary = std::fs::read(bill.summary_path().unwrap()).unwrap();
    assert!(DetailReader::new(&summary[..]).next().unwrap().is_err(), "the summary is not a detail file");
}

#[tokio::test]
async fn no_bill_for_the_date_is_an_api_error() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(
        "alipay.data.dataservice.bill.downloadurl.query",
        json!({"code":"40004","msg":"Business Failed","sub_code":"isp.bill_not_exist","sub_msg":"账单不存在"}),
    );
    let client = gw.client_builder().build().unwrap();
    let query = BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: "2024-05-01".into() };
    match client.download_bill(&query, &std::env::temp_dir()).await.unwrap_err() {
        Error::Api(status) => assert_eq!(status.sub_code.as_deref(), Some("isp.bill_not_exist")),
        other => panic!("{other:?}"),
    }
}

fn ledger_rows(n: usize) -> Vec<LedgerRow> {
    let mut balance = Money::from_fen(10_000);
    (0..n)
        .map(|i| {
            let refund = i % 4 == 3;
            let amount = Money::from_fen(if refund { -250 } else { 1000 + i as i64 });
            balance = balance.checked_add(amount).unwrap();
            let (income, expense) = if refund { (Money::ZERO, amount) } else { (amount, Money::ZERO) };
            LedgerRow {
                account_log_id: format!("20240501{i:012}"),
                biz_no: format!("20240501220014{i:014}"),
                out_biz_no: format!("T{i}"),
                subject: format!("水费账单 #{i}, \"月结\""),
                time: "2024-05-01 10:00:05".parse().unwrap(),
                counterparty: "139******01".into(),
                income,
                expense,
                balance,
                channel: "支付宝".into(),
                biz_type: if refund { LedgerBizType::TradeRefund } else { LedgerBizType::OnlinePayment },
                memo: if refund { "少糖".into() } else { String::new() },
            }
        })
        .collect()
}

#[tokio::test]
async fn ledger_bill_is_downloaded_unzipped_and_streamed_as_typed_rows() {
    let gw = common::start(SignType::Rsa2).await;
    let expected = ledger_rows(1_000);
    let (account, day, at) = ("20880000000000010156", "2024-05-01", "2024-05-02 05:00:00".parse().unwrap());
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file(bill_ledger::ledger_file_name(account, day), opts).unwrap();
    w.write_all(&bill_ledger::write_ledger(account, day, "2024-05-02", at, &expected)).unwrap();
    w.start_file(bill_ledger::ledger_summary_file_name(account, day), opts).unwrap();
    w.write_all(&bill_ledger::write_ledger_summary(account, day, "2024-05-02", at, &expected)).unwrap();
    let url = gw.serve_file("ledger.zip", w.finish().unwrap().into_inner());
    gw.answer(
        "alipay.data.dataservice.bill.downloadurl.query",
        json!({"code":"10000","msg":"Success","bill_download_url": url}),
    );
    let client = gw.client_builder().build().unwrap();
    let dir = std::env::temp_dir().join(format!("alipay-ledger-{}", std::process::id()));
    let query = BillDownloadUrlQuery { bill_type: BillType::Signcustomer, bill_date: day.into() };
    let bill = client.download_bill(&query, &dir).await.unwrap();
    assert!(bill.zip_path.to_string_lossy().ends_with("_2024-05-01_signcustomer.csv.zip"), "{:?}", bill.zip_path);
    let got: Vec<LedgerRow> = bill.ledger().unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(got, expected);
    let net = Money::checked_sum(got.iter().map(|r| r.amount().unwrap())).unwrap();
    assert_eq!(Money::from_fen(10_000).checked_add(net), Some(got.last().unwrap().balance));
    let summary = std::fs::read(bill.ledger_summary_path().unwrap()).unwrap();
    let text = alipay_core::Charset::Gbk.decode(&summary).unwrap().into_owned();
    assert!(text.contains("\r\n交易退款,0,0.00,250,-625.00\r\n"), "{text}");
    // A ledger zip has no trade detail file.
    assert!(bill.details().is_err());
}
