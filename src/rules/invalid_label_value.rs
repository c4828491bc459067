//! `invalid-label-value`: a label value (in labels, selectors or node selectors) is not a valid
//! label value, or is not a string at all (`canary: yes` is the boolean true to kubectl).
//! Reference §1.3 LBL-VALUE and §10 YAML-NONSTRING.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::load::tree::Value;
use crate::k8s::validate;

pub use crate::model::rule::invalid_label_value as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    for (path, labels) in object.label_maps() {
        for entry in labels.entries() {
            let key = entry.key.key_string().unwrap_or_default();
            let node = &entry.value;
            let diagnostic = match &node.value {
                Value::Str(value) => {
                    let errors = validate::label_value(value);
                    if errors.is_empty() {
                        continue;
                    }
                    Diagnostic::new(
                        &RULE,
                        cx.loc(node.span),
                        format!("{path}: Invalid value: {value:?}: {}", errors.join(", ")),
                    )
                    .with_label("invalid label value")
                    .with_help("a label value is empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit")
                }
                Value::Null => continue, // decodes as the empty string, which is valid
                other => {
                    let written = cx.text(node.span).to_owned();
                    let read_as = match other {
                        Value::Bool(b) => format!("the boolean {b}"),
                        Value::Int(_) | Value::Float(_) => format!("a number ({})", node.to_json()),
                        _ => node.a_type_name(),
                    };
                    let label = format!("read as {read_as}");
                    Diagnostic::new(
                        &RULE,
                        cx.loc(node.span),
                        format!("label `{key}` must have a string value, but unquoted `{written}` is {read_as}"),
                    )
                    .with_label(label)
                    .with_help(format!(
                        "kubectl rejects the object (cannot unmarshal into a string); quote it: {key}: \"{written}\""
                    ))
                }
            };
            cx.report(diagnostic);
        }
    }
}
