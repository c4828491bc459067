//! cel-go's `ext.Strings` as Kubernetes enables it (v0 until 1.29, then v2; `reverse` is v3 and
//! not in Kubernetes), plus `matches` with a compiled-pattern cache. Indices count code points.
//! `indexOf`/`lastIndexOf` also serve `kubernetes.lists` (on a list receiver).

use super::{Ret, as_int, as_list, as_str, boolean, err, int, list, no_overload, string};
use crate::policy::cel::budget::{charge, string_cost};
use cel::common::types::{CelString, DYN_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env};

pub fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let d = || DYN_TYPE;
    env.add_member_overload("charAt", "charAt", d(), vec![d()], char_at)?;
    env.add_member_overload("indexOf", "indexOf_1", d(), vec![d()], index_of)?;
    env.add_member_overload("indexOf", "indexOf_2", d(), vec![d(), d()], index_of)?;
    env.add_member_overload(
        "lastIndexOf",
        "lastIndexOf_1",
        d(),
        vec![d()],
        last_index_of,
    )?;
    env.add_member_overload(
        "lastIndexOf",
        "lastIndexOf_2",
        d(),
        vec![d(), d()],
        last_index_of,
    )?;
    env.add_member_overload("lowerAscii", "lowerAscii", d(), vec![], lower_ascii)?;
    env.add_member_overload("upperAscii", "upperAscii", d(), vec![], upper_ascii)?;
    env.add_member_overload("trim", "trim", d(), vec![], trim)?;
    env.add_member_overload("replace", "replace_2", d(), vec![d(), d()], replace)?;
    env.add_member_overload("replace", "replace_3", d(), vec![d(), d(), d()], replace)?;
    env.add_member_overload("split", "split_1", d(), vec![d()], split)?;
    env.add_member_overload("split", "split_2", d(), vec![d(), d()], split)?;
    env.add_member_overload("substring", "substring_1", d(), vec![d()], substring)?;
    env.add_member_overload("substring", "substring_2", d(), vec![d(), d()], substring)?;
    env.add_member_overload("join", "join_0", d(), vec![], join)?;
    env.add_member_overload("join", "join_1", d(), vec![d()], join)?;
    env.add_overload("strings.quote", "strings_quote", vec![d()], quote)?;
    env.add_member_overload(super::MATCHES, "matches_member", d(), vec![d()], matches)?;
    env.add_overload(super::MATCHES, "matches_global", vec![d(), d()], matches)?;
    Ok(())
}

fn this_str<'a>(f: &str, args: &'a [CowVal<'_, '_>]) -> Result<&'a str, cel::ExecutionError> {
    let s = args
        .first()
        .and_then(|a| as_str(a.as_ref()))
        .ok_or_else(|| no_overload(f, args))?;
    charge(string_cost(s.len()))?;
    Ok(s)
}

fn str_arg<'a>(
    f: &str,
    args: &'a [CowVal<'_, '_>],
    i: usize,
) -> Result<&'a str, cel::ExecutionError> {
    args.get(i)
        .and_then(|a| as_str(a.as_ref()))
        .ok_or_else(|| no_overload(f, args))
}

fn int_arg(f: &str, args: &[CowVal<'_, '_>], i: usize) -> Result<i64, cel::ExecutionError> {
    args.get(i)
        .and_then(|a| as_int(a.as_ref()))
        .ok_or_else(|| no_overload(f, args))
}

fn char_at<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = this_str("charAt", &args)?;
    let i = int_arg("charAt", &args, 1)?;
    let n = s.chars().count() as i64;
    if i < 0 || i > n {
        return Err(err("charAt", format!("index out of range: {i}")));
    }
    string(
        s.chars()
            .nth(i as usize)
            .map(String::from)
            .unwrap_or_default(),
    )
}

fn index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    if let Some(items) = args.first().and_then(|a| as_list(a.as_ref())) {
        return list_index_of(items, &args, false);
    }
    let s: Vec<char> = this_str("indexOf", &args)?.chars().collect();
    let sub: Vec<char> = str_arg("indexOf", &args, 1)?.chars().collect();
    let offset = if args.len() == 3 {
        int_arg("indexOf", &args, 2)?
    } else {
        0
    };
    if offset < 0 || offset > s.len() as i64 {
        return Err(err("indexOf", format!("index out of range: {offset}")));
    }
    let offset = offset as usize;
    if sub.is_empty() {
        return int(offset as i64);
    }
    let found =
        (offset..s.len().saturating_sub(sub.len() - 1)).find(|&i| s[i..i + sub.len()] == sub[..]);
    int(found.map_or(-1, |i| i as i64))
}

fn last_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    if let Some(items) = args.first().and_then(|a| as_list(a.as_ref())) {
        return list_index_of(items, &args, true);
    }
    let s: Vec<char> = this_str("lastIndexOf", &args)?.chars().collect();
    let sub: Vec<char> = str_arg("lastIndexOf", &args, 1)?.chars().collect();
    let offset = if args.len() == 3 {
        let o = int_arg("lastIndexOf", &args, 2)?;
        if o < 0 || o > s.len() as i64 {
            return Err(err("lastIndexOf", format!("index out of range: {o}")));
        }
        o as usize
    } else {
        s.len()
    };
    if sub.is_empty() {
        return int(offset as i64);
    }
    if sub.len() > s.len() {
        return int(-1);
    }
    let last = offset.min(s.len() - sub.len());
    let found = (0..=last).rev().find(|&i| s[i..i + sub.len()] == sub[..]);
    int(found.map_or(-1, |i| i as i64))
}

