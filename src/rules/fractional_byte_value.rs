//! `fractional-byte-value`: memory, ephemeral-storage and hugepages quantities that are not a
//! whole number of bytes, such as `512m` (milli-bytes, not megabytes) or `1.5` (reference §2.4
//! RES-FRACTIONAL-MEM). The API server accepts them with a warning and rounds up.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::workload;

pub use crate::model::rule::fractional_byte_value as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        for entry in container.resources() {
            let bytes = matches!(entry.name.as_str(), "memory" | "ephemeral-storage")
                || entry.name.starts_with("hugepages-");
            let Ok(q) = &entry.quantity else {
                continue;
            };
            if !bytes || q.is_integer() {
                continue;
            }
            let help = if entry.text.trim().ends_with('m') {
                format!(
                    "the suffix `m` means milli (1/1000): `{}` is a fraction of a byte; for mebibytes write `{}Mi`",
                    entry.text,
                    entry.text.trim().trim_end_matches('m')
                )
            } else {
                "memory and storage are counted in whole bytes, and a number without a unit means bytes: add a unit, e.g. `1.5Gi` or `512Mi`".to_owned()
            };
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(entry.node.span),
                    format!(
                        "{}: fractional byte value {} is invalid, must be an integer",
                        entry.path,
                        go_quote(&entry.text)
                    ),
                )
                .with_label("not a whole number of bytes")
                .with_help(help),
            );
        }
    }
}
