//! Fixes whose outcome is certain, computed from a finding's spans and the file's text: text
//! edits (byte ranges) any client can apply. `kubevet lsp` offers them as quick fixes,
//! `kubevet check --fix` applies those with one certain choice ([`certain`]), and SARIF carries
//! them as `fixes`.

use crate::model::diagnostic::Diagnostic;
use crate::model::span::Span;

/// One replacement in the file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    /// The fix for the finding (rather than a way to silence it).
    pub preferred: bool,
}

impl Fix {
    fn one(title: String, span: Span, text: impl Into<String>) -> Fix {
        Fix {
            title,
            edits: vec![Edit {
                span,
                text: text.into(),
            }],
            preferred: true,
        }
    }
}

/// The fixes for a finding in `text` (the text of the file it points into).
pub fn fixes(d: &Diagnostic, text: &str) -> Vec<Fix> {
    let span = d.primary.location.span;
    let Some(at) = text.get(span.range()) else {
        return Vec::new();
    };
    let help = d.help.as_deref().unwrap_or("");
    let mut out = Vec::new();
    match d.rule.id {
        // `enabled: yes` where a string is required.
        _ if help.contains("quote it") && is_plain(at) => {
            out.push(Fix::one(format!("Quote `{at}`"), span, format!("\"{at}\"")));
        }
        "unknown-field" | "unknown-kind" => {
            if let Some(suggestion) = did_you_mean(help).or_else(|| did_you_mean(&d.message))
                && is_plain(at)
            {
                out.push(Fix::one(
                    format!("Change `{at}` to `{suggestion}`"),
                    span,
                    suggestion,
                ));
            } else if d.rule.id == "unknown-field"
                && at == "replicas"
                && d.message.contains("DaemonSet")
                && let Some(line) = whole_line(text, span)
            {
                out.push(Fix::one(
                    "Remove `replicas` (a DaemonSet runs one pod per node)".into(),
                    line,
                    "",
                ));
            }
        }
        // A kustomization field kustomize does not know, labelled with its near miss.
        "kustomize-build-error" if d.message.contains("unknown field") => {
            if let Some(suggestion) = did_you_mean(&d.primary.message)
                && is_plain(at)
            {
                out.push(Fix::one(
                    format!("Change `{at}` to `{suggestion}`"),
                    span,
                    suggestion,
                ));
            }
        }
        "restart-policy" if d.message.contains("Required value") => {
            if let Some((at, indent)) = first_child_line(text, span) {
                for policy in ["OnFailure", "Never"] {
                    out.push(Fix::one(
                        format!("Set `restartPolicy: {policy}`"),
                        Span::new(at, at),
                        format!("{indent}restartPolicy: {policy}\n"),
                    ));
                }
            }
        }
        _ => {}
    }
    if let Some(fix) = suppress(d, text) {
        out.push(fix);
    }
    out
}

/// The fix to apply without asking: the one certain fix of the finding, where there is exactly
/// one (a Job's missing `restartPolicy` has two, `OnFailure` and `Never`: the user chooses).
/// Suppressing a finding is never automatic.
pub fn certain(d: &Diagnostic, text: &str) -> Option<Fix> {
    let mut preferred = fixes(d, text).into_iter().filter(|f| f.preferred);
    let first = preferred.next()?;
    preferred.next().is_none().then_some(first)
}

/// A removed apiVersion replaced by its successor, only where the object needs no other change:
/// `errors` (the error rules of a text checked as the file would be) has fewer errors with the
/// replacement and none the original lacks.
pub fn api_version(
    d: &Diagnostic,
    text: &str,
    errors: &dyn Fn(&str) -> Vec<&'static str>,
) -> Option<Fix> {
    if d.rule.id != "removed-api-version" {
        return None;
    }
    let successor = d.message.rsplit("; use ").next()?.trim();
    if successor.contains(' ') || successor == d.message {
        return None;
    }
    let span = d.primary.location.span;
    let old = text.get(span.range())?;
    let mut fixed = text.to_owned();
    fixed.replace_range(span.range(), successor);
    let before = errors(text);
    let after = errors(&fixed);
    let certain = after.len() < before.len() && after.iter().all(|r| before.contains(r));
    certain.then(|| Fix::one(format!("Change `{old}` to `{successor}`"), span, successor))
}

