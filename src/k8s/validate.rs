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
    if !matches_dns1123_subdomain(s.as_bytes()) {
        errs.push(DNS1123_SUBDOMAIN_MSG.to_owned());
    }
    errs
}

/// Labels (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`) joined by dots, in one pass over the bytes: every
/// byte a lower-case letter, a digit, `-` or `.`, the first and the last alphanumeric, and a
/// dot neither after nor before a `-` or a dot (splitting at the dots was 0.8% of a check).
fn matches_dns1123_subdomain(b: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if !is_lower_alnum(first) || !is_lower_alnum(last) {
        return false;
    }
    let mut prev = first;
    for &c in &b[1..] {
        let ok = match c {
            b'a'..=b'z' | b'0'..=b'9' => true,
            b'-' => prev != b'.',
            b'.' => is_lower_alnum(prev),
            _ => false,
        };
        if !ok {
            return false;
        }
        prev = c;
    }
    true
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
    // One `/` at most (no vector of the parts: this runs for every label and annotation key).
    let (prefix, name) = match s.split_once('/') {
        None => (None, s),
        Some((prefix, name)) if !name.contains('/') => (Some(prefix), name),
        Some(_) => {
            errs.push(format!("{QUALIFIED_NAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
            return errs;
        }
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            errs.push("prefix part must be non-empty".to_owned());
        } else {
            errs.extend(
                dns1123_subdomain(prefix)
                    .into_iter()
                    .map(|e| format!("prefix part {e}")),
            );
        }
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn subdomains_in_one_pass_match_label_by_label() {
        // Every string of up to 6 bytes over a small alphabet, against the definition.
        let alphabet = [b'a', b'z', b'0', b'-', b'.', b'A', b'_'];
        let mut strings = vec![Vec::new()];
        for _ in 0..6 {
            let longer: Vec<Vec<u8>> = strings
                .iter()
                .filter(|s| s.len() == strings.last().map_or(0, Vec::len))
                .flat_map(|s| {
                    alphabet.iter().map(move |&c| {
                        let mut t = s.clone();
                        t.push(c);
                        t
                    })
                })
                .collect();
            strings.extend(longer);
        }
        assert!(strings.len() > 100_000);
        for s in &strings {
            let text = std::str::from_utf8(s).unwrap();
            let by_labels = text.split('.').all(super::matches_dns1123_label);
            assert_eq!(super::matches_dns1123_subdomain(s), by_labels, "{text:?}");
        }
    }

    use super::*;

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
        assert_eq!(qualified_name("a//").len(), 1);
        assert_eq!(qualified_name("-x").len(), 1);
        assert_eq!(qualified_name("a/"), vec!["name part must be non-empty"]);
        assert_eq!(
            qualified_name("Ex.com/x"),
            vec![format!("prefix part {DNS1123_SUBDOMAIN_MSG}")]
        );
        assert!(label_value("").is_empty());
        assert!(label_value("my_value").is_empty());
        assert_eq!(label_value("has space").len(), 1);
        assert_eq!(label_value(&"v".repeat(64)).len(), 1);
    }
}
