//! A fast path for the common shape of policy expressions, evaluated directly on kubevet's YAML
//! tree: field selection, `has`, indexing, `!`/`&&`/`||`/`?:`, comparisons of ints, doubles,
//! strings, bools and nulls, `in`, `size`, `startsWith`/`endsWith`/`contains`/`matches`,
//! `isQuantity(s)` and `quantity(a).compareTo(quantity(b))` (`isGreaterThan`, `isLessThan`), and
//! the `all`/`exists` macros.
//!
//! It answers only when it is sure to give what the `cel` interpreter gives: it never raises an
//! error, it *gives up* ([`None`]) on anything unusual — a missing key, a type mismatch, an
//! equality across types, a NaN, a list or map result, loops costing more than [`MAX_COST`] — and the
//! caller then evaluates the program with the interpreter, which has the exact semantics
//! (including errors absorbed by `&&`/`||` and the cost budget). What the fast path skips is the
//! interpreter's per-evaluation work (a context, the values of the variables, a name lookup per
//! function call, a boxed value per step) and the conversion of the object to CEL values.
//!
//! Values follow [`super::convert`] without a schema (admission policies): an integer past int64
//! is a double, a whole float is an int (kubectl writes `1.0` as `1`), map keys are strings.

use crate::load::tree::{Node, Value as Y};
use cel::IdedExpr;
use cel::common::ast::{Expr, LiteralValue, operators};
use std::cell::Cell;
use std::cmp::Ordering;

/// The cost of comprehension iterations (all loops of one evaluation, each weighted as the
/// interpreter's budget charges it, [`super::rewrite::weight`]) after which the fast path gives
/// up: far below the cost budget ([`super::budget::PER_CALL_LIMIT`]), so the interpreter, which
/// charges the budget, decides every case near it.
pub const MAX_COST: u64 = 200_000;

/// A compiled fast-path expression.
#[derive(Debug)]
pub enum F {
    Lit(Lit),
    /// A variable of the activation (`object`, `params`, ...).
    Var(String),
    /// A comprehension variable, by its depth (0: the outermost loop).
    Local(usize),
    Select(Box<F>, String),
    Has(Box<F>, String),
    Index(Box<F>, Box<F>),
    Not(Box<F>),
    And(Box<F>, Box<F>),
    Or(Box<F>, Box<F>),
    Cond(Box<F>, Box<F>, Box<F>),
    Cmp(Op, Box<F>, Box<F>),
    In(Box<F>, Box<F>),
    /// `x in [literals]`.
    InList(Box<F>, Vec<Lit>),
    Size(Box<F>),
    Str(StrOp, Box<F>, Box<F>),
    /// `isQuantity(s)`.
    IsQuantity(Box<F>),
    /// `quantity(a).compareTo(quantity(b))`, `isGreaterThan`, `isLessThan`.
    Quantities(QuantityOp, Box<F>, Box<F>),
    /// `range.all(x, p)` (`true`) or `range.exists(x, p)` (`false`).
    Loop {
        all: bool,
        range: Box<F>,
        body: Box<F>,
        /// The cost of one iteration.
        weight: u64,
    },
}

#[derive(Debug, Clone)]
pub enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy)]
pub enum QuantityOp {
    CompareTo,
    IsGreaterThan,
    IsLessThan,
}

#[derive(Debug, Clone, Copy)]
pub enum StrOp {
    StartsWith,
    EndsWith,
    Contains,
    Matches,
}

