//! Messages for failures of a value: a wrong type, a list-map key, base64, and every other
//! keyword (enum, pattern, bounds, formats), each as the API server words it.

use super::*;

pub(super) fn type_word(t: JsonType) -> &'static str {
    match t {
        JsonType::Object => "a mapping",
        JsonType::Array => "a list",
        JsonType::String => "a string",
        JsonType::Integer => "an integer",
        JsonType::Number => "a number",
        JsonType::Boolean => "a boolean (true or false)",
        JsonType::Null => "null",
    }
}

pub(super) fn expected_words(expected: &[JsonType]) -> String {
    let has = |t| expected.contains(&t);
    let non_null: Vec<JsonType> = expected
        .iter()
        .copied()
        .filter(|t| *t != JsonType::Null)
        .collect();
    if has(JsonType::Integer) && has(JsonType::String) && non_null.len() == 2 {
        return "an integer or a string".to_owned();
    }
    if has(JsonType::Number) && has(JsonType::String) && non_null.len() == 2 {
        return "a quantity (a number, or a string such as 500m or 1Gi)".to_owned();
    }
    let words: Vec<&str> = non_null.iter().map(|t| type_word(*t)).collect();
    match words.as_slice() {
        [] => "null".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub(super) fn looks_numeric(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.parse::<f64>().is_ok()
        && !s.eq_ignore_ascii_case("nan")
        && !s.to_ascii_lowercase().contains("inf")
}

pub(super) fn report_wrong_type(
    object: &Object<'_>,
    path: &[Segment],
    expected: &[JsonType],
    target: &Target<'_>,
    cx: &mut Context<'_>,
) {
    let here = locate(object.root, path);
    let node = here.node;
    let text = cx.text(node.span).to_owned();
    let field = field_name(path);
    let wants = |t| expected.contains(&t);
    let wants_string = wants(JsonType::String);
    let wants_number = wants(JsonType::Integer) || wants(JsonType::Number);
    let expected_text = expected_words(expected);
    let plain = !node.style.is_quoted();
    let read_as = match &node.value {
        Yaml::Bool(b) => format!("the boolean {b}"),
        Yaml::Int(_) | Yaml::Float(_) => "a number".to_owned(),
        _ => node.a_type_name(),
    };
    let is_configmap_data = target.builtin
        && target.kind == "ConfigMap"
        && object.group().is_empty()
        && path.len() == 2
        && path[0] == Segment::Key("data".into());
    let scalar_not_string = matches!(node.value, Yaml::Bool(_) | Yaml::Int(_) | Yaml::Float(_));
    let (message, label, help) = if wants_string && scalar_not_string && plain {
        let quoted = write_as(path, &format!("\"{text}\""));
        let message = if is_configmap_data {
            let what = if matches!(node.value, Yaml::Bool(_)) {
                format!("unquoted `{text}` is read as {read_as}")
            } else {
                format!("`{text}` is a number")
            };
            format!("{what}, but ConfigMap data values must be strings")
        } else if wants_number {
            format!(
                "`{field}` must be {expected_text}, but unquoted `{text}` is read as {read_as} by Kubernetes"
            )
        } else {
            format!(
                "`{field}` must be a string, but unquoted `{text}` is read as {read_as} by Kubernetes"
            )
        };
        (
            message,
            format!("read as {read_as}"),
            format!("quote it: {quoted}"),
        )
    } else if wants_number
        && !wants_string
        && node.style.is_quoted()
        && node.as_str().is_some_and(looks_numeric)
    {
        let bare = node.as_str().unwrap_or_default().trim();
        (
            format!("`{field}` must be {expected_text}, but `{text}` is quoted, so it is a string"),
            "a string, not a number".to_owned(),
            format!("remove the quotes: {}", write_as(path, bare)),
        )
    } else if wants(JsonType::Integer)
        && !wants(JsonType::Number)
        && matches!(node.value, Yaml::Float(_))
    {
        (
            format!("`{field}` must be {expected_text}, but `{text}` has a fractional part"),
            "not a whole number".to_owned(),
            "write a whole number".to_owned(),
        )
    } else {
        let actual = match &node.value {
            Yaml::Str(_) if plain => format!("`{text}` is a string"),
            Yaml::Bool(_) | Yaml::Int(_) | Yaml::Float(_) => {
                format!("`{text}` is {read_as}")
            }
            _ => format!("this is {read_as}"),
        };
        let help = if wants(JsonType::Array) && node.is_map() {
            "write the items of a list on lines starting with `- `".to_owned()
        } else if wants(JsonType::Object) && matches!(node.value, Yaml::Seq(_)) {
            "write `key: value` pairs, without the leading `- `".to_owned()
        } else if wants(JsonType::Integer) && wants_string {
            format!("write a number or a name, e.g. {}", write_as(path, "8080"))
        } else {
            format!("write {expected_text} here")
        };
        (
            format!("`{field}` must be {expected_text}, but {actual}"),
            format!("expected {expected_text}"),
            help,
        )
    };
    let mut diagnostic =
        Diagnostic::new(&crate::model::rule::wrong_type, cx.loc(node.span), message)
            .with_label(label)
            .with_help(help);
    if let (Some(key), true) = (here.key, node.span.start == node.span.end) {
        // An empty value: point at its key.
        diagnostic.primary.location = cx.loc(key.span);
    }
    cx.report(diagnostic);
}

pub(super) fn show(value: &Value) -> String {
    let s = value.to_string();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// A duplicate key in an `x-kubernetes-list-type: map` list, at the later item.
pub(super) fn report_list_map(
    object: &Object<'_>,
    failure: &Failure<'_>,
    (index, first, key): (usize, usize, &serde_json::Map<String, Value>),
    target: &Target<'_>,
    cx: &mut Context<'_>,
) {
    let mut at = failure.path.clone();
    at.push(Segment::Index(index));
    let here = locate(object.root, &at);
    let key: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let list = field_name(&failure.path);
    let mut first_path = failure.path.clone();
    first_path.push(Segment::Index(first));
    let first_node = locate(object.root, &first_path).node;
    cx.report(
        Diagnostic::new(
            &crate::model::rule::schema_violation,
            cx.loc(here.node.span),
            format!(
                "`{list}[{index}]` has the same key as `{list}[{first}]` ({}); the items of `{list}` must have unique keys (in {})",
                key.join(", "),
                in_object(target.kind, &failure.path[..failure.path.len().saturating_sub(1)])
            ),
        )
        .with_label("duplicate key")
        .with_secondary(cx.loc(first_node.span), "first item with this key")
        .with_help("fields left out count with their default; merge the two items or change a key"),
    );
}

/// `invalid-base64`: a `format: byte` string that Go's base64 decoder rejects, with the caret on
/// the byte it stops at. Built-in kinds fail to decode (`Secret in version "v1" cannot be handled
/// as a Secret: ...`); custom resources fail format validation.
pub(super) fn report_base64(
    object: &Object<'_>,
    failure: &Failure<'_>,
    at: usize,
    target: &Target<'_>,
    cx: &mut Context<'_>,
) {
    let node = failure.node;
    let Some(text) = node.as_str() else {
        return;
    };
    let path = &failure.path;
    let key = |k: &str| Segment::Key(k.to_owned());
    let builtin_field = |map: &str| {
        target.builtin && object.group().is_empty() && path.len() == 2 && path[0] == key(map)
    };
    // Map entries as Kubernetes prints them: `data[password]`.
    let shown = match path.as_slice() {
        [Segment::Key(map), Segment::Key(entry)]
            if builtin_field("data") || builtin_field("binaryData") =>
        {
            format!("{map}[{entry}]")
        }
        _ => display_path(path),
    };
    let detail = format!("illegal base64 data at input byte {at}");
    let message = if target.builtin {
        let kind = target.kind;
        // Plain text in a Secret's data is the usual cause: say where it belongs.
        let note = if kind == "Secret" && builtin_field("data") {
            "; use `stringData` for plain text"
        } else {
            ""
        };
        format!(
            "{kind} in version {:?} cannot be handled as a {kind}: {detail} ({shown}{note})",
            object.version()
        )
    } else {
        let short: String = text.chars().take(40).collect();
        let value = if short.len() < text.len() {
            format!("{}...", crate::k8s::apimachinery::go_quote(&short))
        } else {
            crate::k8s::apimachinery::go_quote(text)
        };
        format!(
            "{shown}: Invalid value: {value}: {shown} in body must be of type byte: {value} ({detail})"
        )
    };
    let plain = text.trim_start();
    let help = if text.contains(' ')
        && crate::k8s::validate::base64_error(&text.replace(' ', "")).is_none()
    {
        "the value has spaces: a plain scalar written over several lines is joined with spaces; write it on one line, or as a literal block (`|`), whose line breaks the decoder skips".to_owned()
    } else if target.kind == "Secret" && builtin_field("data") {
        "`data` holds base64-encoded values: put plain text under `stringData` instead (the API server encodes it), or encode it: `echo -n 'value' | base64`".to_owned()
    } else if target.kind == "ConfigMap" && builtin_field("binaryData") {
        "`binaryData` holds base64-encoded bytes: put text under `data` instead, or encode the file: `base64 -w0 FILE`".to_owned()
    } else if plain.starts_with("-----BEGIN") {
        format!(
            "this is PEM text: `{}` takes it base64-encoded on one line (`base64 -w0 ca.crt`)",
            field_name(path)
        )
    } else {
        format!(
            "`{}` holds base64-encoded bytes: encode the value (`base64 -w0 FILE`)",
            field_name(path)
        )
    };
    let last = text.len().saturating_sub(1);
    let caret = at.min(last);
    let in_alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let (label, range) = if at >= text.len() {
        ("the padding ('=') is missing", caret..caret + 1)
    } else if text.as_bytes()[at] == b'=' {
        ("misplaced padding", at..at + 1)
    } else if at + 4 > text.len() && text[at..].bytes().all(in_alphabet) {
        (
            "incomplete: base64 comes in groups of 4 characters",
            at..text.len(),
        )
    } else {
        let width = text[at..].chars().next().map_or(1, char::len_utf8);
        ("not a base64 character", at..at + width)
    };
    let span = cx.span_within(node, range);
    cx.report(
        Diagnostic::new(&crate::model::rule::invalid_base64, cx.loc(span), message)
            .with_label(label)
            .with_help(help),
    );
}

pub(super) fn report_other(
    object: &Object<'_>,
    failure: &Failure<'_>,
    target: &Target<'_>,
    cx: &mut Context<'_>,
) {
    if let FailureKind::DuplicateListMapKey { index, first, key } = &failure.kind {
        return report_list_map(object, failure, (*index, *first, key), target, cx);
    }
    let path = &failure.path;
    let mut here = locate(object.root, path);
    let field = format!("`{}`", field_name(path));
    let instance = failure.node.to_json();
    let value = show(&instance);
    let mut help: Option<String> = None;
    let message = match &failure.kind {
        FailureKind::Enum { options } => {
            let options: Vec<&Value> = options.iter().filter(|v| !v.is_null()).collect();
            if let Some(s) = instance.as_str() {
                let strings = options.iter().filter_map(|o| o.as_str());
                if let Some(similar) = did_you_mean(s, strings) {
                    help = Some(format!(
                        "did you mean `{similar}`? Values are case-sensitive"
                    ));
                }
            }
            let shown: Vec<String> = options.iter().take(12).map(|o| o.to_string()).collect();
            let more = if options.len() > 12 { ", ..." } else { "" };
            format!(
                "{field} must be one of {}{more}, but it is {value}",
                shown.join(", ")
            )
        }
        FailureKind::Const { expected } => {
            format!("{field} must be {}, but it is {value}", show(expected))
        }
        FailureKind::Minimum { limit } => {
            format!("{field} must be at least {limit}, but it is {value}")
        }
        FailureKind::Maximum { limit } => {
            format!("{field} must be at most {limit}, but it is {value}")
        }
        FailureKind::ExclusiveMinimum { limit } => {
            format!("{field} must be greater than {limit}, but it is {value}")
        }
        FailureKind::ExclusiveMaximum { limit } => {
            format!("{field} must be less than {limit}, but it is {value}")
        }
        FailureKind::MinLength { limit } => {
            format!("{field} must be at least {limit} characters long, but it is {value}")
        }
        FailureKind::MaxLength { limit } => {
            format!("{field} must be at most {limit} characters long")
        }
        FailureKind::MinItems { limit } => {
            format!("{field} must have at least {limit} item(s)")
        }
        FailureKind::MaxItems { limit } => {
            format!("{field} must have at most {limit} item(s)")
        }
        FailureKind::MinProperties { limit } => {
            format!("{field} must have at least {limit} entr(ies)")
        }
        FailureKind::MaxProperties { limit } => {
            format!("{field} must have at most {limit} entr(ies)")
        }
        FailureKind::Pattern { pattern } => {
            format!("{field} must match the pattern `{pattern}`, but it is {value}")
        }
        FailureKind::MultipleOf { multiple_of } => {
            format!("{field} must be a multiple of {multiple_of}, but it is {value}")
        }
        FailureKind::UniqueItems => {
            // Point at the first repeated item.
            let items = instance.as_array().map(Vec::as_slice).unwrap_or(&[]);
            if let Some(i) = (1..items.len()).find(|&i| items[..i].contains(&items[i])) {
                let mut at = path.clone();
                at.push(Segment::Index(i));
                here = locate(object.root, &at);
                format!(
                    "{field} must not repeat an item, but `{}[{i}]` repeats {}",
                    field_name(path),
                    show(&items[i])
                )
            } else {
                format!("the items of {field} must be unique")
            }
        }
        FailureKind::AnyOf { branches } => {
            help = Some(format!(
                "the schema lists {branches} forms under `anyOf`; the value must match at least one"
            ));
            format!("{field} matches none of the forms its schema allows")
        }
        FailureKind::OneOfNone { branches } => {
            help = Some(format!(
                "the schema lists {branches} forms under `oneOf`; the value must match exactly one"
            ));
            format!("{field} matches none of the forms its schema allows")
        }
        FailureKind::OneOfMany { branches, valid } => {
            help = Some(format!(
                "it matches {valid} of the {branches} forms under `oneOf`; make it match exactly one"
            ));
            format!(
                "{field} matches more than one of the forms its schema allows; exactly one must match"
            )
        }
        FailureKind::Not => format!("{field} has a value its schema forbids"),
        FailureKind::FalseSchema => format!("{field} is not allowed here"),
        FailureKind::Type { .. }
        | FailureKind::Required { .. }
        | FailureKind::AdditionalProperties { .. }
        | FailureKind::Base64 { .. }
        | FailureKind::DuplicateListMapKey { .. } => return, // reported above
    };
    let parent = &path[..path.len().saturating_sub(1)];
    let message = format!("{message} (in {})", in_object(target.kind, parent));
    let mut diagnostic = Diagnostic::new(
        &crate::model::rule::schema_violation,
        cx.loc(here.node.span),
        message,
    )
    .with_label("invalid value");
    if here.node.span.start == here.node.span.end
        && let Some(key) = here.key
    {
        diagnostic.primary.location = cx.loc(key.span);
    }
    // Every finding says how to fix it: without a nearer value to suggest, what to change.
    diagnostic = diagnostic.with_help(help.unwrap_or_else(|| {
        format!(
            "change the value to one the schema of {} allows: the API server validates it against that schema and rejects the object",
            target.kind
        )
    }));
    cx.report(diagnostic);
}
