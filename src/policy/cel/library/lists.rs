//! `kubernetes.lists` (`isSorted`, `sum`, `min`, `max`; `indexOf`/`lastIndexOf` are in
//! [`super::strings`]), cel-go's `ext.Sets`, and cel-go's `ext.TwoVarComprehensions`.
//!
//! The `cel` crate's interpreter binds one iteration variable only (it ignores
//! `ComprehensionExpr::iter_var2`). The two-variable macros are therefore expanded here into
//! one-variable comprehensions over `@kv_pairs(range)` — `[[key or index, value], ...]` — with
//! the two names replaced by `@kvN[0]` and `@kvN[1]` in the macro's arguments (not where an inner
//! comprehension rebinds them). The transforms build a list of pairs, turned into a map by
//! `@kv_to_map` (`transformMap`) or merged by `@kv_merge` (`transformMapEntry`).

use super::{Ret, as_list, boolean, err, list, no_overload};
use crate::policy::cel::budget::charge;
use cel::common::ast::{CallExpr, ComprehensionExpr, Expr, ListExpr, LiteralValue, operators};
use cel::common::types::{CelInt, CelList, CelMap, CelMapKey, DYN_TYPE};
use cel::common::value::{CowVal, Val};
use cel::parser::{Macro, MacroExprHelper, ParseError};
use cel::{DeclarationError, Env, ExecutionError, IdedExpr};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

pub fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let d = || DYN_TYPE;
    env.add_member_overload("isSorted", "isSorted", d(), vec![], is_sorted)?;
    env.add_member_overload("sum", "sum", d(), vec![], sum)?;
    env.add_member_overload("min", "min", d(), vec![], min)?;
    env.add_member_overload("max", "max", d(), vec![], max)?;
    env.add_overload(
        "sets.contains",
        "sets_contains",
        vec![d(), d()],
        sets_contains,
    )?;
    env.add_overload(
        "sets.equivalent",
        "sets_equivalent",
        vec![d(), d()],
        sets_equivalent,
    )?;
    env.add_overload(
        "sets.intersects",
        "sets_intersects",
        vec![d(), d()],
        sets_intersects,
    )?;
    env.add_overload("@kv_pairs", "kv_pairs", vec![d()], kv_pairs)?;
    env.add_overload("@kv_to_map", "kv_to_map", vec![d()], kv_to_map)?;
    env.add_overload("@kv_merge", "kv_merge", vec![d()], kv_merge)?;
    for (name, kind) in [
        ("all", Kind::All),
        ("exists", Kind::Exists),
        ("existsOne", Kind::ExistsOne),
        ("transformList", Kind::TransformList),
        ("transformMap", Kind::TransformMap),
        ("transformMapEntry", Kind::TransformMapEntry),
    ] {
        env.add_macro(Macro::receiver(name, 3, move |h, t, a| {
            expand(kind, h, t, a)
        }))?;
        if matches!(
            kind,
            Kind::TransformList | Kind::TransformMap | Kind::TransformMapEntry
        ) {
            env.add_macro(Macro::receiver(name, 4, move |h, t, a| {
                expand(kind, h, t, a)
            }))?;
        }
    }
    Ok(())
}

fn items<'b, 'v>(
    f: &str,
    args: &'b [CowVal<'_, 'v>],
) -> Result<&'b [Box<dyn Val + 'v>], ExecutionError> {
    let items = args
        .first()
        .and_then(|a| as_list(a.as_ref()))
        .ok_or_else(|| no_overload(f, args))?;
    charge(1 + items.len() as u64)?;
    Ok(items)
}

fn compare(f: &str, a: &dyn Val, b: &dyn Val) -> Result<Ordering, ExecutionError> {
    if a.get_type() != b.get_type() {
        return Err(err(f, "list elements must have the same type"));
    }
    a.as_comparer()
        .ok_or_else(|| {
            err(
                f,
                format!("{} values are not comparable", a.get_type().name()),
            )
        })?
        .compare(b)
}

fn is_sorted<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let items = items("isSorted", &args)?;
    for w in items.windows(2) {
        if compare("isSorted", w[0].as_ref(), w[1].as_ref())? == Ordering::Greater {
            return boolean(false);
        }
    }
    boolean(true)
}

