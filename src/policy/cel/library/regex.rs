//! `kubernetes.regex`: `find`, `findAll`; and the pattern cache `matches` uses.
//!
//! The `regex` crate is RE2-like (linear time, no backreferences), as Go's `regexp` that the API
//! server uses. Patterns are compiled once per thread (the standard `matches` of the `cel` crate
//! compiles its pattern on every call) with a size limit, and their compilation is charged.

use super::{Ret, as_int, as_str, err, list, no_overload, string};
use crate::policy::cel::budget::{charge, string_cost};
use cel::common::types::{CelString, DYN_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use std::cell::RefCell;
use std::collections::HashMap;

/// Compiled-program size limit (the regex crate's default is 10 MiB).
const SIZE_LIMIT: usize = 1 << 20;
/// Patterns cached per thread.
const CACHE: usize = 256;

thread_local! {
    static PATTERNS: RefCell<HashMap<String, Result<::regex::Regex, String>>> =
        RefCell::new(HashMap::new());
}

pub fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let d = || DYN_TYPE;
    env.add_member_overload("find", "find", d(), vec![d()], find)?;
    env.add_member_overload("findAll", "findAll_1", d(), vec![d()], find_all)?;
    env.add_member_overload("findAll", "findAll_2", d(), vec![d(), d()], find_all)?;
    Ok(())
}

/// Runs `f` with the compiled `pattern`.
pub fn with_regex<T>(
    function: &str,
    pattern: &str,
    f: impl FnOnce(&::regex::Regex) -> T,
) -> Result<T, ExecutionError> {
    PATTERNS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            charge(string_cost(pattern.len()) * 16)?;
            if cache.len() >= CACHE {
                cache.clear();
            }
            let compiled = ::regex::RegexBuilder::new(pattern)
                .size_limit(SIZE_LIMIT)
                .build()
                .map_err(|e| e.to_string());
            cache.insert(pattern.to_string(), compiled);
        }
        match &cache[pattern] {
            Ok(re) => Ok(f(re)),
            Err(e) => Err(err(function, format!("invalid regular expression: {e}"))),
        }
    })
}

fn find<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let (s, re) = match (args.first(), args.get(1)) {
        (Some(s), Some(re)) => (as_str(s.as_ref()), as_str(re.as_ref())),
        _ => (None, None),
    };
    let (Some(s), Some(re)) = (s, re) else {
        return Err(no_overload("find", &args));
    };
    charge(string_cost(s.len()))?;
    let found = with_regex("find", re, |r| r.find(s).map(|m| m.as_str().to_string()))?;
    string(found.unwrap_or_default())
}

fn find_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let (s, re) = match (args.first(), args.get(1)) {
        (Some(s), Some(re)) => (as_str(s.as_ref()), as_str(re.as_ref())),
        _ => (None, None),
    };
    let (Some(s), Some(re)) = (s, re) else {
        return Err(no_overload("findAll", &args));
    };
    let n = match args.get(2) {
        Some(n) => as_int(n.as_ref()).ok_or_else(|| no_overload("findAll", &args))?,
        None => -1,
    };
    charge(string_cost(s.len()))?;
    let limit = if n < 0 { usize::MAX } else { n as usize };
    // Charged as the matches are collected (a pattern matching everywhere makes one per byte).
    let found: Vec<String> = with_regex("findAll", re, |r| {
        let mut found = Vec::new();
        for m in r.find_iter(s).take(limit) {
            charge(2)?;
            found.push(m.as_str().to_string());
        }
        Ok::<_, ExecutionError>(found)
    })??;
    list(
        found
            .into_iter()
            .map(|m| Box::new(CelString::from(m)) as Box<dyn Val>)
            .collect(),
    )
}
