//! kubevet's YAML tree as CEL values, with and without the CRD schema's typing.

use crate::load::tree::{Entry, Node, Span, Style, Value as Y};
use crate::policy::cel::convert::{Schema, parse_go_duration, to_cel, to_cel_typed};
use crate::policy::cel::{Activation, Env, EvalError, Limits, compile, eval};

fn n(v: Y) -> Node {
    Node::new(v, Span::default(), Style::Plain)
}

fn s(v: &str) -> Node {
    n(Y::Str(v.into()))
}

fn map(entries: Vec<(Node, Node)>) -> Node {
    n(Y::Map(
        entries
            .into_iter()
            .map(|(key, value)| Entry { key, value })
            .collect(),
    ))
}

fn check(node: &Node, schema: &Schema, exprs: &[&str]) {
    let env = Env::new(35);
    let v = to_cel_typed(node, schema);
    for e in exprs {
        let p = compile(e, &env).unwrap_or_else(|err| panic!("{e}: {err}"));
        let act = Activation::new().bind("self", v.as_ref());
        assert_eq!(
            eval(&p, &env, &act, Limits::default()),
            Ok(cel::Value::Bool(true)),
            "{e}"
        );
    }
}

fn object() -> Node {
    map(vec![
        (s("name"), s("web")),
        (s("replicas"), n(Y::Int(3))),
        (s("ratio"), n(Y::Float(2.0))),
        (s("half"), n(Y::Float(0.5))),
        (s("created"), s("2024-01-02T03:04:05Z")),
        (s("timeout"), s("1m30s")),
        (s("port"), s("http")),
        (s("data"), s("aGk=")),
        (s("tags"), n(Y::Seq(vec![s("a"), s("b")]))),
        (n(Y::Bool(true)), s("yes-key")),
        (n(Y::Int(8080)), s("int-key")),
        (s("nothing"), n(Y::Null)),
        (
            s("nested"),
            map(vec![(
                s("list"),
                n(Y::Seq(vec![map(vec![(s("k"), n(Y::Int(1)))])])),
            )]),
        ),
    ])
}

#[test]
fn without_schema_values_are_typed_from_json() {
    check(
        &object(),
        &Schema::Any,
        &[
            "self.name == 'web' && self.replicas == 3",
            // kubectl writes 2.0 as 2 in JSON, which decodes as an integer
            "type(self.ratio) == int && self.ratio == 2 && self.half == 0.5",
            "type(self.created) == string && type(self.timeout) == string",
            "self.tags == ['a', 'b'] && ['a', 'b'] == self.tags && size(self.tags) == 2",
            "self['true'] == 'yes-key' && self['8080'] == 'int-key'",
            "self.nothing == null && has(self.nothing) && !has(self.missing)",
            "self.nested.list.all(x, x.k == 1) && self.nested.list[0].k == 1",
            "self.nested == {'list': [{'k': 1}]} && {'list': [{'k': 1}]} == self.nested",
            "'name' in self && !('missing' in self) && 'a' in self.tags",
            "self.tags.map(t, t + '!') == ['a!', 'b!']",
            "self.tags + ['c'] == ['a', 'b', 'c']",
        ],
    );
    let env = Env::new(35);
    let obj = object();
    let v = to_cel(&obj);
    let p = compile("self.missing == 1", &env).unwrap();
    assert!(matches!(
        eval(&p, &env, &Activation::new().bind("self", v.as_ref()), Limits::default()),
        Err(EvalError::Error(m)) if m.contains("missing")
    ));
}

#[test]
fn schema_formats_give_timestamps_durations_doubles() {
    let schema = Schema::Object {
        properties: vec![
            ("ratio".into(), Schema::Number),
            ("replicas".into(), Schema::Number),
            (
                "created".into(),
                Schema::String {
                    format: Some("date-time".into()),
                },
            ),
            (
                "timeout".into(),
                Schema::String {
                    format: Some("duration".into()),
                },
            ),
            (
                "data".into(),
                Schema::String {
                    format: Some("byte".into()),
                },
            ),
            ("port".into(), Schema::IntOrString),
        ],
        additional: None,
    };
    check(
        &object(),
        &schema,
        &[
            "type(self.ratio) == double && self.ratio == 2.0 && type(self.replicas) == double",
            "self.created == timestamp('2024-01-02T03:04:05Z') && self.created.getFullYear() == 2024",
            "self.timeout == duration('90s') && self.timeout < duration('2m')",
            "self.data == b'hi'",
            "self.port == 'http'",
        ],
    );
}

#[test]
fn go_durations() {
    let d = |x: &str| parse_go_duration(x).map(|d| d.num_milliseconds());
    assert_eq!(d("1h30m"), Some(5_400_000));
    assert_eq!(d("-1.5h"), Some(-5_400_000));
    assert_eq!(d("300ms"), Some(300));
    assert_eq!(d("0"), Some(0));
    assert_eq!(d("1"), None);
    assert_eq!(d("1d"), None);
    assert_eq!(d(""), None);
}

