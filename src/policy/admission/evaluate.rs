//! The CEL evaluation of a policy on one object through one binding, and its finding.

use super::RULE;
use super::matching::Target;
use super::read::{Binding, Policy};
use crate::index::Instance;
use crate::load::tree::{Entry, Node, Style, Value as Y};
use crate::model::diagnostic::{Diagnostic, Location, Severity};
use crate::model::span::Span;
use crate::policy::cel::{self, Activation, EvalError, Limits};
use std::collections::HashMap;

pub(super) fn node(value: Y) -> Node {
    Node::new(value, Span::default(), Style::Plain)
}

pub(super) fn str_node(s: &str) -> Node {
    node(Y::Str(s.to_owned()))
}

pub(super) fn map_node(entries: Vec<(&str, Node)>) -> Node {
    node(Y::Map(
        entries
            .into_iter()
            .map(|(k, v)| Entry {
                key: str_node(k),
                value: v,
            })
            .collect(),
    ))
}

/// The admission request an apply that creates the object carries.
pub(super) fn request_node(t: &Target<'_>, kind: &str) -> Node {
    map_node(vec![
        (
            "kind",
            map_node(vec![
                ("group", str_node(t.group)),
                ("version", str_node(t.version)),
                ("kind", str_node(kind)),
            ]),
        ),
        (
            "resource",
            map_node(vec![
                ("group", str_node(t.group)),
                ("version", str_node(t.version)),
                ("resource", str_node(&t.resource)),
            ]),
        ),
        ("name", str_node(t.name)),
        ("namespace", str_node(t.namespace.unwrap_or(""))),
        ("operation", str_node("CREATE")),
        ("dryRun", node(Y::Bool(false))),
        ("options", map_node(vec![])),
    ])
}

pub(super) fn finding(
    instance: &Instance,
    policy: &Policy,
    binding: &Binding,
    severity: Severity,
    detail: String,
) -> Diagnostic {
    let message = match severity {
        Severity::Error => format!(
            "ValidatingAdmissionPolicy '{}' with binding '{}' denied request: {detail}",
            policy.name, binding.name
        ),
        _ => format!(
            "Validation failed for ValidatingAdmissionPolicy '{}' with binding '{}': {detail}",
            policy.name, binding.name
        ),
    };
    let mut d = instance
        .diagnostic(&RULE, instance.object.location, message)
        .with_label(match severity {
            Severity::Error => "denied by an admission policy",
            Severity::Warning => "the admission policy warns",
            _ => "audited by an admission policy",
        });
    if let Some(l) = policy.location {
        d = d.with_secondary(l, format!("policy {}", policy.name));
    }
    if let Some(l) = binding.location {
        d = d.with_secondary(l, format!("binding {}", binding.name));
    }
    let from = |origin: &str, loc: Option<Location>| {
        if loc.is_some() {
            String::new()
        } else {
            format!(" ({origin})")
        }
    };
    d = d.with_help(format!(
        "the policy {}{} applies through the binding {}{}; change the object so that its validations hold",
        policy.name,
        from(&policy.origin, policy.location),
        binding.name,
        from(&binding.origin, binding.location),
    ));
    d.severity = severity;
    d
}

pub(super) fn evaluate(
    policy: &Policy,
    binding: &Binding,
    instance: &Instance,
    env: &cel::Env,
    vars: &[(&str, &dyn ::cel::common::value::Val)],
) -> Option<Diagnostic> {
    let severity = binding.severity?;
    let base = || {
        let mut a = Activation::new();
        for (n, v) in vars {
            a = a.bind(n, *v);
        }
        a
    };
    let error = |what: String| -> Option<Diagnostic> {
        (!policy.fail_open).then(|| finding(instance, policy, binding, severity, what))
    };
    // Variables, in order, each seeing the earlier ones.
    let mut values: HashMap<String, cel::Value> = HashMap::new();
    for (name, program) in &policy.variables {
        let Ok(program) = program else { continue };
        let map: Box<dyn ::cel::common::value::Val> =
            cel::Value::from(values.clone()).try_into().ok()?;
        let act = base().bind("variables", map.as_ref());
        if let Ok(v) = cel::eval(program, env, &act, Limits::default()) {
            values.insert(name.clone(), v);
        }
    }
    let variables: Box<dyn ::cel::common::value::Val> = cel::Value::from(values).try_into().ok()?;
    let act = base().bind("variables", variables.as_ref());
    for (name, program) in &policy.conditions {
        let Ok(program) = program else { return None };
        match cel::eval(program, env, &act, Limits::default()) {
            Ok(cel::Value::Bool(true)) => {}
            Ok(cel::Value::Bool(false)) => return None,
            Ok(_) | Err(EvalError::Error(_)) => {
                return error(format!(
                    "matchCondition '{name}' did not evaluate to a bool"
                ));
            }
            Err(EvalError::Cost) => {
                return error(format!("matchCondition '{name}' exceeded the cost budget"));
            }
            Err(EvalError::NotEvaluable(_)) => return None,
        }
    }
    for v in &policy.validations {
        let Ok(program) = &v.program else { continue };
        match cel::eval(program, env, &act, Limits::default()) {
            Ok(cel::Value::Bool(true)) => {}
            Ok(cel::Value::Bool(false)) => {
                let mut detail = None;
                if let Some(m) = &v.message_expression
                    && let Ok(cel::Value::String(s)) = cel::eval(m, env, &act, Limits::default())
                {
                    let s = s.trim();
                    if !s.is_empty() && !s.contains('\n') && s.len() <= 5000 {
                        detail = Some(s.to_owned());
                    }
                }
                let detail = detail
                    .or_else(|| v.message.clone())
                    .unwrap_or_else(|| format!("failed expression: {}", v.expression.trim()));
                return Some(finding(instance, policy, binding, severity, detail));
            }
            Ok(other) => {
                return error(format!(
                    "expression '{}' resulted in {other:?}, not a bool",
                    v.expression.trim()
                ));
            }
            Err(EvalError::Error(e)) => {
                return error(format!(
                    "expression '{}' resulted in error: {e}",
                    v.expression.trim()
                ));
            }
            Err(EvalError::Cost) => {
                let mut d = finding(
                    instance,
                    policy,
                    binding,
                    Severity::Warning,
                    format!(
                        "expression '{}' exceeded kubevet's cost budget ({} units) on this object",
                        v.expression.trim(),
                        Limits::default().cost
                    ),
                );
                d.severity = Severity::Warning;
                return Some(d);
            }
            Err(EvalError::NotEvaluable(_)) => return None,
        }
    }
    None
}
