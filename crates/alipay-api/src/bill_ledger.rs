//! The ledger bill (`bill_type=signcustomer`, 账务明细) behind `bill_download_url` (trade.md, "Bill files"):
//! one row per movement of the merchant's Alipay balance, with the balance after it. The SDK reads it with
//! [`LedgerReader`]; the local gateway writes it with [`write_ledger`] and [`write_ledger_summary`]; reader and
//! writer share [`LEDGER_COLUMNS`], so they cannot drift apart.
//!
//! Detail layout (`<account>_<yyyyMMdd>_账务明细.csv`, GBK), as Alipay's own ledger exports:
//!
//! ```text
//! #支付宝账务明细查询
//! #账号：[20880000000000010156]
//! #起始日期：[2019年09月16日 00:00:00]   终止日期：[2019年09月17日 00:00:00]
//! #-----------------------------------------账务明细列表----------------------------------------
//! 账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注
//! 20190916000000000001\t,2019091622001400000000000001\t,T1\t,咖啡\t,2019-09-16 10:55:20,139******01\t,10.00,0.00,110.00,支付宝,在线支付,
//! 20190916000000000002\t,2019091622001400000000000001\t,T1\t,咖啡\t,2019-09-16 11:00:00,139******01\t,0.00,-3.30,106.70,支付宝,交易退款,少糖
//! #-----------------------------------------账务明细列表结束------------------------------------
//! #支出合计：1笔，共-3.30元
//! #收入合计：1笔，共10.00元
//! #导出时间：[2019年09月17日 05:46:49]
//! ```
//!
//! Id-like cells (and the subject and counterparty) end with a tab before the comma; an expense is written as a
//! negative amount in `支出金额（-元）` with `0.00` income, an income the other way round. The summary file
//! (`<account>_<yyyyMMdd>_账务汇总.csv`) has one row per business type ([`LEDGER_SUMMARY_COLUMNS`]) and a final
//! `合计` row.

use std::io::BufRead;

use alipay_core::{Money, Timestamp};

use crate::bill_file::{clean, split_day, to_gbk_lossy, BillFileError, Records};

/// The columns of the ledger detail file, in order.
pub const LEDGER_COLUMNS: [&str; 12] = [
    "账务流水号",
    "业务流水号",
    "商户订单号",
    "商品名称",
    "发生时间",
    "对方账号",
    "收入金额（+元）",
    "支出金额（-元）",
    "账户余额（元）",
    "交易渠道",
    "业务类型",
    "备注",
];

/// The columns of the ledger summary file (`..._账务汇总.csv`), in order; its last row is `合计`.
pub const LEDGER_SUMMARY_COLUMNS: [&str; 5] = ["类型", "收入笔数", "收入金额（+元）", "支出笔数", "支出金额（-元）"];

/// `业务类型` of a ledger row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LedgerBizType {
    /// `在线支付`: a buyer paid a trade (income).
    OnlinePayment,
    /// `交易退款`: a trade was refunded, or cancelled after payment (expense).
    TradeRefund,
    /// `代扣`: a direct-deduct payment from a user (income).
    Deduct,
    /// `缴费`: a user paid an EBPP bill (income).
    BillPayment,
    /// `红包`: money into a cash red packet (expense) or its unclaimed rest back (income).
    RedPacket,
    /// Anything else, verbatim.
    Other(String),
}

impl LedgerBizType {
    /// The label written in the file.
    pub fn as_str(&self) -> &str {
        match self {
            LedgerBizType::OnlinePayment => "在线支付",
            LedgerBizType::TradeRefund => "交易退款",
            LedgerBizType::Deduct => "代扣",
            LedgerBizType::BillPayment => "缴费",
            LedgerBizType::RedPacket => "红包",
            LedgerBizType::Other(s) => s,
        }
    }

    /// The type of a label (unknown labels are [`LedgerBizType::Other`]).
    pub fn parse(label: &str) -> LedgerBizType {
        match label {
            "在线支付" => LedgerBizType::OnlinePayment,
            "交易退款" => LedgerBizType::TradeRefund,
            "代扣" => LedgerBizType::Deduct,
            "缴费" => LedgerBizType::BillPayment,
            "红包" => LedgerBizType::RedPacket,
            other => LedgerBizType::Other(other.to_owned()),
        }
    }
}

