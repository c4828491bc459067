use super::*;
use crate::load::{Limits, load};
use crate::model::diagnostic::FileId;
use crate::model::source::SourceFile;
use serde_json::json;

struct NoDefs;

impl Definitions for NoDefs {
    fn id_of(&self, _: &str) -> Option<DefId> {
        None
    }
    fn compiled(&self, _: DefId) -> Option<&Schema> {
        None
    }
}

fn yaml(text: &str) -> Node {
    let file = SourceFile::new(FileId(0), "t.yaml".into(), text.into());
    load(&file, &Limits::default()).documents.remove(0).root
}

#[test]
fn properties_are_found_by_name_however_they_share_their_first_bytes() {
    let names = [
        "",
        "a",
        "ab",
        "ab\0",
        "ab\0c",
        "abc",
        "abcdefg",
        "abcdefgh",
        "abcdefgh\0",
        "abcdefgha",
        "abcdefghb",
        "abcdefgi",
        "abcdefghijklmnop",
        "b",
        "z",
        "\u{e4}",
        "\u{e4}b",
        "\u{7f}",
        "apiVersion",
        "kind",
        "metadata",
        "spec",
    ];
    let properties: serde_json::Map<String, Value> = names
        .iter()
        .map(|n| (n.to_string(), json!({"type": "integer"})))
        .collect();
    let schema = Schema::compile(&json!({"properties": properties}), &NoDefs).unwrap();
    for name in names {
        let found = schema.property(name).expect(name);
        // Each name's own schema: the one at its place in the sorted list.
        let at = schema.properties.iter().position(|(_, n, _)| &**n == name);
        assert!(
            std::ptr::eq(found, &schema.properties[at.unwrap()].2),
            "{name:?}"
        );
    }
    for absent in [
        "ab\0\0",
        "abcdefgh\0\0",
        "abcdefgg",
        "abcdefghc",
        "aa",
        "c",
        "\u{e4}a",
        "specs",
    ] {
        assert!(schema.property(absent).is_none(), "{absent:?}");
    }
}

fn kinds(schema: Value, text: &str) -> Vec<(String, FailureKind)> {
    let schema = Schema::compile(&schema, &NoDefs).unwrap();
    let node = yaml(text);
    validate(&schema, &NoDefs, &node)
        .into_iter()
        .map(|f| (super::super::messages::display_path(&f.path), f.kind))
        .collect()
}

#[test]
fn values_are_typed_as_kubectl_converts_them() {
    let int = json!({"type": "integer"});
    assert!(kinds(int.clone(), "3").is_empty());
    assert!(
        kinds(int.clone(), "3.0").is_empty(),
        "a whole float is an integer"
    );
    assert_eq!(kinds(int.clone(), "3.5").len(), 1);
    assert_eq!(kinds(int, "\"3\"").len(), 1, "a quoted number is a string");
    assert!(
        kinds(json!({"type": "null"}), ".nan").is_empty(),
        "NaN becomes null"
    );
    assert!(
        kinds(json!({"type": "string"}), "on").len() == 1,
        "`on` is a boolean"
    );
    assert!(kinds(json!({"type": "number"}), "7").is_empty());
}

#[test]
fn object_keywords_report_fields_and_paths() {
    let schema = json!({
        "properties": {
            "spec": {
                "properties": {"replicas": {"type": "integer"}},
                "additionalProperties": false,
                "required": ["selector", "template"]
            }
        }
    });
    let found = kinds(schema, "spec:\n  replica: 2\n  selector: {}\n");
    assert_eq!(
        found,
        vec![
            (
                "spec".to_owned(),
                FailureKind::AdditionalProperties {
                    unexpected: vec!["replica".into(), "selector".into()]
                }
            ),
            (
                "spec".to_owned(),
                FailureKind::Required {
                    property: "template".into()
                }
            ),
        ]
    );
}

#[test]
fn rare_keywords_of_crd_schemas() {
    let s = json!({"type": "string", "pattern": "^[a-z]+$", "maxLength": 3});
    assert_eq!(
        kinds(s, "abcd"),
        vec![("".to_owned(), FailureKind::MaxLength { limit: 3 })]
    );
    let n = json!({"minimum": 1, "exclusiveMaximum": 10, "multipleOf": 2});
    assert_eq!(kinds(n.clone(), "4").len(), 0);
    assert_eq!(kinds(n.clone(), "10").len(), 1);
    assert_eq!(kinds(n, "3").len(), 1);
    let one_of = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
    assert_eq!(
        kinds(one_of, "2"),
        vec![(
            "".to_owned(),
            FailureKind::OneOfMany {
                branches: 2,
                valid: 2
            }
        )]
    );
    let any_of = json!({"anyOf": [{"type": "integer"}, {"type": "boolean"}]});
    assert_eq!(kinds(any_of.clone(), "yes").len(), 0);
    assert_eq!(
        kinds(any_of, "x"),
        vec![("".to_owned(), FailureKind::AnyOf { branches: 2 })]
    );
    let unique = json!({"uniqueItems": true});
    assert_eq!(
        kinds(unique, "[1, 2, 1.0]"),
        vec![("".to_owned(), FailureKind::UniqueItems)]
    );
    let list_map =
        json!({LIST_MAP_KEYWORD: {"keys": ["name", "protocol"], "defaults": {"protocol": "TCP"}}});
    let found = kinds(
        list_map,
        "- {name: a}\n- {name: a, protocol: UDP}\n- {name: a, protocol: TCP}\n",
    );
    assert!(matches!(
        found.as_slice(),
        [(
            _,
            FailureKind::DuplicateListMapKey {
                index: 2,
                first: 0,
                ..
            }
        )]
    ));
}

#[test]
fn bad_schemas_do_not_compile() {
    assert!(Schema::compile(&json!({"type": "float"}), &NoDefs).is_err());
    assert!(Schema::compile(&json!({"pattern": "(?=x)"}), &NoDefs).is_err());
    assert!(Schema::compile(&json!({"$ref": "#/$defs/Nope"}), &NoDefs).is_err());
}
