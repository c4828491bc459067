//! Property names that are not CEL identifiers, as CRD rules see them
//! (k8s.io/apiserver/pkg/cel/escaping.go, `Escape` and `Unescape`): `foo-bar` is
//! `self.foo__dash__bar`, `a.b` is `a__dot__b`, `a/b` is `a__slash__b`, `__` is `__underscores__`,
//! and a CEL reserved word `namespace` is `__namespace__`. A name with any other character, or
//! starting with a digit, has no escaped form (it is reachable only as `self['...']`).

/// The identifiers CEL reserves (cel-go's lexer), escaped as `__word__`.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The escaped form of a property name, `None` when it has none.
pub fn escape(name: &str) -> Option<String> {
    let first = *name.as_bytes().first()?;
    if first.is_ascii_digit() {
        return None;
    }
    if RESERVED.contains(&name) {
        return Some(format!("__{name}__"));
    }
    let mut out = String::with_capacity(name.len());
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'_' if b.get(i + 1) == Some(&b'_') => {
                out.push_str("__underscores__");
                i += 2;
                continue;
            }
            b'.' => out.push_str("__dot__"),
            b'-' => out.push_str("__dash__"),
            b'/' => out.push_str("__slash__"),
            c if c.is_ascii_alphanumeric() || c == b'_' => out.push(c as char),
            _ => return None,
        }
        i += 1;
    }
    Some(out)
}

/// The property name an escaped identifier stands for; `None` for an invalid escape sequence.
pub fn unescape(escaped: &str) -> Option<String> {
    if !escaped.contains("__") {
        return Some(escaped.to_owned());
    }
    // Go: the leftmost non-overlapping matches of `__[^_]+__`, replaced.
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(start) = rest.find("__") {
        let after = &rest[start + 2..];
        let word_len = after.find('_').unwrap_or(after.len());
        if word_len == 0 || !after[word_len..].starts_with("__") {
            // no `__word__` here: keep one `_` and look again from the next one
            out.push_str(&rest[..start + 1]);
            rest = &rest[start + 1..];
            continue;
        }
        let word = &after[..word_len];
        out.push_str(&rest[..start]);
        match word {
            "underscores" => out.push_str("__"),
            "dot" => out.push('.'),
            "dash" => out.push('-'),
            "slash" => out.push('/'),
            w if RESERVED.contains(&w) => {
                // only a whole identifier `__namespace__` stands for a reserved word
                if word_len + 4 != escaped.len() {
                    return None;
                }
                out.push_str(w);
            }
            _ => return None,
        }
        rest = &after[word_len + 2..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_kubernetes_does() {
        // the cases of escaping_test.go's TestEscaping
        for (name, escaped) in [
            ("apiVersion", Some("apiVersion")),
            ("foo-bar", Some("foo__dash__bar")),
            ("foo.example.com", Some("foo__dot__example__dot__com")),
            ("a/b", Some("a__slash__b")),
            ("__", Some("__underscores__")),
            ("a__b", Some("a__underscores__b")),
            ("_a", Some("_a")),
            ("___", Some("__underscores___")),
            ("namespace", Some("__namespace__")),
            ("if", Some("__if__")),
            ("int", Some("int")),
            ("1a", None),
            ("", None),
            ("a b", None),
            ("a:b", None),
        ] {
            assert_eq!(escape(name).as_deref(), escaped, "{name}");
            if let Some(e) = escaped {
                assert_eq!(unescape(e).as_deref(), Some(name), "{e}");
            }
        }
        assert_eq!(unescape("a__foo__b"), None);
        assert_eq!(unescape("a__namespace__"), None);
        assert_eq!(unescape("a__b").as_deref(), Some("a__b"));
        assert_eq!(unescape("foo-bar").as_deref(), Some("foo-bar"));
    }
}
