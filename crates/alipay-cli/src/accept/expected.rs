//! `--expected-failures FILE`: deviations a team has accepted for now (the OpenID Foundation suite's practice).
//! A listed check that fails does not fail the run; a listed check that no longer fails (PASSED or WARNING)
//! fails it, so the file cannot outlive the bug it excuses. A listed check that was not judged, or saw nothing
//! (NOT_OBSERVED), proves neither and is only mentioned.
//!
//! The file: one check id per line, optionally followed by why (`F2  the POS cannot cancel yet`); `#` starts a
//! comment; blank lines are ignored.

use std::collections::BTreeMap;
use std::path::Path;

use alipay_sandbox::accept::checks;
use alipay_sandbox_admin::{AcceptReport, Verdict};

/// A malformed expected-failures file.
#[derive(Debug, thiserror::Error)]
pub enum ExpectedError {
    /// It cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line names no known check.
    #[error("{path}:{line}: no check {id:?} (`alipay accept list` shows the ids)")]
    UnknownCheck {
        /// The file.
        path: String,
        /// The line number (from 1).
        line: usize,
        /// What it named.
        id: String,
    },
}

/// The accepted deviations: check id → why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected(BTreeMap<&'static str, String>);

/// What a report says about the expected failures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Listed and failed: excused.
    pub excused: Vec<&'static str>,
    /// Listed and judged without failing (PASSED or WARNING): the file is stale, the run fails.
    pub stale: Vec<&'static str>,
    /// Listed, not judged or NOT_OBSERVED: nothing to say.
    pub unjudged: Vec<&'static str>,
    /// Failed and not listed.
    pub unexpected: Vec<String>,
}

impl Expected {
    /// Parses the text of a file (`path` names it in errors).
    pub fn parse(path: &str, text: &str) -> Result<Expected, ExpectedError> {
        let mut out = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some(id) = line.split_whitespace().next() else { continue };
            let id = id.trim_end_matches(':');
            let check = checks::find(id).ok_or_else(|| ExpectedError::UnknownCheck {
                path: path.to_owned(),
                line: n + 1,
                id: id.to_owned(),
            })?;
            out.insert(check.id, line.get(id.len()..).unwrap_or("").trim_start_matches(':').trim().to_owned());
        }
        Ok(Expected(out))
    }

    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Expected, ExpectedError> {
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| ExpectedError::Read { path: shown.clone(), source })?;
        Expected::parse(&shown, &text)
    }

    /// Holds `report` against the list.
    pub fn judge(&self, report: &AcceptReport) -> Outcome {
        let mut out = Outcome::default();
        for c in &report.cases {
            if c.verdict == Verdict::Failed && !self.0.keys().any(|id| *id == c.id) {
                out.unexpected.push(c.id.clone());
            }
        }
        for id in self.0.keys() {
            match report.cases.iter().find(|c| c.id == *id).map(|c| c.verdict) {
                Some(Verdict::Failed) => out.excused.push(id),
                Some(Verdict::Passed | Verdict::Warning) => out.stale.push(id),
                _ => out.unjudged.push(id),
            }
        }
        out
    }

    /// Why `id` is excused, as written in the file.
    pub fn why(&self, id: &str) -> &str {
        self.0.iter().find(|(k, _)| **k == id).map_or("", |(_, v)| v.as_str())
    }
}

impl Outcome {
    /// Lines for the terminal, after the table.
    pub fn text(&self, expected: &Expected) -> String {
        let mut out = String::new();
        for id in &self.excused {
            out.push_str(&format!("expected failure {id}: failed as expected ({})\n", expected.why(id)));
        }
        for id in &self.stale {
            out.push_str(&format!(
                "expected failure {id}: it NO LONGER FAILS — remove it from the expected-failures file\n"
            ));
        }
        for id in &self.unjudged {
            out.push_str(&format!("expected failure {id}: not judged in this run (or not observed)\n"));
        }
        out
    }

    /// Whether the run fails: an unexpected failure, or a stale entry.
    pub fn fails(&self) -> bool {
        !self.unexpected.is_empty() || !self.stale.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alipay_sandbox_admin::Profile;

    fn report(verdicts: &[(&str, Verdict)]) -> AcceptReport {
        AcceptReport {
            suite: "lint".into(),
            app_id: "a".into(),
            profile: Profile::default(),
            cases: verdicts.iter().map(|(id, v)| alipay_sandbox::accept::verdict::case(id, *v, "", vec![])).collect(),
        }
    }

    #[test]
    fn a_listed_failure_is_excused_and_a_listed_pass_is_stale() {
        let e = Expected::parse("x", "# accepted for now\nF2  the POS cannot cancel yet\n\nb1: later\n").unwrap();
        assert_eq!(e.why("F2"), "the POS cannot cancel yet");
        assert_eq!(e.why("B1"), "later");
        let o = e.judge(&report(&[("F2", Verdict::Failed), ("B1", Verdict::NotObserved), ("F1", Verdict::Passed)]));
        assert_eq!(o.excused, vec!["F2"]);
        assert_eq!(o.unjudged, vec!["B1"]);
        assert!(!o.fails());
        let o = e.judge(&report(&[("F2", Verdict::Passed), ("F1", Verdict::Failed)]));
        assert_eq!(o.stale, vec!["F2"]);
        assert_eq!(o.unexpected, vec!["F1".to_owned()]);
        assert!(o.fails());
        assert!(o.text(&e).contains("NO LONGER FAILS"));
    }

    #[test]
    fn an_unknown_id_is_an_error_with_its_line() {
        let err = Expected::parse("ef.txt", "F2\nZ9 nope\n").unwrap_err();
        assert!(err.to_string().starts_with("ef.txt:2: no check \"Z9\""), "{err}");
    }
}
