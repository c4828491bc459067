//! Unrendered placeholders: the tokens that templating and substitution tools replace before a
//! manifest reaches a cluster, left in a value because that step did not run (or the file was
//! never meant to be applied as is).
//!
//! - `{{ ... }}`: Helm and Go templates, Jinja, Mustache (and `${{ ... }}`);
//! - `${VAR}`, `${VAR:=default}`: envsubst, Flux `postBuild.substitute`, shell-style tools;
//! - `$(VAR)`: kustomize `vars`, Makefiles (in command, args and env values it is Kubernetes' own
//!   variable expansion, but those free-form values are never asked about here);
//! - `<ADD VALUE HERE>`, `<your-registry>`: fill-in-the-blank markers.
//!
//! A placeholder in a free-form value (ConfigMap data, annotations, env values, a Prometheus
//! alert template) is data. It matters only where it makes a value invalid: a rule about to
//! report a value's format asks here first ([`crate::check::Context::report`]), and the finding
//! becomes one `unrendered-placeholder` finding for the token.

use crate::model::span::Span;
use std::ops::Range;

/// The byte range of the first placeholder in `text`.
pub fn find(text: &str) -> Option<Range<usize>> {
    tokens(text).next()
}

/// Whether `text` holds a placeholder.
pub fn contains(text: &str) -> bool {
    find(text).is_some()
}

/// "`${A}` is an unrendered placeholder", or "`${A}` and `${B}` are ...", for the
/// placeholders in `text` (or `text` itself if it holds none).
pub fn describe(text: &str) -> String {
    let found: Vec<&str> = tokens(text).map(|r| &text[r]).collect();
    match found.as_slice() {
        [] => format!("`{text}` is an unrendered placeholder"),
        [one] => format!("`{one}` is an unrendered placeholder"),
        [first @ .., last] => {
            let first: Vec<String> = first.iter().map(|t| format!("`{t}`")).collect();
            format!(
                "{} and `{last}` are unrendered placeholders",
                first.join(", ")
            )
        }
    }
}

/// Whether a value decoded from the YAML text `text` may hold a placeholder. Every placeholder
/// starts with `{{`, `${`, `$(` or `<`; a decoded scalar holds one of these only if the text
/// does, or through an escape (`\x7b`, a `\` line continuation joining `{` and `{`): line
/// folding puts a space where it joins lines. Conservative: any `$`, `<` or `\` says yes.
pub fn may_occur(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr3(b'$', b'<', b'\\', bytes).is_some()
        || memchr::memmem::find(bytes, b"{{").is_some()
}

/// The placeholders in `text`, in order.
pub fn tokens(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            // Every placeholder starts with one of these (ASCII, so at a character boundary).
            let start = at + memchr::memchr3(b'{', b'$', b'<', &bytes[at..])?;
            at = start + 1;
            if let Some(end) = token_at(text, start) {
                at = end;
                return Some(start..end);
            }
        }
        None
    })
}

/// The end of the placeholder that starts at `start`, if one does.
fn token_at(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    let closing = |open: usize, close: &str, max: usize| {
        let inner = &rest[open..];
        let end = inner.find(close)?;
        (end <= max && !inner[..end].contains('\n')).then_some(start + open + end + close.len())
    };
    if rest.starts_with("{{") {
        return closing(2, "}}", 400);
    }
    if rest.starts_with("${{") {
        return closing(3, "}}", 400);
    }
    if rest.starts_with("${") {
        let end = closing(2, "}", 200)?;
        let name = &text[start + 2..end - 1];
        return name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            .then_some(end);
    }
    if rest.starts_with("$(") {
        let end = closing(2, ")", 100)?;
        let name = &text[start + 2..end - 1];
        let is_var = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        return is_var.then_some(end);
    }
    if rest.starts_with('<') {
        let end = closing(1, ">", 60)?;
        let words = &text[start + 1..end - 1];
        let fill_in = words
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && words.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'_' | b'.' | b'/' | b':')
            });
        return fill_in.then_some(end);
    }
    None
}

