//! Kubernetes' CEL libraries, registered on top of the `cel` crate's standard library.
//!
//! Every function here charges the budget ([`super::budget::charge`]) in proportion to the work
//! it does and the size of what it returns, so that nested calls cannot blow up unnoticed.
//!
//! | module | Kubernetes library (k8s.io/apiserver/pkg/cel/library, cel-go ext) |
//! |---|---|
//! | [`strings`] | cel-go `ext.Strings` (v0, v2), and `matches` with a pattern cache |
//! | [`lists`] | `kubernetes.lists`, cel-go `ext.Sets`, the two-variable comprehensions |
//! | [`regex`] | `kubernetes.regex` (`find`, `findAll`) |
//! | [`url`] | `kubernetes.urls` |
//! | [`quantity`] | `kubernetes.quantity` |
//! | [`net`] | `kubernetes.net.ip`, `kubernetes.net.cidr` |
//! | [`semver`] | `kubernetes.semver` (v1) |
//!
//! cel-go's `ext.Lists` (1.34: slice, flatten, distinct, reverse, sort, sortBy, lists.range) is
//! the `cel` crate's own `extensions::lists`, registered as it is.

pub mod lists;
pub mod net;
pub mod quantity;
pub mod regex;
pub mod semver;
pub mod strings;
pub mod url;

use super::budget;
use cel::common::types::{CelBool, CelBytes, CelInt, CelList, CelMap, CelString};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

/// The name `matches` calls are rewritten to.
pub const MATCHES: &str = "@kubevet_matches";
/// The name `+` is rewritten to: the interpreter's own `+` is not charged, and string or list
/// concatenation is how a value can double per step (`variables.b: variables.a + variables.a`).
pub const ADD: &str = "@kubevet_add";

pub type Result<T> = std::result::Result<T, ExecutionError>;
pub type Ret<'b, 'v> = Result<CowVal<'b, 'v>>;

/// Registers everything on `env` (which must have the standard library).
pub fn register(env: &mut Env) -> std::result::Result<(), DeclarationError> {
    env.add_overload(
        ADD,
        "kubevet_add",
        vec![cel::common::types::DYN_TYPE, cel::common::types::DYN_TYPE],
        add,
    )?;
    strings::register(env)?;
    lists::register(env)?;
    regex::register(env)?;
    url::register(env)?;
    quantity::register(env)?;
    net::register(env)?;
    semver::register(env)?;
    env.add_extension(cel::extensions::lists)?;
    Ok(())
}

/// `a + b`, charged for the size of the result before it is built.
fn add<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let [a, b] = args.as_slice() else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    budget::charge(1 + size_units(a.as_ref()) + size_units(b.as_ref()))?;
    let sum = a
        .as_adder()
        .ok_or_else(|| no_overload("_+_", &args))?
        .add(b.as_ref())?
        .into_owned();
    Ok(CowVal::Owned(sum))
}

/// What holding `v` costs: one unit per 16 bytes of string, one per list or map element
/// (shallow: deeper values were charged when they were built, or are the input's).
pub fn size_units(v: &dyn Val) -> u64 {
    if let Some(s) = v.downcast_ref::<CelString>() {
        s.inner().len() as u64 / 16
    } else if let Some(l) = v.downcast_ref::<CelList>() {
        l.inner().len() as u64
    } else if let Some(m) = v.downcast_ref::<CelMap>() {
        m.inner().len() as u64
    } else if let Some(b) = v.downcast_ref::<CelBytes>() {
        b.inner().len() as u64 / 16
    } else {
        0
    }
}

// ---- argument helpers ----

pub fn err(function: &str, message: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

pub fn no_overload(function: &str, args: &[CowVal<'_, '_>]) -> ExecutionError {
    ExecutionError::no_such_overload(
        function,
        args.iter()
            .map(|a| a.get_type().name().to_owned())
            .collect(),
    )
}

pub fn as_str(v: &dyn Val) -> Option<&str> {
    v.downcast_ref::<CelString>().map(|s| s.inner())
}

pub fn as_int(v: &dyn Val) -> Option<i64> {
    v.downcast_ref::<CelInt>().map(|i| *i.inner())
}

pub fn as_list<'b, 'v>(v: &'b (dyn Val + 'v)) -> Option<&'b [Box<dyn Val + 'v>]> {
    v.downcast_ref::<CelList>().map(|l| l.inner())
}

pub fn string<'b, 'v>(s: String) -> Ret<'b, 'v> {
    budget::charge(budget::string_cost(s.len()))?;
    Ok(CowVal::owned(CelString::from(s)))
}

pub fn int<'b, 'v>(i: i64) -> Ret<'b, 'v> {
    Ok(CowVal::owned(CelInt::from(i)))
}

pub fn boolean<'b, 'v>(b: bool) -> Ret<'b, 'v> {
    Ok(CowVal::owned(CelBool::from(b)))
}

pub fn list<'b, 'v>(items: Vec<Box<dyn Val + 'v>>) -> Ret<'b, 'v> {
    budget::charge(1 + items.len() as u64)?;
    Ok(CowVal::owned(CelList::from(items)))
}

/// Implements `Val` for an opaque, `'static` library type (`Quantity`, `IP`, ...).
macro_rules! opaque_val {
    ($t:ty, $ty:ident, $name:literal) => {
        pub static $ty: cel::common::types::Type =
            cel::common::types::Type::new_unspecified_type($name);
        impl $t {
            /// The CEL type, owned (for declaring overloads).
            pub const fn cel_type_owned() -> cel::common::types::Type {
                cel::common::types::Type::new_unspecified_type($name)
            }
        }
        impl cel::common::value::Val for $t {
            fn get_type(&self) -> &cel::common::types::Type {
                &$ty
            }
            fn cel_type() -> &'static cel::common::types::Type {
                &$ty
            }
            fn equals(&self, other: &dyn cel::common::value::Val) -> bool {
                other.downcast_ref::<$t>().is_some_and(|o| self.same(o))
            }
            fn clone_as_boxed<'v>(&self) -> Box<dyn cel::common::value::Val + 'v> {
                Box::new(self.clone())
            }
            fn as_any(&self) -> Option<&dyn std::any::Any> {
                Some(self)
            }
        }
        impl cel::common::value::StaticVal for $t {}
    };
}
pub(crate) use opaque_val;
