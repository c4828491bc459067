//! Offline evaluation of CEL as the Kubernetes API server does it: CRD `x-kubernetes-validations`
//! rules and ValidatingAdmissionPolicy expressions (issue #17).
//!
//! Built on the `cel` crate (parser + interpreter), with
//! - Kubernetes' extension libraries ([`library`]), gated by the release that introduced them
//!   ([`versions`]), as `--kubernetes-version` implies;
//! - a lexical pre-check ([`guard`]) and an AST pass ([`rewrite`]) that make every evaluation
//!   bounded ([`budget`]): a hostile expression stops with [`EvalError::Cost`], never a hang or a
//!   stack overflow;
//! - the conversion of kubevet's YAML tree into CEL values ([`convert`]).
//!
//! Use: build one [`Env`] per Kubernetes release, [`compile`] each expression once (cache the
//! [`Program`] per policy), then [`eval`] it per object with an [`Activation`].

pub mod budget;
pub mod convert;
pub mod escape;
pub mod fast;
pub mod guard;
pub mod library;
pub mod rewrite;
pub mod versions;

#[cfg(test)]
mod tests;

use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use std::sync::Arc;

pub use cel::Value;

/// The CEL environment of one Kubernetes release.
pub struct Env {
    inner: Arc<cel::Env>,
    /// The Kubernetes minor version (1.N) whose environment this is.
    pub kube_minor: u32,
}

impl Env {
    /// The environment new expressions get on a Kubernetes 1.`kube_minor` API server.
    pub fn new(kube_minor: u32) -> Env {
        // A map literal repeating a key is an error, as the conformance tests require.
        let mut env = cel::Env::stdlib();
        library::register(&mut env).expect("the Kubernetes library registers once");
        Env {
            inner: Arc::new(env),
            kube_minor,
        }
    }
}

/// A compiled expression: parsed, macros expanded, rewritten for the budget.
#[derive(Debug)]
pub struct Program {
    expr: cel::IdedExpr,
    /// Why it cannot be evaluated offline (e.g. it calls the authorizer), if so.
    pub not_evaluable: Option<String>,
    /// The variables it reads (`self`, `oldSelf`, `object`, `params`, ...).
    pub variables: Vec<String>,
    /// Its fast form, when it has one ([`fast`]).
    fast: Option<fast::F>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CompileError {
    /// The expression does not parse; line and column are 1-based, in code points.
    Syntax {
        message: String,
        line: usize,
        column: usize,
    },
    /// Too long or too deep to evaluate safely (see [`guard`]).
    TooComplex(guard::Rejected),
    /// A function of a library the given release does not have (the API server rejects the
    /// expression: "undeclared reference").
    Unavailable {
        function: String,
        /// The first release whose new expressions can use it; `None`: no release has it.
        introduced: Option<u32>,
    },
    /// A function neither CEL nor Kubernetes defines, as far as this table knows.
    UnknownFunction(String),
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::Syntax {
                message,
                line,
                column,
            } => write!(f, "syntax error at {line}:{column}: {message}"),
            CompileError::TooComplex(r) => r.fmt(f),
            CompileError::Unavailable {
                function,
                introduced: Some(v),
            } => write!(
                f,
                "function `{function}` is not available before Kubernetes 1.{v}"
            ),
            CompileError::Unavailable {
                function,
                introduced: None,
            } => write!(
                f,
                "function `{function}` is not part of Kubernetes' CEL environment"
            ),
            CompileError::UnknownFunction(name) => write!(f, "undeclared function `{name}`"),
        }
    }
}

/// Why an evaluation produced no value.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// The cost budget ran out: the API server would stop it too
    /// ("operation cancelled: actual cost limit exceeded").
    Cost,
    /// A CEL runtime error (no such key, overflow, division by zero, ...).
    Error(String),
    /// The expression needs something that does not exist offline (the authorizer, a
    /// function kubevet does not implement): no verdict.
    NotEvaluable(String),
}

/// Compiles `src` for `env`.
pub fn compile(src: &str, env: &Env) -> Result<Program, CompileError> {
    guard::check(src).map_err(CompileError::TooComplex)?;
    // The parser must not panic on any input, but a panic here must not take kubevet down.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        env.inner.parser().parse(src)
    }))
    .map_err(|_| CompileError::Syntax {
        message: "the CEL parser failed on this expression".into(),
        line: 1,
        column: 1,
    })?;
    let mut expr = parsed.map_err(|errors| {
        // Never `Display` a ParseError: it panics for columns past 65,535 (cel 0.15).
        let first = errors.errors.first();
        CompileError::Syntax {
            message: first.map_or_else(|| "syntax error".to_string(), |e| e.msg.clone()),
            line: first.map_or(1, |e| e.pos.0.max(1) as usize),
            column: first.map_or(1, |e| e.pos.1.max(0) as usize + 1),
        }
    })?;
    let fast = fast::build(&expr);
    let summary = rewrite::rewrite(&mut expr);
    let mut not_evaluable = None;
    for name in &summary.functions {
        match versions::check(name, env.kube_minor) {
            versions::Availability::Available => {}
            versions::Availability::NotEvaluable => {
                not_evaluable
                    .get_or_insert_with(|| format!("`{name}` cannot be evaluated offline"));
            }
            versions::Availability::Unimplemented => {
                not_evaluable
                    .get_or_insert_with(|| format!("kubevet does not implement `{name}` yet"));
            }
            versions::Availability::Later(v) => {
                return Err(CompileError::Unavailable {
                    function: name.clone(),
                    introduced: v,
                });
            }
            versions::Availability::Unknown => {
                return Err(CompileError::UnknownFunction(name.clone()));
            }
        }
    }
    if summary.variables.iter().any(|v| v == "authorizer") {
        not_evaluable.get_or_insert_with(|| "`authorizer` needs the API server".to_string());
    }
    Ok(Program {
        expr,
        not_evaluable,
        variables: summary.variables,
        fast,
    })
}

