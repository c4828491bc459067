//! apimachinery's format checks (`util/validation`), with Kubernetes' own message texts.
//! Each returns the list of problems; empty means valid. Reference §1.

pub const DNS1123_LABEL_MAX: usize = 63;
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;
pub const LABEL_VALUE_MAX: usize = 63;
pub const QUALIFIED_NAME_MAX: usize = 63;
pub const TOTAL_ANNOTATION_SIZE_MAX: usize = 256 * 1024;

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

pub fn max_len_error(max: usize) -> String {
    format!("must be no more than {max} characters")
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_lower_alnum(b[0])
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
}

pub fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX));
    }
    if !matches_dns1123_label(s) {
        errs.push(DNS1123_LABEL_MSG.to_owned());
    }
    errs
}

pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX));
    }
    if !s.split('.').all(matches_dns1123_label) {
        errs.push(DNS1123_SUBDOMAIN_MSG.to_owned());
    }
    errs
}

pub fn dns1035_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX));
    }
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_lowercase()
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_lower_alnum(c) || c == b'-');
    if !ok {
        errs.push(DNS1035_LABEL_MSG.to_owned());
    }
    errs
}

const DNS1123_SUBDOMAIN_UNDERSCORE_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')";

/// `IsDNS1123SubdomainWithUnderscore`: a subdomain whose labels may start with `_` and hold `_`
/// (DNS search domains with the RelaxedDNSSearchValidation gate, on from 1.33).
pub fn dns1123_subdomain_with_underscore(s: &str) -> Vec<String> {
    let label = |l: &str| {
        let b = l.strip_prefix('_').unwrap_or(l).as_bytes();
        !b.is_empty()
            && is_lower_alnum(b[0])
            && is_lower_alnum(b[b.len() - 1])
            && b.iter()
                .all(|&c| is_lower_alnum(c) || c == b'-' || c == b'_')
    };
    let mut errs = Vec::new();
    if s.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX));
    }
    if !s.split('.').all(label) {
        errs.push(DNS1123_SUBDOMAIN_UNDERSCORE_MSG.to_owned());
    }
    errs
}

/// apimachinery `IsValidIP`'s message.
pub const IP_MSG: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

/// Whether `s` is an IP address as `netutils.ParseIPSloppy` (Go 1.16's `net.ParseIP`) reads it:
/// the first `.` or `:` decides between IPv4 and IPv6, and IPv4 octets may have leading zeros.
pub fn is_ip(s: &str) -> bool {
    match s.bytes().find(|b| matches!(b, b'.' | b':')) {
        Some(b'.') => {
            let parts: Vec<&str> = s.split('.').collect();
            parts.len() == 4
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.bytes().all(|b| b.is_ascii_digit())
                        && p.trim_start_matches('0').len() <= 3
                        && p.parse::<u32>().is_ok_and(|n| n <= 255)
                })
        }
        Some(_) => s.parse::<std::net::Ipv6Addr>().is_ok(),
        None => false,
    }
}

