//! Bill files (trade.md, "Bill files"): `alipay.data.dataservice.bill.downloadurl.query` reads the calling
//! merchant's money movements of one Beijing-calendar day (`yyyy-MM-dd`) or month (`yyyy-MM`) from the store
//! and packs them as Alipay does: `<account>_<date>.csv.zip` (account = PID + `0156`) holding two GBK files.
//!
//! `bill_type=trade` (业务明细): the detail file ([`bill_file::write_detail`]) and the summary file
//! ([`write_summary`]). Rows: one `交易` row per trade paid in the period (positive amounts, counterparty = the
//! buyer's masked logon id) and one `退款` row per refund made in the period (negative amounts,
//! `退款批次号/请求号` filled). A paid trade cancelled with `action=refund` counts as a refund of what was left,
//! with the trade's `out_trade_no` as request number (the `out_biz_no` of its notification).
//!
//! `bill_type=signcustomer` (账务明细, the account ledger): `_账务明细.csv` ([`bill_ledger::write_ledger`]) and
//! `_账务汇总.csv` ([`bill_ledger::write_ledger_summary`]), one row per movement of the merchant's balance
//! posted in the period ([`crate::store::ledger`]), in posting order, with the balance after it: trade
//! payments (`在线支付`), refunds and cancel-refunds (`交易退款`), direct deductions (`代扣`), EBPP bill payments
//! (`缴费`), money into the merchant's red packets and their rest back (`红包`). `账务流水号` is the Beijing date
//! of the movement followed by its 12-digit ledger id; `业务流水号` the trade number, deduction `bill_no`, EBPP
//! `alipay_order_no` or red packet `auth_no`; `商户订单号` the merchant's number of the same document.
//!
//! Answers (a fidelity decision, documented here and in [`BillError`]):
//! - `40004 isv.invalid-parameter` (参数无效) when `biz_content` cannot be read or breaks the model's rules
//!   (`bill_type` other than `trade`/`signcustomer`, `bill_date` not `yyyy-MM-dd`/`yyyy-MM`);
//! - `40004 isp.bill_date_error` when the period is not over yet in Beijing time on the sandbox clock: a day
//!   must be before today, a month must have ended (today or later, or a future date);
//! - `40004 isp.bill_not_exist` (账单不存在) when the merchant has no row of that bill type in the period (no
//!   payment or refund for `trade`, no balance movement for `signcustomer`).
//!
//! Zip entry names are GBK with the zip "language encoding" flag (bit 11) clear, as in Alipay's files (`zip_names`):
//! read them as GBK (Java: `new ZipInputStream(in, Charset.forName("GBK"))`; Python: `ZipInfo.filename.encode("cp437")`).

use std::collections::HashMap;

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_api::bill_file::{self, BillRowKind, DetailRow, SUMMARY_COLUMNS};
use alipay_api::bill_ledger::{self, LedgerBizType, LedgerRow};
use alipay_core::{Money, Timestamp};
use chrono::{Datelike, Months, NaiveDate};

use crate::reply::Reply;
use crate::ids;
use crate::products::trade::store::TradeRecord;
use crate::store::ledger::LedgerRecord;
use crate::store::{Repo, StoreError};

/// A bill query that answers no URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillError {
    /// `isv.invalid-parameter`: unreadable `biz_content`, or a field rule is broken.
    #[error("参数无效: {0}")]
    InvalidParameter(String),
    /// `isp.bill_date_error`: the day (or month) is not over yet on the sandbox clock (Beijing time).
    #[error("账单日期错误：只能查询今天之前的日账单或已结束月份的月账单")]
    DateNotPast,
    /// `isp.bill_not_exist`: nothing of the merchant in the period (no payment or refund for `trade`, no
    /// balance movement for `signcustomer`).
    #[error("账单不存在")]
    NotExist,
}

