//! A lexical pre-check run before the `cel` parser sees an expression.
//!
//! The crate's parser limits the nesting of its grammar rules (96 levels), but not the depth of
//! the tree it builds: a chain `1 + 1 + ... + 1` of 10,000 terms parses into a tree 10,000 deep
//! that overflows the stack when evaluated, and 100,000 terms overflow it while parsing (measured:
//! REPORT.md). Its error message also panics on a column past 65,535. So an expression is checked
//! here first, in one pass and constant stack:
//! - at most [`MAX_CODE_POINTS`] code points (cel-go's default `ExpressionSizeCodePointLimit`,
//!   which the API server keeps: a longer expression does not compile there either);
//! - an estimate of the tree depth: at every point, the sum over the open brackets of the
//!   operators seen at that bracket level (a left-associative chain of k operators is k deep),
//!   plus the number of open brackets, must stay under [`MAX_DEPTH`]. `&&` and `||` do not count:
//!   the parser balances them. cel-go limits its parse recursion to 250 (`MaxRecursionDepth`).

/// cel-go's default `ExpressionSizeCodePointLimit`.
pub const MAX_CODE_POINTS: usize = 100_000;
/// The deepest estimated tree accepted (cel-go: parser recursion limit 250).
pub const MAX_DEPTH: usize = 250;
/// The most tokens accepted: the crate's parser takes ~2 s for 100,000 `&&` terms.
pub const MAX_TOKENS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    TooLong { code_points: usize },
    TooDeep { depth: usize },
    TooManyTokens { tokens: usize },
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::TooLong { code_points } => write!(
                f,
                "expression is {code_points} code points long, more than the limit of {MAX_CODE_POINTS}"
            ),
            Rejected::TooDeep { depth } => write!(
                f,
                "expression nests more than {MAX_DEPTH} levels deep (at least {depth})"
            ),
            Rejected::TooManyTokens { tokens } => write!(
                f,
                "expression has more than {MAX_TOKENS} tokens ({tokens}), too many to evaluate"
            ),
        }
    }
}

/// Checks `src`; see the module documentation.
pub fn check(src: &str) -> Result<(), Rejected> {
    let code_points = src.chars().count();
    if code_points > MAX_CODE_POINTS {
        return Err(Rejected::TooLong { code_points });
    }
    let b = src.as_bytes();
    // Operators counted at each open bracket level (index 0: outside any bracket).
    let mut levels: Vec<usize> = vec![0];
    let mut depth = 0usize; // sum of `levels` + open brackets
    let mut max_depth = 0usize;
    let mut tokens = 0usize;
    let mut i = 0;
    let deeper = |levels: &mut Vec<usize>, depth: &mut usize, max: &mut usize, n: usize| {
        *levels.last_mut().expect("level 0 is never popped") += n;
        *depth += n;
        *max = (*max).max(*depth);
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        tokens += 1;
        if tokens > MAX_TOKENS {
            return Err(Rejected::TooManyTokens { tokens });
        }
        match c {
            b'(' | b'[' | b'{' => {
                if c == b'[' {
                    // indexing is one level of the tree too
                    deeper(&mut levels, &mut depth, &mut max_depth, 1);
                }
                levels.push(0);
                depth += 1;
                max_depth = max_depth.max(depth);
                i += 1;
            }
            b')' | b']' | b'}' => {
                if levels.len() > 1 {
                    let n = levels.pop().unwrap_or(0);
                    depth -= n + 1;
                }
                i += 1;
            }
            b'\'' | b'"' => i = skip_string(b, i, false),
            b'r' | b'R' | b'b' | b'B' if is_string_prefix(b, i) => {
                let (raw, start) = string_prefix(b, i);
                i = skip_string(b, start, raw);
            }
            b'&' | b'|' => {
                // `&&` and `||` are balanced by the parser; a lone one is a syntax error.
                i += if b.get(i + 1) == Some(&c) { 2 } else { 1 };
            }
            b',' => {
                // a new element or argument: its operators start from zero again
                if let Some(n) = levels.last_mut() {
                    depth -= *n;
                    *n = 0;
                }
                i += 1;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'=' | b'!' | b'.' | b'?' | b':' => {
                let two = matches!((c, b.get(i + 1)), (b'<' | b'>' | b'=' | b'!', Some(b'=')));
                deeper(&mut levels, &mut depth, &mut max_depth, 1);
                i += if two { 2 } else { 1 };
            }
            _ if c.is_ascii_alphanumeric() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
            _ => {
                // any other byte (UTF-8 continuation, backtick, ...): the parser decides
                i += 1;
            }
        }
        if max_depth > MAX_DEPTH {
            return Err(Rejected::TooDeep { depth: max_depth });
        }
    }
    Ok(())
}

/// Whether `b[i..]` starts a prefixed string literal (`r'`, `b"`, `rb'''`, ...), not an
/// identifier.
fn is_string_prefix(b: &[u8], i: usize) -> bool {
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        return false;
    }
    let (_, start) = string_prefix(b, i);
    start > i && matches!(b.get(start), Some(b'\'' | b'"'))
}

fn string_prefix(b: &[u8], i: usize) -> (bool, usize) {
    let mut j = i;
    let mut raw = false;
    while j < b.len() && j < i + 2 && matches!(b[j], b'r' | b'R' | b'b' | b'B') {
        raw |= matches!(b[j], b'r' | b'R');
        j += 1;
    }
    (raw, j)
}

/// Skips the string literal starting at the quote `b[i]`; returns the index after it (or the end
/// of input for an unterminated one: the parser reports it).
fn skip_string(b: &[u8], i: usize, raw: bool) -> usize {
    let q = b[i];
    let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        let c = b[j];
        if c == b'\\' && !raw {
            j += 2;
            continue;
        }
        if c == q {
            if !triple {
                return j + 1;
            }
            if b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q) {
                return j + 3;
            }
        }
        if c == b'\n' && !triple {
            return j; // unterminated: let the parser report it
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_rules() {
        for ok in [
            "self.replicas <= 10 && self.image.startsWith('registry.example.com/')",
            "self.all(x, x.name.matches('^[a-z]+$'))",
            "has(self.spec) ? self.spec.x == 'a(' : true",
            r#"r'\d+(' == "a\"(" && b'[' != b"]""#,
            "'''multi\n(((line''' == x // comment ((((",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_deep_and_long() {
        let chain = format!("1{}", " + 1".repeat(300));
        assert!(matches!(check(&chain), Err(Rejected::TooDeep { .. })));
        let parens = format!("{}1{}", "(".repeat(300), ")".repeat(300));
        assert!(matches!(check(&parens), Err(Rejected::TooDeep { .. })));
        let select = format!("a{}", ".b".repeat(300));
        assert!(matches!(check(&select), Err(Rejected::TooDeep { .. })));
        let long = "x".repeat(MAX_CODE_POINTS + 1);
        assert!(matches!(check(&long), Err(Rejected::TooLong { .. })));
        // && chains are balanced by the parser: only the token limit applies
        let and = format!("true{}", " && true".repeat(1000));
        assert_eq!(check(&and), Ok(()));
        // brackets inside strings do not count
        let s = format!("'{}' == x", "(".repeat(10_000));
        assert_eq!(check(&s), Ok(()));
    }

    #[test]
    fn arguments_restart_the_count() {
        // 200 arguments of 2 operators each: flat, not 400 deep
        let args = (0..200).map(|_| "a.b + 1").collect::<Vec<_>>().join(", ");
        assert_eq!(check(&format!("f({args})")), Ok(()));
    }
}