fn sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let items = items("sum", &args)?;
    let Some((first, rest)) = items.split_first() else {
        return Ok(CowVal::owned(CelInt::from(0)));
    };
    let mut acc: Box<dyn Val> = first.clone();
    for item in rest {
        let adder = acc.as_adder().ok_or_else(|| {
            err(
                "sum",
                format!("cannot sum {} values", acc.get_type().name()),
            )
        })?;
        let next = adder.add(item.as_ref())?.into_owned();
        acc = next;
    }
    Ok(CowVal::Owned(acc))
}

fn extreme<'b, 'v>(f: &str, args: Vec<CowVal<'b, 'v>>, want: Ordering) -> Ret<'b, 'v> {
    let items = items(f, &args)?;
    let Some((first, rest)) = items.split_first() else {
        return Err(err(f, format!("{f} called on empty list")));
    };
    let mut best = first;
    for item in rest {
        if compare(f, item.as_ref(), best.as_ref())? == want {
            best = item;
        }
    }
    Ok(CowVal::Owned(best.clone()))
}

fn min<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    extreme("min", args, Ordering::Less)
}

fn max<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    extreme("max", args, Ordering::Greater)
}

type Slice<'b, 'v> = &'b [Box<dyn Val + 'v>];

fn two_lists<'b, 'v>(
    f: &str,
    args: &'b [CowVal<'_, 'v>],
) -> Result<(Slice<'b, 'v>, Slice<'b, 'v>), ExecutionError> {
    match (
        args.first().and_then(|a| as_list(a.as_ref())),
        args.get(1).and_then(|a| as_list(a.as_ref())),
    ) {
        (Some(a), Some(b)) => {
            charge(1 + (a.len() as u64).saturating_mul(b.len() as u64))?;
            Ok((a, b))
        }
        _ => Err(no_overload(f, args)),
    }
}

fn contains_all(a: &[Box<dyn Val + '_>], b: &[Box<dyn Val + '_>]) -> bool {
    b.iter().all(|x| a.iter().any(|y| **y == **x))
}

fn sets_contains<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let (a, b) = two_lists("sets.contains", &args)?;
    boolean(contains_all(a, b))
}

fn sets_equivalent<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let (a, b) = two_lists("sets.equivalent", &args)?;
    boolean(contains_all(a, b) && contains_all(b, a))
}

fn sets_intersects<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let (a, b) = two_lists("sets.intersects", &args)?;
    boolean(b.iter().any(|x| a.iter().any(|y| **y == **x)))
}

// ---- two-variable comprehensions ----

/// `[[index, value], ...]` for a list, `[[key, value], ...]` for a map.
fn kv_pairs<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let target = args
        .first()
        .ok_or_else(|| no_overload("@kv_pairs", &args))?;
    let pair = |k: Box<dyn Val + 'v>, v: Box<dyn Val + 'v>| -> Box<dyn Val + 'v> {
        Box::new(CelList::from(vec![k, v]))
    };
    if let Some(l) = target.downcast_ref::<CelList>() {
        charge(1 + l.inner().len() as u64)?;
        let pairs = l
            .inner()
            .iter()
            .enumerate()
            .map(|(i, v)| pair(Box::new(CelInt::from(i as i64)), v.clone()))
            .collect();
        return list(pairs);
    }
    if let Some(m) = target.downcast_ref::<CelMap>() {
        charge(1 + m.inner().len() as u64)?;
        let pairs = m
            .inner()
            .iter()
            .map(|(k, v)| pair(k.inner().clone_as_boxed(), v.clone()))
            .collect();
        return list(pairs);
    }
    Err(no_overload("@kv_pairs", &args))
}

fn pair_parts<'a, 'v>(
    p: &'a (dyn Val + 'v),
) -> Result<(&'a (dyn Val + 'v), &'a (dyn Val + 'v)), ExecutionError> {
    match as_list(p) {
        Some([k, v]) => Ok((k.as_ref(), v.as_ref())),
        _ => Err(err("transformMap", "internal: not a pair")),
    }
}

fn key_of<'v>(k: &(dyn Val + 'v)) -> Result<CelMapKey<'v>, ExecutionError> {
    CelMapKey::try_from(k.clone_as_boxed()).map_err(|_| err("transformMap", "unsupported key type"))
}

