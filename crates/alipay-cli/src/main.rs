//! `alipay`: keys, signatures, calls and notifications from the command line.
//!
//! ```text
//! alipay keygen [--out-dir DIR]
//! alipay sign   --key FILE [--sign-type RSA2|RSA] [--charset utf-8|GBK] (--param k=v ... | --content TEXT)
//! alipay verify --public-key FILE --signature SIG [--sign-type ..] [--charset ..] (--param k=v ... | --content TEXT)
//! alipay call METHOD [--config FILE] [--biz-content JSON] [--param k=v ...] [--app-auth-token T] [--json]
//! alipay cert sn FILE [--root] [-v]
//! alipay notify verify [--config FILE] [--body FILE|-] [--content-type CT]
//! alipay accept list [--json]
//! alipay accept lint [--config FILE] [--since T] [--checks ID,..] [--poll-interval 5s] [--json F] [--junit F]
//!                    [--expected-failures FILE]
//! alipay accept run  --suite notify|face-to-face|refund|bill [--config FILE] [--checks ID,..] [lint's report
//!                    options] [--out-trade-no N] [--refund-fault unknown|unknown-not-made|dropped] [--bill-date D]
//!                    [-- COMMAND ARGS...]
//! alipay sandbox [--data DIR] [--listen HOST:PORT] [--store postgres://USER:PASSWORD@HOST:PORT/DB]
//! ```
//!
//! Exit codes: 0 success (10000); 2 a verified business failure; 1 anything else, including an answer that
//! fails verification.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod accept;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
