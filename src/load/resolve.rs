//! Plain-scalar resolution exactly as kubectl does it: go-yaml v2's `resolve()` (YAML 1.1),
//! as forked in sigs.k8s.io/yaml (`goyaml.v2/resolve.go`). Reference §10.
//!
//! `yes`/`on`/`y` are booleans, `0755` is octal 493, `1_000` is 1000, `1e3` is a float,
//! `08` is the float 8 (invalid octal, valid YAML-style float), timestamps stay strings.

use crate::load::tree::Value;

/// Resolves an untagged plain scalar.
pub fn resolve_plain(text: &str) -> Value {
    resolve_non_string(text).unwrap_or_else(|| Value::Str(text.to_owned()))
}

/// What a plain scalar resolves to when it is not a string (`None`: it stays a string), so a
/// caller that owns the text can keep it without copying.
pub fn resolve_non_string(text: &str) -> Option<Value> {
    let Some(&first) = text.as_bytes().first() else {
        return Some(Value::Null);
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            resolve_keyword(text)
        }
        b'.' => resolve_keyword(text).or_else(|| parse_go_float(text).map(Value::Float)),
        b'+' | b'-' | b'0'..=b'9' => resolve_keyword(text).or_else(|| resolve_number(text)),
        _ => None,
    }
}

/// go-yaml v2's `resolveMap`.
fn resolve_keyword(text: &str) -> Option<Value> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Value::Null,
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// The `'D'`/`'S'` branch of go-yaml v2's resolve: int (base 0, which covers `0b`/`0o`/`0x`),
/// then uint, then a YAML-style float. (Timestamps are tried first there, but decoding into
/// interface{} keeps them as strings, and no timestamp also parses as a number.)
fn resolve_number(text: &str) -> Option<Value> {
    // Without underscores (nearly always) the text itself: no copy.
    let plain: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .into()
    } else {
        text.into()
    };
    if let Some(i) = parse_go_int_base0(&plain) {
        return Some(Value::Int(i));
    }
    // (Newer sigs.k8s.io/yaml forks keep a `0x` integer beyond uint64 as a big integer; the
    // one kubectl 1.32 uses leaves it a string, as here: see tests/data/goyaml.)
    parse_go_float(&plain).map(Value::Float)
}

/// go-yaml v2's `resolve(tag, in)` for a scalar tagged `!!int`, `!!float`, `!!bool`, `!!null`
/// or `!!timestamp` (`tag` without its `tag:yaml.org,2002:` prefix), quoted or not: the value
/// when the text resolves to the tag's type (an int64 is also a float; a timestamp stays its
/// text, as go-yaml leaves it when decoding into `interface{}`), else go-yaml's complaint.
pub fn resolve_tagged(tag: &str, text: &str) -> Result<Value, String> {
    let value = if tag == "timestamp" && is_timestamp(text) {
        return Ok(Value::Str(text.to_owned()));
    } else {
        resolve_non_string(text).unwrap_or_else(|| Value::Str(text.to_owned()))
    };
    let resolved = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        _ => "str",
    };
    match (tag, &value) {
        (t, _) if t == resolved => Ok(value),
        ("float", Value::Int(i)) if i64::try_from(*i).is_ok() => Ok(Value::Float(*i as f64)),
        _ => Err(format!("cannot decode !!{resolved} `{text}` as a !!{tag}")),
    }
}