/// `transformMap`: the list of `[key, value]` pairs built by the comprehension, as a map.
fn kv_to_map<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let pairs = items("@kv_to_map", &args)?;
    let mut map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = HashMap::with_capacity(pairs.len());
    for p in pairs {
        let (k, v) = pair_parts(p.as_ref())?;
        map.insert(key_of(k)?, v.clone_as_boxed());
    }
    Ok(CowVal::owned(CelMap::from(map)))
}

/// `transformMapEntry`: the maps built by the comprehension, merged; a repeated key is an error
/// as in cel-go ("insert failed: key ... already exists").
fn kv_merge<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let maps = items("@kv_merge", &args)?;
    let mut map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = HashMap::new();
    for m in maps {
        let m = m
            .downcast_ref::<CelMap>()
            .ok_or_else(|| err("transformMapEntry", "the transform must return a map"))?;
        charge(1 + m.inner().len() as u64)?;
        for (k, v) in m.inner() {
            if map.insert(k.clone(), v.clone()).is_some() {
                return Err(err(
                    "transformMapEntry",
                    format!("insert failed: key {:?} already exists", k.inner()),
                ));
            }
        }
    }
    Ok(CowVal::owned(CelMap::from(map)))
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    All,
    Exists,
    ExistsOne,
    TransformList,
    TransformMap,
    TransformMapEntry,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

fn ident_of(e: &IdedExpr, h: &MacroExprHelper<'_>) -> Result<String, ParseError> {
    match &e.expr {
        Expr::Ident(n) => Ok(n.clone()),
        _ => Err(h.new_error(e.id, "argument must be a simple name")),
    }
}

fn call(h: &mut MacroExprHelper<'_>, f: &str, args: Vec<IdedExpr>) -> IdedExpr {
    h.next_expr(Expr::Call(CallExpr {
        func_name: f.to_string(),
        target: None,
        args,
    }))
}

fn lit(h: &mut MacroExprHelper<'_>, v: LiteralValue) -> IdedExpr {
    h.next_expr(Expr::Literal(v))
}

fn expand(
    kind: Kind,
    h: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Result<Option<IdedExpr>, ParseError> {
    let k = ident_of(&args[0], h)?;
    let v = ident_of(&args[1], h)?;
    if k == v {
        return Err(h.new_error(args[1].id, "duplicate variable name"));
    }
    let Some(range) = target.take() else {
        return Ok(None);
    };
    let pair = format!("@kv{}", NEXT.fetch_add(1, AtomicOrdering::Relaxed));
    let mut rest: Vec<IdedExpr> = args.drain(..).skip(2).collect();
    for e in &mut rest {
        substitute(e, &k, &v, &pair);
    }
    let accu = "@result".to_string();
    let accu_ident = |h: &mut MacroExprHelper<'_>| h.next_expr(Expr::Ident("@result".into()));
    let iter_range = call(h, "@kv_pairs", vec![range]);
    let (init, cond, step, result) = match kind {
        Kind::All | Kind::Exists => {
            let all = matches!(kind, Kind::All);
            let init = lit(h, LiteralValue::Boolean(all.into()));
            let a = accu_ident(h);
            let cond_arg = if all {
                a
            } else {
                call(h, operators::LOGICAL_NOT, vec![a])
            };
            let cond = call(h, operators::NOT_STRICTLY_FALSE, vec![cond_arg]);
            let a = accu_ident(h);
            let op = if all {
                operators::LOGICAL_AND
            } else {
                operators::LOGICAL_OR
            };
            let pred = rest.remove(0);
            let step = call(h, op, vec![a, pred]);
            (init, cond, step, accu_ident(h))
        }
        Kind::ExistsOne => {
            let init = lit(h, LiteralValue::Int(0.into()));
            let cond = lit(h, LiteralValue::Boolean(true.into()));
            let pred = rest.remove(0);
            let a = accu_ident(h);
            let one = lit(h, LiteralValue::Int(1.into()));
            let plus = call(h, operators::ADD, vec![a, one]);
            let a = accu_ident(h);
            let step = call(h, operators::CONDITIONAL, vec![pred, plus, a]);
            let a = accu_ident(h);
            let one = lit(h, LiteralValue::Int(1.into()));
            let result = call(h, operators::EQUALS, vec![a, one]);
            (init, cond, step, result)
        }
        Kind::TransformList | Kind::TransformMap | Kind::TransformMapEntry => {
            let init = h.next_expr(Expr::List(ListExpr::new(vec![])));
            let cond = lit(h, LiteralValue::Boolean(true.into()));
            let value = rest.pop().expect("3 or 4 arguments");
            let filter = rest.pop();
            let element = match kind {
                Kind::TransformMap => {
                    let p = h.next_expr(Expr::Ident(pair.clone()));
                    let zero = lit(h, LiteralValue::Int(0.into()));
                    let key = call(h, operators::INDEX, vec![p, zero]);
                    h.next_expr(Expr::List(ListExpr::new(vec![key, value])))
                }
                _ => value,
            };
            let a = accu_ident(h);
            let appended = h.next_expr(Expr::List(ListExpr::new(vec![element])));
            let add = call(h, operators::ADD, vec![a, appended]);
            let step = match filter {
                Some(f) => {
                    let a = accu_ident(h);
                    call(h, operators::CONDITIONAL, vec![f, add, a])
                }
                None => add,
            };
            (init, cond, step, accu_ident(h))
        }
    };
    let comprehension = h.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
        iter_range,
        iter_var: pair,
        iter_var2: None,
        accu_var: accu,
        accu_init: init,
        loop_cond: cond,
        loop_step: step,
        result,
    })));
    Ok(Some(match kind {
        Kind::TransformMap => call(h, "@kv_to_map", vec![comprehension]),
        Kind::TransformMapEntry => call(h, "@kv_merge", vec![comprehension]),
        _ => comprehension,
    }))
}