impl BillError {
    /// The `sub_code`.
    pub fn sub_code(&self) -> &'static str {
        match self {
            BillError::InvalidParameter(_) => "isv.invalid-parameter",
            BillError::DateNotPast => "isp.bill_date_error",
            BillError::NotExist => "isp.bill_not_exist",
        }
    }

    /// The `40004` answer.
    pub fn reply(&self) -> Reply {
        Reply::business(self.sub_code(), &self.to_string())
    }
}

/// The period a bill covers, in Beijing's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// `bill_date` as sent: `yyyy-MM-dd` or `yyyy-MM` (file names drop the dashes).
    pub label: String,
    /// First day.
    pub first_day: NaiveDate,
    /// The day after the last day.
    pub end_day: NaiveDate,
    /// Unix seconds of `first_day` 00:00 Beijing time (inclusive).
    pub from: i64,
    /// Unix seconds of `end_day` 00:00 Beijing time (exclusive).
    pub to: i64,
}

impl Period {
    /// Parses a validated `yyyy-MM-dd` or `yyyy-MM`.
    pub fn parse(bill_date: &str) -> Option<Period> {
        let (first_day, end_day) = if bill_date.len() == 7 {
            let first = NaiveDate::parse_from_str(&format!("{bill_date}-01"), "%Y-%m-%d").ok()?;
            (first, first.checked_add_months(Months::new(1))?)
        } else {
            let day = NaiveDate::parse_from_str(bill_date, "%Y-%m-%d").ok()?;
            (day, day.succ_opt()?)
        };
        Some(Period {
            label: bill_date.to_owned(),
            first_day,
            end_day,
            from: beijing_midnight(first_day)?,
            to: beijing_midnight(end_day)?,
        })
    }

    /// `true` when the period ended at or before the start of `now`'s Beijing day.
    pub fn is_over(&self, now: i64) -> bool {
        Timestamp::from_unix(now).is_some_and(|t| self.end_day <= t.beijing().date_naive())
    }
}

fn beijing_midnight(day: NaiveDate) -> Option<i64> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    Some(midnight.and_local_timezone(alipay_core::time::beijing()).single()?.timestamp())
}

/// Checks the request against the sandbox clock `now`: the bill type and its period.
pub fn read(q: &BillDownloadUrlQuery, now: i64) -> Result<(BillType, Period), BillError> {
    let period = Period::parse(&q.bill_date)
        .ok_or_else(|| BillError::InvalidParameter(format!("bill_date {:?} is not a date", q.bill_date)))?;
    if !period.is_over(now) {
        return Err(BillError::DateNotPast);
    }
    Ok((q.bill_type.clone(), period))
}

fn ts(t: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_unix(t).ok_or_else(|| StoreError::Corrupt(format!("time {t} out of range")))
}