/// apimachinery `IsValidPathSegmentName`, used for RBAC object names (`system:controller:x`).
pub fn path_segment_name(s: &str) -> Vec<String> {
    if s == "." || s == ".." {
        return vec![format!("may not be '{s}'")];
    }
    ["/", "%"]
        .iter()
        .filter(|bad| s.contains(**bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn matches_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a name part.
pub fn qualified_name(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_owned());
            } else {
                errs.extend(
                    dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|e| format!("prefix part {e}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!("{QUALIFIED_NAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > QUALIFIED_NAME_MAX {
        errs.push(format!("name part {}", max_len_error(QUALIFIED_NAME_MAX)));
    }
    if !name.is_empty() && !matches_qualified_name_part(name) {
        errs.push(QUALIFIED_NAME_MSG.to_owned());
    }
    errs
}

pub fn label_value(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > LABEL_VALUE_MAX {
        errs.push(max_len_error(LABEL_VALUE_MAX));
    }
    if !s.is_empty() && !matches_qualified_name_part(s) {
        errs.push(LABEL_VALUE_MSG.to_owned());
    }
    errs
}

/// Go's `base64.StdEncoding.Decode`, which `encoding/json` applies to `[]byte` fields (a
/// Secret's `data`, a ConfigMap's `binaryData`, every `caBundle`): `None` when `s` decodes, else
/// the byte offset Go reports (`illegal base64 data at input byte N`). Padding is required,
/// `\r` and `\n` are skipped anywhere, any other byte outside the alphabet is an error. Written
/// after `decodeQuantum` in Go's `encoding/base64/base64.go`, offsets included.
pub fn base64_error(s: &str) -> Option<usize> {
    let src = s.as_bytes();
    let mut si = 0;
    while si < src.len() {
        match base64_quantum(src, si) {
            Ok(next) => si = next,
            Err(at) => return Some(at),
        }
    }
    None
}

/// One quantum of up to 4 characters from `si`: where the next one starts, or the byte at
/// which decoding fails.
fn base64_quantum(src: &[u8], mut si: usize) -> Result<usize, usize> {
    let is_newline = |c: u8| c == b'\n' || c == b'\r';
    let in_alphabet = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let mut j = 0;
    while j < 4 {
        if si == src.len() {
            // The end: fine between quanta; otherwise the padding is missing.
            return if j == 0 { Ok(si) } else { Err(si - j) };
        }
        let c = src[si];
        si += 1;
        if in_alphabet(c) {
            j += 1;
            continue;
        }
        if is_newline(c) {
            continue;
        }
        if c != b'=' || j < 2 {
            return Err(si - 1);
        }
        if j == 2 {
            // "==" is expected; the first '=' is consumed.
            while si < src.len() && is_newline(src[si]) {
                si += 1;
            }
            if si == src.len() {
                return Err(src.len());
            }
            if src[si] != b'=' {
                return Err(si - 1);
            }
            si += 1;
        }
        while si < src.len() && is_newline(src[si]) {
            si += 1;
        }
        // Nothing may follow the padding.
        return if si < src.len() { Err(si) } else { Ok(si) };
    }
    Ok(si)
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// [`edit_distance`] when it is at most `limit`, else `None`. ASCII words of up to 64 bytes
/// (label values, names) take Myers' bit-parallel algorithm: a few instructions a byte, where
/// the table cost thousands a comparison (the near-miss search of `service-selects-nothing`
/// compares a selector with every workload of a namespace). Others fill the table, giving up
/// as soon as a row of it is all over the limit.
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() && a.len() <= 64 {
        if a.len().abs_diff(b.len()) > limit {
            return None;
        }
        return Some(bit_parallel_distance(a.as_bytes(), b.as_bytes())).filter(|&d| d <= limit);
    }
    fn within<T: PartialEq>(a: &[T], b: &[T], limit: usize) -> Option<usize> {
        if a.len().abs_diff(b.len()) > limit {
            return None;
        }
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        let mut cur = vec![0; b.len() + 1];
        for (i, ca) in a.iter().enumerate() {
            cur[0] = i + 1;
            let mut row_min = cur[0];
            for (j, cb) in b.iter().enumerate() {
                let cost = usize::from(ca != cb);
                cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
                row_min = row_min.min(cur[j + 1]);
            }
            if row_min > limit {
                return None;
            }
            std::mem::swap(&mut prev, &mut cur);
        }
        Some(prev[b.len()]).filter(|&d| d <= limit)
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    within(&a, &b, limit)
}

/// Levenshtein distance of ASCII `pattern` (at most 64 bytes) and `text`: Myers (1999) in
/// Hyyrö's (2003) formulation. Bit `i` of the vertical deltas is column `i` of the current row
/// of the table; a `1` shifted into the horizontal delta is the table's first row (`D[0][j] = j`).
fn bit_parallel_distance(pattern: &[u8], text: &[u8]) -> usize {
    debug_assert!(pattern.len() <= 64 && pattern.is_ascii() && text.is_ascii());
    let Some(top) = pattern.len().checked_sub(1).map(|last| 1u64 << last) else {
        return text.len();
    };
    let mut peq = [0u64; 128];
    for (i, &c) in pattern.iter().enumerate() {
        peq[usize::from(c & 0x7f)] |= 1 << i;
    }
    let (mut pv, mut mv, mut score) = (!0u64, 0u64, pattern.len());
    for &c in text {
        let eq = peq[usize::from(c & 0x7f)];
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let ph = mv | !(xh | pv);
        let mh = pv & xh;
        if ph & top != 0 {
            score += 1;
        } else if mh & top != 0 {
            score -= 1;
        }
        let ph = (ph << 1) | 1;
        let mh = mh << 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
    }
    score
}

/// The closest candidate within a distance that scales with the word's length.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|&(d, c)| d <= limit && c != word)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {

    #[test]
    fn ip_addresses_as_parse_ip_sloppy_reads_them() {
        use super::is_ip;
        for ok in [
            "10.9.8.7",
            "010.009.008.007",
            "0.0.0.0",
            "2001:db8::ffff",
            "::1",
            "::ffff:1.2.3.4",
        ] {
            assert!(is_ip(ok), "{ok}");
        }
        for bad in [
            "",
            "10.9.8",
            "10.9.8.7.6",
            "256.1.1.1",
            "1.2.3.4:80",
            "10.0.0.1/24",
            "host",
            "fe80::1%eth0",
            "1.2.3.-4",
        ] {
            assert!(!is_ip(bad), "{bad}");
        }
    }

    #[test]
    fn search_domains_with_underscores() {
        use super::dns1123_subdomain_with_underscore as relaxed;
        assert!(relaxed("_sip._tcp.example.com").is_empty());
        assert!(relaxed("my_service.local").is_empty());
        assert!(!relaxed("_").is_empty());
        assert!(!relaxed("Example.com").is_empty());
        assert!(!relaxed("a..b").is_empty());
    }

    /// Offsets as Go's `base64.StdEncoding.DecodeString` reports them.
    #[test]
    fn base64_errors_at_go_offsets() {
        use super::base64_error;
        for ok in [
            "",
            "YQ==",
            "YWI=",
            "YWJj",
            "YWJj\nZGVm",
            "YW\r\nJj",
            "YQ=\n=",
            "YWJjZA==\n",
        ] {
            assert_eq!(base64_error(ok), None, "{ok:?}");
        }
        let cases = [
            ("mypassword", 8), // a plain-text password: the last quantum is incomplete
            ("abc", 0),
            ("a", 0),
            ("ab", 0),
            ("-----BEGIN", 0),
            ("YWJj ZGVm", 4),
            ("YQ=", 3),  // "==" expected: not enough padding
            ("YQ=x", 2), // incorrect padding
            ("Y===", 1),
            ("YWJj=", 4),
            ("YQ==YQ==", 4), // trailing garbage after the padding
            ("YWI=\nx", 5),
            ("YWJjZGVm!", 8),
            ("héllo", 1),
        ];
        for (input, at) in cases {
            assert_eq!(base64_error(input), Some(at), "{input:?}");
        }
    }

    /// The bit-parallel distance against the table, on random ASCII words over a small
    /// alphabet (so that they share letters), of every length up to 64 and past it.
    #[test]
    fn bit_parallel_distance_agrees_with_the_table() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut word = |max: u64| -> String {
            let len = next() % (max + 1);
            (0..len)
                .map(|_| char::from(b"ab-1x"[(next() % 5) as usize]))
                .collect()
        };
        for round in 0..20_000 {
            let max = if round % 10 == 0 { 70 } else { 12 };
            let (a, b) = (word(max), word(max));
            let full = edit_distance(&a, &b);
            if a.len() <= 64 {
                assert_eq!(
                    bit_parallel_distance(a.as_bytes(), b.as_bytes()),
                    full,
                    "{a:?} {b:?}"
                );
            }
            for limit in [0, 1, 2, 5, 80] {
                let expected = (full <= limit).then_some(full);
                assert_eq!(
                    edit_distance_within(&a, &b, limit),
                    expected,
                    "{a:?} {b:?} {limit}"
                );
            }
        }
    }

    #[test]
    fn bounded_edit_distance_agrees_with_the_full_one() {
        let words = [
            "",
            "a",
            "nginx",
            "ngnix",
            "nginx-1",
            "app-01234",
            "app-01999",
            "ä-b",
            "a-b",
            "xyz",
        ];
        for a in words {
            for b in words {
                for limit in 0..5 {
                    let full = edit_distance(a, b);
                    let expected = (full <= limit).then_some(full);
                    assert_eq!(
                        edit_distance_within(a, b, limit),
                        expected,
                        "{a:?} {b:?} {limit}"
                    );
                }
            }
        }
    }

    use super::*;

    #[test]
    fn dns_names() {
        assert!(dns1123_label("my-name").is_empty());
        assert!(dns1123_label("123-abc").is_empty());
        assert_eq!(dns1123_label("My-name").len(), 1);
        assert_eq!(dns1123_label("a.b").len(), 1);
        assert_eq!(dns1123_label(&"a".repeat(64)).len(), 1);
        assert!(dns1123_subdomain("example.com").is_empty());
        assert_eq!(dns1123_subdomain("example..com").len(), 1);
        assert_eq!(dns1123_subdomain("-a").len(), 1);
        assert!(dns1035_label("abc-123").is_empty());
        assert_eq!(dns1035_label("1-api").len(), 1);
        assert!(path_segment_name("system:controller:x").is_empty());
        assert_eq!(path_segment_name("a/b"), vec!["may not contain '/'"]);
    }

    #[test]
    fn labels() {
        assert!(qualified_name("app.kubernetes.io/name").is_empty());
        assert!(qualified_name("MyName").is_empty());
        assert_eq!(
            qualified_name("/foo"),
            vec!["prefix part must be non-empty"]
        );
        assert_eq!(qualified_name("a/b/c").len(), 1);
        assert_eq!(qualified_name("-x").len(), 1);
        assert!(label_value("").is_empty());
        assert!(label_value("my_value").is_empty());
        assert_eq!(label_value("has space").len(), 1);
        assert_eq!(label_value(&"v".repeat(64)).len(), 1);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("contAIN3rz", ["containers", "volumes"]),
            Some("containers")
        );
        assert_eq!(did_you_mean("qaa", ["qa", "prod"]), Some("qa"));
        assert_eq!(did_you_mean("zzzzzz", ["qa"]), None);
    }
}
