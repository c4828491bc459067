//! Go behaviour that leaks into the API server's messages: `strconv.Atoi`,
//! `time.ParseDuration`, and their two quoting styles.

/// Go's `strconv.Atoi` on a 64-bit platform, with its error text.
pub(super) fn go_atoi(s: &str) -> Result<i64, String> {
    let syntax = || {
        format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_strconv_quote(s)
        )
    };
    let range = || {
        format!(
            "strconv.Atoi: parsing {}: value out of range",
            go_strconv_quote(s)
        )
    };

    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(syntax());
    }
    // Like strconv.ParseUint: scan left to right, so an overflow reported
    // before a later bad byte wins ("99999999999999999999x" is out of range).
    let mut magnitude: u64 = 0;
    for byte in digits.bytes() {
        if !byte.is_ascii_digit() {
            return Err(syntax());
        }
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(byte - b'0')))
            .ok_or_else(range)?;
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude).ok_or_else(range)
    } else {
        i64::try_from(magnitude).map_err(|_| range())
    }
}

/// Go's `time.ParseDuration`, returning nanoseconds or Go's error text.
pub(super) fn parse_go_duration(orig: &str) -> Result<i64, String> {
    const LIMIT: u64 = 1 << 63;
    let invalid = || format!("time: invalid duration {}", go_time_quote(orig));

    let mut s = orig.as_bytes();
    let mut negative = false;
    if let Some(&sign @ (b'-' | b'+')) = s.first() {
        negative = sign == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }

    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }

        // Integer part; Go fails on overflow here.
        let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
        let mut whole: u64 = 0;
        for &byte in &s[..digits] {
            if whole > LIMIT / 10 {
                return Err(invalid());
            }
            whole = whole * 10 + u64::from(byte - b'0');
            if whole > LIMIT {
                return Err(invalid());
            }
        }
        s = &s[digits..];
        let has_whole = digits > 0;

        // Fraction; Go silently stops accumulating precision on overflow.
        let (mut fraction, mut scale, mut has_fraction) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
            has_fraction = digits > 0;
            let mut overflowed = false;
            for &byte in &s[..digits] {
                if overflowed {
                    continue;
                }
                if fraction > (LIMIT - 1) / 10 {
                    overflowed = true;
                    continue;
                }
                let next = fraction * 10 + u64::from(byte - b'0');
                if next > LIMIT {
                    overflowed = true;
                    continue;
                }
                fraction = next;
                scale *= 10.0;
            }
            s = &s[digits..];
        }
        if !has_whole && !has_fraction {
            return Err(invalid());
        }

        // The unit runs to the next digit or '.', both ASCII, so the slice
        // below always ends on a char boundary.
        let unit_len = s
            .iter()
            .take_while(|&&b| !(b == b'.' || b.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_time_quote(orig)
            ));
        }
        let unit_text = String::from_utf8_lossy(&s[..unit_len]);
        s = &s[unit_len..];
        let unit: u64 = match unit_text.as_ref() {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_time_quote(&unit_text),
                    go_time_quote(orig)
                ));
            }
        };
        if whole > LIMIT / unit {
            return Err(invalid());
        }
        let mut value = whole * unit;
        if fraction > 0 {
            // Go converts the float to uint64; the product is < 3.7e12 here.
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total += value;
        if total > LIMIT {
            return Err(invalid());
        }
    }

    match (negative, i64::try_from(total)) {
        (false, Ok(nanos)) => Ok(nanos),
        (true, Ok(nanos)) => Ok(-nanos),
        (true, Err(_)) => Ok(i64::MIN), // total == 1 << 63
        (false, Err(_)) => Err(invalid()),
    }
}

