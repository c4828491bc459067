//! `invalid-rolling-update`: rolling-update parameters of Deployments, DaemonSets and
//! StatefulSets (reference §3.2 DEP-RECREATE-RU, DEP-INTORPCT, DEP-MAXUNAVAIL-100, DEP-BOTH-ZERO,
//! §3.4 DS-RU-INTORPCT, DS-RU-EXACTLY-ONE, §3.5 STS-UPDATE). Defaults are applied first:
//! 25%/25% for Deployments, maxUnavailable 1 and maxSurge 0 for DaemonSets.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_value;
use crate::k8s::field::Field;
use crate::k8s::intstr::{IntOrPercent, PERCENT_MSG};
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::invalid_rolling_update as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(kind) = Kind::of(object) else {
        return;
    };
    let Some(spec) = workload::spec(object) else {
        return;
    };
    match kind {
        Kind::Deployment => deployment(cx, &spec),
        Kind::DaemonSet => daemonset(cx, &spec),
        Kind::StatefulSet => statefulset(cx, &spec),
        _ => {}
    }
}

/// The rolling-update block and its strategy type ("" when unset).
fn strategy<'a>(spec: &Field<'a>, key: &str) -> Option<(Field<'a>, String, Option<Field<'a>>)> {
    let strategy = spec.child(key).filter(|f| f.node.is_map())?;
    let ty = strategy
        .child("type")
        .and_then(|f| f.str().map(str::to_owned))
        .unwrap_or_default();
    let rolling = strategy.child("rollingUpdate").filter(|f| !f.is_null());
    Some((strategy, ty, rolling))
}

/// A parameter's value after checking its format; `Err(())` when it was reported.
fn value(cx: &mut Context<'_>, field: &Field<'_>, max_100: bool) -> Result<IntOrPercent, ()> {
    let Some(v) = IntOrPercent::of(field.node) else {
        return Err(()); // null or the schema's finding
    };
    let written = go_value(field.node);
    let problem = match v {
        IntOrPercent::BadString => Some((PERCENT_MSG, "not a number or a percentage")),
        IntOrPercent::Int(n) if n < 0 => Some(("must be greater than or equal to 0", "negative")),
        IntOrPercent::Percent(p) if max_100 && p > 100 => {
            Some(("must not be greater than 100%", "more than 100%"))
        }
        _ => None,
    };
    let Some((detail, label)) = problem else {
        return Ok(v);
    };
    let help = if v == IntOrPercent::BadString
        && field
            .node
            .as_str()
            .is_some_and(|s| s.parse::<i64>().is_ok())
    {
        "a quoted number is a string, and strings must be percentages: write the number unquoted (`1`) or as a percentage (`25%`)".to_owned()
    } else {
        "write a whole number of pods (`1`) or a percentage of the desired replicas (`25%`)"
            .to_owned()
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(field.node.span),
            apimachinery::invalid(&field.path, &written, detail),
        )
        .with_label(label)
        .with_help(help),
    );
    Err(())
}

fn deployment(cx: &mut Context<'_>, spec: &Field<'_>) {
    let Some((_, ty, rolling)) = strategy(spec, "strategy") else {
        return;
    };
    let Some(rolling) = rolling else {
        return;
    };
    if ty == "Recreate" {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(rolling.key),
                apimachinery::forbidden(&rolling.path, "may not be specified when strategy `type` is 'Recreate'"),
            )
            .with_label("rollingUpdate with Recreate")
            .with_help("Recreate stops all pods before starting new ones and takes no parameters: remove `rollingUpdate`, or use `type: RollingUpdate`"),
        );
        return;
    }
    if !rolling.node.is_map() {
        return;
    }
    let surge = rolling.child("maxSurge").filter(|f| !f.is_null());
    let unavailable = rolling.child("maxUnavailable").filter(|f| !f.is_null());
    let surge_v = surge.as_ref().map(|f| value(cx, f, false));
    let unavailable_v = unavailable.as_ref().map(|f| value(cx, f, true));
    // Unset values default to 25%.
    let surge_zero = match surge_v {
        Some(Ok(v)) => v.is_zero(),
        Some(Err(())) => return,
        None => false,
    };
    let unavailable_zero = match unavailable_v {
        Some(Ok(v)) => v.is_zero(),
        Some(Err(())) => return,
        None => false,
    };
    if surge_zero && unavailable_zero {
        let field = unavailable.expect("a zero value was written");
        let surge = surge.expect("a zero value was written");
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(field.node.span),
                apimachinery::invalid(&field.path, &go_value(field.node), "may not be 0 when `maxSurge` is 0"),
            )
            .with_label("no pod may be down")
            .with_secondary(cx.loc(surge.node.span), "and no extra pod may be started")
            .with_help("with both 0 a rollout can neither stop an old pod nor start a new one; allow one of them, e.g. `maxSurge: 1`"),
        );
    }
}