/// A value during a fast evaluation.
#[derive(Clone, Copy, Debug)]
pub enum V<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(&'a str),
    /// A list or a map of the tree.
    Node(&'a Node),
}

/// The fast form of a parsed expression (macros expanded, before [`super::rewrite`]), or `None`
/// when it uses anything the fast path does not cover.
pub fn build(e: &IdedExpr) -> Option<F> {
    build_in(e, &mut Vec::new())
}

fn build_in(e: &IdedExpr, locals: &mut Vec<String>) -> Option<F> {
    let b = |e: &IdedExpr, locals: &mut Vec<String>| build_in(e, locals).map(Box::new);
    Some(match &e.expr {
        Expr::Literal(l) => F::Lit(lit(l)?),
        Expr::Ident(name) => match locals.iter().rposition(|l| l == name) {
            Some(depth) => F::Local(depth),
            None if name.starts_with('@') => return None,
            None => F::Var(name.clone()),
        },
        Expr::Select(s) if s.test => F::Has(b(&s.operand, locals)?, s.field.clone()),
        Expr::Select(s) => F::Select(b(&s.operand, locals)?, s.field.clone()),
        Expr::Comprehension(c) => {
            if c.iter_var2.is_some()
                || !matches!(&c.result.expr, Expr::Ident(n) if *n == c.accu_var)
            {
                return None;
            }
            let all = match &c.accu_init.expr {
                Expr::Literal(LiteralValue::Boolean(b)) => *b.inner(),
                _ => return None,
            };
            let Expr::Call(step) = &c.loop_step.expr else {
                return None;
            };
            let connective = if all {
                operators::LOGICAL_AND
            } else {
                operators::LOGICAL_OR
            };
            if step.func_name != connective
                || step.target.is_some()
                || step.args.len() != 2
                || !matches!(&step.args[0].expr, Expr::Ident(n) if *n == c.accu_var)
                || c.accu_var == c.iter_var
            {
                return None;
            }
            let range = b(&c.iter_range, locals)?;
            locals.push(c.iter_var.clone());
            let body = b(&step.args[1], locals);
            locals.pop();
            F::Loop {
                all,
                range,
                body: body?,
                weight: super::rewrite::weight(c),
            }
        }
        Expr::List(_) | Expr::Map(_) | Expr::Struct(_) | Expr::Unspecified => return None,
        Expr::Call(call) => {
            let args = &call.args;
            match (call.func_name.as_str(), &call.target, args.len()) {
                (operators::LOGICAL_NOT, None, 1) => F::Not(b(&args[0], locals)?),
                (operators::LOGICAL_AND, None, 2) => {
                    F::And(b(&args[0], locals)?, b(&args[1], locals)?)
                }
                (operators::LOGICAL_OR, None, 2) => {
                    F::Or(b(&args[0], locals)?, b(&args[1], locals)?)
                }
                (operators::CONDITIONAL, None, 3) => F::Cond(
                    b(&args[0], locals)?,
                    b(&args[1], locals)?,
                    b(&args[2], locals)?,
                ),
                (operators::INDEX, None, 2) => F::Index(b(&args[0], locals)?, b(&args[1], locals)?),
                (operators::IN, None, 2) => match &args[1].expr {
                    Expr::List(l) if l.optional_indices.is_empty() => F::InList(
                        b(&args[0], locals)?,
                        l.elements
                            .iter()
                            .map(|e| match &e.expr {
                                Expr::Literal(l) => lit(l),
                                _ => None,
                            })
                            .collect::<Option<Vec<_>>>()?,
                    ),
                    _ => F::In(b(&args[0], locals)?, b(&args[1], locals)?),
                },
                (name, None, 2) => {
                    let op = match name {
                        operators::EQUALS => Op::Eq,
                        operators::NOT_EQUALS => Op::Ne,
                        operators::LESS => Op::Lt,
                        operators::LESS_EQUALS => Op::Le,
                        operators::GREATER => Op::Gt,
                        operators::GREATER_EQUALS => Op::Ge,
                        _ => return None,
                    };
                    F::Cmp(op, b(&args[0], locals)?, b(&args[1], locals)?)
                }
                ("size", None, 1) => F::Size(b(&args[0], locals)?),
                ("isQuantity", None, 1) => F::IsQuantity(b(&args[0], locals)?),
                (name @ ("compareTo" | "isGreaterThan" | "isLessThan"), Some(t), 1) => {
                    let op = match name {
                        "compareTo" => QuantityOp::CompareTo,
                        "isGreaterThan" => QuantityOp::IsGreaterThan,
                        _ => QuantityOp::IsLessThan,
                    };
                    let quantity = |e: &IdedExpr, locals: &mut Vec<String>| match &e.expr {
                        Expr::Call(q)
                            if q.func_name == "quantity"
                                && q.target.is_none()
                                && q.args.len() == 1 =>
                        {
                            b(&q.args[0], locals)
                        }
                        _ => None,
                    };
                    F::Quantities(op, quantity(t, locals)?, quantity(&args[0], locals)?)
                }
                ("size", Some(t), 0) => F::Size(b(t, locals)?),
                (name, Some(t), 1) => {
                    let op = match name {
                        "startsWith" => StrOp::StartsWith,
                        "endsWith" => StrOp::EndsWith,
                        "contains" => StrOp::Contains,
                        // a literal pattern only: compiled once per thread
                        "matches"
                            if matches!(args[0].expr, Expr::Literal(LiteralValue::String(_))) =>
                        {
                            StrOp::Matches
                        }
                        _ => return None,
                    };
                    // `ns.f(x)` of a namespace is a qualified function, not a method
                    if matches!(&t.expr, Expr::Ident(n) if super::rewrite::NAMESPACES.contains(&n.as_str()) && !locals.contains(n))
                    {
                        return None;
                    }
                    F::Str(op, b(t, locals)?, b(&args[0], locals)?)
                }
                _ => return None,
            }
        }
    })
}

fn lit(l: &LiteralValue) -> Option<Lit> {
    Some(match l {
        LiteralValue::Null => Lit::Null,
        LiteralValue::Boolean(b) => Lit::Bool(*b.inner()),
        LiteralValue::Int(i) => Lit::Int(*i.inner()),
        LiteralValue::Double(d) => Lit::Double(*d.inner()),
        LiteralValue::String(s) => Lit::Str(s.inner().to_string()),
        LiteralValue::UInt(_) | LiteralValue::Bytes(_) => return None,
    })
}

/// A node of the tree as a value, as [`super::convert::to_cel`] types it.
pub fn of(node: &Node) -> V<'_> {
    match &node.value {
        Y::Null => V::Null,
        Y::Bool(b) => V::Bool(*b),
        Y::Int(i) => match i64::try_from(*i) {
            Ok(v) => V::Int(v),
            Err(_) => V::Double(*i as f64),
        },
        Y::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                V::Int(*f as i64)
            } else {
                V::Double(*f)
            }
        }
        Y::Str(s) => V::Str(s),
        Y::Seq(_) | Y::Map(_) => V::Node(node),
    }
}

