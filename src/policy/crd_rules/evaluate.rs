//! Evaluating the compiled rules on a custom resource, level by level of its schema.

use super::{Level, Step, env};
use crate::check::Context;
use crate::load::tree::{Node, Value as Y};
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::model::rule::crd_validation_rule as RULE;
use crate::model::span::Span;
use crate::policy::cel::{self, EvalError, Limits, convert};

/// A step of a Kubernetes field path (`spec.containers[0].env[FOO]`).
pub(super) enum PathPart {
    Field(String),
    Index(usize),
    Key(String),
}

fn display_path(path: &[PathPart]) -> String {
    let mut out = String::new();
    for part in path {
        match part {
            PathPart::Field(f) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(f);
            }
            PathPart::Index(i) => out.push_str(&format!("[{i}]")),
            PathPart::Key(k) => out.push_str(&format!("[{k}]")),
        }
    }
    if out.is_empty() {
        "<nil>".to_owned()
    } else {
        out
    }
}

pub(super) fn walk(
    level: &Level,
    value: &Node,
    anchor: Span,
    path: &mut Vec<PathPart>,
    crd_name: &str,
    minor: u32,
    cx: &mut Context<'_>,
) {
    if value.is_null() {
        return;
    }
    if !level.rules.is_empty() {
        evaluate(level, value, anchor, path, crd_name, minor, cx);
    }
    match &value.value {
        Y::Map(entries) => {
            for e in entries {
                let Some(key) = e.key.as_str() else {
                    continue;
                };
                if let Some((_, sub)) = level.properties.iter().find(|(n, _)| n == key) {
                    path.push(PathPart::Field(key.to_owned()));
                    walk(sub, &e.value, e.key.span, path, crd_name, minor, cx);
                    path.pop();
                } else if let Some(sub) = &level.additional {
                    path.push(PathPart::Key(key.to_owned()));
                    walk(sub, &e.value, e.key.span, path, crd_name, minor, cx);
                    path.pop();
                }
            }
        }
        Y::Seq(items) => {
            if let Some(sub) = &level.items {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathPart::Index(i));
                    walk(sub, item, item.span, path, crd_name, minor, cx);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

fn evaluate(
    level: &Level,
    value: &Node,
    anchor: Span,
    path: &[PathPart],
    crd_name: &str,
    minor: u32,
    cx: &mut Context<'_>,
) {
    let env = env(minor);
    let this = convert::to_cel_typed(value, &level.schema);
    let act = cel::Activation::new().bind("self", this.as_ref());
    for rule in &level.rules {
        let Ok(program) = &rule.program else {
            continue; // reported at the CRD
        };
        if rule.transition || program.not_evaluable.is_some() {
            continue;
        }
        let at = |extra: &[Step]| -> (Span, String) {
            let mut node = value;
            let mut span = anchor;
            let mut parts: Vec<PathPart> = Vec::new();
            let mut found = true;
            for step in extra {
                let (Step::Field(k) | Step::Key(k)) = step;
                parts.push(match step {
                    Step::Field(k) => PathPart::Field(k.clone()),
                    Step::Key(k) => PathPart::Key(k.clone()),
                });
                match node.entry(k) {
                    Some(e) if found => {
                        span = e.key.span;
                        node = &e.value;
                    }
                    _ => found = false,
                }
            }
            let shown: Vec<PathPart> = path
                .iter()
                .map(|p| match p {
                    PathPart::Field(f) => PathPart::Field(f.clone()),
                    PathPart::Index(i) => PathPart::Index(*i),
                    PathPart::Key(k) => PathPart::Key(k.clone()),
                })
                .chain(parts)
                .collect();
            (span, display_path(&shown))
        };
        let rule_shown = rule
            .message
            .clone()
            .unwrap_or_else(|| rule.text.trim().to_owned());
        match cel::eval(program, env, &act, Limits::default()) {
            Ok(cel::Value::Bool(true)) => {}
            Ok(cel::Value::Bool(false)) => {
                let steps = rule.field_path.as_deref().unwrap_or(&[]);
                let (span, shown) = at(steps);
                let mut detail = None;
                if let Some(m) = &rule.message_expression
                    && let Ok(cel::Value::String(s)) = cel::eval(m, env, &act, Limits::default())
                {
                    let s = s.trim();
                    if !s.is_empty() && !s.contains('\n') && s.len() <= 5000 {
                        detail = Some(s.to_owned());
                    }
                }
                let from_expression = detail.is_some();
                let detail = detail
                    .or_else(|| rule.message.clone())
                    .unwrap_or_else(|| format!("failed rule: {}", rule.text.trim()));
                // The value is shown for scalars; messageExpression embeds it if it wants.
                let shown_value = (!from_expression
                    && level.type_name != "object"
                    && level.type_name != "array"
                    && steps.is_empty())
                .then(|| value.to_json().to_string());
                let message = match rule.reason.as_deref() {
                    Some("FieldValueForbidden") => format!("{shown}: Forbidden: {detail}"),
                    Some("FieldValueRequired") => format!("{shown}: Required value: {detail}"),
                    Some("FieldValueDuplicate") => format!(
                        "{shown}: Duplicate value: {}",
                        shown_value.unwrap_or_else(|| detail.clone())
                    ),
                    _ => match shown_value {
                        Some(v) => format!("{shown}: Invalid value: {v}: {detail}"),
                        None => format!("{shown}: Invalid value: {detail}"),
                    },
                };
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(span), message)
                        .with_label("rejected by a validation rule of the CRD")
                        .with_help(format!(
                            "the CRD {crd_name} requires `{}` here (x-kubernetes-validations); the API server rejects the object",
                            rule.text.trim()
                        )),
                );
            }
            Ok(other) => {
                let (span, shown) = at(&[]);
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(span),
                        format!(
                            "{shown}: Invalid value: rule `{}` gave {other:?}, not a bool",
                            rule.text.trim()
                        ),
                    )
                    .with_label("the rule's result is not a bool")
                    .with_help(format!(
                        "the API server rejects the CRD {crd_name}: a rule must evaluate to a bool"
                    )),
                );
            }
            Err(EvalError::Error(e)) => {
                let (span, shown) = at(&[]);
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(span),
                        format!("{shown}: Invalid value: {e} evaluating rule: {rule_shown}"),
                    )
                    .with_label("the rule fails on this value")
                    .with_help(format!(
                        "the API server rejects the object when a rule of its CRD {crd_name} fails to evaluate: `{}`",
                        rule.text.trim()
                    )),
                );
            }
            Err(EvalError::Cost) => {
                let (span, shown) = at(&[]);
                let mut d = Diagnostic::new(
                    &RULE,
                    cx.loc(span),
                    format!(
                        "{shown}: the rule `{}` exceeds the cost budget on this value",
                        rule.text.trim()
                    ),
                )
                .with_label("too costly to evaluate")
                .with_help(format!(
                    "kubevet stopped the rule of CRD {crd_name} after {} cost units; the API server stops rules that exceed its own cost limit (\"call cost exceeds limit\") and rejects the object",
                    Limits::default().cost
                ));
                d.severity = Severity::Warning;
                cx.report(d);
            }
            Err(EvalError::NotEvaluable(_)) => {}
        }
    }
}