fn daemonset(cx: &mut Context<'_>, spec: &Field<'_>) {
    let Some((_, ty, rolling)) = strategy(spec, "updateStrategy") else {
        return;
    };
    if !(ty.is_empty() || ty == "RollingUpdate") {
        return;
    }
    let Some(rolling) = rolling.filter(|r| r.node.is_map()) else {
        return;
    };
    let surge = rolling.child("maxSurge").filter(|f| !f.is_null());
    let unavailable = rolling.child("maxUnavailable").filter(|f| !f.is_null());
    if (surge.is_none() || unavailable.is_none()) && cx.is_partial() {
        return; // the other value may come from the base
    }
    // Defaults: maxUnavailable 1, maxSurge 0.
    let surge_v = match surge.as_ref().map(|f| value(cx, f, true)) {
        Some(Ok(v)) => v,
        Some(Err(())) => return,
        None => IntOrPercent::Int(0),
    };
    let unavailable_v = match unavailable.as_ref().map(|f| value(cx, f, true)) {
        Some(Ok(v)) => v,
        Some(Err(())) => return,
        None => IntOrPercent::Int(1),
    };
    match (surge_v.is_zero(), unavailable_v.is_zero()) {
        (false, false) => {
            let surge = surge.expect("a non-zero maxSurge was written");
            let mut diagnostic = Diagnostic::new(
                &RULE,
                cx.loc(surge.node.span),
                apimachinery::invalid(
                    &surge.path,
                    &go_value(surge.node),
                    "may not be set when maxUnavailable is non-zero",
                ),
            )
            .with_label("maxSurge and maxUnavailable both non-zero");
            diagnostic = match &unavailable {
                Some(u) => diagnostic
                    .with_secondary(cx.loc(u.node.span), "maxUnavailable")
                    .with_help("a DaemonSet rolls out either by surging (a new pod starts next to the old one) or by taking pods down; set `maxUnavailable: 0` to surge"),
                None => diagnostic.with_help("maxUnavailable defaults to 1 when it is not set, and a DaemonSet rolls out either by surging or by taking pods down; add `maxUnavailable: 0` next to `maxSurge`"),
            };
            cx.report(diagnostic);
        }
        (true, true) => {
            let at = unavailable.as_ref().map_or(rolling.key, |u| u.node.span);
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(at),
                    apimachinery::required(&format!("{}.maxUnavailable", rolling.path), "cannot be 0 when maxSurge is 0"),
                )
                .with_label("no pod may be replaced")
                .with_help("with both 0 a rollout can make no progress; allow `maxUnavailable: 1` or `maxSurge: 1` (with `maxUnavailable: 0`)"),
            );
        }
        _ => {}
    }
}

fn statefulset(cx: &mut Context<'_>, spec: &Field<'_>) {
    let Some((_, ty, rolling)) = strategy(spec, "updateStrategy") else {
        return;
    };
    let Some(rolling) = rolling else {
        return;
    };
    if ty == "OnDelete" {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(rolling.key),
                apimachinery::invalid(&rolling.path, &rolling.node.to_json().to_string(), "only allowed for updateStrategy 'RollingUpdate'"),
            )
            .with_label("rollingUpdate with OnDelete")
            .with_help("OnDelete replaces pods only when you delete them and takes no parameters: remove `rollingUpdate`, or use `type: RollingUpdate`"),
        );
        return;
    }
    if let Some(field) = rolling.child("maxUnavailable").filter(|f| !f.is_null())
        && let Ok(v) = value(cx, &field, true)
        && v.is_zero()
    {
        cx.report(
                    Diagnostic::new(&RULE, cx.loc(field.node.span), apimachinery::invalid(&field.path, &go_value(field.node), "cannot be 0"))
                        .with_label("no pod may be updated")
                        .with_help("maxUnavailable is at least 1 (or a non-zero percentage); leave it out for the default of 1"),
                );
    }
}