/// `kubernetes.lists`: `list.indexOf(x)` / `list.lastIndexOf(x)`, by CEL equality.
fn list_index_of<'b, 'v>(
    items: &[Box<dyn Val + '_>],
    args: &[CowVal<'_, '_>],
    last: bool,
) -> Ret<'b, 'v> {
    let f = if last { "lastIndexOf" } else { "indexOf" };
    if args.len() != 2 {
        return Err(no_overload(f, args));
    }
    charge(1 + items.len() as u64)?;
    let needle = args[1].as_ref();
    let mut positions = items.iter().map(|v| v.as_ref() == needle);
    let found = if last {
        positions.rposition(|m| m)
    } else {
        positions.position(|m| m)
    };
    int(found.map_or(-1, |i| i as i64))
}

fn lower_ascii<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    string(this_str("lowerAscii", &args)?.to_ascii_lowercase())
}

fn upper_ascii<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    string(this_str("upperAscii", &args)?.to_ascii_uppercase())
}

fn trim<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    // Go's strings.TrimSpace: Unicode White_Space, as Rust's `trim`.
    string(this_str("trim", &args)?.trim().to_string())
}

fn replace<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = this_str("replace", &args)?;
    let from = str_arg("replace", &args, 1)?;
    let to = str_arg("replace", &args, 2)?;
    let n = if args.len() == 4 {
        int_arg("replace", &args, 3)?
    } else {
        -1
    };
    // Charge the result's size before building it: `to` may be long and match everywhere.
    let matches = if from.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(from).count()
    };
    let matches = if n < 0 {
        matches
    } else {
        matches.min(n as usize)
    };
    charge(string_cost(
        s.len()
            .saturating_add(matches.saturating_mul(to.len()))
            .min(usize::MAX / 2),
    ))?;
    string(if n < 0 {
        s.replace(from, to)
    } else {
        s.replacen(from, to, n as usize)
    })
}

fn split<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = this_str("split", &args)?;
    let sep = str_arg("split", &args, 1)?;
    let n = if args.len() == 3 {
        int_arg("split", &args, 2)?
    } else {
        -1
    };
    // Charge the parts before making them (one per code point for an empty separator).
    let count = if sep.is_empty() {
        s.chars().count()
    } else {
        s.matches(sep).count() + 1
    };
    let count = if n < 0 { count } else { count.min(n as usize) };
    charge(2 * count as u64)?;
    // Go's strings.SplitN
    let parts: Vec<String> = if n == 0 {
        vec![]
    } else if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        if n > 0 && (n as usize) < chars.len() {
            let k = n as usize - 1;
            let mut v: Vec<String> = chars[..k].iter().map(|c| c.to_string()).collect();
            v.push(chars[k..].iter().collect());
            v
        } else {
            chars.iter().map(|c| c.to_string()).collect()
        }
    } else if n < 0 {
        s.split(sep).map(String::from).collect()
    } else {
        s.splitn(n as usize, sep).map(String::from).collect()
    };
    list(
        parts
            .into_iter()
            .map(|p| Box::new(CelString::from(p)) as Box<dyn Val>)
            .collect(),
    )
}

fn substring<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s: Vec<char> = this_str("substring", &args)?.chars().collect();
    let start = int_arg("substring", &args, 1)?;
    let end = if args.len() == 3 {
        int_arg("substring", &args, 2)?
    } else {
        s.len() as i64
    };
    if start < 0 || start > s.len() as i64 {
        return Err(err("substring", format!("index out of range: {start}")));
    }
    if end < 0 || end > s.len() as i64 {
        return Err(err("substring", format!("index out of range: {end}")));
    }
    if start > end {
        return Err(err(
            "substring",
            format!("invalid substring range. start: {start}, end: {end}"),
        ));
    }
    string(s[start as usize..end as usize].iter().collect())
}

fn join<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let items = args
        .first()
        .and_then(|a| as_list(a.as_ref()))
        .ok_or_else(|| no_overload("join", &args))?;
    let sep = if args.len() == 2 {
        str_arg("join", &args, 1)?
    } else {
        ""
    };
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        parts.push(
            as_str(item.as_ref())
                .ok_or_else(|| err("join", "join: list elements must be strings"))?,
        );
    }
    let total: usize = parts.iter().map(|p| p.len()).sum::<usize>() + sep.len() * parts.len();
    charge(string_cost(total))?;
    string(parts.join(sep))
}

/// `strings.quote`: cel-go's `strconv.Quote`-like quoting with CEL escapes.
fn quote<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = this_str("strings.quote", &args)?;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    string(out)
}

fn matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = this_str("matches", &args)?;
    let re = str_arg("matches", &args, 1)?;
    let found = super::regex::with_regex("matches", re, |r| r.is_match(s))?;
    boolean(found)
}
