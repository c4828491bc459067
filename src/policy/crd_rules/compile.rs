//! A CRD's own rules: one that does not compile is an error at the rule.

use super::{env, parse_field_path};
use crate::check::Context;
use crate::load::tree::{Node, Value as Y};
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::model::rule::crd_validation_rule as RULE;
use crate::model::span::Span;
use crate::policy::cel::{self, CompileError};

/// The rules of a CRD object: one that does not compile is an error at the rule (the API server
/// rejects the CRD); one kubevet cannot evaluate offline is an info there.
/// `versions`: each version's name and `openAPIV3Schema` (a schema shared by several versions
/// is compiled once).
pub fn check_crd(crd: &str, versions: &[(&str, &Node)], cx: &mut Context<'_>) {
    let env = env(cx.options.kubernetes_version.minor);
    let mut seen: Vec<Span> = Vec::new();
    for (version, schema) in versions {
        if seen.contains(&schema.span) {
            continue;
        }
        seen.push(schema.span);
        compile_all(schema, env, crd, version, cx);
    }
}

fn compile_all(schema: &Node, env: &cel::Env, crd: &str, version: &str, cx: &mut Context<'_>) {
    let Y::Map(entries) = &schema.value else {
        return;
    };
    for e in entries {
        match e.key.as_str() {
            Some("x-kubernetes-validations") => {
                for item in e.value.as_seq().unwrap_or(&[]) {
                    for key in ["rule", "messageExpression"] {
                        let Some(node) = item.get(key) else {
                            continue;
                        };
                        let Some(text) = node.as_str() else {
                            continue;
                        };
                        report_compile(text, node, key, env, crd, version, cx);
                    }
                    if let Some(node) = item.get("fieldPath")
                        && let Some(text) = node.as_str()
                        && parse_field_path(text).is_none()
                    {
                        cx.report(
                            Diagnostic::new(
                                &RULE,
                                cx.loc(node.span),
                                format!(
                                    "fieldPath `{text}` is not a valid JSON path (CRD {crd}, version {version})"
                                ),
                            )
                            .with_label("invalid fieldPath")
                            .with_help("write it as `.field.subfield` or `.field['key']`, relative to the node the rule sits on; the API server rejects the CRD"),
                        );
                    }
                }
            }
            Some("properties") => {
                for p in e.value.entries() {
                    compile_all(&p.value, env, crd, version, cx);
                }
            }
            Some("items" | "additionalProperties") => {
                compile_all(&e.value, env, crd, version, cx);
            }
            _ => {}
        }
    }
}

fn report_compile(
    text: &str,
    node: &Node,
    key: &str,
    env: &cel::Env,
    crd: &str,
    version: &str,
    cx: &mut Context<'_>,
) {
    let minor = env.kube_minor;
    let (severity, message, help) = match cel::compile(text, env) {
        Ok(p) => match &p.not_evaluable {
            None => return,
            Some(why) => (
                Severity::Info,
                format!("the {key} is not evaluated offline: {why} (CRD {crd}, version {version})"),
                "kubevet does not check custom resources against it".to_owned(),
            ),
        },
        Err(CompileError::TooComplex(r)) => (
            Severity::Info,
            format!("the {key} is too large to evaluate: {r} (CRD {crd}, version {version})"),
            "kubevet does not check custom resources against it".to_owned(),
        ),
        Err(e @ CompileError::Unavailable { .. }) => (
            Severity::Error,
            format!("the {key} does not compile for Kubernetes 1.{minor}: {e} (CRD {crd}, version {version})"),
            "the API server rejects the CRD (undeclared reference); use functions of the target release, or target a newer one with --kubernetes-version".to_owned(),
        ),
        Err(e) => (
            Severity::Error,
            format!("the {key} does not compile: {e} (CRD {crd}, version {version})"),
            "the API server rejects a CRD whose x-kubernetes-validations do not compile".to_owned(),
        ),
    };
    let mut d = Diagnostic::new(&RULE, cx.loc(node.span), message)
        .with_label(if severity == Severity::Error {
            "does not compile"
        } else {
            "not evaluated"
        })
        .with_help(help);
    d.severity = severity;
    cx.report(d);
}