/// One row of the ledger detail file: one movement of the account's balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// 账务流水号: the movement's own number.
    pub account_log_id: String,
    /// 业务流水号: the business document that moved the money (trade number, red packet, deduction bill).
    pub biz_no: String,
    /// 商户订单号: the merchant's number of that document (`out_trade_no`, `out_order_no`, ...).
    pub out_biz_no: String,
    /// 商品名称.
    pub subject: String,
    /// 发生时间.
    pub time: Timestamp,
    /// 对方账号 (masked), empty when there is none.
    pub counterparty: String,
    /// 收入金额（+元）: zero or positive.
    pub income: Money,
    /// 支出金额（-元）: zero or negative, as the file writes it.
    pub expense: Money,
    /// 账户余额（元）: the balance after this movement.
    pub balance: Money,
    /// 交易渠道.
    pub channel: String,
    /// 业务类型.
    pub biz_type: LedgerBizType,
    /// 备注.
    pub memo: String,
}

impl LedgerRow {
    /// The signed amount of the movement: `income + expense` (`None` on overflow).
    ///
    /// ```
    /// # use alipay_api::bill_ledger::{LedgerBizType, LedgerRow};
    /// # use alipay_core::Money;
    /// let row = LedgerRow { account_log_id: "1".into(), biz_no: "2".into(), out_biz_no: "T1".into(),
    ///     subject: "咖啡".into(), time: "2019-09-16 11:00:00".parse().unwrap(), counterparty: String::new(),
    ///     income: Money::ZERO, expense: "-3.30".parse().unwrap(), balance: "106.70".parse().unwrap(),
    ///     channel: "支付宝".into(), biz_type: LedgerBizType::TradeRefund, memo: String::new() };
    /// assert_eq!(row.amount(), Some(Money::from_fen(-330)));
    /// ```
    pub fn amount(&self) -> Option<Money> {
        self.income.checked_add(self.expense)
    }
}

/// Reads ledger rows from a GBK ledger detail file, one row at a time (a large bill never sits in memory).
///
/// ```
/// use alipay_api::bill_ledger::{write_ledger, LedgerReader};
/// let gbk = write_ledger("20880000000000010156", "2019-09-16", "2019-09-17", "2019-09-17 05:46:49".parse().unwrap(), &[]);
/// assert_eq!(LedgerReader::new(&gbk[..]).count(), 0);
/// ```
pub struct LedgerReader<R: BufRead> {
    records: Records<R>,
}

impl<R: BufRead> LedgerReader<R> {
    /// Reads from GBK bytes (for example a zip entry wrapped in a `BufReader`).
    pub fn new(input: R) -> LedgerReader<R> {
        LedgerReader { records: Records::new(input, &LEDGER_COLUMNS) }
    }

    fn next_row(&mut self) -> Result<Option<LedgerRow>, BillFileError> {
        match self.records.next_record()? {
            Some((record, line)) => parse_row(&record, line).map(Some),
            None => Ok(None),
        }
    }
}

