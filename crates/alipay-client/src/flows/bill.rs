//! Bill download: URL query, download, unzip, typed rows: trade bills (`bill_type=trade`, 业务明细, read as
//! [`DetailRow`](alipay_api::bill_file::DetailRow)s) and ledger bills (`bill_type=signcustomer`, 账务明细, read
//! as [`LedgerRow`](alipay_api::bill_ledger::LedgerRow)s).

use std::fs::File;
use std::io::{BufReader, Write as _};
use std::path::{Path, PathBuf};

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_api::bill_file::DetailReader;
use alipay_api::bill_ledger::LedgerReader;
use alipay_core::Charset;

use crate::client::AlipayClient;
use crate::error::Error;
use crate::ResponseExt as _;

/// A downloaded bill zip on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadedBill {
    /// Where the zip was written.
    pub zip_path: PathBuf,
}

/// How many bill URLs [`AlipayClient::download_bill`] asks for when one is found expired.
const URL_ATTEMPTS: u32 = 2;

impl AlipayClient {
    /// Queries the bill's URL, downloads it at once (the URL is valid for 30 s) into `dest_dir` streaming to
    /// disk, and returns the zip's path. A 40004 answer (e.g. `isp.bill_not_exist`) is [`Error::Api`]. A URL
    /// found expired (`404`) is not fetched again: the flow asks for a new URL once (seed 001:243), and a second
    /// `404` is [`Error::HttpStatus`].
    ///
    /// The zip is written as `<app_id>_<bill_date>.csv.zip` (trade bills) or
    /// `<app_id>_<bill_date>_signcustomer.csv.zip` (ledger bills), so both bills of one day can share a
    /// directory. Read a trade bill with [`DownloadedBill::details`], a ledger bill with
    /// [`DownloadedBill::ledger`].
    ///
    /// ```no_run
    /// # async fn run(client: alipay_client::AlipayClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use alipay_api::bill::{BillDownloadUrlQuery, BillType};
    /// let bill = client.download_bill(&BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: "2024-05-01".into() },
    ///                                 std::path::Path::new("bills")).await?;
    /// for row in bill.details()? {
    ///     let row = row?;
    ///     println!("{} {} {}", row.trade_no, row.out_trade_no, row.total_amount);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn download_bill(&self, query: &BillDownloadUrlQuery, dest_dir: &Path) -> Result<DownloadedBill, Error> {
        std::fs::create_dir_all(dest_dir).map_err(|e| io_flow("creating the bill directory", &e))?;
        let suffix = if query.bill_type == BillType::Signcustomer { "_signcustomer" } else { "" };
        let zip_path = dest_dir.join(format!("{}_{}{suffix}.csv.zip", self.app_id(), query.bill_date));
        // An expired URL (404: it lives 30 s) never comes back: ask for a new one, once, instead of fetching the
        // dead one again.
        let mut attempt = 1;
        let mut response = loop {
            let answer = self.execute(query).await?.ok()?;
            let url = answer
                .bill_download_url
                .ok_or_else(|| Error::Flow("the bill URL query succeeded but returned no bill_download_url".into()))?;
            let response = self.inner.http.get(&url).send().await.map_err(Error::NoAnswer)?;
            if response.status().is_success() {
                break response;
            }
            let status = response.status().as_u16();
            if status != 404 || attempt >= URL_ATTEMPTS {
                return Err(Error::HttpStatus { status, body: String::new() });
            }
            tracing::info!(bill_date = %query.bill_date, "the bill URL had expired; asking for a new one");
            attempt += 1;
        };
        let mut file = File::create(&zip_path).map_err(|e| io_flow("creating the bill file", &e))?;
        while let Some(chunk) = response.chunk().await.map_err(Error::NoAnswer)? {
            file.write_all(&chunk).map_err(|e| io_flow("writing the bill file", &e))?;
        }
        file.sync_all().map_err(|e| io_flow("writing the bill file", &e))?;
        Ok(DownloadedBill { zip_path })
    }
}

