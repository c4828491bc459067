//! `kubernetes.urls` (k8s.io/apiserver/pkg/cel/library/urls.go): `url`, `isURL` and the getters,
//! following Go's `url.ParseRequestURI` (an absolute URI or an absolute path; a `#` is part of
//! the path, not a fragment) and `URL.EscapedPath`, `URL.Hostname`, `URL.Port`, `URL.Query`.

use super::{Ret, as_str, boolean, err, no_overload, string};
use cel::common::types::{CelList, CelMap, CelMapKey, CelString, DYN_TYPE, Type};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug, PartialEq)]
pub struct KUrl {
    pub scheme: String,
    pub host: String,
    pub opaque: String,
    pub raw_path: String,
    pub raw_query: String,
}

impl KUrl {
    fn same(&self, o: &KUrl) -> bool {
        self == o
    }
}

super::opaque_val!(KUrl, URL_TYPE, "kubernetes.URL");

pub fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let d = || DYN_TYPE;
    let u = || -> Type { KUrl::cel_type_owned() };
    env.add_overload("url", "string_to_url", vec![d()], url)?;
    env.add_overload("isURL", "is_url", vec![d()], is_url)?;
    env.add_member_overload("getScheme", "getScheme", u(), vec![], get_scheme)?;
    env.add_member_overload("getHost", "getHost", u(), vec![], get_host)?;
    env.add_member_overload("getHostname", "getHostname", u(), vec![], get_hostname)?;
    env.add_member_overload("getPort", "getPort", u(), vec![], get_port)?;
    env.add_member_overload(
        "getEscapedPath",
        "getEscapedPath",
        u(),
        vec![],
        get_escaped_path,
    )?;
    env.add_member_overload("getQuery", "getQuery", u(), vec![], get_query)?;
    Ok(())
}

/// Go's `url.ParseRequestURI`.
pub fn parse(raw: &str) -> Result<KUrl, String> {
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    if raw.is_empty() {
        return Err("empty url".into());
    }
    let mut u = KUrl {
        scheme: String::new(),
        host: String::new(),
        opaque: String::new(),
        raw_path: String::new(),
        raw_query: String::new(),
    };
    if raw == "*" {
        u.raw_path = "*".into();
        return Ok(u);
    }
    let (scheme, rest) = scheme_of(raw)?;
    u.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest;
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        rest = r;
        u.raw_query = q.to_string();
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            u.opaque = rest.to_string();
            return Ok(u);
        }
        return Err("invalid URI for request".into());
    }
    if !u.scheme.is_empty() && rest.starts_with("//") {
        let authority = &rest[2..];
        let (auth, path) = match authority.find('/') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        };
        let host = match auth.rfind('@') {
            Some(i) => &auth[i + 1..],
            None => auth,
        };
        check_host(host)?;
        u.host = host.to_string();
        rest = path;
    }
    unescape(rest, false)?;
    u.raw_path = rest.to_string();
    Ok(u)
}

fn scheme_of(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn check_host(host: &str) -> Result<(), String> {
    let port = if let Some(rest) = host.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| "missing ']' in host".to_string())?;
        let after = &rest[end + 1..];
        if !after.is_empty() && !after.starts_with(':') {
            return Err(format!("invalid port {after:?} after host"));
        }
        after.strip_prefix(':')
    } else {
        host.rfind(':').map(|i| &host[i + 1..])
    };
    if let Some(p) = port
        && !p.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(format!("invalid port \":{p}\" after host"));
    }
    for c in host.bytes() {
        let ok = c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:[]%".contains(&c) || c >= 0x80;
        if !ok {
            return Err(format!("invalid character {:?} in host name", c as char));
        }
    }
    unescape(host, false).map(|_| ())
}

/// Percent-decoding; `plus` turns `+` into a space (query mode).
fn unescape(s: &str, plus: bool) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (
                    b.get(i + 1).and_then(|c| hex(*c)),
                    b.get(i + 2).and_then(|c| hex(*c)),
                ) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => {
                        return Err(format!(
                            "invalid URL escape {:?}",
                            &s[i..(i + 3).min(s.len())]
                        ));
                    }
                }
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `shouldEscape(c, encodePath)`.
fn path_needs_escape(c: u8) -> bool {
    !(c.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&c))
}

/// Go's `URL.EscapedPath`: the path as written when that is a valid encoding, else re-escaped.
fn escaped_path(raw: &str) -> String {
    let valid = raw
        .bytes()
        .all(|c| b"!$&'()*+,;=:@[]%/".contains(&c) || !path_needs_escape(c));
    if valid {
        return raw.to_string();
    }
    let plain = unescape(raw, false).unwrap_or_default();
    let mut out = String::new();
    for c in plain.bytes() {
        if path_needs_escape(c) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

fn this<'a>(f: &str, args: &'a [CowVal<'_, '_>]) -> Result<&'a KUrl, ExecutionError> {
    args.first()
        .and_then(|a| a.downcast_ref::<KUrl>())
        .ok_or_else(|| no_overload(f, args))
}

fn url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = args
        .first()
        .and_then(|a| as_str(a.as_ref()))
        .ok_or_else(|| no_overload("url", &args))?;
    let u = parse(s).map_err(|e| {
        err(
            "url",
            format!("URL parse error during conversion from string: {e}"),
        )
    })?;
    Ok(CowVal::owned(u))
}

fn is_url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = args
        .first()
        .and_then(|a| as_str(a.as_ref()))
        .ok_or_else(|| no_overload("isURL", &args))?;
    boolean(parse(s).is_ok())
}

fn get_scheme<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    string(this("getScheme", &args)?.scheme.clone())
}

fn get_host<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    string(this("getHost", &args)?.host.clone())
}

/// Go's `URL.Hostname`: the host without the port, IPv6 brackets removed.
fn get_hostname<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let host = &this("getHostname", &args)?.host;
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h)
    };
    string(name.to_string())
}

fn get_port<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let host = &this("getPort", &args)?.host;
    let after = match host.rfind(']') {
        Some(i) => &host[i + 1..],
        None => host.as_str(),
    };
    string(after.rsplit_once(':').map_or("", |(_, p)| p).to_string())
}

fn get_escaped_path<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    string(escaped_path(&this("getEscapedPath", &args)?.raw_path))
}

/// Go's `URL.Query()` (`ParseQuery`, pairs that fail to parse dropped): `map(string, list(string))`.
fn get_query<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let raw = &this("getQuery", &args)?.raw_query;
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for part in raw.split('&') {
        if part.is_empty() || part.contains(';') {
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        if let (Ok(k), Ok(v)) = (unescape(k, true), unescape(v, true)) {
            values.entry(k).or_default().push(v);
        }
    }
    super::super::budget::charge(1 + values.len() as u64)?;
    let map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = values
        .into_iter()
        .map(|(k, vs)| {
            let list: Vec<Box<dyn Val + 'v>> = vs
                .into_iter()
                .map(|v| Box::new(CelString::from(v)) as Box<dyn Val + 'v>)
                .collect();
            (
                CelMapKey::String(CelString::from(k)),
                Box::new(CelList::from(list)) as Box<dyn Val + 'v>,
            )
        })
        .collect();
    Ok(CowVal::owned(CelMap::from(map)))
}
