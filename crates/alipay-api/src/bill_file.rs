//! The bill files behind `bill_download_url` (trade.md, "Bill files"): a zip of GBK CSV files whose layout
//! merchants parse for reconciliation. The SDK reads them with [`DetailReader`]; the local gateway writes them
//! with [`write_detail`]; both use the same column list, so they cannot drift apart.
//!
//! Detail layout (`<account>_<yyyyMMdd>_业务明细.csv`): `#` comment lines around one header row and one row
//! per trade or refund; id-like cells end with a tab; refund rows are negative.

use std::io::{BufRead, Read};

use alipay_core::{Money, Timestamp};

/// The columns of the detail file, in order.
pub const DETAIL_COLUMNS: [&str; 25] = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
];

/// The columns of the summary file (`..._业务明细(汇总).csv`), in order; its last row is `合计`.
pub const SUMMARY_COLUMNS: [&str; 12] = [
    "门店编号",
    "门店名称",
    "交易订单总笔数",
    "退款订单总笔数",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "卡消费金额（元）",
    "服务费（元）",
    "分润（元）",
    "实收净额（元）",
];

/// `业务类型` of a detail row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillRowKind {
    /// `交易`: a payment.
    Trade,
    /// `退款`: a refund (negative amounts).
    Refund,
    /// Anything else, verbatim.
    Other(String),
}

impl BillRowKind {
    fn as_str(&self) -> &str {
        match self {
            BillRowKind::Trade => "交易",
            BillRowKind::Refund => "退款",
            BillRowKind::Other(s) => s,
        }
    }
}

/// One row of the detail file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailRow {
    /// 支付宝交易号.
    pub trade_no: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 业务类型.
    pub kind: BillRowKind,
    /// 商品名称.
    pub subject: String,
    /// 创建时间.
    pub created: Timestamp,
    /// 完成时间.
    pub finished: Option<Timestamp>,
    /// 门店编号.
    pub store_id: String,
    /// 门店名称.
    pub store_name: String,
    /// 操作员.
    pub operator_id: String,
    /// 终端号.
    pub terminal_id: String,
    /// 对方账户 (masked).
    pub counterparty: String,
    /// 订单金额（元）.
    pub total_amount: Money,
    /// 商家实收（元）.
    pub receipt_amount: Money,
    /// 支付宝红包（元）.
    pub red_packet_amount: Money,
    /// 集分宝（元）.
    pub point_amount: Money,
    /// 支付宝优惠（元）.
    pub alipay_discount: Money,
    /// 商家优惠（元）.
    pub merchant_discount: Money,
    /// 券核销金额（元）.
    pub voucher_amount: Money,
    /// 券名称.
    pub voucher_name: String,
    /// 商家红包消费金额（元）.
    pub merchant_red_packet_amount: Money,
    /// 卡消费金额（元）.
    pub card_amount: Money,
    /// 退款批次号/请求号.
    pub out_request_no: String,
    /// 服务费（元）.
    pub service_fee: Money,
    /// 分润（元）.
    pub royalty: Money,
    /// 备注.
    pub remark: String,
}