impl<R: BufRead> Iterator for LedgerReader<R> {
    type Item = Result<LedgerRow, BillFileError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

fn parse_row(record: &csv::StringRecord, line: u64) -> Result<LedgerRow, BillFileError> {
    let cell = |i: usize| record.get(i).map(clean).unwrap_or("");
    let column = |i: usize| LEDGER_COLUMNS.get(i).copied().unwrap_or("");
    let money = |i: usize| -> Result<Money, BillFileError> {
        let c = cell(i);
        let c = c.strip_prefix('+').unwrap_or(c);
        if c.is_empty() {
            return Ok(Money::ZERO);
        }
        c.parse().map_err(|e: alipay_core::MoneyError| BillFileError::Cell {
            line,
            column: column(i),
            reason: e.to_string(),
        })
    };
    let time = cell(4).parse().map_err(|e: alipay_core::TimestampError| BillFileError::Cell {
        line,
        column: column(4),
        reason: e.to_string(),
    })?;
    let expense = money(7)?;
    // Some exports print the expense without its sign: it is an expense either way.
    let expense = if expense.is_positive() { expense.checked_neg().unwrap_or(expense) } else { expense };
    Ok(LedgerRow {
        account_log_id: cell(0).to_owned(),
        biz_no: cell(1).to_owned(),
        out_biz_no: cell(2).to_owned(),
        subject: cell(3).to_owned(),
        time,
        counterparty: cell(5).to_owned(),
        income: money(6)?,
        expense,
        balance: money(8)?,
        channel: cell(9).to_owned(),
        biz_type: LedgerBizType::parse(cell(10)),
        memo: cell(11).to_owned(),
    })
}

fn header(title: &str, list: &str, account: &str, start_day: &str, end_day: &str) -> String {
    let (y, m, d) = split_day(start_day);
    let (ny, nm, nd) = split_day(end_day);
    let mut text = format!("#支付宝{title}查询\r\n#账号：[{account}]\r\n");
    text.push_str(&format!("#起始日期：[{y}年{m}月{d}日 00:00:00]   终止日期：[{ny}年{nm}月{nd}日 00:00:00]\r\n"));
    text.push_str(&format!(
        "#-----------------------------------------{list}----------------------------------------\r\n"
    ));
    text
}

fn exported_line(exported_at: Timestamp) -> String {
    format!("#导出时间：[{}]\r\n", exported_at.beijing().format("%Y年%m月%d日 %H:%M:%S"))
}

/// Writes a whole ledger detail file, GBK-encoded, in the documented layout.
///
/// `start_day` (inclusive) and `end_day` (exclusive) are `yyyy-MM-dd`: one day, or the first day of a month and
/// the first day of the next. Characters GBK cannot hold are replaced by `?` (the real files do the same).
///
/// ```
/// use alipay_api::bill_ledger::{write_ledger, LedgerBizType, LedgerReader, LedgerRow};
/// let row = LedgerRow { account_log_id: "20190916000000000001".into(), biz_no: "2019091622001400000000000001".into(),
///     out_biz_no: "T1".into(), subject: "咖啡".into(), time: "2019-09-16 10:55:20".parse().unwrap(),
///     counterparty: "139******01".into(), income: "10.00".parse().unwrap(), expense: Default::default(),
///     balance: "110.00".parse().unwrap(), channel: "支付宝".into(), biz_type: LedgerBizType::OnlinePayment,
///     memo: String::new() };
/// let gbk = write_ledger("20880000000000010156", "2019-09-16", "2019-09-17", "2019-09-17 05:46:49".parse().unwrap(),
///                        std::slice::from_ref(&row));
/// let back: Vec<LedgerRow> = LedgerReader::new(&gbk[..]).collect::<Result<_, _>>().unwrap();
/// assert_eq!(back, vec![row]);
/// ```
pub fn write_ledger(
    account: &str,
    start_day: &str,
    end_day: &str,
    exported_at: Timestamp,
    rows: &[LedgerRow],
) -> Vec<u8> {
    let mut text = header("账务明细", "账务明细列表", account, start_day, end_day);
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut ok = w.write_record(LEDGER_COLUMNS).is_ok();
    let (mut incomes, mut expenses) = (0usize, 0usize);
    let (mut income_total, mut expense_total) = (Money::ZERO, Money::ZERO);
    for r in rows {
        if r.expense.fen() < 0 {
            expenses += 1;
            expense_total = expense_total.checked_add(r.expense).unwrap_or(expense_total);
        } else {
            incomes += 1;
            income_total = income_total.checked_add(r.income).unwrap_or(income_total);
        }
        let id = |s: &str| format!("{s}\t");
        let cells = [
            id(&r.account_log_id),
            id(&r.biz_no),
            id(&r.out_biz_no),
            id(&r.subject),
            r.time.to_string(),
            id(&r.counterparty),
            r.income.to_string(),
            r.expense.to_string(),
            r.balance.to_string(),
            r.channel.clone(),
            r.biz_type.as_str().to_owned(),
            r.memo.clone(),
        ];
        ok &= w.write_record(&cells).is_ok();
    }
    let table = w.into_inner().ok().filter(|_| ok).unwrap_or_default();
    text.push_str(&String::from_utf8_lossy(&table));
    text.push_str("#-----------------------------------------账务明细列表结束------------------------------------\r\n");
    text.push_str(&format!("#支出合计：{expenses}笔，共{expense_total}元\r\n"));
    text.push_str(&format!("#收入合计：{incomes}笔，共{income_total}元\r\n"));
    text.push_str(&exported_line(exported_at));
    to_gbk_lossy(&text)
}

/// Per-type sums of the summary file.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    incomes: usize,
    income: Money,
    expenses: usize,
    expense: Money,
}