#[test]
fn old_self_and_variables_bind_alongside() {
    let env = Env::new(35);
    let new = object();
    let old = map(vec![(s("replicas"), n(Y::Int(5)))]);
    let (nv, ov) = (to_cel(&new), to_cel(&old));
    let p = compile("self.replicas >= oldSelf.replicas", &env).unwrap();
    assert_eq!(p.variables, ["self", "oldSelf"]);
    let act = Activation::new()
        .bind("self", nv.as_ref())
        .bind("oldSelf", ov.as_ref());
    assert_eq!(
        eval(&p, &env, &act, Limits::default()),
        Ok(cel::Value::Bool(false))
    );
}

fn check_false(node: &Node, schema: &Schema, exprs: &[&str]) {
    let negated: Vec<String> = exprs.iter().map(|e| format!("!({e})")).collect();
    let refs: Vec<&str> = negated.iter().map(String::as_str).collect();
    check(node, schema, &refs);
}

#[test]
fn object_fields_by_escaped_name_nulls_and_undeclared_absent() {
    let string = || Schema::String { format: None };
    let schema = Schema::Object {
        properties: vec![
            ("foo-bar".into(), string()),
            ("a.b/c".into(), string()),
            ("namespace".into(), string()),
            ("x__y".into(), string()),
            ("nothing".into(), string()),
        ],
        additional: None,
    };
    let obj = map(vec![
        (s("foo-bar"), s("1")),
        (s("a.b/c"), s("2")),
        (s("namespace"), s("3")),
        (s("x__y"), s("4")),
        (s("nothing"), n(Y::Null)),
        (s("undeclared"), s("5")),
    ]);
    check(
        &obj,
        &schema,
        &[
            "self.foo__dash__bar == '1' && self['foo-bar'] == '1' && has(self.foo__dash__bar)",
            "self.a__dot__b__slash__c == '2' && self.__namespace__ == '3'",
            "self.x__underscores__y == '4'",
            "!has(self.nothing) && !has(self.undeclared) && !('undeclared' in self)",
            "'foo-bar' in self && 'foo__dash__bar' in self",
            "self.exists(k, k == 'foo__dash__bar') && !self.exists(k, k == 'foo-bar')",
        ],
    );
}

#[test]
fn root_metadata_has_only_name_and_generate_name() {
    let schema = Schema::Object {
        properties: vec![("spec".into(), Schema::Any)],
        additional: None,
    }
    .with_type_and_object_meta();
    let obj = map(vec![
        (s("apiVersion"), s("example.com/v1")),
        (s("kind"), s("Widget")),
        (
            s("metadata"),
            map(vec![
                (s("name"), s("w")),
                (s("labels"), map(vec![(s("app"), s("w"))])),
            ]),
        ),
        (s("spec"), map(vec![(s("x"), n(Y::Int(1)))])),
    ]);
    check(
        &obj,
        &schema,
        &[
            "self.metadata.name == 'w' && self.kind == 'Widget' && self.spec.x == 1",
            "!has(self.metadata.labels) && !has(self.metadata.generateName)",
        ],
    );
}

#[test]
fn set_and_map_lists_are_equal_in_any_order() {
    use crate::policy::cel::convert::ListType;
    let item = |k: &str, v: i128| map(vec![(s("name"), s(k)), (s("v"), n(Y::Int(v)))]);
    let obj = map(vec![
        (s("set"), n(Y::Seq(vec![s("a"), s("b")]))),
        (s("atomic"), n(Y::Seq(vec![s("a"), s("b")]))),
        (s("ports"), n(Y::Seq(vec![item("x", 1), item("y", 2)]))),
    ]);
    let schema = Schema::Object {
        properties: vec![
            (
                "set".into(),
                Schema::Array(Box::new(Schema::Any), ListType::Set),
            ),
            (
                "atomic".into(),
                Schema::Array(Box::new(Schema::Any), ListType::Atomic),
            ),
            (
                "ports".into(),
                Schema::Array(Box::new(Schema::Any), ListType::Map(vec!["name".into()])),
            ),
        ],
        additional: None,
    };
    check(
        &obj,
        &schema,
        &[
            "self.set == ['b', 'a'] && self.set == ['a', 'b']",
            "self.atomic == ['a', 'b']",
            "self.ports == [{'name': 'y', 'v': 2}, {'name': 'x', 'v': 1}]",
        ],
    );
    check_false(
        &obj,
        &schema,
        &[
            "self.atomic == ['b', 'a']",
            "self.set == ['a', 'c']",
            "self.set == ['a']",
            "self.ports == [{'name': 'y', 'v': 1}, {'name': 'x', 'v': 1}]",
        ],
    );
}