/// A bill file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BillFileError {
    /// Reading failed.
    #[error("reading the bill: {0}")]
    Io(#[from] std::io::Error),
    /// The CSV structure is broken.
    #[error("bill CSV: {0}")]
    Csv(#[from] csv::Error),
    /// The header row is not the documented one.
    #[error("unexpected bill header: {0}")]
    Header(String),
    /// A cell does not hold what its column says.
    #[error("line {line}, column {column}: {reason}")]
    Cell {
        /// 1-based line number.
        line: u64,
        /// The column name.
        column: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// Reads detail rows from a GBK detail file, one row at a time (a large bill never sits in memory).
///
/// ```
/// use alipay_api::bill_file::{write_detail, DetailReader};
/// let gbk = write_detail("20880000000000000156", "2019-09-16", "2019-09-17 05:46:49".parse().unwrap(), &[]);
/// assert_eq!(DetailReader::new(&gbk[..]).count(), 0);
/// ```
pub struct DetailReader<R: BufRead> {
    records: Records<R>,
}

impl<R: BufRead> DetailReader<R> {
    /// Reads from GBK bytes (for example a zip entry wrapped in a `BufReader`).
    pub fn new(input: R) -> DetailReader<R> {
        DetailReader { records: Records::new(input, &DETAIL_COLUMNS) }
    }

    fn next_row(&mut self) -> Result<Option<DetailRow>, BillFileError> {
        match self.records.next_record()? {
            Some((record, line)) => parse_row(&record, line).map(Some),
            None => Ok(None),
        }
    }
}

/// The data records of a GBK bill CSV: `#` comment lines and blank lines skipped, the header row checked against
/// `columns`. Shared by every bill layout's reader.
pub(crate) struct Records<R: BufRead> {
    csv: csv::Reader<GbkLines<R>>,
    columns: &'static [&'static str],
    header_seen: bool,
}

impl<R: BufRead> Records<R> {
    pub(crate) fn new(input: R, columns: &'static [&'static str]) -> Records<R> {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(GbkLines::new(input));
        Records { csv, columns, header_seen: false }
    }

    /// The next data record and its line number.
    pub(crate) fn next_record(&mut self) -> Result<Option<(csv::StringRecord, u64)>, BillFileError> {
        let mut record = csv::StringRecord::new();
        loop {
            if !self.csv.read_record(&mut record)? {
                return Ok(None);
            }
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if !self.header_seen {
                let cells: Vec<&str> = record.iter().map(clean).collect();
                if cells != self.columns {
                    return Err(BillFileError::Header(cells.join(",")));
                }
                self.header_seen = true;
                continue;
            }
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            return Ok(Some((record, line)));
        }
    }
}

impl<R: BufRead> Iterator for DetailReader<R> {
    type Item = Result<DetailRow, BillFileError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

pub(crate) fn clean(cell: &str) -> &str {
    cell.trim_end_matches('\t').trim()
}

fn parse_row(record: &csv::StringRecord, line: u64) -> Result<DetailRow, BillFileError> {
    let cell = |i: usize| record.get(i).map(clean).unwrap_or("");
    let money = |i: usize| -> Result<Money, BillFileError> {
        let c = cell(i);
        if c.is_empty() {
            return Ok(Money::ZERO);
        }
        c.parse().map_err(|e: alipay_core::MoneyError| BillFileError::Cell {
            line,
            column: DETAIL_COLUMNS.get(i).copied().unwrap_or(""),
            reason: e.to_string(),
        })
    };
    let time = |i: usize| -> Result<Option<Timestamp>, BillFileError> {
        let c = cell(i);
        if c.is_empty() {
            return Ok(None);
        }
        c.parse().map(Some).map_err(|e: alipay_core::TimestampError| BillFileError::Cell {
            line,
            column: DETAIL_COLUMNS.get(i).copied().unwrap_or(""),
            reason: e.to_string(),
        })
    };
    let kind = match cell(2) {
        "交易" => BillRowKind::Trade,
        "退款" => BillRowKind::Refund,
        other => BillRowKind::Other(other.to_owned()),
    };
    Ok(DetailRow {
        trade_no: cell(0).to_owned(),
        out_trade_no: cell(1).to_owned(),
        kind,
        subject: cell(3).to_owned(),
        created: time(4)?
            .ok_or_else(|| BillFileError::Cell { line, column: "创建时间", reason: "empty".into() })?,
        finished: time(5)?,
        store_id: cell(6).to_owned(),
        store_name: cell(7).to_owned(),
        operator_id: cell(8).to_owned(),
        terminal_id: cell(9).to_owned(),
        counterparty: cell(10).to_owned(),
        total_amount: money(11)?,
        receipt_amount: money(12)?,
        red_packet_amount: money(13)?,
        point_amount: money(14)?,
        alipay_discount: money(15)?,
        merchant_discount: money(16)?,
        voucher_amount: money(17)?,
        voucher_name: cell(18).to_owned(),
        merchant_red_packet_amount: money(19)?,
        card_amount: money(20)?,
        out_request_no: cell(21).to_owned(),
        service_fee: money(22)?,
        royalty: money(23)?,
        remark: cell(24).to_owned(),
    })
}

/// The marker lines of the trade bill files, byte for byte as Alipay writes them (without the line break):
/// merchants' parsers compare whole lines with them (`line.equals(...)`; public merchant reconciliation code, found
/// by exact-text search, writes these four strings). Note the summary's end marker: 40 dashes before the words and
/// 37 after, unlike the other three (41 before).
pub const DETAIL_LIST_START: &str =
    "#-----------------------------------------业务明细列表----------------------------------------";
/// See [`DETAIL_LIST_START`].
pub const DETAIL_LIST_END: &str =
    "#-----------------------------------------业务明细列表结束------------------------------------";
/// See [`DETAIL_LIST_START`].
pub const SUMMARY_LIST_START: &str =
    "#-----------------------------------------业务汇总列表----------------------------------------";
/// See [`DETAIL_LIST_START`].
pub const SUMMARY_LIST_END: &str =
    "#----------------------------------------业务汇总列表结束-------------------------------------";

/// Writes a whole detail file for one day, GBK-encoded, in the documented layout.
///
/// `day` is `yyyy-MM-dd`; characters GBK cannot hold are replaced by `?` (the real files do the same).
pub fn write_detail(account: &str, day: &str, exported_at: Timestamp, rows: &[DetailRow]) -> Vec<u8> {
    let mut text = String::new();
    let (y, m, d) = split_day(day);
    let next = next_day(day);
    let (ny, nm, nd) = split_day(&next);
    text.push_str("#支付宝业务明细查询\r\n");
    text.push_str(&format!("#账号：[{account}]\r\n"));
    text.push_str(&format!("#起始日期：[{y}年{m}月{d}日 00:00:00]   终止日期：[{ny}年{nm}月{nd}日 00:00:00]\r\n"));
    text.push_str(DETAIL_LIST_START);
    text.push_str("\r\n");
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut ok = w.write_record(DETAIL_COLUMNS).is_ok();
    let (mut trades, mut refunds) = (0usize, 0usize);
    let (mut trade_receipt, mut refund_receipt) = (Money::ZERO, Money::ZERO);
    for r in rows {
        match r.kind {
            BillRowKind::Trade => {
                trades += 1;
                trade_receipt = trade_receipt.checked_add(r.receipt_amount).unwrap_or(trade_receipt);
            }
            BillRowKind::Refund => {
                refunds += 1;
                refund_receipt = refund_receipt.checked_add(r.receipt_amount).unwrap_or(refund_receipt);
            }
            BillRowKind::Other(_) => {}
        }
        let id = |s: &str| format!("{s}\t");
        let m = |v: Money| v.to_string();
        let cells = [
            id(&r.trade_no),
            id(&r.out_trade_no),
            id(r.kind.as_str()),
            r.subject.clone(),
            r.created.to_string(),
            r.finished.map(|t| t.to_string()).unwrap_or_default(),
            id(&r.store_id),
            r.store_name.clone(),
            id(&r.operator_id),
            id(&r.terminal_id),
            id(&r.counterparty),
            m(r.total_amount),
            m(r.receipt_amount),
            m(r.red_packet_amount),
            m(r.point_amount),
            m(r.alipay_discount),
            m(r.merchant_discount),
            m(r.voucher_amount),
            r.voucher_name.clone(),
            m(r.merchant_red_packet_amount),
            m(r.card_amount),
            id(&r.out_request_no),
            m(r.service_fee),
            m(r.royalty),
            r.remark.clone(),
        ];
        ok &= w.write_record(&cells).is_ok();
    }
    let table = w.into_inner().ok().filter(|_| ok).unwrap_or_default();
    text.push_str(&String::from_utf8_lossy(&table));
    text.push_str(DETAIL_LIST_END);
    text.push_str("\r\n");
    text.push_str(&format!("#交易合计：{trades}笔，商家实收共{trade_receipt}元，商家优惠共0.00元\r\n"));
    text.push_str(&format!("#退款合计：{refunds}笔，商家实收退款共{refund_receipt}元，商家优惠退款共0.00元\r\n"));
    let e = exported_at.beijing();
    text.push_str(&format!("#导出时间：[{}]\r\n", e.format("%Y年%m月%d日 %H:%M:%S")));
    to_gbk_lossy(&text)
}

/// The detail file's name inside the zip: `<account>_<yyyyMMdd>_业务明细.csv`.
pub fn detail_file_name(account: &str, day: &str) -> String {
    format!("{account}_{}_业务明细.csv", day.replace('-', ""))
}

/// The summary file's name inside the zip: `<account>_<yyyyMMdd>_业务明细(汇总).csv`.
pub fn summary_file_name(account: &str, day: &str) -> String {
    format!("{account}_{}_业务明细(汇总).csv", day.replace('-', ""))
}

/// The zip's name: `<account>_<yyyyMMdd>.csv.zip`.
pub fn zip_file_name(account: &str, day: &str) -> String {
    format!("{account}_{}.csv.zip", day.replace('-', ""))
}

/// GBK bytes of `text`, with `?` for characters GBK cannot hold.
pub fn to_gbk_lossy(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for ch in text.chars() {
        let (bytes, _, bad) = encoding_rs::GBK.encode(ch.encode_utf8(&mut buf));
        if bad {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

pub(crate) fn split_day(day: &str) -> (&str, &str, &str) {
    let mut it = day.splitn(3, '-');
    (it.next().unwrap_or(""), it.next().unwrap_or(""), it.next().unwrap_or(""))
}

fn next_day(day: &str) -> String {
    let parsed = format!("{day} 00:00:00").parse::<Timestamp>().ok();
    parsed
        .and_then(|t| Timestamp::from_unix(t.unix() + 86_400))
        .map(|t| t.beijing().format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| day.to_owned())
}

/// Adapts GBK bytes to UTF-8 for the CSV reader, one line at a time (GBK trail bytes are never `\n`).
pub(crate) struct GbkLines<R> {
    inner: R,
    line: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    number: u64,
}

impl<R: BufRead> GbkLines<R> {
    pub(crate) fn new(inner: R) -> Self {
        GbkLines { inner, line: Vec::new(), out: Vec::new(), pos: 0, number: 0 }
    }
}

impl<R: BufRead> Read for GbkLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.out.len() {
            self.line.clear();
            if self.inner.read_until(b'\n', &mut self.line)? == 0 {
                return Ok(0);
            }
            self.number += 1;
            let decoded =
                encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(&self.line).ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("line {} is not GBK", self.number))
                })?;
            self.out.clear();
            self.out.extend_from_slice(decoded.as_bytes());
            self.pos = 0;
        }
        let rest = self.out.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(rest.get(..n).unwrap_or_default());
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: BillRowKind, amount: &str, subject: &str) -> DetailRow {
        let m: Money = amount.parse().unwrap();
        DetailRow {
            trade_no: "2019091622001400000000000001".into(),
            out_trade_no: "T_001".into(),
            kind,
            subject: subject.into(),
            created: "2019-09-16 10:55:16".parse().unwrap(),
            finished: Some("2019-09-16 10:55:20".parse().unwrap()),
            store_id: "NJ_001".into(),
            store_name: "南京店".into(),
            operator_id: String::new(),
            terminal_id: String::new(),
            counterparty: "139******01".into(),
            total_amount: m,
            receipt_amount: m,
            red_packet_amount: Money::ZERO,
            point_amount: Money::ZERO,
            alipay_discount: Money::ZERO,
            merchant_discount: Money::ZERO,
            voucher_amount: Money::ZERO,
            voucher_name: String::new(),
            merchant_red_packet_amount: Money::ZERO,
            card_amount: Money::ZERO,
            out_request_no: String::new(),
            service_fee: Money::ZERO,
            royalty: Money::ZERO,
            remark: String::new(),
        }
    }

    #[test]
    fn written_file_has_the_documented_layout_and_reads_back() {
        let rows =
            vec![row(BillRowKind::Trade, "88.88", "水费, \"quoted\""), row(BillRowKind::Refund, "-10.00", "水费")];
        let gbk = write_detail("20880000000000000156", "2019-09-16", "2019-09-17 05:46:49".parse().unwrap(), &rows);
        let text = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(&gbk).unwrap();
        assert!(text.starts_with("#支付宝业务明细查询\r\n#账号：[20880000000000000156]\r\n"));
        assert!(text.contains("#起始日期：[2019年09月16日 00:00:00]   终止日期：[2019年09月17日 00:00:00]"));
        assert!(text.contains("2019091622001400000000000001\t,T_001\t,交易\t,"));
        assert!(text.contains("#交易合计：1笔，商家实收共88.88元"));
        assert!(text.contains("#退款合计：1笔，商家实收退款共-10.00元"));
        assert!(text.contains("#导出时间：[2019年09月17日 05:46:49]"));
        let back: Vec<DetailRow> = DetailReader::new(&gbk[..]).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, rows);
    }

    #[test]
    fn a_wrong_header_or_bad_amount_is_reported() {
        let bad = to_gbk_lossy("#x\r\na,b\r\n");
        assert!(matches!(DetailReader::new(&bad[..]).next(), Some(Err(BillFileError::Header(_)))));
        let mut text = DETAIL_COLUMNS.join(",");
        text.push_str("\r\n1\t,2\t,交易\t,s,2019-09-16 10:55:16,,,,,,,8.888,0,0,0,0,0,0,,0,0,,0,0,\r\n");
        let gbk = to_gbk_lossy(&text);
        match DetailReader::new(&gbk[..]).next() {
            Some(Err(BillFileError::Cell { column, .. })) => assert_eq!(column, "订单金额（元）"),
            other => panic!("{other:?}"),
        }
    }
}
