//! The pass over a parsed expression (macros already expanded) that
//! - makes every comprehension iteration charge the budget (see [`super::budget`]): the loop
//!   condition becomes `@kubevet_tick && cond`, where the variable [`TICK_VAR`] is resolved by the
//!   activation, which charges one unit per lookup; for the `map`/`filter` shapes the interpreter
//!   runs in place (`@result + [e]`), the tick becomes (or joins) the filter, keeping the shape;
//! - turns field selections `a.b` into index operations `a['b']`: same result on the maps
//!   objects are, but the interpreter evaluates the index directly, where a selection chain
//!   rooted at a variable goes through its qualified-name resolution (a string join and several
//!   lookups per evaluation; `has(a.b)` is left as it is);
//! - sends `matches` to our regex with a compiled-pattern cache and a cost, and `+` to a
//!   concatenation charged for the size of its result;
//! - collects the functions called (qualified: `optional.of`, `sets.contains`) and the free
//!   variables, for the version check and the activation.
//!
//! The recursion is bounded by [`super::guard::MAX_DEPTH`] (plus the few levels macros add).

use super::budget::TICK_VAR;
use cel::IdedExpr;
use cel::common::ast::{CallExpr, EntryExpr, Expr, LiteralValue, operators};
use std::collections::BTreeSet;

/// Namespaces of qualified functions: `ns.f(...)` is the function `ns.f`, not a method of a
/// variable `ns`.
pub const NAMESPACES: &[&str] = &[
    "optional",
    "sets",
    "lists",
    "strings",
    "format",
    "math",
    "base64",
    "cel",
    "ip",
    "jsonpatch",
];

/// What the pass found.
#[derive(Debug, Default)]
pub struct Summary {
    pub functions: BTreeSet<String>,
    pub variables: Vec<String>,
}

pub fn rewrite(expr: &mut IdedExpr) -> Summary {
    let mut summary = Summary::default();
    let mut bound = Vec::new();
    walk(expr, &mut summary, &mut bound);
    summary
}