impl DownloadedBill {
    /// Streams the detail rows (`..._业务明细.csv`): the entry is extracted next to the zip and read one row at a
    /// time, so a large bill never sits in memory.
    pub fn details(&self) -> Result<DetailReader<BufReader<File>>, Error> {
        let path = self.extract(|name| name.ends_with("_业务明细.csv"))?;
        let file = File::open(&path).map_err(|e| io_flow("opening the detail file", &e))?;
        Ok(DetailReader::new(BufReader::new(file)))
    }

    /// Extracts the summary file (`..._业务明细(汇总).csv`) next to the zip and returns its path (GBK CSV).
    pub fn summary_path(&self) -> Result<PathBuf, Error> {
        self.extract(|name| name.ends_with("(汇总).csv"))
    }

    /// Streams the rows of a ledger bill (`bill_type=signcustomer`, `..._账务明细.csv`): one row per movement of
    /// the account's balance, with the balance after it. The entry is extracted next to the zip and read one
    /// row at a time, so a large bill never sits in memory.
    ///
    /// ```no_run
    /// # async fn run(client: alipay_client::AlipayClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use alipay_api::bill::{BillDownloadUrlQuery, BillType};
    /// let query = BillDownloadUrlQuery { bill_type: BillType::Signcustomer, bill_date: "2024-05-01".into() };
    /// let bill = client.download_bill(&query, std::path::Path::new("bills")).await?;
    /// for row in bill.ledger()? {
    ///     let row = row?;
    ///     // Incomes are positive, expenses negative; `balance` is the account's balance after the movement.
    ///     println!("{} {} {:?} {} -> {}", row.account_log_id, row.biz_type.as_str(), row.amount(), row.out_biz_no,
    ///              row.balance);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn ledger(&self) -> Result<LedgerReader<BufReader<File>>, Error> {
        let path = self.extract(|name| name.ends_with("_账务明细.csv"))?;
        let file = File::open(&path).map_err(|e| io_flow("opening the ledger file", &e))?;
        Ok(LedgerReader::new(BufReader::new(file)))
    }

    /// Extracts the ledger summary file (`..._账务汇总.csv`, one row per business type and a `合计` row) next to
    /// the zip and returns its path (GBK CSV).
    pub fn ledger_summary_path(&self) -> Result<PathBuf, Error> {
        self.extract(|name| name.ends_with("_账务汇总.csv"))
    }

    fn extract(&self, wanted: impl Fn(&str) -> bool) -> Result<PathBuf, Error> {
        let file = File::open(&self.zip_path).map_err(|e| io_flow("opening the bill zip", &e))?;
        let mut archive =
            zip::ZipArchive::new(BufReader::new(file)).map_err(|e| Error::Flow(format!("bill zip: {e}")))?;
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(|e| Error::Flow(format!("bill zip: {e}")))?;
            // Entry names are GBK unless the zip marks them UTF-8.
            let raw = entry.name_raw().to_vec();
            let name = match std::str::from_utf8(&raw) {
                Ok(s) => s.to_owned(),
                Err(_) => Charset::Gbk.decode(&raw).map(|s| s.into_owned()).unwrap_or_default(),
            };
            if !wanted(&name) {
                continue;
            }
            let file_name = Path::new(&name).file_name().map(|n| n.to_owned()).unwrap_or_default();
            let dir = self.zip_path.parent().unwrap_or(Path::new("."));
            let out_path = dir.join(file_name);
            let mut out = File::create(&out_path).map_err(|e| io_flow("extracting the bill", &e))?;
            std::io::copy(&mut entry, &mut out).map_err(|e| io_flow("extracting the bill", &e))?;
            return Ok(out_path);
        }
        Err(Error::Flow(format!("{} has no such file", self.zip_path.display())))
    }
}

fn io_flow(what: &str, e: &std::io::Error) -> Error {
    Error::Flow(format!("{what}: {e}"))
}
