//! Kubernetes' field-error messages (apimachinery `field/errors.go`) and Go's formatting of
//! values in them, so a finding reads as the API server's own rejection.

use crate::load::tree::{Node, Value};
use crate::model::text::code_list;

/// Help for a value that is not one of `supported`: the case-insensitive or nearest match.
pub fn enum_help(value: &str, supported: &[&str]) -> String {
    let list = code_list(supported);
    if let Some(exact) = supported.iter().find(|s| s.eq_ignore_ascii_case(value)) {
        return format!("values are case-sensitive: write `{exact}`");
    }
    match crate::model::text::did_you_mean(value, supported.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? The supported values are {list}"),
        None => format!("the supported values are {list}"),
    }
}

/// `path: Invalid value: value: detail`; `value` is already formatted (see [`go_value`]).
pub fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {value}: {detail}")
}

/// `path: Unsupported value: "v": supported values: "A", "B"`.
pub fn unsupported(path: &str, value: &str, supported: &[&str]) -> String {
    let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    format!(
        "{path}: Unsupported value: {}: supported values: {}",
        go_quote(value),
        list.join(", ")
    )
}

/// `path: Required value` with an optional detail.
pub fn required(path: &str, detail: &str) -> String {
    if detail.is_empty() {
        format!("{path}: Required value")
    } else {
        format!("{path}: Required value: {detail}")
    }
}

pub fn duplicate(path: &str, value: &str) -> String {
    format!("{path}: Duplicate value: {value}")
}

pub fn not_found(path: &str, value: &str) -> String {
    format!("{path}: Not found: {value}")
}

pub fn forbidden(path: &str, detail: &str) -> String {
    format!("{path}: Forbidden: {detail}")
}

/// A scalar as field errors print it: strings quoted like Go's `%q`, numbers and booleans bare.
pub fn go_value(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => go_quote(s),
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(_) => node.to_json().to_string(),
        Value::Seq(_) | Value::Map(_) => node.to_json().to_string(),
    }
}

/// Go's `%q`.
pub fn go_quote(s: &str) -> String {
    crate::k8s::cron::go_strconv_quote(s)
}

/// Go's `%#v` of a `map[string]string`, as selector messages print template labels:
/// `map[string]string{"app":"web"}`, or `map[string]string(nil)` when there are none.
pub fn go_string_map(labels: Option<&[(String, String)]>) -> String {
    let Some(labels) = labels else {
        return "map[string]string(nil)".to_owned();
    };
    let mut sorted: Vec<&(String, String)> = labels.iter().collect();
    sorted.sort();
    let items: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v)))
        .collect();
    format!("map[string]string{{{}}}", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_formats() {
        assert_eq!(go_string_map(None), "map[string]string(nil)");
        let labels = vec![
            ("tier".to_string(), "web".to_string()),
            ("app".to_string(), "x".to_string()),
        ];
        assert_eq!(
            go_string_map(Some(&labels)),
            r#"map[string]string{"app":"x", "tier":"web"}"#
        );
        assert_eq!(
            unsupported("spec.x", "always", &["Always", "Never"]),
            r#"spec.x: Unsupported value: "always": supported values: "Always", "Never""#
        );
    }
}