/// The detail rows of `seller_id` in `period`, in the order the money moved.
pub fn collect(repo: &dyn Repo, seller_id: &str, period: &Period) -> Result<Vec<DetailRow>, StoreError> {
    let mut masked: HashMap<String, String> = HashMap::new();
    let mut counterparty = |repo: &dyn Repo, trade: &TradeRecord| -> Result<String, StoreError> {
        let Some(id) = &trade.buyer_id else { return Ok(String::new()) };
        if let Some(m) = masked.get(id) {
            return Ok(m.clone());
        }
        let m = repo.buyer(id)?.map(|b| ids::mask_logon_id(&b.logon_id)).unwrap_or_default();
        masked.insert(id.clone(), m.clone());
        Ok(m)
    };
    let in_period = |t: Option<i64>| t.is_some_and(|t| t >= period.from && t < period.to);
    let mut rows: Vec<(i64, DetailRow)> = Vec::new();
    for trade in repo.bill_trades(seller_id, period.from, period.to)? {
        let who = counterparty(repo, &trade)?;
        if let Some(paid) = trade.gmt_payment.filter(|p| in_period(Some(*p))) {
            rows.push((paid, row(&trade, BillRowKind::Trade, trade.total_amount, paid, &who, "", "")?));
        }
        let cancelled = trade.cancel_action.as_deref() == Some("refund") && in_period(trade.gmt_close);
        if let (true, Some(closed)) = (cancelled, trade.gmt_close) {
            let mut left = trade.total_amount;
            for r in repo.refunds_of_trade(&trade.trade_no)? {
                left = left.checked_sub(r.amount).unwrap_or(Money::ZERO);
            }
            if left.is_positive() {
                let out_request_no = trade.out_trade_no.clone();
                rows.push((closed, row(&trade, BillRowKind::Refund, left, closed, &who, &out_request_no, "")?));
            }
        }
    }
    for refund in repo.bill_refunds(seller_id, period.from, period.to)? {
        let trade = repo.trade_by_no(seller_id, &refund.trade_no)?.ok_or_else(|| {
            StoreError::Corrupt(format!("refund {} of a missing trade {}", refund.out_request_no, refund.trade_no))
        })?;
        let who = counterparty(repo, &trade)?;
        let reason = refund.reason.clone().unwrap_or_default();
        let r =
            row(&trade, BillRowKind::Refund, refund.amount, refund.gmt_refund, &who, &refund.out_request_no, &reason)?;
        rows.push((refund.gmt_refund, r));
    }
    rows.sort_by_key(|(at, _)| *at);
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

/// One detail row; refunds get negative amounts.
fn row(
    trade: &TradeRecord,
    kind: BillRowKind,
    amount: Money,
    finished: i64,
    counterparty: &str,
    out_request_no: &str,
    remark: &str,
) -> Result<DetailRow, StoreError> {
    let signed =
        if kind == BillRowKind::Refund { Money::ZERO.checked_sub(amount).unwrap_or(Money::ZERO) } else { amount };
    Ok(DetailRow {
        trade_no: trade.trade_no.clone(),
        out_trade_no: trade.out_trade_no.clone(),
        kind,
        subject: trade.subject.clone(),
        created: ts(trade.gmt_create)?,
        finished: Some(ts(finished)?),
        store_id: trade.store_id.clone().unwrap_or_default(),
        store_name: String::new(),
        operator_id: trade.operator_id.clone().unwrap_or_default(),
        terminal_id: trade.terminal_id.clone().unwrap_or_default(),
        counterparty: counterparty.to_owned(),
        total_amount: signed,
        receipt_amount: signed,
        red_packet_amount: Money::ZERO,
        point_amount: Money::ZERO,
        alipay_discount: Money::ZERO,
        merchant_discount: Money::ZERO,
        voucher_amount: Money::ZERO,
        voucher_name: String::new(),
        merchant_red_packet_amount: Money::ZERO,
        card_amount: Money::ZERO,
        out_request_no: out_request_no.to_owned(),
        service_fee: Money::ZERO,
        royalty: Money::ZERO,
        remark: remark.to_owned(),
    })
}

/// The ledger rows of `seller_id` in `period`, in posting order (the order of the running balance).
pub fn collect_ledger(repo: &dyn Repo, seller_id: &str, period: &Period) -> Result<Vec<LedgerRow>, StoreError> {
    repo.ledger_entries(seller_id, period.from, period.to)?.iter().map(ledger_row).collect()
}

/// One ledger row: incomes in `收入金额`, expenses (negative) in `支出金额`.
fn ledger_row(r: &LedgerRecord) -> Result<LedgerRow, StoreError> {
    let e = &r.entry;
    let time = ts(e.at)?;
    let (income, expense) = if e.amount.fen() < 0 { (Money::ZERO, e.amount) } else { (e.amount, Money::ZERO) };
    Ok(LedgerRow {
        account_log_id: format!("{}{:012}", time.beijing().format("%Y%m%d"), r.id),
        biz_no: e.biz_no.clone(),
        out_biz_no: e.out_biz_no.clone(),
        subject: e.subject.clone(),
        time,
        counterparty: e.counterparty.clone(),
        income,
        expense,
        balance: r.balance_after,
        channel: e.channel.clone(),
        biz_type: LedgerBizType::parse(&e.biz_type),
        memo: e.memo.clone(),
    })
}

/// The bill account: merchant PID + `0156`.
pub fn account(seller_id: &str) -> String {
    format!("{seller_id}0156")
}

fn date_range_line(period: &Period) -> String {
    let f = |d: NaiveDate| format!("{:04}年{:02}月{:02}日 00:00:00", d.year(), d.month(), d.day());
    format!("#起始日期：[{}]   终止日期：[{}]\r\n", f(period.first_day), f(period.end_day))
}

/// The detail file of `period` (GBK). A month is written as one file whose date line spans the month.
pub fn write_detail(account: &str, period: &Period, exported_at: Timestamp, rows: &[DetailRow]) -> Vec<u8> {
    let first = period.first_day.format("%Y-%m-%d").to_string();
    let gbk = bill_file::write_detail(account, &first, exported_at, rows);
    // Replace the third line (the date range) with the period's own; GBK trail bytes are never CR or LF.
    let mut out = Vec::with_capacity(gbk.len() + 16);
    let mut lines = gbk.split_inclusive(|b| *b == b'\n');
    for (i, line) in lines.by_ref().enumerate() {
        if i == 2 {
            out.extend_from_slice(&bill_file::to_gbk_lossy(&date_range_line(period)));
            break;
        }
        out.extend_from_slice(line);
    }
    for line in lines {
        out.extend_from_slice(line);
    }
    out
}

/// A CSV cell, quoted when it holds a separator, a quote or a line break.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Per-store sums of the summary file.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    trades: usize,
    refunds: usize,
    total: Money,
    receipt: Money,
}

