//! Policies and bindings read from their objects, each expression compiled once.

use super::matching::{MatchResources, Selector, strings};
use crate::load::tree::Node;
use crate::model::diagnostic::{Location, Severity};
use crate::policy::cel::{self, Program};

/// A parsed and compiled policy.
pub(super) struct Policy {
    pub(super) name: String,
    pub(super) location: Option<Location>,
    pub(super) origin: String,
    pub(super) param_kind: Option<(String, String)>,
    pub(super) constraints: Option<MatchResources>,
    pub(super) conditions: Vec<(String, Compiled)>,
    pub(super) variables: Vec<(String, Compiled)>,
    pub(super) validations: Vec<Validation>,
    pub(super) fail_open: bool,
    /// Why the policy cannot be evaluated offline (authorizer, user info, ...).
    pub(super) not_evaluable: Option<String>,
    /// An expression that does not compile: (field, message).
    pub(super) broken: Vec<(String, String)>,
}

pub(super) type Compiled = Result<Program, String>;

pub(super) struct Validation {
    pub(super) expression: String,
    pub(super) program: Compiled,
    pub(super) message: Option<String>,
    pub(super) message_expression: Option<Program>,
}

pub(super) struct Binding {
    pub(super) name: String,
    pub(super) location: Option<Location>,
    pub(super) origin: String,
    pub(super) policy: String,
    pub(super) param_ref: Option<ParamRef>,
    pub(super) resources: Option<MatchResources>,
    pub(super) severity: Option<Severity>,
}

pub(super) struct ParamRef {
    pub(super) name: Option<String>,
    pub(super) namespace: Option<String>,
    pub(super) selector: Option<Selector>,
    pub(super) deny_if_missing: bool,
}

pub(super) fn compile(src: &str, env: &cel::Env) -> Compiled {
    cel::compile(src, env).map_err(|e| e.to_string())
}

/// The reason a source cannot be evaluated offline, if it reads what only the API server knows.
pub(super) fn offline_problem(src: &str) -> Option<String> {
    if src.contains("authorizer") {
        Some("it calls the authorizer, which needs the API server".into())
    } else if src.contains("userInfo") {
        Some("it reads request.userInfo, which only the API server knows".into())
    } else {
        None
    }
}

pub(super) fn read_policy(
    object: &Node,
    location: Option<Location>,
    origin: &str,
    env: &cel::Env,
) -> Policy {
    let spec = object.get("spec");
    let name = object
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_owned();
    let mut not_evaluable = None;
    let mut broken = Vec::new();
    let mut compiled = |field: String, src: &str| -> Compiled {
        if let Some(why) = offline_problem(src) {
            not_evaluable.get_or_insert(why);
        }
        let c = compile(src, env);
        if let Err(e) = &c {
            broken.push((field, e.clone()));
        }
        c
    };
    let list = |key: &str| {
        spec.and_then(|s| s.get(key))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
    };
    let mut conditions = Vec::new();
    for (i, c) in list("matchConditions").iter().enumerate() {
        let n = c
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned();
        if let Some(src) = c.get("expression").and_then(Node::as_str) {
            conditions.push((n, compiled(format!("spec.matchConditions[{i}]"), src)));
        }
    }
    let mut variables = Vec::new();
    for (i, v) in list("variables").iter().enumerate() {
        let n = v
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned();
        if let Some(src) = v.get("expression").and_then(Node::as_str) {
            variables.push((n, compiled(format!("spec.variables[{i}]"), src)));
        }
    }
    let mut validations = Vec::new();
    for (i, v) in list("validations").iter().enumerate() {
        let Some(src) = v.get("expression").and_then(Node::as_str) else {
            continue;
        };
        let program = compiled(format!("spec.validations[{i}].expression"), src);
        let message_expression = v
            .get("messageExpression")
            .and_then(Node::as_str)
            .and_then(|m| compiled(format!("spec.validations[{i}].messageExpression"), m).ok());
        validations.push(Validation {
            expression: src.to_owned(),
            program,
            message: v
                .get("message")
                .and_then(Node::as_str)
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty()),
            message_expression,
        });
    }
    let param_kind = spec.and_then(|s| s.get("paramKind")).and_then(|p| {
        Some((
            p.get("apiVersion")?.as_str()?.to_owned(),
            p.get("kind")?.as_str()?.to_owned(),
        ))
    });
    Policy {
        name,
        location,
        origin: origin.to_owned(),
        param_kind,
        constraints: spec
            .and_then(|s| s.get("matchConstraints"))
            .map(MatchResources::read),
        conditions,
        variables,
        validations,
        fail_open: spec
            .and_then(|s| s.get("failurePolicy"))
            .and_then(Node::as_str)
            == Some("Ignore"),
        not_evaluable,
        broken,
    }
}

pub(super) fn read_binding(object: &Node, location: Option<Location>, origin: &str) -> Binding {
    let spec = object.get("spec");
    let actions = strings(spec.and_then(|s| s.get("validationActions")));
    let severity = if actions.iter().any(|a| a == "Deny") {
        Some(Severity::Error)
    } else if actions.iter().any(|a| a == "Warn") {
        Some(Severity::Warning)
    } else if actions.iter().any(|a| a == "Audit") {
        Some(Severity::Info)
    } else {
        None
    };
    Binding {
        name: object
            .get_path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
        location,
        origin: origin.to_owned(),
        policy: spec
            .and_then(|s| s.get("policyName"))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
        param_ref: spec.and_then(|s| s.get("paramRef")).map(|p| ParamRef {
            name: p.get("name").and_then(Node::as_str).map(str::to_owned),
            namespace: p.get("namespace").and_then(Node::as_str).map(str::to_owned),
            selector: p.get("selector").map(Selector::read),
            deny_if_missing: p.get("parameterNotFoundAction").and_then(Node::as_str)
                == Some("Deny"),
        }),
        resources: spec
            .and_then(|s| s.get("matchResources"))
            .map(MatchResources::read),
        severity,
    }
}
