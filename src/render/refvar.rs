//! `$(NAME)` replaced by the values of `vars` (sigs.k8s.io/kustomize `api/filters/refvar/`):
//! Kubernetes' expansion syntax (`$$` is an escaped `$`, an undeclared `$(NAME)` stays as
//! written, a whole `$(NAME)` takes the value's type), in the fields of kustomize's built-in
//! `varReference` list (`api/internal/konfig/builtinpluginconsts/varreference.go`).

use super::RenderError;
use super::Resource;
use super::node::{Origin, RNode, RValue};

/// One var as declared (resolved in `vars.rs`).
#[derive(Clone, Debug)]
pub(crate) struct Var {
    pub name: String,
    /// `group`, `version` and `kind` as written.
    pub group: String,
    pub version: String,
    pub kind: String,
    pub api_version: String,
    pub obj_name: String,
    pub namespace: String,
    /// As written ("" when absent; kustomize defaults it to `metadata.name` once merged).
    pub fieldpath: String,
    pub at: Origin,
}

/// A var's value: the scalars kustomize substitutes (a mapping or list is never substituted).
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
}

impl Value {
    /// As Go's `fmt.Sprint` writes it inside a longer string.
    fn text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Float(f) => go_float_g(*f),
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` (what `fmt.Sprint` prints for a float64).
fn go_float_g(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// kyaml's `GetFieldValue`: a dotted path (`spec.ports[0].port`, `spec.containers.[name=web]`);
/// `Err` when the field is missing, `Ok(None)` when it is a mapping or a list.
pub(crate) fn field_value(root: &RNode, path: &str) -> Result<Option<Value>, ()> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('.') {
        match part.strip_suffix(']').and_then(|p| p.rsplit_once('[')) {
            Some((head, index))
                if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) =>
            {
                if !head.is_empty() {
                    parts.push(head);
                }
                parts.push(index);
            }
            _ => parts.push(part),
        }
    }
    let mut node = root;
    for part in parts {
        node = match &node.value {
            RValue::Map(_) => node.get(part).ok_or(())?,
            RValue::Seq(items) => {
                if let Some(selector) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                    let (key, value) = selector.split_once('=').ok_or(())?;
                    items
                        .iter()
                        .find(|i| i.get(key).and_then(scalar_text).as_deref() == Some(value))
                        .ok_or(())?
                } else {
                    let i: usize = part.parse().map_err(|_| ())?;
                    items.get(i).ok_or(())?
                }
            }
            _ => return Err(()),
        };
    }
    Ok(match &node.value {
        RValue::Str(s) => Some(Value::Str(s.clone())),
        RValue::Int(i) => Some(Value::Int(*i)),
        RValue::Float(f) => Some(Value::Float(*f)),
        RValue::Bool(b) => Some(Value::Bool(*b)),
        RValue::Null => Some(Value::Str("null".into())),
        RValue::Seq(_) | RValue::Map(_) => None,
    })
}

fn scalar_text(node: &RNode) -> Option<String> {
    match &node.value {
        RValue::Str(s) => Some(s.clone()),
        RValue::Int(i) => Some(i.to_string()),
        RValue::Bool(b) => Some(b.to_string()),
        RValue::Float(f) => Some(go_float_g(*f)),
        _ => None,
    }
}

/// The result of expanding a string: a whole `$(NAME)` keeps the var's type.
enum Expanded {
    Whole(Value, Origin),
    Text(String),
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<(Value, Origin)>;

/// kustomize's `expansion.Expand` (as Kubernetes expands `$(VAR)` in container commands).
fn expand(input: &str, lookup: Lookup<'_>) -> Expanded {
    let bytes = input.as_bytes();
    let mut buf: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            buf.extend_from_slice(&bytes[checkpoint..cursor]);
            let rest = &bytes[cursor + 1..];
            let advance = match rest[0] {
                b'$' => {
                    buf.push(b'$');
                    1
                }
                b'(' => match rest.iter().position(|&b| b == b')') {
                    Some(close) => {
                        let name = String::from_utf8_lossy(&rest[1..close]);
                        match lookup(&name) {
                            Some((value, origin)) => {
                                if input.len() == close + 2 && cursor == 0 {
                                    return Expanded::Whole(value, origin);
                                }
                                buf.extend_from_slice(value.text().as_bytes());
                            }
                            None => buf.extend_from_slice(format!("$({name})").as_bytes()),
                        }
                        close + 1
                    }
                    None => {
                        buf.extend_from_slice(b"$(");
                        1
                    }
                },
                other => {
                    buf.push(b'$');
                    let mut c = [0u8; 4];
                    buf.extend_from_slice(char::from(other).encode_utf8(&mut c).as_bytes());
                    1
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    buf.extend_from_slice(&bytes[checkpoint.min(bytes.len())..]);
    Expanded::Text(String::from_utf8_lossy(&buf).into_owned())
}

/// Expands a string node in place (a whole `$(NAME)` takes the var's type and origin).
fn expand_node(node: &mut RNode, lookup: Lookup<'_>) {
    let RValue::Str(s) = &node.value else { return };
    match expand(s, lookup) {
        Expanded::Whole(value, origin) => {
            node.value = match value {
                Value::Str(s) => RValue::Str(s),
                Value::Int(i) => RValue::Int(i),
                Value::Float(f) => RValue::Float(f),
                Value::Bool(b) => RValue::Bool(b),
            };
            node.origin = origin;
        }
        Expanded::Text(t) => {
            if t != *s {
                node.value = RValue::Str(t);
            }
        }
    }
}

/// Pod-spec fields of `varReference`, below each kind's pod spec.
const CONTAINER_FIELDS: &[&str] = &[
    "containers/args",
    "containers/command",
    "containers/env/value",
    "containers/volumeMounts/mountPath",
    "initContainers/args",
    "initContainers/command",
    "initContainers/env/value",
    "initContainers/volumeMounts/mountPath",
];

/// Kinds with a pod spec, where it is, and whether `volumes/nfs/server` below it is listed.
const POD_SPECS: &[(&str, &str, bool)] = &[
    ("CronJob", "spec/jobTemplate/spec/template/spec/", false),
    ("DaemonSet", "spec/template/spec/", true),
    ("Deployment", "spec/template/spec/", true),
    ("Job", "spec/template/spec/", true),
    ("Pod", "spec/", true),
    ("ReplicaSet", "spec/template/spec/", true),
    ("StatefulSet", "spec/template/spec/", false),
];

/// The other `varReference` entries: (kind, or any kind, path).
const OTHER_FIELDS: &[(Option<&str>, &str)] = &[
    // As kustomize lists it (without the pod template's `spec`).
    (
        Some("CronJob"),
        "spec/jobTemplate/spec/template/volumes/nfs/server",
    ),
    (Some("Deployment"), "spec/template/metadata/annotations"),
    (Some("Ingress"), "spec/rules/host"),
    (Some("Ingress"), "spec/tls/hosts"),
    (Some("Ingress"), "spec/tls/secretName"),
    (Some("Service"), "spec/ports/port"),
    (Some("Service"), "spec/ports/targetPort"),
    (
        Some("StatefulSet"),
        "spec/volumeClaimTemplates/spec/nfs/server",
    ),
    (Some("PersistentVolume"), "spec/nfs/server"),
    (None, "metadata/labels"),
    (None, "metadata/annotations"),
];

/// The `varReference` paths that apply to a kind.
fn paths_for(kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((_, prefix, nfs)) = POD_SPECS.iter().find(|(k, _, _)| *k == kind) {
        out.extend(CONTAINER_FIELDS.iter().map(|f| format!("{prefix}{f}")));
        if *nfs {
            out.push(format!("{prefix}volumes/nfs/server"));
        }
    }
    out.extend(
        OTHER_FIELDS
            .iter()
            .filter(|(k, _)| k.is_none_or(|k| k == kind))
            .map(|(_, p)| (*p).to_owned()),
    );
    out
}

/// Substitutes `$(NAME)` at one field (refvar's `Filter.set`): a string, the string values of
/// a mapping, or a list that must hold only strings.
fn substitute(node: &mut RNode, lookup: Lookup<'_>) -> Result<(), (String, &'static str, Origin)> {
    match &mut node.value {
        RValue::Str(_) => expand_node(node, lookup),
        RValue::Map(entries) => {
            for (_, v) in entries.iter_mut() {
                expand_node(v, lookup);
            }
        }
        RValue::Seq(items) => {
            for item in items.iter_mut() {
                if !matches!(item.value, RValue::Str(_)) {
                    return Err((
                        String::new(),
                        "invalid value type expect a string",
                        item.origin,
                    ));
                }
                expand_node(item, lookup);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Replaces `$(NAME)` in every object, at kustomize's var-reference fields.
pub(crate) fn substitute_all(
    values: &[(String, Value, Origin)],
    resources: &mut [Resource],
    extra: &[super::fieldspecs::Spec],
) -> Result<(), RenderError> {
    let lookup = |name: &str| {
        values
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, at)| (v.clone(), *at))
    };
    for r in resources.iter_mut() {
        let mut paths = paths_for(r.kind());
        let (group, version) = r.group_version();
        for spec in extra.iter().filter(|s| s.selects(group, version, r.kind())) {
            if !paths.contains(&spec.path) {
                paths.push(spec.path.clone());
            }
        }
        for path in paths {
            let segments: Vec<&str> = path.split('/').collect();
            if let Err((wraps, e, at)) = walk(&mut r.root, &segments, &lookup) {
                return Err(RenderError::new(
                    format!(
                        "considering field '{path}' of object {}: {wraps}{e}",
                        r.id_string()
                    ),
                    Some(at),
                ));
            }
        }
    }
    Ok(())
}

/// kustomize's field-spec walk (`api/filters/fieldspec`) with `$(NAME)` substituted at the end;
/// an error carries kustomize's `visit traversal on path: [...]` for each list on the way.
fn walk(
    node: &mut RNode,
    segments: &[&str],
    lookup: Lookup<'_>,
) -> Result<(), (String, &'static str, Origin)> {
    let Some((first, rest)) = segments.split_first() else {
        return substitute(node, lookup);
    };
    match &mut node.value {
        RValue::Map(_) => match node.get_mut(first.strip_suffix("[]").unwrap_or(first)) {
            Some(child) => walk(child, rest, lookup),
            None => Ok(()),
        },
        RValue::Seq(items) => {
            for item in items.iter_mut() {
                walk(item, segments, lookup).map_err(|(wraps, e, at)| {
                    (
                        format!("visit traversal on path: [{}]: {wraps}", segments.join(" ")),
                        e,
                        at,
                    )
                })?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(input: &str) -> String {
        let lookup = |name: &str| match name {
            "SVC" => Some((Value::Str("web".into()), Origin::default())),
            "PORT" => Some((Value::Int(8080), Origin::default())),
            _ => None,
        };
        match expand(input, &lookup) {
            Expanded::Text(t) => t,
            Expanded::Whole(v, _) => format!("whole {}", v.text()),
        }
    }

    #[test]
    fn expands_as_kustomize_does() {
        assert_eq!(text("$(PORT)"), "whole 8080");
        assert_eq!(text("http://$(SVC):$(PORT)/"), "http://web:8080/");
        assert_eq!(text("$$(SVC) $(NOPE) $(SVC"), "$(SVC) $(NOPE) $(SVC");
        assert_eq!(text("$x$$y$"), "$x$y$");
        assert_eq!(text("a$"), "a$");
    }

    #[test]
    fn formats_floats_as_go() {
        assert_eq!(go_float_g(1.5), "1.5");
        assert_eq!(go_float_g(1e6), "1e+06");
        assert_eq!(go_float_g(123456.0), "123456");
        assert_eq!(go_float_g(0.0001), "0.0001");
        assert_eq!(go_float_g(0.00001), "1e-05");
    }
}