impl Sums {
    fn add(&mut self, r: &DetailRow) {
        match r.kind {
            BillRowKind::Trade => self.trades += 1,
            BillRowKind::Refund => self.refunds += 1,
            BillRowKind::Other(_) => {}
        }
        self.total = self.total.checked_add(r.total_amount).unwrap_or(self.total);
        self.receipt = self.receipt.checked_add(r.receipt_amount).unwrap_or(self.receipt);
    }

    fn line(&self, store_id: &str, store_name: &str) -> String {
        let z = Money::ZERO.to_string();
        let cells = [
            cell(store_id),
            cell(store_name),
            self.trades.to_string(),
            self.refunds.to_string(),
            self.total.to_string(),
            self.receipt.to_string(),
            z.clone(),
            z.clone(),
            z.clone(),
            z.clone(),
            z,
            self.receipt.to_string(),
        ];
        format!("{}\r\n", cells.join(","))
    }
}

/// The summary file (`..._业务明细(汇总).csv`, GBK) in the detail file's comment-line style: one row per
/// store (`门店编号` with a trailing tab, as id cells are; rows without a store have an empty id), then `合计`.
/// Amounts are net (refunds subtract); discounts, card, fees and royalties are zero in the sandbox; `实收净额`
/// is `商家实收` minus `服务费`.
pub fn write_summary(account: &str, period: &Period, exported_at: Timestamp, rows: &[DetailRow]) -> Vec<u8> {
    let mut stores: Vec<(String, String, Sums)> = Vec::new();
    let mut all = Sums::default();
    for r in rows {
        let i = match stores.iter().position(|(id, _, _)| *id == r.store_id) {
            Some(i) => i,
            None => {
                stores.push((r.store_id.clone(), r.store_name.clone(), Sums::default()));
                stores.len() - 1
            }
        };
        if let Some((_, _, s)) = stores.get_mut(i) {
            s.add(r);
        }
        all.add(r);
    }
    let mut text = String::new();
    text.push_str("#支付宝业务汇总查询\r\n");
    text.push_str(&format!("#账号：[{account}]\r\n"));
    text.push_str(&date_range_line(period));
    text.push_str(bill_file::SUMMARY_LIST_START);
    text.push_str("\r\n");
    text.push_str(&SUMMARY_COLUMNS.join(","));
    text.push_str("\r\n");
    for (id, name, sums) in &stores {
        text.push_str(&sums.line(&format!("{id}\t"), name));
    }
    text.push_str(&all.line("合计", ""));
    text.push_str(bill_file::SUMMARY_LIST_END);
    text.push_str("\r\n");
    text.push_str(&format!("#导出时间：[{}]\r\n", exported_at.beijing().format("%Y年%m月%d日 %H:%M:%S")));
    bill_file::to_gbk_lossy(&text)
}

