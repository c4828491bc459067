//! `invalid-name`: `metadata.name` / `metadata.generateName` does not have the format the kind
//! requires (reference §1.1): a DNS-1123 subdomain for most kinds, a DNS-1123 label for Namespace
//! and StatefulSet, a DNS-1035 label for Service, a path segment for RBAC objects.

use crate::check::Context;
use crate::model::diagnostic::{Diagnostic, Rule};
use crate::k8s::object::Object;
use crate::load::tree::Node;
use crate::k8s::validate;

pub use crate::model::rule::invalid_name as RULE;

/// The name format a kind's API validation applies.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NameFormat {
    Dns1123Subdomain,
    Dns1123Label,
    Dns1035Label,
    PathSegment,
}

impl NameFormat {
    pub fn of(object: &Object<'_>) -> NameFormat {
        match (object.group(), object.kind.unwrap_or("")) {
            ("", "Namespace") | ("apps", "StatefulSet") => NameFormat::Dns1123Label,
            ("", "Service") => NameFormat::Dns1035Label,
            (
                "rbac.authorization.k8s.io",
                "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding",
            ) => NameFormat::PathSegment,
            _ => NameFormat::Dns1123Subdomain,
        }
    }

    pub fn validate(self, name: &str) -> Vec<String> {
        match self {
            NameFormat::Dns1123Subdomain => validate::dns1123_subdomain(name),
            NameFormat::Dns1123Label => validate::dns1123_label(name),
            NameFormat::Dns1035Label => validate::dns1035_label(name),
            NameFormat::PathSegment => validate::path_segment_name(name),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            NameFormat::Dns1123Subdomain => {
                "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters"
            }
            NameFormat::Dns1123Label => {
                "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (no dots)"
            }
            NameFormat::Dns1035Label => {
                "a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters"
            }
            NameFormat::PathSegment => {
                "a path segment: anything but '.', '..', or a name containing '/' or '%'"
            }
        }
    }

    /// A corrected name to offer in the help, when one is obvious.
    fn suggest(self, name: &str) -> Option<String> {
        if self == NameFormat::PathSegment {
            return None;
        }
        let keep_dots = self == NameFormat::Dns1123Subdomain;
        let mut s: String = name
            .chars()
            .map(|c| match c.to_ascii_lowercase() {
                c @ ('a'..='z' | '0'..='9') => c,
                '.' if keep_dots => '.',
                _ => '-',
            })
            .collect();
        let max = if keep_dots { 253 } else { 63 };
        s.truncate(max);
        let s = s.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let s = if self == NameFormat::Dns1035Label {
            s.trim_start_matches(|c: char| !c.is_ascii_lowercase())
        } else {
            s
        };
        (!s.is_empty() && self.validate(s).is_empty()).then(|| s.to_owned())
    }
}

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(metadata) = object.metadata else {
        return;
    };
    let format = NameFormat::of(object);
    let kind = object.kind.unwrap_or("object");
    for field in ["name", "generateName"] {
        let Some(node) = metadata.get(field) else {
            continue;
        };
        if node.is_null() {
            continue;
        }
        let Some(value) = node.as_str() else {
            report_not_string(&RULE, cx, field, node);
            continue;
        };
        if value.is_empty() {
            continue; // missing-name
        }
        // generateName may end in '-': the server appends random characters after it.
        let checked = if field == "generateName" {
            value.strip_suffix('-').unwrap_or(value)
        } else {
            value
        };
        let errors = format.validate(checked);
        if errors.is_empty() {
            continue;
        }
        let mut help = format!("a {kind} name must be {}", format.describe());
        if let Some(suggestion) = format.suggest(checked) {
            help.push_str(&format!("; for example `{suggestion}`"));
        }
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(node.span),
                format!(
                    "metadata.{field}: Invalid value: {:?}: {}",
                    value,
                    errors.join(", ")
                ),
            )
            .with_label(format!("not a valid {kind} name"))
            .with_help(help),
        );
    }
}

/// A metadata string field written so that YAML reads it as something else (`name: 1234`).
pub fn report_not_string(rule: &'static Rule, cx: &mut Context<'_>, field: &str, node: &Node) {
    let text = cx.text(node.span).to_owned();
    cx.report(
        Diagnostic::new(
            rule,
            cx.loc(node.span),
            format!(
                "metadata.{field} must be a string, but `{text}` is read as {}",
                node.a_type_name()
            ),
        )
        .with_help(format!("quote it: {field}: \"{text}\"")),
    );
}