/// The value of `key` in a map node: the last entry with that key, as the conversion's map keeps
/// it.
fn lookup<'a>(map: &'a Node, key: &str) -> Option<&'a Node> {
    let Y::Map(entries) = &map.value else {
        return None;
    };
    entries
        .iter()
        .rev()
        .find(|e| match &e.key.value {
            Y::Str(k) => k == key,
            _ => e.key.key_string().as_deref() == Some(key),
        })
        .map(|e| &e.value)
}

struct Run<'a, 'r> {
    vars: &'r dyn Fn(&str) -> Option<&'a Node>,
    locals: Vec<V<'a>>,
    spent: Cell<u64>,
}

/// Evaluates `f` with the variables `vars` gives; `None`: the fast path gives up (evaluate the
/// program with the interpreter).
pub fn eval<'a>(f: &'a F, vars: &dyn Fn(&str) -> Option<&'a Node>) -> Option<V<'a>> {
    let mut run = Run {
        vars,
        locals: Vec::new(),
        spent: Cell::new(0),
    };
    run.eval(f)
}

impl<'a> Run<'a, '_> {
    fn eval(&mut self, f: &'a F) -> Option<V<'a>> {
        Some(match f {
            F::Lit(l) => match l {
                Lit::Null => V::Null,
                Lit::Bool(b) => V::Bool(*b),
                Lit::Int(i) => V::Int(*i),
                Lit::Double(d) => V::Double(*d),
                Lit::Str(s) => V::Str(s),
            },
            F::Var(name) => of((self.vars)(name)?),
            F::Local(depth) => *self.locals.get(*depth)?,
            F::Select(operand, field) => match self.eval(operand)? {
                V::Node(n) => of(lookup(n, field)?),
                _ => return None,
            },
            F::Has(operand, field) => match self.eval(operand)? {
                V::Node(n) if n.is_map() => V::Bool(lookup(n, field).is_some()),
                _ => return None,
            },
            F::Index(operand, index) => {
                let (V::Node(n), i) = (self.eval(operand)?, self.eval(index)?) else {
                    return None;
                };
                match (&n.value, i) {
                    (Y::Seq(items), V::Int(i)) => of(items.get(usize::try_from(i).ok()?)?),
                    (Y::Map(_), V::Str(k)) => of(lookup(n, k)?),
                    _ => return None,
                }
            }
            F::Not(x) => V::Bool(!self.bool(x)?),
            F::And(l, r) => V::Bool(self.bool(l)? && self.bool(r)?),
            F::Or(l, r) => V::Bool(self.bool(l)? || self.bool(r)?),
            F::Cond(c, a, b) => {
                if self.bool(c)? {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            F::Cmp(op, l, r) => {
                let (l, r) = (self.eval(l)?, self.eval(r)?);
                if !matches!(op, Op::Eq | Op::Ne)
                    && !matches!(l, V::Int(_) | V::Double(_) | V::Str(_))
                {
                    return None; // ordering bools or nulls: left to the interpreter
                }
                let o = compare(l, r)?;
                V::Bool(match op {
                    Op::Eq => o == Ordering::Equal,
                    Op::Ne => o != Ordering::Equal,
                    Op::Lt => o == Ordering::Less,
                    Op::Le => o != Ordering::Greater,
                    Op::Gt => o == Ordering::Greater,
                    Op::Ge => o != Ordering::Less,
                })
            }
            F::In(x, container) => {
                let (x, V::Node(c)) = (self.eval(x)?, self.eval(container)?) else {
                    return None;
                };
                match (&c.value, x) {
                    (Y::Map(_), V::Str(k)) => V::Bool(lookup(c, k).is_some()),
                    (Y::Seq(items), x) => {
                        let mut found = false;
                        for item in items {
                            if equal(x, of(item))? {
                                found = true;
                                break;
                            }
                        }
                        V::Bool(found)
                    }
                    _ => return None,
                }
            }
            F::InList(x, list) => {
                let x = self.eval(x)?;
                let mut found = false;
                for l in list {
                    let item = match l {
                        Lit::Null => V::Null,
                        Lit::Bool(b) => V::Bool(*b),
                        Lit::Int(i) => V::Int(*i),
                        Lit::Double(d) => V::Double(*d),
                        Lit::Str(s) => V::Str(s),
                    };
                    if equal(x, item)? {
                        found = true;
                        break;
                    }
                }
                V::Bool(found)
            }
            F::Size(x) => V::Int(match self.eval(x)? {
                V::Str(s) => s.chars().count() as i64,
                V::Node(n) => match &n.value {
                    Y::Seq(items) => items.len() as i64,
                    Y::Map(entries) => {
                        // keys are unique in the conversion's map
                        let unique = entries.iter().enumerate().all(|(i, e)| {
                            e.key.as_str().is_some_and(|k| {
                                !entries[..i].iter().any(|o| o.key.as_str() == Some(k))
                            })
                        });
                        if !unique {
                            return None;
                        }
                        entries.len() as i64
                    }
                    _ => return None,
                },
                _ => return None,
            }),
            F::Str(op, target, arg) => {
                let (V::Str(s), V::Str(a)) = (self.eval(target)?, self.eval(arg)?) else {
                    return None;
                };
                V::Bool(match op {
                    StrOp::StartsWith => s.starts_with(a),
                    StrOp::EndsWith => s.ends_with(a),
                    StrOp::Contains => s.contains(a),
                    StrOp::Matches => {
                        super::library::regex::with_regex("matches", a, |r| r.is_match(s)).ok()?
                    }
                })
            }
            F::IsQuantity(x) => match self.eval(x)? {
                V::Str(s) => V::Bool(super::library::quantity::parse(s).is_ok()),
                _ => return None,
            },
            F::Quantities(op, a, b) => {
                let (V::Str(a), V::Str(b)) = (self.eval(a)?, self.eval(b)?) else {
                    return None;
                };
                let parse = super::library::quantity::parse;
                let (a, b) = (parse(a).ok()?, parse(b).ok()?);
                let o = a.compare(&b)?;
                match op {
                    QuantityOp::CompareTo => V::Int(o as i64),
                    QuantityOp::IsGreaterThan => V::Bool(o == Ordering::Greater),
                    QuantityOp::IsLessThan => V::Bool(o == Ordering::Less),
                }
            }
            F::Loop {
                all,
                range,
                body,
                weight,
            } => {
                let V::Node(n) = self.eval(range)? else {
                    return None;
                };
                let mut keys;
                let mut items;
                let elements: &mut dyn Iterator<Item = V<'a>> = match &n.value {
                    Y::Seq(list) => {
                        items = list.iter().map(of);
                        &mut items
                    }
                    Y::Map(entries) => {
                        keys = entries.iter().map(|e| match e.key.as_str() {
                            Some(k) => V::Str(k),
                            None => V::Null, // not a string key: given up below
                        });
                        &mut keys
                    }
                    _ => return None,
                };
                let mut result = *all;
                for item in elements {
                    if matches!(item, V::Null) && n.is_map() {
                        return None;
                    }
                    let spent = self.spent.get() + weight;
                    if spent > MAX_COST {
                        return None;
                    }
                    self.spent.set(spent);
                    self.locals.push(item);
                    let b = self.bool(body);
                    self.locals.pop();
                    if b? != *all {
                        result = !*all;
                        break;
                    }
                }
                V::Bool(result)
            }
        })
    }

    fn bool(&mut self, f: &'a F) -> Option<bool> {
        match self.eval(f)? {
            V::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// The order of two values of the same type (`None`: across types, NaN, lists and maps).
fn compare(a: V<'_>, b: V<'_>) -> Option<Ordering> {
    match (a, b) {
        (V::Int(x), V::Int(y)) => Some(x.cmp(&y)),
        (V::Double(x), V::Double(y)) => x.partial_cmp(&y),
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(&y)),
        (V::Null, V::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

fn equal(a: V<'_>, b: V<'_>) -> Option<bool> {
    compare(a, b).map(|o| o == Ordering::Equal)
}

/// A scalar result as a CEL value (`None` for a list or map).
pub fn to_value(v: V<'_>) -> Option<cel::Value> {
    Some(match v {
        V::Null => cel::Value::Null,
        V::Bool(b) => cel::Value::Bool(b),
        V::Int(i) => cel::Value::Int(i),
        V::Double(d) => cel::Value::Float(d),
        V::Str(s) => cel::Value::String(std::sync::Arc::new(s.to_owned())),
        V::Node(_) => return None,
    })
}
