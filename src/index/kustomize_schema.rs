//! kustomize 5.5's `Kustomization` struct as Go's JSON decoder sees it (`api/types/*.go`): each
//! struct's JSON field names (embedded structs' fields included) and Go types, and how a key
//! finds its field: the exact name first, else one equal without regard to case, as in Go
//! (`Resources:` is `resources`). The index reads kustomizations through [`kustomization`],
//! the render decodes them strictly against the same schema (`render/decode.rs`).

use crate::load::tree::{Entry, Node, Value};

/// A Go type of kustomize's `Kustomization`, as its decode errors name it.
#[derive(Clone, Copy)]
pub(crate) enum Ty {
    /// A string type: `string`, or a named one (`types.SortOrder`).
    Str(&'static str),
    Bool,
    /// An integer type: `int` or `int64`.
    Int(&'static str),
    /// A slice; `true` when its elements are pointers (`[]*types.Selector`).
    List(&'static Ty, bool),
    /// `map[string]T`.
    Map(&'static Ty),
    /// A struct (or a pointer to one).
    Struct(&'static Struct),
    /// `interface {}`: anything.
    Any,
}

pub(crate) struct Struct {
    pub name: &'static str,
    /// JSON names and types, embedded (`inline`) structs' fields included.
    pub fields: &'static [(&'static str, Ty)],
}

const STR: Ty = Ty::Str("string");
const STRS: Ty = Ty::List(&STR, false);
const STR_MAP: Ty = Ty::Map(&STR);

static OBJECT_META: Struct = Struct {
    name: "ObjectMeta",
    fields: &[
        ("name", STR),
        ("namespace", STR),
        ("labels", STR_MAP),
        ("annotations", STR_MAP),
    ],
};

static FIELD_SPEC: Struct = Struct {
    name: "FieldSpec",
    fields: &[
        ("group", STR),
        ("version", STR),
        ("kind", STR),
        ("path", STR),
        ("create", Ty::Bool),
    ],
};

const FS_SLICE: Ty = Ty::List(&Ty::Struct(&FIELD_SPEC), false);

static NAME_BACK_REFERENCES: Struct = Struct {
    name: "NameBackReferences",
    fields: &[
        ("group", STR),
        ("version", STR),
        ("kind", STR),
        ("fieldSpecs", FS_SLICE),
    ],
};

/// A file of a kustomization's `configurations` (`builtinconfig.TransformerConfig`).
pub(crate) static TRANSFORMER_CONFIG: Struct = Struct {
    name: "TransformerConfig",
    fields: &[
        ("namePrefix", FS_SLICE),
        ("nameSuffix", FS_SLICE),
        ("namespace", FS_SLICE),
        ("commonLabels", FS_SLICE),
        ("templateLabels", FS_SLICE),
        ("commonAnnotations", FS_SLICE),
        (
            "nameReference",
            Ty::List(&Ty::Struct(&NAME_BACK_REFERENCES), false),
        ),
        ("varReference", FS_SLICE),
        ("images", FS_SLICE),
        ("replicas", FS_SLICE),
    ],
};

static LABEL: Struct = Struct {
    name: "Label",
    fields: &[
        ("pairs", STR_MAP),
        ("includeSelectors", Ty::Bool),
        ("includeTemplates", Ty::Bool),
        ("fields", Ty::List(&Ty::Struct(&FIELD_SPEC), false)),
    ],
};

/// The fields of an embedded `resid.ResId` (group, version, kind, name, namespace), then others.
macro_rules! res_id_fields {
    ($($extra:expr),*) => {
        &[
            ("group", STR),
            ("version", STR),
            ("kind", STR),
            ("name", STR),
            ("namespace", STR),
            $($extra),*
        ]
    };
}

static SELECTOR: Struct = Struct {
    name: "Selector",
    fields: res_id_fields!(("annotationSelector", STR), ("labelSelector", STR)),
};

static PATCH: Struct = Struct {
    name: "Patch",
    fields: &[
        ("path", STR),
        ("patch", STR),
        ("target", Ty::Struct(&SELECTOR)),
        ("options", Ty::Map(&Ty::Bool)),
    ],
};

static IMAGE: Struct = Struct {
    name: "Image",
    fields: &[
        ("name", STR),
        ("newName", STR),
        ("tagSuffix", STR),
        ("newTag", STR),
        ("digest", STR),
    ],
};

static FIELD_OPTIONS: Struct = Struct {
    name: "FieldOptions",
    fields: &[
        ("delimiter", STR),
        ("index", Ty::Int("int")),
        ("encoding", STR),
        ("create", Ty::Bool),
    ],
};

static SOURCE_SELECTOR: Struct = Struct {
    name: "SourceSelector",
    fields: res_id_fields!(("fieldPath", STR), ("options", Ty::Struct(&FIELD_OPTIONS))),
};

static TARGET_SELECTOR: Struct = Struct {
    name: "TargetSelector",
    fields: &[
        ("select", Ty::Struct(&SELECTOR)),
        ("reject", Ty::List(&Ty::Struct(&SELECTOR), true)),
        ("fieldPaths", STRS),
        ("options", Ty::Struct(&FIELD_OPTIONS)),
    ],
};

static REPLACEMENT: Struct = Struct {
    name: "ReplacementField",
    fields: &[
        ("source", Ty::Struct(&SOURCE_SELECTOR)),
        ("targets", Ty::List(&Ty::Struct(&TARGET_SELECTOR), true)),
        ("path", STR),
    ],
};

static REPLICA: Struct = Struct {
    name: "Replica",
    fields: &[("name", STR), ("count", Ty::Int("int64"))],
};

static TARGET: Struct = Struct {
    name: "Target",
    fields: res_id_fields!(("apiVersion", STR)),
};

static FIELD_SELECTOR: Struct = Struct {
    name: "FieldSelector",
    fields: &[("fieldPath", STR)],
};

static VAR: Struct = Struct {
    name: "Var",
    fields: &[
        ("name", STR),
        ("objref", Ty::Struct(&TARGET)),
        ("fieldref", Ty::Struct(&FIELD_SELECTOR)),
    ],
};

static LEGACY_SORT_OPTIONS: Struct = Struct {
    name: "LegacySortOptions",
    fields: &[("orderFirst", STRS), ("orderLast", STRS)],
};

static SORT_OPTIONS: Struct = Struct {
    name: "SortOptions",
    fields: &[
        ("order", Ty::Str("types.SortOrder")),
        ("legacySortOptions", Ty::Struct(&LEGACY_SORT_OPTIONS)),
    ],
};

static GENERATOR_OPTIONS: Struct = Struct {
    name: "GeneratorOptions",
    fields: &[
        ("labels", STR_MAP),
        ("annotations", STR_MAP),
        ("disableNameSuffixHash", Ty::Bool),
        ("immutable", Ty::Bool),
    ],
};

/// `GeneratorArgs` with its `KvPairSources`, which both generators embed.
macro_rules! generator_fields {
    ($($extra:expr),*) => {
        &[
            ("namespace", STR),
            ("name", STR),
            ("behavior", STR),
            ("literals", STRS),
            ("files", STRS),
            ("envs", STRS),
            ("env", STR),
            ("options", Ty::Struct(&GENERATOR_OPTIONS)),
            $($extra),*
        ]
    };
}

static CONFIG_MAP_ARGS: Struct = Struct {
    name: "ConfigMapArgs",
    fields: generator_fields!(),
};

static SECRET_ARGS: Struct = Struct {
    name: "SecretArgs",
    fields: generator_fields!(("type", STR)),
};

static HELM_GLOBALS: Struct = Struct {
    name: "HelmGlobals",
    fields: &[("chartHome", STR), ("configHome", STR)],
};

static HELM_CHART: Struct = Struct {
    name: "HelmChart",
    fields: &[
        ("name", STR),
        ("version", STR),
        ("repo", STR),
        ("releaseName", STR),
        ("namespace", STR),
        ("additionalValuesFiles", STRS),
        ("valuesFile", STR),
        ("valuesInline", Ty::Map(&Ty::Any)),
        ("valuesMerge", STR),
        ("includeCRDs", Ty::Bool),
        ("skipHooks", Ty::Bool),
        ("apiVersions", STRS),
        ("kubeVersion", STR),
        ("nameTemplate", STR),
        ("skipTests", Ty::Bool),
        ("debug", Ty::Bool),
    ],
};

static HELM_CHART_ARGS: Struct = Struct {
    name: "HelmChartArgs",
    fields: &[
        ("chartName", STR),
        ("chartVersion", STR),
        ("chartRepoUrl", STR),
        ("chartHome", STR),
        ("chartRepoName", STR),
        ("helmBin", STR),
        ("helmHome", STR),
        ("values", STR),
        ("valuesLocal", Ty::Map(&Ty::Any)),
        ("valuesMerge", STR),
        ("releaseName", STR),
        ("releaseNamespace", STR),
        ("extraArgs", STRS),
    ],
};

/// kustomize 5.5's `Kustomization` (`api/types/kustomization.go`), every field checked against
/// `kubectl kustomize`.
pub(crate) static SCHEMA: Struct = Struct {
    name: "Kustomization",
    fields: &[
        ("kind", STR),
        ("apiVersion", STR),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("openapi", STR_MAP),
        ("namePrefix", STR),
        ("nameSuffix", STR),
        ("namespace", STR),
        ("commonLabels", STR_MAP),
        ("labels", Ty::List(&Ty::Struct(&LABEL), false)),
        ("commonAnnotations", STR_MAP),
        (
            "patchesStrategicMerge",
            Ty::List(&Ty::Str("types.PatchStrategicMerge"), false),
        ),
        ("patchesJson6902", Ty::List(&Ty::Struct(&PATCH), false)),
        ("patches", Ty::List(&Ty::Struct(&PATCH), false)),
        ("images", Ty::List(&Ty::Struct(&IMAGE), false)),
        ("imageTags", Ty::List(&Ty::Struct(&IMAGE), false)),
        ("replacements", Ty::List(&Ty::Struct(&REPLACEMENT), false)),
        ("replicas", Ty::List(&Ty::Struct(&REPLICA), false)),
        ("vars", Ty::List(&Ty::Struct(&VAR), false)),
        ("sortOptions", Ty::Struct(&SORT_OPTIONS)),
        ("resources", STRS),
        ("components", STRS),
        ("crds", STRS),
        ("bases", STRS),
        (
            "configMapGenerator",
            Ty::List(&Ty::Struct(&CONFIG_MAP_ARGS), false),
        ),
        (
            "secretGenerator",
            Ty::List(&Ty::Struct(&SECRET_ARGS), false),
        ),
        ("helmGlobals", Ty::Struct(&HELM_GLOBALS)),
        ("helmCharts", Ty::List(&Ty::Struct(&HELM_CHART), false)),
        (
            "helmChartInflationGenerator",
            Ty::List(&Ty::Struct(&HELM_CHART_ARGS), false),
        ),
        ("generatorOptions", Ty::Struct(&GENERATOR_OPTIONS)),
        ("configurations", STRS),
        ("generators", STRS),
        ("transformers", STRS),
        ("validators", STRS),
        ("buildMetadata", STRS),
    ],
};

impl Ty {
    /// The type as Go prints it (`[]types.Patch`, `map[string]interface {}`).
    pub(crate) fn go_name(self) -> String {
        match self {
            Ty::Str(name) | Ty::Int(name) => name.to_owned(),
            Ty::Bool => "bool".to_owned(),
            Ty::List(elem, ptr) => format!("[]{}{}", if ptr { "*" } else { "" }, elem.go_name()),
            Ty::Map(elem) => format!("map[string]{}", elem.go_name()),
            Ty::Struct(s) => format!("types.{}", s.name),
            Ty::Any => "interface {}".to_owned(),
        }
    }
}

/// Go's case folding of field names (`bytes.EqualFold`): `K` (Kelvin) is `k`, `ſ` is `s`.
pub(crate) fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_uppercase)
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field a JSON key decodes into: the exact name first, else one equal ignoring case.
pub(crate) fn field_of(s: &'static Struct, key: &str) -> Option<(&'static str, Ty)> {
    s.fields
        .iter()
        .find(|(name, _)| *name == key)
        .or_else(|| {
            let key = fold(key);
            s.fields.iter().find(|(name, _)| fold(name) == key)
        })
        .copied()
}

/// A checked node with every struct field under its canonical name; of keys naming one field
/// (`resources`, `Resources`), the last in sorted order wins, as in Go.
pub(crate) fn canonical(node: &Node, ty: Ty) -> Node {
    // Built fresh, each node copied once (cloning the node and then each child again made
    // this quadratic in the depth: 37M instructions on a 600-kustomization corpus).
    let value = match (&node.value, ty) {
        (Value::Seq(items), Ty::List(elem, _)) => {
            Value::Seq(items.iter().map(|item| canonical(item, *elem)).collect())
        }
        (Value::Map(entries), Ty::Struct(s)) => {
            let mut kept: Vec<(std::borrow::Cow<'_, str>, Entry)> = Vec::new();
            for e in entries {
                let Some(key) = e.key.key_string() else {
                    continue;
                };
                let Some((name, ty)) = field_of(s, &key) else {
                    continue;
                };
                let e = Entry {
                    key: Node::new(Value::Str(name.to_owned()), e.key.span, e.key.style),
                    value: canonical(&e.value, ty),
                };
                match kept.iter_mut().find(|(_, k)| k.key.as_str() == Some(name)) {
                    Some((seen, k)) if **seen <= *key => (*seen, *k) = (key, e),
                    Some(_) => {}
                    None => kept.push((key, e)),
                }
            }
            Value::Map(kept.into_iter().map(|(_, e)| e).collect())
        }
        (value, _) => value.clone(),
    };
    Node::new(value, node.span, node.style)
}

/// A kustomization with every field under its canonical name (kustomize matches names without
/// regard to case); keys of no field are left out, spans kept.
pub fn kustomization(root: &Node) -> Node {
    canonical(root, Ty::Struct(&SCHEMA))
}

/// [`kustomization`] with only the fields named (canonical names): for a reader of a few fields,
/// without copying the rest (`resources`, generators…).
pub fn kustomization_fields(root: &Node, names: &[&str]) -> Node {
    let Value::Map(entries) = &root.value else {
        return kustomization(root);
    };
    let wanted = |e: &&Entry| {
        e.key
            .key_string()
            .and_then(|k| field_of(&SCHEMA, &k))
            .is_some_and(|(name, _)| names.contains(&name))
    };
    let kept: Vec<Entry> = entries.iter().filter(wanted).cloned().collect();
    kustomization(&Node::new(Value::Map(kept), root.span, root.style))
}

/// The errors of go-yaml's parser (the others are its scanner's).
const PARSER_ERRORS: &[&str] = &[
    "did not find expected key",
    "did not find expected ',' or ']'",
    "did not find expected ',' or '}'",
    "did not find expected node content",
    "did not find expected '-' indicator",
    "did not find expected <document start>",
    "did not find expected <stream-start>",
    "found duplicate %YAML directive",
    "found duplicate %TAG directive",
    "found incompatible YAML document",
    "found undefined tag handle",
];

/// A kustomization that is not YAML (kubevet's loader says `YAML syntax error: PROBLEM` at the
/// offset `at` of `text`), in kustomize's words (sigs.k8s.io/yaml, go-yaml v2): `invalid
/// Kustomization: yaml: line N: PROBLEM`, where go-yaml numbers a parser error's line from 0
/// and a scanner error's from 1 (and names none on the parser's first line). A tab in the
/// indentation, which the loader names as such, is the scanner's "found character that cannot
/// start any token".
pub fn yaml_error(message: &str, text: &str, at: usize) -> Option<String> {
    // An alias to no anchor: go-yaml's decoder says so without a line.
    if let Some((_, rest)) = message.split_once("(unknown anchor '")
        && let Some(anchor) = rest.strip_suffix("' referenced)")
    {
        return Some(format!(
            "invalid Kustomization: yaml: unknown anchor '{anchor}' referenced"
        ));
    }
    let (_, problem) = message.split_once("YAML syntax error: ")?;
    let problem = match problem {
        "a tab character is used for indentation" => "found character that cannot start any token",
        p => p,
    };
    let at = at.min(text.len());
    let line = text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let line = if PARSER_ERRORS.contains(&problem) {
        line - 1
    } else {
        line
    };
    let place = if line == 0 {
        String::new()
    } else {
        format!("line {line}: ")
    };
    Some(format!("invalid Kustomization: yaml: {place}{problem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_case_folding() {
        assert_eq!(fold("NameK\u{212A}"), "namekk");
        assert_eq!(fold("\u{17F}"), "s");
    }

    #[test]
    fn yaml_errors_in_kustomizes_words() {
        let text = "resources:\n  - a.yaml\nnamePrefix: [a\n";
        let message = "YAML syntax error: did not find expected ',' or ']'";
        assert_eq!(
            yaml_error(message, text, text.len()).as_deref(),
            Some("invalid Kustomization: yaml: line 3: did not find expected ',' or ']'")
        );
        let message = "YAML syntax error: mapping values are not allowed in this context";
        assert_eq!(
            yaml_error(message, "a: b: c\n", 4).as_deref(),
            Some(
                "invalid Kustomization: yaml: line 1: mapping values are not allowed in this context"
            )
        );
        assert_eq!(yaml_error("duplicate key", text, 0), None);
        let message = "alias `*base` refers to no anchor: kubectl rejects the document (unknown anchor 'base' referenced)";
        assert_eq!(
            yaml_error(message, "resources:\n  - *base\n", 15).as_deref(),
            Some("invalid Kustomization: yaml: unknown anchor 'base' referenced")
        );
    }

    #[test]
    fn go_type_names() {
        static REJECT: Ty = Ty::List(&Ty::Struct(&SELECTOR), true);
        assert_eq!(REJECT.go_name(), "[]*types.Selector");
        assert_eq!(Ty::Map(&Ty::Any).go_name(), "map[string]interface {}");
    }
}
