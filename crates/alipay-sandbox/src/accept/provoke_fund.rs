//! The provocations of the deduct and coupon suites (`POST /admin/accept/arm`), each for one app's next
//! matching call:
//!
//! - `pdeduct.pay` answered `20000` (made or not) or dropped after the commit, and the red-packet operations
//!   answered `10003` / `20000`: injected faults scoped to the app ([`crate::faults`]);
//! - a deduction held unknown for k status queries, `QUERY_DEDUCT_SIGN_INFO_ERROR`, an agreement cancelled by
//!   its user: the deduct family's app-keyed holds ([`crate::products::deduct::engine::ACCEPT_HOLDS`]).

use alipay_sandbox_admin::{Armed, FaultKind, FaultSpec, Provocation};

use super::deduct::{PAY, STATUS};
use super::fund::{DISBURSE, FUND, REFUND};
use crate::products::deduct::engine as deduct;
use crate::products::deduct::store::DeductRepo;
use crate::store::StoreError;
use crate::SandboxState;

/// Arms `provocation` for `app_id` if it is one of the deduct or coupon suites' (`None` otherwise).
pub(super) async fn arm(
    state: &SandboxState,
    app_id: &str,
    provocation: &Provocation,
) -> Result<Option<Armed>, StoreError> {
    let fault = |method: &str, kind| FaultSpec::new(method, kind).for_app(app_id);
    let with = |f: FaultSpec, moved: bool| if moved { f.execute() } else { f };
    let (faults, holds, method, what): (Vec<FaultSpec>, Vec<(&str, i64)>, &str, String) = match provocation {
        Provocation::DeductUnknown { money_moved } => (
            vec![with(fault(PAY, FaultKind::UnknownError), *money_moved)],
            Vec::new(),
            PAY,
            if *money_moved {
                "the next deduction is made, then answered 20000 (outcome unknown)".to_owned()
            } else {
                "the next deduction is answered 20000 (outcome unknown) and not made".to_owned()
            },
        ),
        Provocation::DeductDropped => (
            vec![fault(PAY, FaultKind::DropAfterCommit)],
            Vec::new(),
            PAY,
            "the next deduction is made, then its answer is lost".to_owned(),
        ),
        Provocation::DeductPending { queries } => (
            Vec::new(),
            vec![(deduct::ACCEPT_PENDING, 1), (deduct::ACCEPT_PENDING_QUERIES, i64::from(*queries))],
            PAY,
            format!(
                "the next deduction answers result_status 0 (unknown) and stays unknown for {queries} {STATUS} \
                 queries; the next one finds it resolved"
            ),
        ),
        Provocation::DeductSignInfoError => (
            Vec::new(),
            vec![(deduct::ACCEPT_SIGN_ERROR, 1)],
            PAY,
            "the next deduction answers QUERY_DEDUCT_SIGN_INFO_ERROR (nothing happens; retry it)".to_owned(),
        ),
        Provocation::DeductAgreementCancelled => (
            Vec::new(),
            vec![(deduct::ACCEPT_CANCEL_AGREEMENT, 1)],
            PAY,
            "the agreement of the next deduction is cancelled by its user first: it answers \
             DEDUCT_SIGN_INFO_NOT_EXIST"
                .to_owned(),
        ),
        Provocation::CouponInProcess { money_moved } | Provocation::CouponUnknown { money_moved } => {
            let (kind, code) = if matches!(provocation, Provocation::CouponInProcess { .. }) {
                (FaultKind::InProcess, "10003 (in process)")
            } else {
                (FaultKind::UnknownError, "20000 (outcome unknown)")
            };
            let done = if *money_moved { "done, then answered" } else { "answered" };
            (
                [FUND, DISBURSE, REFUND].iter().map(|m| with(fault(m, kind), *money_moved)).collect(),
                Vec::new(),
                FUND,
                format!("the next red-packet funding, disbursement and refund (one of each) are {done} {code}"),
            )
        }
        _ => return Ok(None),
    };
    for f in faults {
        state.faults.add(&state.store, f).await?;
    }
    if !holds.is_empty() {
        let app = app_id.to_owned();
        let holds: Vec<(String, i64)> = holds.into_iter().map(|(s, n)| (s.to_owned(), n)).collect();
        state
            .store
            .write(move |r| -> Result<(), StoreError> {
                for (scope, n) in &holds {
                    r.set_hold(scope, &app, *n)?;
                }
                Ok(())
            })
            .await?;
    }
    Ok(Some(Armed { method: method.to_owned(), what }))
}

/// Removes the app's deduct holds no call took; how many kinds were still waiting.
pub(super) async fn disarm(state: &SandboxState, app_id: &str) -> Result<usize, StoreError> {
    let app = app_id.to_owned();
    let n = state
        .store
        .write(move |r| -> Result<usize, StoreError> {
            let mut n = 0;
            for scope in deduct::ACCEPT_HOLDS {
                // The query count travels with the pending hold: not a provocation of its own.
                if r.take_all_holds(scope, &app)? > 0 && *scope != deduct::ACCEPT_PENDING_QUERIES {
                    n += 1;
                }
            }
            Ok(n)
        })
        .await?;
    Ok(n)
}