/// go-yaml v2's `parseTimestamp`: `YYYY-M-D`, optionally followed by a time (`T`/`t` and a zone,
/// or a space and no zone), as Go's `time.Parse` reads its four layouts.
fn is_timestamp(s: &str) -> bool {
    fn number(s: &str, at: &mut usize, min: usize, max: usize) -> Option<u32> {
        let digits = s.as_bytes()[*at..]
            .iter()
            .take(max)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits < min {
            return None;
        }
        let v = s[*at..*at + digits].parse().ok()?;
        *at += digits;
        Some(v)
    }
    fn expect(s: &str, at: &mut usize, c: u8) -> Option<()> {
        (s.as_bytes().get(*at) == Some(&c)).then(|| *at += 1)
    }
    let parse = || -> Option<()> {
        let mut at = 0;
        let year = number(s, &mut at, 4, 4)?;
        expect(s, &mut at, b'-')?;
        let month = number(s, &mut at, 1, 2)?;
        expect(s, &mut at, b'-')?;
        let day = number(s, &mut at, 1, 2)?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > days {
            return None;
        }
        if at == s.len() {
            return Some(());
        }
        let separator = s.as_bytes()[at];
        if !matches!(separator, b'T' | b't' | b' ') {
            return None;
        }
        at += 1;
        let hour = number(s, &mut at, 1, 2)?;
        expect(s, &mut at, b':')?;
        let minute = number(s, &mut at, 1, 2)?;
        expect(s, &mut at, b':')?;
        let second = number(s, &mut at, 1, 2)?;
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        if s.as_bytes().get(at) == Some(&b'.') {
            at += 1;
            number(s, &mut at, 1, 9)?;
        }
        if separator == b' ' {
            return (at == s.len()).then_some(());
        }
        match s.as_bytes().get(at)? {
            b'Z' => at += 1,
            b'+' | b'-' => {
                at += 1;
                let h = number(s, &mut at, 2, 2)?;
                expect(s, &mut at, b':')?;
                let m = number(s, &mut at, 2, 2)?;
                if h > 23 || m > 59 {
                    return None;
                }
            }
            _ => return None,
        }
        (at == s.len()).then_some(())
    };
    parse().is_some()
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint(s, 0, 64)` (no sign allowed).
fn parse_go_int_base0(s: &str) -> Option<i128> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let signed = s.starts_with(['-', '+']);
    let (radix, digits) = if let Some(d) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        (16, d)
    } else if let Some(d) = unsigned
        .strip_prefix("0o")
        .or_else(|| unsigned.strip_prefix("0O"))
    {
        (8, d)
    } else if let Some(d) = unsigned
        .strip_prefix("0b")
        .or_else(|| unsigned.strip_prefix("0B"))
    {
        (2, d)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (8, &unsigned[1..])
    } else {
        (10, unsigned)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if negative {
        let v = -(i128::try_from(magnitude).ok()?);
        (v >= i64::MIN as i128).then_some(v)
    } else if magnitude <= i64::MAX as u128 || (!signed && magnitude <= u64::MAX as u128) {
        Some(magnitude as i128)
    } else {
        None
    }
}

/// go-yaml v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat` on YAML-style floats; out of range is an error there, so the
/// scalar stays a string.
fn parse_go_float(s: &str) -> Option<f64> {
    if is_yaml_style_float(s) {
        s.parse().ok().filter(|f: &f64| f.is_finite())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::tree::format_float_key;

    fn r(s: &str) -> Value {
        resolve_plain(s)
    }

    #[test]
    fn booleans_are_yaml_1_1() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        ] {
            assert_eq!(r(t), Value::Bool(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
        ] {
            assert_eq!(r(f), Value::Bool(false), "{f}");
        }
        for s in ["yEs", "tRUE", "oN", "nO", "Yes!"] {
            assert_eq!(r(s), Value::Str(s.into()), "{s}");
        }
    }

    #[test]
    fn nulls() {
        for n in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(r(n), Value::Null, "{n:?}");
        }
        assert_eq!(r("nULL"), Value::Str("nULL".into()));
    }

    #[test]
    fn integers_use_go_base_zero() {
        assert_eq!(r("0755"), Value::Int(493));
        assert_eq!(r("0o755"), Value::Int(493));
        assert_eq!(r("0x1F"), Value::Int(31));
        assert_eq!(r("0b101"), Value::Int(5));
        assert_eq!(r("1_000"), Value::Int(1000));
        assert_eq!(r("-42"), Value::Int(-42));
        assert_eq!(r("+42"), Value::Int(42));
        assert_eq!(r("0"), Value::Int(0));
        assert_eq!(r("18446744073709551615"), Value::Int(u64::MAX as i128));
        // Invalid octal falls through to the YAML-style float regex.
        assert_eq!(r("08"), Value::Float(8.0));
        assert_eq!(r("0644"), Value::Int(420));
        assert_eq!(r("644"), Value::Int(644));
    }

    #[test]
    fn floats() {
        assert_eq!(r("1.0"), Value::Float(1.0));
        assert_eq!(r("1.10"), Value::Float(1.1));
        assert_eq!(r("1e3"), Value::Float(1000.0));
        assert_eq!(r(".5"), Value::Float(0.5));
        assert_eq!(r("-.inf"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(r(".NaN"), Value::Float(f) if f.is_nan()));
        assert_eq!(r("1e400"), Value::Str("1e400".into()));
        // Base 60 is not supported by go-yaml v2.
        assert_eq!(r("1:30"), Value::Str("1:30".into()));
    }

    #[test]
    fn strings_that_look_numeric() {
        for s in [
            "2024-01-02",
            "1.2.3",
            "0x",
            "0xZZ",
            "-",
            "+",
            "1e",
            "v1",
            "12Mi",
            "100m",
            "0.5Gi",
        ] {
            assert_eq!(r(s), Value::Str(s.into()), "{s}");
        }
    }

    #[test]
    fn float_keys_format_like_go() {
        assert_eq!(format_float_key(1.5), "1.5");
        assert_eq!(format_float_key(1000.0), "1000");
        assert_eq!(format_float_key(100000.0), "100000");
        assert_eq!(format_float_key(1e6), "1e+06");
        assert_eq!(format_float_key(0.0001), "0.0001");
        assert_eq!(format_float_key(0.00001), "1e-05");
        assert_eq!(format_float_key(18446744073709551616.0), "1.8446744e+19");
        assert_eq!(format_float_key(f64::INFINITY), ".inf");
    }
}
