//! `kubernetes.semver` v1 (k8s.io/apiserver/pkg/cel/library/semverlib.go): `semver(s)`,
//! `semver(s, normalize)`, `isSemver(s)`, `isSemver(s, normalize)`, `major`, `minor`, `patch`;
//! `isGreaterThan`, `isLessThan` and `compareTo` are shared with quantities
//! ([`super::quantity`]). Parsing follows blang/semver v4's strict `Parse`; `normalize` strips
//! a leading `v`, fills a missing minor or patch with 0 and drops leading zeros, as the library's
//! `normalizeVersion` does.

use super::{Ret, as_str, boolean, err, int, no_overload};
use cel::common::types::{CelBool, DYN_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq)]
pub struct Semver {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<String>,
    pub build: Vec<String>,
}

impl Semver {
    fn same(&self, o: &Semver) -> bool {
        self.cmp_precedence(o) == Ordering::Equal
    }

    /// SemVer 2.0 precedence (build metadata ignored).
    pub fn cmp_precedence(&self, o: &Semver) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&o.pre) {
                        let ord = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if ord != Ordering::Equal {
                            return ord;
                        }
                    }
                    self.pre.len().cmp(&o.pre.len())
                }
            })
    }
}

super::opaque_val!(Semver, SEMVER_TYPE, "kubernetes.Semver");

pub fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let d = || DYN_TYPE;
    env.add_overload("semver", "semver_1", vec![d()], semver)?;
    env.add_overload("semver", "semver_2", vec![d(), d()], semver)?;
    env.add_overload("isSemver", "isSemver_1", vec![d()], is_semver)?;
    env.add_overload("isSemver", "isSemver_2", vec![d(), d()], is_semver)?;
    env.add_member_overload("major", "major", d(), vec![], major)?;
    env.add_member_overload("minor", "minor", d(), vec![], minor)?;
    env.add_member_overload("patch", "patch", d(), vec![], patch)?;
    Ok(())
}

fn numeric(s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "invalid character(s) found in version number {s:?}"
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("version segment starts with 0: {s:?}"));
    }
    s.parse().map_err(|e| format!("{e}"))
}

fn identifiers(s: &str, what: &str, numeric_rule: bool) -> Result<Vec<String>, String> {
    s.split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                return Err(format!("invalid {what} {id:?}"));
            }
            if numeric_rule
                && id.bytes().all(|c| c.is_ascii_digit())
                && id.len() > 1
                && id.starts_with('0')
            {
                return Err(format!(
                    "numeric {what} {id:?} must not contain leading zeroes"
                ));
            }
            Ok(id.to_string())
        })
        .collect()
}

/// blang/semver v4 `Parse`.
pub fn parse(s: &str) -> Result<Semver, String> {
    if s.is_empty() {
        return Err("version string empty".into());
    }
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, identifiers(b, "build metadata", false)?),
        None => (s, vec![]),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, identifiers(p, "prerelease", true)?),
        None => (rest, vec![]),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 {
        return Err("no major, minor and patch version".into());
    }
    Ok(Semver {
        major: numeric(parts[0])?,
        minor: numeric(parts[1])?,
        patch: numeric(parts[2])?,
        pre,
        build,
    })
}

/// semverlib.go's `normalizeVersion`.
fn normalize(s: &str) -> String {
    let s = s.strip_prefix('v').unwrap_or(s);
    let cut = s.find(['-', '+']).unwrap_or(s.len());
    let (core, tail) = s.split_at(cut);
    let mut parts: Vec<String> = core
        .split('.')
        .map(|p| {
            let t = p.trim_start_matches('0');
            if t.is_empty() && !p.is_empty() {
                "0".to_string()
            } else {
                t.to_string()
            }
        })
        .collect();
    while parts.len() < 3 {
        parts.push("0".into());
    }
    format!("{}{tail}", parts.join("."))
}

fn parse_args(f: &str, args: &[CowVal<'_, '_>]) -> Result<Result<Semver, String>, ExecutionError> {
    let s = args
        .first()
        .and_then(|a| as_str(a.as_ref()))
        .ok_or_else(|| no_overload(f, args))?;
    let norm = match args.get(1) {
        Some(b) => *b
            .downcast_ref::<CelBool>()
            .ok_or_else(|| no_overload(f, args))?
            .inner(),
        None => false,
    };
    Ok(if norm { parse(&normalize(s)) } else { parse(s) })
}

fn semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let v = parse_args("semver", &args)?.map_err(|e| err("semver", e))?;
    Ok(CowVal::owned(v))
}

fn is_semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(parse_args("isSemver", &args)?.is_ok())
}

fn this<'a>(f: &str, args: &'a [CowVal<'_, '_>]) -> Result<&'a Semver, ExecutionError> {
    args.first()
        .and_then(|a| a.downcast_ref::<Semver>())
        .ok_or_else(|| no_overload(f, args))
}

fn major<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    int(this("major", &args)?.major as i64)
}

fn minor<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    int(this("minor", &args)?.minor as i64)
}

fn patch<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    int(this("patch", &args)?.patch as i64)
}

#[allow(dead_code)]
fn _val(_: &dyn Val) {}