impl Sums {
    fn add(&mut self, r: &LedgerRow) {
        if r.expense.fen() < 0 {
            self.expenses += 1;
            self.expense = self.expense.checked_add(r.expense).unwrap_or(self.expense);
        } else {
            self.incomes += 1;
            self.income = self.income.checked_add(r.income).unwrap_or(self.income);
        }
    }

    fn line(&self, label: &str) -> String {
        let label = if label.contains([',', '"', '\r', '\n']) {
            format!("\"{}\"", label.replace('"', "\"\""))
        } else {
            label.to_owned()
        };
        format!("{label},{},{},{},{}\r\n", self.incomes, self.income, self.expenses, self.expense)
    }
}

/// Writes the ledger summary file (`..._账务汇总.csv`, GBK): one row per business type in order of first
/// appearance ([`LEDGER_SUMMARY_COLUMNS`]: count and sum of incomes, count and sum of expenses, the latter
/// negative), then `合计`, between the same comment lines as the detail file.
///
/// ```
/// use alipay_api::bill_ledger::write_ledger_summary;
/// let gbk = write_ledger_summary("20880000000000010156", "2019-09-16", "2019-09-17",
///                                "2019-09-17 05:46:49".parse().unwrap(), &[]);
/// let text = alipay_core::Charset::Gbk.decode(&gbk).unwrap().into_owned();
/// assert!(text.contains("类型,收入笔数,收入金额（+元）,支出笔数,支出金额（-元）\r\n合计,0,0.00,0,0.00\r\n"));
/// ```
pub fn write_ledger_summary(
    account: &str,
    start_day: &str,
    end_day: &str,
    exported_at: Timestamp,
    rows: &[LedgerRow],
) -> Vec<u8> {
    let mut types: Vec<(String, Sums)> = Vec::new();
    let mut all = Sums::default();
    for r in rows {
        let label = r.biz_type.as_str();
        match types.iter_mut().find(|(t, _)| t == label) {
            Some((_, s)) => s.add(r),
            None => {
                let mut s = Sums::default();
                s.add(r);
                types.push((label.to_owned(), s));
            }
        }
        all.add(r);
    }
    let mut text = header("账务汇总", "账务汇总列表", account, start_day, end_day);
    text.push_str(&LEDGER_SUMMARY_COLUMNS.join(","));
    text.push_str("\r\n");
    for (label, sums) in &types {
        text.push_str(&sums.line(label));
    }
    text.push_str(&all.line("合计"));
    text.push_str("#-----------------------------------------账务汇总列表结束------------------------------------\r\n");
    text.push_str(&exported_line(exported_at));
    to_gbk_lossy(&text)
}

/// The ledger detail file's name inside the zip: `<account>_<yyyyMMdd>_账务明细.csv` (`day` is `yyyy-MM-dd`,
/// or `yyyy-MM` for a month bill).
pub fn ledger_file_name(account: &str, day: &str) -> String {
    format!("{account}_{}_账务明细.csv", day.replace('-', ""))
}

