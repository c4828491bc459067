//! `invalid-file-mode`: `defaultMode` and `items[].mode` of configMap, secret, downwardAPI and
//! projected volumes must be within 0-0777 (reference §2.5 VOL-CM-SECRET, VOL-MODE-DECIMAL,
//! §10 YAML-OCTAL). The classic slip is `defaultMode: 644`, which YAML reads as decimal 644.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::load::tree::Style;
use crate::k8s::field::{Field, select};
use crate::k8s::workload;

pub use crate::model::rule::invalid_file_mode as RULE;

const MAX_MODE: i64 = 0o777;

const PATHS: &[&[&str]] = &[
    &["configMap", "defaultMode"],
    &["configMap", "items", "*", "mode"],
    &["secret", "defaultMode"],
    &["secret", "items", "*", "mode"],
    &["downwardAPI", "defaultMode"],
    &["downwardAPI", "items", "*", "mode"],
    &["projected", "defaultMode"],
    &[
        "projected",
        "sources",
        "*",
        "configMap",
        "items",
        "*",
        "mode",
    ],
    &["projected", "sources", "*", "secret", "items", "*", "mode"],
    &[
        "projected",
        "sources",
        "*",
        "downwardAPI",
        "items",
        "*",
        "mode",
    ],
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let Some(volumes) = pod.spec.child("volumes") else {
        return;
    };
    for volume in volumes.items() {
        for path in PATHS {
            for field in select(&volume, path) {
                check_mode(cx, &field);
            }
        }
    }
}

fn check_mode(cx: &mut Context<'_>, field: &Field<'_>) {
    let Some(mode) = field.int() else {
        return;
    };
    if (0..=MAX_MODE).contains(&mode) {
        return;
    }
    let written = cx.text(field.node.span).to_owned();
    let looks_octal = field.node.style == Style::Plain
        && (3..=4).contains(&written.len())
        && !written.starts_with('0')
        && written.bytes().all(|b| (b'0'..=b'7').contains(&b))
        && i64::from_str_radix(&written, 8).is_ok_and(|octal| octal <= MAX_MODE);
    let (label, help) = if looks_octal {
        let octal = i64::from_str_radix(&written, 8).unwrap_or(0);
        (
            format!("decimal {mode}, not octal 0{written}"),
            format!(
                "YAML reads `{written}` as the decimal number {mode}; for the file mode 0{written} write `0{written}` (YAML reads a leading 0 as octal) or its decimal value `{octal}` (in JSON only the decimal works)"
            ),
        )
    } else {
        (
            "not a file mode".to_owned(),
            "file modes run from 0 to 0777: write them in octal with a leading 0 (`0644`) or in decimal (`420`)".to_owned(),
        )
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(field.node.span),
            apimachinery::invalid(
                &field.path,
                &mode.to_string(),
                "must be a number between 0 and 0777 (octal), both inclusive",
            ),
        )
        .with_label(label)
        .with_help(help),
    );
}