/// The variables of one evaluation, already converted to CEL values (convert each object once,
/// with [`convert::to_cel`], and share it across all the programs that read it).
#[derive(Default)]
pub struct Activation<'a> {
    vars: Vec<(&'a str, &'a (dyn Val + 'a))>,
}

impl<'a> Activation<'a> {
    pub fn new() -> Self {
        Activation { vars: Vec::new() }
    }

    /// Binds `name` (`self`, `oldSelf`, `object`, `oldObject`, `params`, `namespaceObject`,
    /// `request`, `variables`, ...).
    pub fn bind(mut self, name: &'a str, value: &'a (dyn Val + 'a)) -> Self {
        self.vars.push((name, value));
        self
    }
}

impl VariableResolver for Activation<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        if let Some(weight) = variable.strip_prefix(budget::TICK_VAR) {
            // One comprehension iteration. Exhausted: an undeclared-reference error, and
            // `eval` reports the budget.
            return budget::charge(weight.parse().unwrap_or(1))
                .ok()
                .map(|()| CowVal::Borrowed(&cel::common::types::CelBool::TRUE as &dyn Val));
        }
        self.vars
            .iter()
            .find(|(n, _)| *n == variable)
            .map(|(_, v)| CowVal::Borrowed(*v as &'b (dyn Val + 'b)))
    }
}

/// Evaluation limits; [`Limits::default`] is the API server's per-expression limit.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub cost: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cost: budget::PER_CALL_LIMIT,
        }
    }
}

/// Evaluates `program` with `activation`, within `limits`.
pub fn eval(
    program: &Program,
    env: &Env,
    activation: &Activation<'_>,
    limits: Limits,
) -> Result<Value, EvalError> {
    if let Some(why) = &program.not_evaluable {
        return Err(EvalError::NotEvaluable(why.clone()));
    }
    let mut ctx = cel::Context::with_env(env.inner.clone());
    ctx.set_variable_resolver(activation);
    resolve(program, &ctx, limits)
}

/// Evaluates `program` in `ctx` under the cost budget of `limits`.
fn resolve(program: &Program, ctx: &cel::Context, limits: Limits) -> Result<Value, EvalError> {
    let armed = budget::arm(limits.cost);
    let result = cel::Value::resolve_val(&program.expr, ctx);
    if armed.exhausted().is_some() {
        return Err(EvalError::Cost);
    }
    match result {
        Ok(v) => Value::try_from(v.as_ref()).map_err(|e| EvalError::Error(e.to_string())),
        Err(e) => Err(EvalError::Error(e.to_string())),
    }
}

/// Evaluates `program` on the tree with the fast path ([`fast`]), the variables being nodes
/// (`vars` gives `None` for a variable it does not have as a node). `None`: no answer, evaluate it
/// with [`eval`]; a `Some` is what [`eval`] would give.
pub fn eval_fast<'a>(
    program: &'a Program,
    vars: &dyn Fn(&str) -> Option<&'a crate::load::tree::Node>,
) -> Option<Value> {
    if program.not_evaluable.is_some() {
        return None;
    }
    fast::to_value(fast::eval(program.fast.as_ref()?, vars)?)
}

/// Evaluates `program` with variables given as `cel::Value`s (tests, the conformance runner).
pub fn eval_values(
    program: &Program,
    env: &Env,
    bindings: &[(&str, Value)],
    limits: Limits,
) -> Result<Value, EvalError> {
    if let Some(why) = &program.not_evaluable {
        return Err(EvalError::NotEvaluable(why.clone()));
    }
    let activation = Activation::new();
    let mut ctx = cel::Context::with_env(env.inner.clone());
    ctx.set_variable_resolver(&activation);
    for (name, value) in bindings {
        ctx.add_variable_from_value(*name, value.clone());
    }
    resolve(program, &ctx, limits)
}

/// Compiles and evaluates `src` with no variables (tests, examples).
pub fn eval_str(src: &str, env: &Env) -> Result<Value, EvalError> {
    let program = compile(src, env).map_err(|e| EvalError::Error(e.to_string()))?;
    eval(&program, env, &Activation::new(), Limits::default())
}
