//! Small text helpers for messages, used by every stage: lists in words ("a, b and c"),
//! counts ("2 files"), and "did you mean" suggestions by edit distance (the one distance every
//! near-miss suggestion uses).

/// Joins words as "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Joins words as "a, b or c".
pub fn join_or(items: &[String]) -> String {
    match items {
        [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
        _ => join_and(items),
    }
}

/// Lists quoted names: "`a`, `b` and `c`".
pub fn code_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    join_and(&quoted)
}

/// "1 item" / "2 items".
pub fn plural(n: usize, word: &str) -> String {
    let mut s = format!("{n} {word}");
    if n != 1 {
        s.push('s');
    }
    s
}

/// The edit distance kubevet's "did you mean" suggestions use everywhere: optimal string
/// alignment (Levenshtein with the transposition of two adjacent characters as one edit, so
/// `ngnix` is one edit from `nginx`), counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    table_distance(&a, &b, usize::MAX).unwrap_or(usize::MAX)
}

/// [`edit_distance`] when it is at most `limit`, else `None`. ASCII words of up to 64 bytes
/// (label values, names) take Hyyrö's bit-parallel algorithm: a few instructions a byte, where
/// the table costs thousands a comparison (the near-miss search of `service-selects-nothing`
/// compares a selector with every workload of a namespace). Others fill the table, giving up
/// as soon as two rows of it are all over the limit.
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit.saturating_mul(4) {
        return None; // At most 4 bytes a character: surely over the limit.
    }
    if a.is_ascii() && b.is_ascii() && a.len() <= 64 {
        if a.len().abs_diff(b.len()) > limit {
            return None;
        }
        return Some(bit_parallel_distance(a.as_bytes(), b.as_bytes())).filter(|&d| d <= limit);
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    table_distance(&a, &b, limit)
}

/// Optimal string alignment by the table, three rows at a time; `None` as soon as the distance
/// must be over `limit` (a transposition reaches back two rows, so two rows over it).
fn table_distance<T: PartialEq>(a: &[T], b: &[T], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    let mut prev_min = 0;
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit && prev_min > limit {
            return None;
        }
        prev_min = row_min;
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

/// Optimal string alignment distance of ASCII `pattern` (at most 64 bytes) and `text`: Myers'
/// (1999) bit-vector algorithm with Hyyrö's (2002) extension for transpositions. Bit `i` of the
/// vertical deltas is column `i` of the current row of the table; a `1` shifted into the
/// horizontal delta is the table's first row (`D[0][j] = j`).
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
    let (mut d0, mut eq_prev) = (0u64, 0u64);
    for &c in text {
        let eq = peq[usize::from(c & 0x7f)];
        // A transposition: this character matches the pattern one further on, and the
        // previous one matches here.
        let tr = (((!d0) & eq) << 1) & eq_prev;
        d0 = (((eq & pv).wrapping_add(pv)) ^ pv) | eq | mv | tr;
        let ph = mv | !(d0 | pv);
        let mh = pv & d0;
        if ph & top != 0 {
            score += 1;
        } else if mh & top != 0 {
            score -= 1;
        }
        let ph = (ph << 1) | 1;
        let mh = mh << 1;
        pv = mh | !(d0 | ph);
        mv = ph & d0;
        eq_prev = eq;
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
        .filter(|&c| c != word)
        .filter_map(|c| {
            Some((
                edit_distance_within(&lower, &c.to_ascii_lowercase(), limit)?,
                c,
            ))
        })
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("contAIN3rz", ["containers", "volumes"]),
            Some("containers")
        );
        assert_eq!(did_you_mean("qaa", ["qa", "prod"]), Some("qa"));
        assert_eq!(did_you_mean("zzzzzz", ["qa"]), None);
        // A swapped pair of letters is one edit.
        assert_eq!(did_you_mean("ngnix", ["nginx", "redis"]), Some("nginx"));
        assert_eq!(did_you_mean("wbe", ["web", "db"]), Some("web"));
    }

    /// Optimal string alignment: a transposition is one edit, but a transposed pair is not
    /// edited again (`ca` → `abc` is 3, where unrestricted Damerau-Levenshtein says 2).
    #[test]
    fn transpositions_count_once() {
        for (a, b, d) in [
            ("ngnix", "nginx", 1),
            ("wbe", "web", 1),
            ("ab", "ba", 1),
            ("ca", "abc", 3),
            ("abcdef", "badcfe", 3),
            ("kitten", "sitting", 3),
            ("", "abc", 3),
            ("äb", "bä", 1),
        ] {
            assert_eq!(edit_distance(a, b), d, "{a:?} {b:?}");
            assert_eq!(edit_distance_within(a, b, 5), Some(d), "{a:?} {b:?}");
            assert_eq!(edit_distance_within(a, b, d), Some(d), "{a:?} {b:?}");
            if d > 0 {
                assert_eq!(edit_distance_within(a, b, d - 1), None, "{a:?} {b:?}");
            }
        }
    }
}