/// Applies fixes to a text, all at once: a fix with an edit that overlaps an edit of a fix
/// taken before it (or inserts where one does) is left out. Returns the new text and the
/// indexes of the fixes applied.
pub fn apply(text: &str, fixes: &[Fix]) -> (String, Vec<usize>) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    // Overlapping, at the same place, or an insertion inside a replacement.
    let inside = |a: Span, b: Span| a.start == a.end && b.start < a.start && a.start < b.end;
    let clash = |a: &Edit, b: &Edit| {
        let (a, b) = (a.span, b.span);
        (a.start < b.end && b.start < a.end) || a.start == b.start || inside(a, b) || inside(b, a)
    };
    for (i, fix) in fixes.iter().enumerate() {
        let fits = fix.edits.iter().all(|e| text.get(e.span.range()).is_some())
            && fix.edits.iter().enumerate().all(|(j, e)| {
                fix.edits[..j]
                    .iter()
                    .chain(taken.iter().copied())
                    .all(|t| !clash(e, t))
            });
        if fits {
            taken.extend(&fix.edits);
            applied.push(i);
        }
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for e in taken {
        out.push_str(&text[at..e.span.start as usize]);
        out.push_str(&e.text);
        at = e.span.end as usize;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// A plain scalar that can be quoted as it is.
fn is_plain(s: &str) -> bool {
    !s.is_empty()
        && !s.contains(['"', '\\', '\'', '\n', '#', ':', '{', '}', '[', ']', ','])
        && !s.starts_with([' ', '&', '*', '!', '|', '>', '%', '@', '`'])
}

/// `did you mean `X`?` in a message.
fn did_you_mean(text: &str) -> Option<&str> {
    let rest = text.split("did you mean `").nth(1)?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}

/// The span of the line holding `span`, newline included, if the entry at `span` is alone on
/// it and has no children (the next line is not indented more).
fn whole_line(text: &str, span: Span) -> Option<Span> {
    let start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
    if !text[start..span.start as usize].trim().is_empty() {
        return None;
    }
    let end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let line = &text[start..end];
    let (_, value) = line.split_once(':')?;
    let value = value.split('#').next().unwrap_or("").trim();
    value.parse::<i64>().ok()?;
    Some(Span::new(start, end))
}

/// Where to insert a first entry into the block mapping whose key is at `span`: the start of the
/// next line, and that line's indentation (deeper than the key's).
fn first_child_line(text: &str, span: Span) -> Option<(usize, String)> {
    let line_start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let key_indent = span.start as usize - line_start;
    if !text[line_start..span.start as usize].trim().is_empty() {
        return None;
    }
    let next = line_start + text[line_start..].find('\n')? + 1;
    let line = text[next..].lines().next()?;
    let indent = line.len() - line.trim_start_matches(' ').len();
    let body = line.trim_start_matches(' ');
    if indent <= key_indent || body.starts_with('-') || body.starts_with('#') || body.is_empty() {
        return None;
    }
    Some((next, " ".repeat(indent)))
}

/// A `# kubevet-ignore: rule` comment on a line of its own above the finding's line.
fn suppress(d: &Diagnostic, text: &str) -> Option<Fix> {
    let offset = (d.primary.location.span.start as usize).min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let indent = line.len() - line.trim_start_matches(' ').len();
    let body = line.trim_start_matches(' ').trim_start_matches("- ");
    if body.is_empty() {
        return None;
    }
    // Inside a block scalar a comment would be text: only where the line above is not one.
    let above = text[..line_start.saturating_sub(1)]
        .rsplit('\n')
        .next()
        .unwrap_or("");
    let header = above.split(" #").next().unwrap_or("").trim_end();
    let block = ["|", ">", "|-", ">-", "|+", ">+"];
    if block.iter().any(|b| header.ends_with(&format!(" {b}"))) {
        return None;
    }
    Some(Fix {
        title: format!("Suppress `{}` here (kubevet-ignore comment)", d.rule.id),
        edits: vec![Edit {
            span: Span::new(line_start, line_start),
            text: format!("{}# kubevet-ignore: {}\n", " ".repeat(indent), d.rule.id),
        }],
        preferred: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(start: usize, end: usize, text: &str) -> Fix {
        Fix::one(String::new(), Span::new(start, end), text)
    }

    #[test]
    fn fixes_apply_at_once_and_overlapping_ones_are_left_out() {
        let text = "a: yes\nb: on\nc: 1\n";
        let (out, applied) = apply(
            text,
            &[
                fix(10, 12, "\"on\""),
                fix(3, 6, "\"yes\""),
                fix(4, 5, "x"),
                fix(10, 10, "y"),
            ],
        );
        assert_eq!(out, "a: \"yes\"\nb: \"on\"\nc: 1\n");
        assert_eq!(applied, vec![0, 1]);
        // Out of the text: left out.
        assert_eq!(apply(text, &[fix(30, 31, "z")]), (text.to_owned(), vec![]));
    }
}