/// The `quote` helper of Go's time package: non-ASCII and control bytes
/// become `\xNN`, `"` and `\` are backslashed.
pub(super) fn go_time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.Quote` (also `%q`). Go keeps printable Unicode as is; its `IsPrint` table
/// is approximated here (unassigned code points are treated as printable).
pub fn go_strconv_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if go_is_print(c) => out.push(c),
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

pub(super) fn go_is_print(c: char) -> bool {
    const FORMAT_CHARS: &[(u32, u32)] = &[
        (0xAD, 0xAD),
        (0x600, 0x605),
        (0x61C, 0x61C),
        (0x6DD, 0x6DD),
        (0x70F, 0x70F),
        (0x890, 0x891),
        (0x8E2, 0x8E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];
    let code = u32::from(c);
    let private_use = (0xE000..=0xF8FF).contains(&code) || code >= 0xF0000;
    let noncharacter = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
    let format = FORMAT_CHARS
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&code));
    !(c.is_control() || (c.is_whitespace() && c != ' ') || private_use || noncharacter || format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_matches_go() {
        assert_eq!(go_atoi("42"), Ok(42));
        assert_eq!(go_atoi("+7"), Ok(7));
        assert_eq!(go_atoi("-0"), Ok(0));
        assert_eq!(go_atoi("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(go_atoi("9223372036854775807"), Ok(i64::MAX));
        let range = |s: &str| Err(format!("strconv.Atoi: parsing \"{s}\": value out of range"));
        assert_eq!(go_atoi("9223372036854775808"), range("9223372036854775808"));
        assert_eq!(
            go_atoi("-9223372036854775809"),
            range("-9223372036854775809")
        );
        // Overflow is noticed before the trailing junk.
        assert_eq!(
            go_atoi("99999999999999999999x"),
            range("99999999999999999999x")
        );
        let syntax = |s: &str| Err(format!("strconv.Atoi: parsing \"{s}\": invalid syntax"));
        assert_eq!(go_atoi("1_000"), syntax("1_000"));
        assert_eq!(
            go_atoi("x99999999999999999999"),
            syntax("x99999999999999999999")
        );
        assert_eq!(go_atoi("+"), syntax("+"));
        assert_eq!(go_atoi(""), syntax(""));
        assert_eq!(go_atoi(" 1"), syntax(" 1"));
    }

    #[test]
    fn durations_match_go() {
        assert_eq!(parse_go_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_go_duration("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(parse_go_duration(".5s"), Ok(500_000_000));
        assert_eq!(parse_go_duration("1.s"), Ok(1_000_000_000));
        assert_eq!(parse_go_duration("-0"), Ok(0));
        assert_eq!(parse_go_duration("0s"), Ok(0));
        assert_eq!(parse_go_duration("+3ns"), Ok(3));
        assert_eq!(parse_go_duration("-9223372036854775808ns"), Ok(i64::MIN));
        assert_eq!(
            parse_go_duration("9223372036854775808ns"),
            Err(r#"time: invalid duration "9223372036854775808ns""#.to_owned())
        );
        assert_eq!(
            parse_go_duration("1"),
            Err(r#"time: missing unit in duration "1""#.to_owned())
        );
        assert_eq!(
            parse_go_duration("1h\u{1f600}"),
            Err(
                r#"time: unknown unit "h\xf0\x9f\x98\x80" in duration "1h\xf0\x9f\x98\x80""#
                    .to_owned()
            )
        );
        assert_eq!(
            parse_go_duration("1\"s"),
            Err(r#"time: unknown unit "\"s" in duration "1\"s""#.to_owned())
        );
    }

    #[test]
    fn strconv_quote_matches_go() {
        assert_eq!(go_strconv_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(go_strconv_quote("\u{0}\u{7f}\u{85}"), r#""\x00\x7f\u0085""#);
        assert_eq!(go_strconv_quote("\u{e9}\u{1f600}"), "\"\u{e9}\u{1f600}\"");
        assert_eq!(
            go_strconv_quote("\u{feff}\u{f0000}"),
            r#""\ufeff\U000f0000""#
        );
    }
}