/// The placeholder a finding at `span` of `source` is about, if it is about one: the span when
/// it is a value (a plain or quoted scalar on one line) holding a placeholder, or the whole
/// token when the span lies inside one (`{{ .Values.port }}` unquoted is YAML flow mappings, and
/// findings point at parts of it).
pub fn at(source: &str, span: Span) -> Option<Span> {
    let range = span.range();
    let text = source.get(range.clone())?;
    if text.contains('\n') {
        return None;
    }
    let line_start = source.get(..range.start)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = source
        .get(range.end..)?
        .find('\n')
        .map_or(source.len(), |i| range.end + i);
    let line = &source[line_start..line_end];
    let inner = text
        .strip_prefix(['"', '\''])
        .and_then(|t| t.strip_suffix(['"', '\'']))
        .unwrap_or(text);
    for token in tokens(line) {
        let token = line_start + token.start..line_start + token.end;
        if token.start <= range.start && range.end <= token.end {
            return Some(Span::new(token.start, token.end));
        }
        let overlaps = token.start < range.end && range.start < token.end;
        // A flow mapping or sequence holding a placeholder is not itself one.
        let is_scalar = !inner.starts_with(['{', '[']) || inner.starts_with("{{");
        if overlaps && is_scalar {
            return Some(Span::new(
                range.start.min(token.start),
                range.end.max(token.end),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        tokens(text).map(|r| &text[r]).collect()
    }

    #[test]
    fn may_occur_only_where_a_decoded_value_can_hold_one() {
        for text in [
            "image: app:{{ .Values.tag }}",
            "name: ${APP}",
            "key: $(KEY)",
            "name: <your-name>",
            "image: \"app:\\x7b{ .Values.tag }}\"",
        ] {
            assert!(may_occur(text), "{text}");
            assert!(contains(text) || text.contains('\\'), "{text}");
        }
        for text in [
            "resources: {}\nargs: [\"--port=80\"]\n",
            "a: {\n  b: {c: 1}}",
            "command: \"{\n  {x}\"",
        ] {
            assert!(!may_occur(text), "{text}");
        }
    }

    #[test]
    fn placeholder_syntaxes() {
        assert_eq!(found("{{ .Values.image }}"), ["{{ .Values.image }}"]);
        assert_eq!(
            found("{{ .Values.repo }}:{{ .Values.tag }}"),
            ["{{ .Values.repo }}", "{{ .Values.tag }}"]
        );
        assert_eq!(found("app-${ENV}"), ["${ENV}"]);
        assert_eq!(found("${replicas:=3}"), ["${replicas:=3}"]);
        assert_eq!(found("${{ github.sha }}"), ["${{ github.sha }}"]);
        assert_eq!(found("$(IMAGE_TAG)"), ["$(IMAGE_TAG)"]);
        assert_eq!(found("<ADD VALUE HERE>"), ["<ADD VALUE HERE>"]);
        assert_eq!(found("<registry>/app:1.0"), ["<registry>"]);
        assert_eq!(found("é${ENV}ü{{ x }}"), ["${ENV}", "{{ x }}"]);
    }

    #[test]
    fn not_placeholders() {
        for text in [
            "nginx:1.27",
            "${}",
            "${1}",
            "$(seq 1 3)",
            "$HOME",
            "a < b > c",
            "<>",
            "{ a: b }",
            "{{ unclosed",
            "x < 3",
            "{{\n}}",
        ] {
            assert_eq!(found(text), Vec::<&str>::new(), "{text}");
            assert!(!contains(text), "{text}");
        }
    }

    #[test]
    fn finding_spans_map_to_their_token() {
        let source =
            "spec:\n  port: {{ .Values.port }}\n  name: \"${NAME}\"\n  labels: {app: ${APP}}\n";
        let span = |needle: &str| {
            let start = source.find(needle).unwrap();
            Span::new(start, start + needle.len())
        };
        let text = |s: Span| &source[s.range()];
        // The whole token, and a part of it (the inner flow mapping).
        let token = span("{{ .Values.port }}");
        assert_eq!(at(source, token), Some(token));
        assert_eq!(at(source, span("{ .Values.port }")), Some(token));
        // A quoted scalar holding one.
        assert_eq!(
            at(source, span("\"${NAME}\"")).map(text),
            Some("\"${NAME}\"")
        );
        // A flow mapping holding one is not about it; its value is.
        assert_eq!(at(source, span("{app: ${APP}}")), None);
        assert_eq!(at(source, span("${APP}")).map(text), Some("${APP}"));
        // Another value on the line.
        assert_eq!(at(source, span("port")), None);
    }
}
