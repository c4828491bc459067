//! The CEL evaluation of a policy on one object through one binding, and its finding.

use super::RULE;
use super::matching::Target;
use super::read::{Binding, Policy};
use crate::index::Instance;
use crate::load::tree::{Entry, Node, Style, Value as Y};
use crate::model::diagnostic::{Diagnostic, Location, Severity};
use crate::model::span::Span;
use crate::policy::cel::{self, Activation, EvalError, Limits, Program, convert};
use ::cel::common::value::Val;
use std::cell::OnceCell;
use std::collections::HashMap;

pub(super) fn node(value: Y) -> Node {
    Node::new(value, Span::default(), Style::Plain)
}

fn str_node(s: &str) -> Node {
    node(Y::Str(s.to_owned()))
}

fn map_node(entries: Vec<(&str, Node)>) -> Node {
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

/// A Namespace the repository has no object for, as the API server would have it.
pub(super) fn namespace_node(ns: &str) -> Node {
    map_node(vec![
        ("apiVersion", str_node("v1")),
        ("kind", str_node("Namespace")),
        (
            "metadata",
            map_node(vec![
                ("name", str_node(ns)),
                (
                    "labels",
                    map_node(vec![("kubernetes.io/metadata.name", str_node(ns))]),
                ),
            ]),
        ),
    ])
}

pub(super) fn finding(
    instance: &Instance,
    policy: &Policy,
    binding: &Binding,
    severity: Severity,
    detail: String,
) -> Diagnostic {
    // A rendered object is one overlay's view of a base: say which, as a base object's finding
    // points into the base.
    let detail = if instance.object.tree.is_some() {
        format!("{detail} ({} as rendered)", instance.display())
    } else {
        detail
    };
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

/// The variables of an evaluation as nodes of the tree, and their CEL values, converted only if
/// an expression needs the interpreter (the fast path reads the nodes), once per object.
pub(super) struct Scope<'s, 'a> {
    /// `object`, `oldObject`, `request`, `namespaceObject`, `params`.
    pub(super) nodes: [(&'static str, Lazy<'a>); 5],
    pub(super) values: [&'s OnceCell<Box<dyn Val + 'a>>; 5],
}

/// A variable's node, or how to build it (the request) when an expression first reads it.
#[derive(Clone, Copy)]
pub(super) enum Lazy<'a> {
    Node(&'a Node),
    Built(&'a OnceCell<Node>, &'a dyn Fn() -> Node),
}

impl<'a> Lazy<'a> {
    fn get(self) -> &'a Node {
        match self {
            Lazy::Node(n) => n,
            Lazy::Built(cell, build) => cell.get_or_init(build),
        }
    }
}

impl<'a> Scope<'_, 'a> {
    fn node(&self, name: &str) -> Option<&'a Node> {
        self.nodes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.get())
    }

    fn value(&self, i: usize) -> &(dyn Val + 'a) {
        self.values[i]
            .get_or_init(|| convert::to_cel(self.nodes[i].1.get()))
            .as_ref()
    }
}

/// Every finding of `policy` through `binding` on one object: one per failing validation, as the
/// API server decides each validation (k8s.io/apiserver/pkg/admission/plugin/policy/validating/
/// validator.go, `Validate`).
pub(super) fn evaluate(
    policy: &Policy,
    binding: &Binding,
    instance: &Instance,
    env: &cel::Env,
    scope: &Scope<'_, '_>,
    found: &mut Vec<Diagnostic>,
) {
    let Some(severity) = binding.severity else {
        return;
    };
    let error = |what: String| -> Option<Diagnostic> {
        (!policy.fail_open).then(|| finding(instance, policy, binding, severity, what))
    };
    // The interpreter's variables, built on the first expression the fast path does not answer.
    let variables: OnceCell<Option<Box<dyn Val>>> = OnceCell::new();
    let slow = |program: &Program| -> Result<cel::Value, EvalError> {
        let Some(variables) = variables
            .get_or_init(|| variable_values(policy, env, scope))
            .as_deref()
        else {
            return Err(EvalError::Error("variables".into()));
        };
        let mut act = Activation::new();
        for (i, (name, _)) in scope.nodes.iter().enumerate() {
            act = act.bind(name, scope.value(i));
        }
        let act = act.bind("variables", variables);
        cel::eval(program, env, &act, Limits::default())
    };
    let run = |program: &Program| -> Result<cel::Value, EvalError> {
        match cel::eval_fast(program, &|name| scope.node(name)) {
            Some(v) => Ok(v),
            None => slow(program),
        }
    };
    for (name, program) in &policy.conditions {
        let Ok(program) = program else { return };
        match run(program) {
            Ok(cel::Value::Bool(true)) => {}
            Ok(cel::Value::Bool(false)) => return,
            Ok(_) | Err(EvalError::Error(_)) => {
                found.extend(error(format!(
                    "matchCondition '{name}' did not evaluate to a bool"
                )));
                return;
            }
            Err(EvalError::Cost) => {
                found.extend(error(format!(
                    "matchCondition '{name}' exceeded the cost budget"
                )));
                return;
            }
            Err(EvalError::NotEvaluable(_)) => return,
        }
    }
    for v in &policy.validations {
        let Ok(program) = &v.program else { continue };
        match run(program) {
            Ok(cel::Value::Bool(true)) => {}
            Ok(cel::Value::Bool(false)) => {
                let mut detail = None;
                if let Some(m) = &v.message_expression
                    && let Ok(cel::Value::String(s)) = run(m)
                {
                    let s = s.trim();
                    if !s.is_empty() && !s.contains('\n') && s.len() <= 5000 {
                        detail = Some(s.to_owned());
                    }
                }
                let detail = detail
                    .or_else(|| v.message.clone())
                    .unwrap_or_else(|| format!("failed expression: {}", v.expression.trim()));
                found.push(finding(instance, policy, binding, severity, detail));
            }
            Ok(other) => found.extend(error(format!(
                "expression '{}' resulted in {other:?}, not a bool",
                v.expression.trim()
            ))),
            Err(EvalError::Error(e)) => found.extend(error(format!(
                "expression '{}' resulted in error: {e}",
                v.expression.trim()
            ))),
            Err(EvalError::Cost) => {
                // The API server runs no further validation of the policy either.
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
                found.push(d);
                return;
            }
            Err(EvalError::NotEvaluable(_)) => {}
        }
    }
}

/// The policy's `variables`, in order, each seeing the earlier ones (a variable that fails to
/// evaluate is absent: an expression reading it fails, as on the API server).
fn variable_values<'a>(
    policy: &Policy,
    env: &cel::Env,
    scope: &Scope<'_, 'a>,
) -> Option<Box<dyn Val + 'a>> {
    let mut values: HashMap<String, cel::Value> = HashMap::new();
    for (name, program) in &policy.variables {
        let Ok(program) = program else { continue };
        let map: Box<dyn Val> = cel::Value::from(values.clone()).try_into().ok()?;
        let mut act = Activation::new();
        for (i, (n, _)) in scope.nodes.iter().enumerate() {
            act = act.bind(n, scope.value(i));
        }
        let act = act.bind("variables", map.as_ref());
        let result = match cel::eval_fast(program, &|n| scope.node(n)) {
            Some(v) => Ok(v),
            None => cel::eval(program, env, &act, Limits::default()),
        };
        if let Ok(v) = result {
            values.insert(name.clone(), v);
        }
    }
    cel::Value::from(values).try_into().ok()
}