/// Replaces the free occurrences of `k` and `v` in `e` by `pair[0]` and `pair[1]`.
fn substitute(e: &mut IdedExpr, k: &str, v: &str, pair: &str) {
    let index = |i: i64, id: u64| -> Expr {
        Expr::Call(CallExpr {
            func_name: operators::INDEX.to_string(),
            target: None,
            args: vec![
                IdedExpr {
                    id,
                    expr: Expr::Ident(pair.to_string()),
                },
                IdedExpr {
                    id,
                    expr: Expr::Literal(LiteralValue::Int(i.into())),
                },
            ],
        })
    };
    match &mut e.expr {
        Expr::Ident(n) if n == k => e.expr = index(0, e.id),
        Expr::Ident(n) if n == v => e.expr = index(1, e.id),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        Expr::Call(c) => {
            if let Some(t) = c.target.as_deref_mut() {
                substitute(t, k, v, pair);
            }
            for a in &mut c.args {
                substitute(a, k, v, pair);
            }
        }
        Expr::Select(s) => substitute(&mut s.operand, k, v, pair),
        Expr::List(l) => l
            .elements
            .iter_mut()
            .for_each(|x| substitute(x, k, v, pair)),
        Expr::Map(m) => {
            for entry in &mut m.entries {
                if let cel::common::ast::EntryExpr::MapEntry(me) = &mut entry.expr {
                    substitute(&mut me.key, k, v, pair);
                    substitute(&mut me.value, k, v, pair);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &mut s.entries {
                if let cel::common::ast::EntryExpr::StructField(f) = &mut entry.expr {
                    substitute(&mut f.value, k, v, pair);
                }
            }
        }
        Expr::Comprehension(c) => {
            substitute(&mut c.iter_range, k, v, pair);
            substitute(&mut c.accu_init, k, v, pair);
            let binds =
                |n: &str| c.iter_var == n || c.accu_var == n || c.iter_var2.as_deref() == Some(n);
            // An inner comprehension that rebinds a name hides it from its body.
            let (k2, v2) = (
                if binds(k) { "\u{0}" } else { k },
                if binds(v) { "\u{0}" } else { v },
            );
            substitute(&mut c.loop_cond, k2, v2, pair);
            substitute(&mut c.loop_step, k2, v2, pair);
            substitute(&mut c.result, k2, v2, pair);
        }
    }
}
