//! `invalid-toleration`: a pod's `tolerations` as the API server validates them
//! (`ValidateTolerations`): a label-key `key`; an empty key only with `operator: Exists`;
//! `operator` `Equal` (or empty) with a label-value `value`, or `Exists` without one;
//! `tolerationSeconds` only with `effect: NoExecute`; `effect` NoSchedule, PreferNoSchedule or
//! NoExecute. `Gt` and `Lt` exist only behind an alpha feature gate (1.35+), and the message says
//! so.

use crate::k8s::apimachinery;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::validate;
use crate::k8s::apimachinery::{enum_help, go_quote};
use crate::k8s::pod::PodKey;
use crate::k8s::workload;

pub use crate::model::rule::invalid_toleration as RULE;

const OPERATORS: &[&str] = &["Equal", "Exists"];
const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec_with(object, &[PodKey::Tolerations]) else {
        return;
    };
    let Some(tolerations) = pod.spec.child("tolerations") else {
        return;
    };
    for t in tolerations.items().iter().filter(|t| t.node.is_map()) {
        let key = t.child("key").filter(|f| !f.is_null());
        let key_value = key.as_ref().and_then(|f| f.str()).unwrap_or("");
        if key.as_ref().is_some_and(|k| k.str().is_none()) {
            continue; // another type: the schema's finding
        }
        let operator = t.child("operator").filter(|f| !f.is_null());
        let op = operator.as_ref().and_then(|f| f.str());
        if op.is_none() && operator.is_some() {
            continue; // another type: the schema's finding
        }
        let op = op.unwrap_or("");
        let value = t.child("value").filter(|f| !f.is_null());
        let value_text = value.as_ref().and_then(|f| f.str()).unwrap_or("");
        let operator_path = || format!("{}.operator", t.path);
        if let Some(k) = &key
            && !key_value.is_empty()
        {
            let errors = validate::qualified_name(key_value);
            if !errors.is_empty() {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(k.node.span), apimachinery::invalid(&k.path, &go_quote(key_value), &errors.join(", ")))
                        .with_label("not a valid taint key")
                        .with_help("a taint key is a label key: an optional DNS-subdomain prefix and '/', then up to 63 letters, digits, '-', '_' or '.'"),
                );
            }
        }
        match op {
            "Equal" | "" => {
                if key_value.is_empty() {
                    let at = operator.as_ref().map_or(t.node.span, |f| f.node.span);
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(at), apimachinery::invalid(&operator_path(), &go_quote(op), "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
                            .with_label(if op.is_empty() { "no key, and the operator defaults to Equal" } else { "Equal without a key" })
                            .with_help("to tolerate every taint write `operator: Exists` without a key; to tolerate one taint, give its `key`"),
                    );
                }
                let errors = validate::label_value(value_text);
                if let Some(v) = &value
                    && !errors.is_empty()
                {
                    // The API server reports the value under `operator`.
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(v.node.span), apimachinery::invalid(&operator_path(), &go_quote(value_text), &errors.join(";")))
                            .with_label("not a valid taint value")
                            .with_help("a taint value is empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
                    );
                }
            }
            "Exists" => {
                if let Some(v) = &value
                    && !value_text.is_empty()
                {
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(v.node.span), apimachinery::invalid(&operator_path(), &go_quote(value_text), "value must be empty when `operator` is 'Exists'"))
                            .with_label("a value with Exists")
                            .with_help("`Exists` tolerates the taint whatever its value: remove `value`, or use `operator: Equal`"),
                    );
                }
            }
            other => {
                let field = operator.as_ref().expect("a non-empty operator was written");
                let mut message = apimachinery::unsupported(&field.path, other, OPERATORS);
                let help = if matches!(other, "Gt" | "Lt") {
                    let since = if cx.options.kubernetes_version >= KubeVersion::new(35) {
                        "which is off by default"
                    } else {
                        "new in Kubernetes 1.35 and off by default"
                    };
                    message.push_str(&format!(
                        " (`{other}` needs the alpha feature gate TaintTolerationComparisonOperators, {since})"
                    ));
                    format!(
                        "`{other}` compares numeric taint values only where the TaintTolerationComparisonOperators gate is on; elsewhere use `Equal` or `Exists`"
                    )
                } else {
                    enum_help(other, OPERATORS)
                };
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(field.node.span), message)
                        .with_label("not a supported operator")
                        .with_help(help),
                );
            }
        }
        let effect = t.child("effect").filter(|f| !f.is_null());
        let effect_value = effect.as_ref().and_then(|f| f.str());
        if effect.is_some() && effect_value.is_none() {
            continue; // another type: the schema's finding
        }
        let unknown_effect = effect_value.is_some_and(|e| !e.is_empty() && !EFFECTS.contains(&e));
        if let Some(seconds) = t.child("tolerationSeconds").filter(|f| !f.is_null())
            && effect_value != Some("NoExecute")
            && !unknown_effect
        {
            let e = effect_value.unwrap_or("");
            let path = format!("{}.effect", t.path);
            let message = apimachinery::invalid(
                &path,
                &go_quote(e),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            );
            let mut d = match &effect {
                Some(f) => Diagnostic::new(&RULE, cx.loc(f.node.span), message)
                    .with_label("not NoExecute")
                    .with_secondary(cx.loc(seconds.key), "tolerationSeconds"),
                None => Diagnostic::new(&RULE, cx.loc(seconds.key), message)
                    .with_label("tolerationSeconds without effect: NoExecute"),
            };
            d = d.with_help("tolerationSeconds says how long a pod stays on a node after a NoExecute taint appears; set `effect: NoExecute`, or remove tolerationSeconds");
            cx.report(d);
        }
        if let (Some(f), Some(e)) = (&effect, effect_value)
            && unknown_effect
        {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(f.node.span),
                    apimachinery::unsupported(&f.path, e, EFFECTS),
                )
                .with_label("not a taint effect")
                .with_help(enum_help(e, EFFECTS)),
            );
        }
    }
}
