//! `kubernetes.quantity` (k8s.io/apiserver/pkg/cel/library/quantity.go), on kubevet's exact
//! quantity parser (`crate::k8s::quantity`).
//! `isGreaterThan`, `isLessThan` and `compareTo` also serve `kubernetes.semver`.

use super::{Ret, as_int, as_str, boolean, err, int, no_overload};
use crate::k8s::quantity::{self, Quantity};
use cel::common::types::{CelDouble, DYN_TYPE};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};
use std::cmp::Ordering;

#[derive(Clone, Debug)]
pub struct KQuantity(pub Quantity);

impl KQuantity {
    fn same(&self, other: &KQuantity) -> bool {
        self.0.compare(&other.0) == Some(Ordering::Equal)
    }
}

super::opaque_val!(KQuantity, QUANTITY_TYPE, "kubernetes.Quantity");

pub fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let d = || DYN_TYPE;
    env.add_overload("quantity", "quantity", vec![d()], quantity)?;
    env.add_overload("isQuantity", "isQuantity", vec![d()], is_quantity)?;
    env.add_member_overload("sign", "sign", d(), vec![], sign)?;
    env.add_member_overload("isGreaterThan", "isGreaterThan", d(), vec![d()], is_greater)?;
    env.add_member_overload("isLessThan", "isLessThan", d(), vec![d()], is_less)?;
    env.add_member_overload("compareTo", "compareTo", d(), vec![d()], compare_to)?;
    env.add_member_overload("add", "add", d(), vec![d()], add)?;
    env.add_member_overload("sub", "sub", d(), vec![d()], sub)?;
    env.add_member_overload("asInteger", "asInteger", d(), vec![], as_integer)?;
    env.add_member_overload(
        "asApproximateFloat",
        "asApproximateFloat",
        d(),
        vec![],
        as_approximate_float,
    )?;
    env.add_member_overload("isInteger", "isInteger", d(), vec![], is_integer)?;
    Ok(())
}

/// `resource.ParseQuantity`: unlike the JSON decoder, no surrounding spaces.
pub(crate) fn parse(s: &str) -> Result<Quantity, &'static str> {
    if s.trim() != s {
        return Err(quantity::FORMAT_ERROR);
    }
    quantity::parse(s)
}

fn this<'a>(f: &str, args: &'a [CowVal<'_, '_>]) -> Result<&'a KQuantity, ExecutionError> {
    args.first()
        .and_then(|a| a.downcast_ref::<KQuantity>())
        .ok_or_else(|| no_overload(f, args))
}

fn quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = args
        .first()
        .and_then(|a| as_str(a.as_ref()))
        .ok_or_else(|| no_overload("quantity", &args))?;
    let q = parse(s).map_err(|e| err("quantity", e))?;
    Ok(CowVal::owned(KQuantity(q)))
}

fn is_quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = args
        .first()
        .and_then(|a| as_str(a.as_ref()))
        .ok_or_else(|| no_overload("isQuantity", &args))?;
    boolean(parse(s).is_ok())
}

fn sign<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    int(this("sign", &args)?.0.sign())
}

/// Orders two quantities or two semvers.
fn order(f: &str, args: &[CowVal<'_, '_>]) -> Result<Ordering, ExecutionError> {
    if let (Some(a), Some(b)) = (
        args.first().and_then(|a| a.downcast_ref::<KQuantity>()),
        args.get(1).and_then(|a| a.downcast_ref::<KQuantity>()),
    ) {
        return a
            .0
            .compare(&b.0)
            .ok_or_else(|| err(f, "quantities too far apart to compare"));
    }
    if let (Some(a), Some(b)) = (
        args.first()
            .and_then(|a| a.downcast_ref::<super::semver::Semver>()),
        args.get(1)
            .and_then(|a| a.downcast_ref::<super::semver::Semver>()),
    ) {
        return Ok(a.cmp_precedence(b));
    }
    Err(no_overload(f, args))
}

fn is_greater<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(order("isGreaterThan", &args)? == Ordering::Greater)
}

fn is_less<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(order("isLessThan", &args)? == Ordering::Less)
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    int(order("compareTo", &args)? as i64)
}

fn operand(f: &str, args: &[CowVal<'_, '_>]) -> Result<Quantity, ExecutionError> {
    let Some(arg) = args.get(1) else {
        return Err(no_overload(f, args));
    };
    if let Some(q) = arg.downcast_ref::<KQuantity>() {
        return Ok(q.0.clone());
    }
    as_int(arg.as_ref())
        .map(Quantity::from_i64)
        .ok_or_else(|| no_overload(f, args))
}

fn add<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let a = &this("add", &args)?.0;
    let b = operand("add", &args)?;
    let sum = a
        .add(&b)
        .ok_or_else(|| err("add", "quantity out of range"))?;
    Ok(CowVal::owned(KQuantity(sum)))
}

fn sub<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let a = &this("sub", &args)?.0;
    let b = operand("sub", &args)?;
    let diff = a
        .add(&b.neg())
        .ok_or_else(|| err("sub", "quantity out of range"))?;
    Ok(CowVal::owned(KQuantity(diff)))
}

fn as_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let q = &this("asInteger", &args)?.0;
    match q.to_i64() {
        Some(i) => int(i),
        None => Err(err(
            "asInteger",
            "cannot convert value to integer", // quantity.go's message
        )),
    }
}

fn as_approximate_float<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let q = &this("asApproximateFloat", &args)?.0;
    Ok(CowVal::owned(CelDouble::from(q.to_f64())))
}

fn is_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(this("isInteger", &args)?.0.to_i64().is_some())
}