fn walk(e: &mut IdedExpr, s: &mut Summary, bound: &mut Vec<String>) {
    match &mut e.expr {
        Expr::Ident(name) => {
            if !name.starts_with('@')
                && !bound.iter().any(|b| b == name)
                && !s.variables.iter().any(|v| v == name)
            {
                s.variables.push(name.clone());
            }
        }
        Expr::Call(call) => {
            let qualified = match call.target.as_deref() {
                Some(IdedExpr {
                    expr: Expr::Ident(ns),
                    ..
                }) if NAMESPACES.contains(&ns.as_str()) && !bound.iter().any(|b| b == ns) => {
                    Some(format!("{ns}.{}", call.func_name))
                }
                _ => None,
            };
            match qualified {
                Some(name) => {
                    s.functions.insert(name);
                }
                None => {
                    if let Some(t) = call.target.as_deref_mut() {
                        walk(t, s, bound);
                    }
                    // operators are not functions; internal `@` names are, when gated
                    // (the two-variable comprehension helpers, sortBy's)
                    let internal = call.func_name.starts_with('@')
                        && super::versions::entry(&call.func_name).is_none();
                    if !call.func_name.starts_with('_')
                        && !internal
                        && !call.func_name.starts_with("!_")
                        && !call.func_name.starts_with("-_")
                    {
                        s.functions.insert(call.func_name.clone());
                    }
                }
            }
            if call.func_name == "matches" {
                call.func_name = super::library::MATCHES.to_string();
            }
            // `+`, except where the comprehension macros append (`@result + [e]`, which the
            // interpreter runs in place and the tick charges)
            if call.func_name == operators::ADD
                && call.target.is_none()
                && !matches!(call.args.first(), Some(IdedExpr { expr: Expr::Ident(n), .. }) if n.starts_with('@'))
            {
                call.func_name = super::library::ADD.to_string();
            }
            for a in &mut call.args {
                walk(a, s, bound);
            }
        }
        Expr::Select(sel) => {
            // Only chains of selections rooted at a variable go through the slow qualified-name
            // resolution; other selections keep their exact semantics (on optionals, say).
            let chain = !sel.test && ident_chain_root(&sel.operand).is_some_and(|r| r != "google");
            walk(&mut sel.operand, s, bound);
            if chain {
                let operand = std::mem::take(&mut *sel.operand);
                let field = std::mem::take(&mut sel.field);
                e.expr = Expr::Call(CallExpr {
                    func_name: operators::INDEX.to_string(),
                    target: None,
                    args: vec![
                        operand,
                        IdedExpr {
                            id: e.id,
                            expr: Expr::Literal(LiteralValue::String(field.into())),
                        },
                    ],
                });
            }
        }
        Expr::List(list) => {
            for el in &mut list.elements {
                walk(el, s, bound);
            }
        }
        Expr::Map(map) => {
            for entry in &mut map.entries {
                if let EntryExpr::MapEntry(me) = &mut entry.expr {
                    walk(&mut me.key, s, bound);
                    walk(&mut me.value, s, bound);
                }
            }
        }
        Expr::Struct(st) => {
            s.functions.insert(format!("struct {}", st.type_name));
            for entry in &mut st.entries {
                if let EntryExpr::StructField(f) = &mut entry.expr {
                    walk(&mut f.value, s, bound);
                }
            }
        }
        Expr::Comprehension(c) => {
            walk(&mut c.iter_range, s, bound);
            walk(&mut c.accu_init, s, bound);
            let pushed = 2 + usize::from(c.iter_var2.is_some());
            bound.push(c.iter_var.clone());
            bound.push(c.accu_var.clone());
            if let Some(v2) = &c.iter_var2 {
                bound.push(v2.clone());
            }
            walk(&mut c.loop_cond, s, bound);
            walk(&mut c.loop_step, s, bound);
            walk(&mut c.result, s, bound);
            bound.truncate(bound.len() - pushed);
            meter(c);
        }
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The variable a chain `v.a.b` of plain selections starts from.
fn ident_chain_root(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Ident(n) => Some(n),
        Expr::Select(s) if !s.test => ident_chain_root(&s.operand),
        // an already rewritten inner selection
        Expr::Call(c)
            if c.func_name == operators::INDEX
                && c.args.len() == 2
                && matches!(c.args[1].expr, Expr::Literal(LiteralValue::String(_))) =>
        {
            ident_chain_root(&c.args[0])
        }
        _ => None,
    }
}

/// The cost of one iteration of a comprehension: one unit per variable, selection and call
/// its loop condition and step evaluate (a nested comprehension counts once; its own iterations
/// are charged by its own tick), as cel-go's runtime cost tracker charges them
/// (`interpreter/runtimecost.go`: `SelectAndIdentCost`, one per call), plus one.
pub fn weight(c: &cel::common::ast::ComprehensionExpr) -> u64 {
    fn count(e: &IdedExpr) -> u64 {
        match &e.expr {
            Expr::Ident(_) => 1,
            Expr::Select(s) => 1 + count(&s.operand),
            Expr::Call(c) => {
                1 + c.target.as_deref().map_or(0, count) + c.args.iter().map(count).sum::<u64>()
            }
            Expr::List(l) => l.elements.iter().map(count).sum(),
            Expr::Map(m) => m
                .entries
                .iter()
                .map(|e| match &e.expr {
                    EntryExpr::MapEntry(m) => count(&m.key) + count(&m.value),
                    EntryExpr::StructField(f) => count(&f.value),
                })
                .sum(),
            Expr::Comprehension(_) => 1,
            _ => 0,
        }
    }
    (1 + count(&c.loop_cond) + count(&c.loop_step)).min(1000)
}

/// Inserts the budget's tick into one comprehension.
fn meter(c: &mut cel::common::ast::ComprehensionExpr) {
    let tick_var = format!("{TICK_VAR}{}", weight(c));
    let tick = |id: u64| ident(id, &tick_var);
    let accu = c.accu_var.clone();
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if *n == accu);
    let append_shape = is_accu(&c.result) && matches!(c.loop_cond.expr, Expr::Literal(_));
    if append_shape {
        let is_append = |e: &IdedExpr| {
            matches!(&e.expr, Expr::Call(add)
                if add.func_name == operators::ADD
                    && add.args.len() == 2
                    && is_accu(&add.args[0])
                    && matches!(add.args[1].expr, Expr::List(_)))
        };
        let step = &mut c.loop_step;
        if let Expr::Call(call) = &mut step.expr
            && call.func_name == operators::CONDITIONAL
            && call.args.len() == 3
            && is_accu(&call.args[2])
            && is_append(&call.args[1])
        {
            // `guard ? @result + [e] : @result` → `@tick && guard ? ...`
            and_tick(&mut call.args[0], tick);
            return;
        }
        if is_append(step) {
            // `@result + [e]` → `@tick ? @result + [e] : @result`
            let id = step.id;
            let append = std::mem::take(step);
            *step = IdedExpr {
                id,
                expr: Expr::Call(CallExpr {
                    func_name: operators::CONDITIONAL.to_string(),
                    target: None,
                    args: vec![tick(id), append, ident(id, &accu)],
                }),
            };
            return;
        }
    }
    and_tick(&mut c.loop_cond, tick);
}

fn ident(id: u64, name: &str) -> IdedExpr {
    IdedExpr {
        id,
        expr: Expr::Ident(name.to_string()),
    }
}

/// `e` becomes `@tick && e`.
fn and_tick(e: &mut IdedExpr, tick: impl Fn(u64) -> IdedExpr) {
    let inner = std::mem::take(e);
    let id = inner.id;
    *e = IdedExpr {
        id,
        expr: Expr::Call(CallExpr {
            func_name: operators::LOGICAL_AND.to_string(),
            target: None,
            args: vec![tick(id), inner],
        }),
    };
}

/// A literal `true`, for macro expansions.
pub fn literal_bool(b: bool) -> Expr {
    Expr::Literal(LiteralValue::Boolean(b.into()))
}