/// The ledger summary file's name inside the zip: `<account>_<yyyyMMdd>_账务汇总.csv`.
pub fn ledger_summary_file_name(account: &str, day: &str) -> String {
    format!("{account}_{}_账务汇总.csv", day.replace('-', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, amount: &str, balance: &str, kind: LedgerBizType, subject: &str) -> LedgerRow {
        let m: Money = amount.parse().unwrap();
        let (income, expense) = if m.fen() < 0 { (Money::ZERO, m) } else { (m, Money::ZERO) };
        LedgerRow {
            account_log_id: id.into(),
            biz_no: "2019091622001400000000000001".into(),
            out_biz_no: "T_001".into(),
            subject: subject.into(),
            time: "2019-09-16 10:55:20".parse().unwrap(),
            counterparty: "139******01".into(),
            income,
            expense,
            balance: balance.parse().unwrap(),
            channel: "支付宝".into(),
            biz_type: kind,
            memo: "少糖, \"去冰\"".into(),
        }
    }

    #[test]
    fn written_ledger_has_the_documented_layout_and_reads_back() {
        let rows = vec![
            row("20190916000000000001", "10.00", "110.00", LedgerBizType::OnlinePayment, "咖啡 大杯, \"热\""),
            row("20190916000000000002", "-3.30", "106.70", LedgerBizType::TradeRefund, "咖啡 大杯"),
            row("20190916000000000003", "5.00", "111.70", LedgerBizType::Deduct, "水费 5月"),
            row("20190916000000000004", "-1.00", "110.70", LedgerBizType::Other("转账".into()), "红包雨"),
        ];
        let at = "2019-09-17 05:46:49".parse().unwrap();
        let gbk = write_ledger("20880000000000010156", "2019-09-16", "2019-09-17", at, &rows);
        // It really is GBK: strict UTF-8 refuses it, GBK decodes it.
        assert!(std::str::from_utf8(&gbk).is_err());
        let text = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(&gbk).unwrap();
        assert!(text.starts_with("#支付宝账务明细查询\r\n#账号：[20880000000000010156]\r\n"), "{text}");
        assert!(text.contains("#起始日期：[2019年09月16日 00:00:00]   终止日期：[2019年09月17日 00:00:00]\r\n"));
        assert!(text.contains(&format!("{}\r\n", LEDGER_COLUMNS.join(","))));
        assert!(text.contains(
            "20190916000000000002\t,2019091622001400000000000001\t,T_001\t,咖啡 大杯\t,2019-09-16 10:55:20,\
             139******01\t,0.00,-3.30,106.70,支付宝,交易退款,\"少糖, \"\"去冰\"\"\"\r\n"
        ));
        assert!(text.contains("#支出合计：2笔，共-4.30元\r\n#收入合计：2笔，共15.00元\r\n"), "{text}");
        assert!(text.ends_with("#导出时间：[2019年09月17日 05:46:49]\r\n"));
        let back: Vec<LedgerRow> = LedgerReader::new(&gbk[..]).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, rows);
        assert_eq!(back.iter().map(|r| r.amount().unwrap().fen()).sum::<i64>(), 1070);

        let summary = write_ledger_summary("20880000000000010156", "2019-09-01", "2019-10-01", at, &rows);
        let text = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(&summary).unwrap();
        assert!(text.starts_with("#支付宝账务汇总查询\r\n"), "{text}");
        assert!(text.contains("#起始日期：[2019年09月01日 00:00:00]   终止日期：[2019年10月01日 00:00:00]\r\n"));
        assert!(text.contains(
            "类型,收入笔数,收入金额（+元）,支出笔数,支出金额（-元）\r\n在线支付,1,10.00,0,0.00\r\n\
             交易退款,0,0.00,1,-3.30\r\n代扣,1,5.00,0,0.00\r\n转账,0,0.00,1,-1.00\r\n合计,2,15.00,2,-4.30\r\n"
        ));
        // The summary is not a detail file.
        assert!(matches!(LedgerReader::new(&summary[..]).next(), Some(Err(BillFileError::Header(_)))));
    }

    #[test]
    fn lossy_gbk_and_bad_cells() {
        let rows = vec![row("1", "1.00", "1.00", LedgerBizType::RedPacket, "emoji 😀 咖啡")];
        let gbk = write_ledger("a", "2019-09-16", "2019-09-17", "2019-09-17 05:46:49".parse().unwrap(), &rows);
        let back: Vec<LedgerRow> = LedgerReader::new(&gbk[..]).collect::<Result<_, _>>().unwrap();
        assert_eq!(back[0].subject, "emoji ? 咖啡");
        assert_eq!(back[0].biz_type, LedgerBizType::RedPacket);

        let mut text = LEDGER_COLUMNS.join(",");
        text.push_str("\r\n1\t,2\t,3\t,s\t,2019-09-16 10:55:16,\t,+1.00,3.30,8.888,支付宝,在线支付,\r\n");
        let gbk = to_gbk_lossy(&text);
        match LedgerReader::new(&gbk[..]).next() {
            Some(Err(BillFileError::Cell { column, .. })) => assert_eq!(column, "账户余额（元）"),
            other => panic!("{other:?}"),
        }
        let text = text.replace("8.888", "8.88");
        let gbk = to_gbk_lossy(&text);
        let r = LedgerReader::new(&gbk[..]).next().unwrap().unwrap();
        assert_eq!((r.income, r.expense), (Money::from_fen(100), Money::from_fen(-330)));
        let bad = to_gbk_lossy("#x\r\na,b\r\n");
        assert!(matches!(LedgerReader::new(&bad[..]).next(), Some(Err(BillFileError::Header(_)))));
    }
}