/// A packed bill: the zip's file name and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillZip {
    /// `<account>_<date>.csv.zip`.
    pub file_name: String,
    /// The zip.
    pub bytes: Vec<u8>,
}

/// Packs the detail and summary files of `rows` (exported at `now`) for merchant `seller_id`.
pub fn build(seller_id: &str, period: &Period, now: i64, rows: &[DetailRow]) -> Result<BillZip, zip::result::ZipError> {
    let account = account(seller_id);
    let exported_at = Timestamp::from_unix(now).unwrap_or_else(Timestamp::now);
    let detail = write_detail(&account, period, exported_at, rows);
    let summary = write_summary(&account, period, exported_at, rows);
    pack(
        &account,
        period,
        [
            (bill_file::detail_file_name(&account, &period.label), detail),
            (bill_file::summary_file_name(&account, &period.label), summary),
        ],
    )
}

/// Packs the ledger (`_账务明细.csv`) and its summary (`_账务汇总.csv`) of `rows` (exported at `now`) for
/// merchant `seller_id`.
pub fn build_ledger(
    seller_id: &str,
    period: &Period,
    now: i64,
    rows: &[LedgerRow],
) -> Result<BillZip, zip::result::ZipError> {
    let account = account(seller_id);
    let exported_at = Timestamp::from_unix(now).unwrap_or_else(Timestamp::now);
    let (start, end) = (period.first_day.format("%Y-%m-%d").to_string(), period.end_day.format("%Y-%m-%d").to_string());
    let detail = bill_ledger::write_ledger(&account, &start, &end, exported_at, rows);
    let summary = bill_ledger::write_ledger_summary(&account, &start, &end, exported_at, rows);
    pack(
        &account,
        period,
        [
            (bill_ledger::ledger_file_name(&account, &period.label), detail),
            (bill_ledger::ledger_summary_file_name(&account, &period.label), summary),
        ],
    )
}

fn pack(account: &str, period: &Period, files: [(String, Vec<u8>); 2]) -> Result<BillZip, zip::result::ZipError> {
    let bytes = super::zip_names::pack(&files)?;
    Ok(BillZip { file_name: bill_file::zip_file_name(account, &period.label), bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let d = Period::parse("2024-02-29").unwrap_or_else(|| unreachable!());
        assert_eq!(d.end_day, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default());
        assert_eq!(d.to - d.from, 86_400);
        assert_eq!(Some(d.from), "2024-02-29 00:00:00".parse::<Timestamp>().ok().map(Timestamp::unix));
        let m = Period::parse("2024-12").unwrap_or_else(|| unreachable!());
        assert_eq!(m.end_day, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default());
        assert!(!d.is_over(d.from + 86_399));
        assert!(d.is_over(d.to));
    }

    #[test]
    fn month_detail_spans_the_month() {
        let p = Period::parse("2019-09").unwrap_or_else(|| unreachable!());
        let at = Timestamp::from_unix(p.to).unwrap_or_else(Timestamp::now);
        let gbk = write_detail("20880000000000000156", &p, at, &[]);
        let text = alipay_core::Charset::Gbk.decode(&gbk).unwrap_or_default().into_owned();
        assert!(
            text.contains("#起始日期：[2019年09月01日 00:00:00]   终止日期：[2019年10月01日 00:00:00]\r\n"),
            "{text}"
        );
        assert_eq!(alipay_api::bill_file::DetailReader::new(&gbk[..]).count(), 0);
    }
}
