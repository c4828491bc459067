//! `invalid-quantity`: resource requests and limits must be Kubernetes quantities (`500m`,
//! `1.5Gi`, `1e3`) and not negative (reference §2.4 RES-QTY-SYNTAX, RES-NONNEG). `512MB`,
//! `1GiB`, `1gb` and `1K` are not quantities; the API server rejects the whole object.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::workload;

pub use crate::model::rule::invalid_quantity as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        for entry in container.resources() {
            match &entry.quantity {
                Err(reason) => {
                    cx.report(
                        Diagnostic::new(
                            &RULE,
                            cx.loc(entry.node.span),
                            apimachinery::invalid(&entry.path, &go_quote(&entry.text), reason),
                        )
                        .with_label("not a quantity")
                        .with_help(help(&entry.text)),
                    );
                }
                Ok(q) if q.negative => {
                    cx.report(
                        Diagnostic::new(
                            &RULE,
                            cx.loc(entry.node.span),
                            apimachinery::invalid(
                                &entry.path,
                                &go_quote(&entry.text),
                                "must be greater than or equal to 0",
                            ),
                        )
                        .with_label("negative")
                        .with_help("requests and limits are zero or more"),
                    );
                }
                Ok(_) => {}
            }
        }
    }
}

fn help(text: &str) -> String {
    let t = text.trim();
    let digits: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let suffix = &t[digits.len()..];
    let suggestion = match suffix {
        "MB" | "mb" | "Mb" | "MiB" | "mib" | "mi" => Some("Mi"),
        "GB" | "gb" | "Gb" | "GiB" | "gib" | "gi" | "g" => Some("Gi"),
        "KB" | "kb" | "Kb" | "KiB" | "kib" | "ki" => Some("Ki"),
        "TB" | "tb" | "TiB" | "ti" => Some("Ti"),
        _ => None,
    };
    if suffix == "K" && !digits.is_empty() {
        return format!(
            "the kilo suffix is a lower-case `k`: write `{digits}k` (×1000) or `{digits}Ki` (×1024)"
        );
    }
    match suggestion {
        Some(s) if !digits.is_empty() => format!(
            "quantities use binary suffixes Ki, Mi, Gi, Ti (powers of 1024) or decimal k, M, G, T (powers of 1000), with no `B`: write `{digits}{s}`"
        ),
        _ => "a quantity is a number with an optional suffix: m (milli), k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, or an exponent like e3; e.g. `500m` CPU or `256Mi` memory".to_owned(),
    }
}
