//! The fast path gives what the interpreter gives, whenever it answers: every expression below on
//! every object below, and random expressions (a grammar over the same fields) on them.

use crate::load::tree::Node;
use crate::model::diagnostic::FileId;
use crate::model::source::SourceFile;
use crate::policy::cel::{Activation, Env, Limits, compile, convert, eval, eval_fast};
use proptest::prelude::*;

const OBJECTS: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, "app.kubernetes.io/name": web, "on": x}
  annotations: {}
spec:
  replicas: 3
  ratio: 1.0
  half: 0.5
  big: 18446744073709551615
  empty: null
  flags: [true, false]
  template:
    spec:
      hostNetwork: false
      containers:
        - name: app
          image: registry.example.com/app:1.2
          ports: [{containerPort: 8080}, {containerPort: 70000}]
          resources: {limits: {cpu: 500m}}
          env: [{name: A, value: "1"}, {name: "", value: x}]
        - name: side
          image: busybox:latest
          securityContext: {privileged: true}
---
apiVersion: v1
kind: Service
metadata: {name: Bad_Name}
spec:
  type: NodePort
  ports: [{port: 0}, {port: 80, name: http}]
  selector: {app: web}
---
kind: ConfigMap
metadata:
  name: "ünïcode"
  labels: {}
data: {a: "", b: "x,y"}
---
{}
"#;

const EXPRESSIONS: &[&str] = &[
    "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))",
    "object.spec.template.spec.containers.all(c, has(c.resources) && has(c.resources.limits))",
    "!has(object.spec.replicas) || object.spec.replicas <= 50",
    "object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/') || c.image.contains('/'))",
    "has(object.metadata.labels) && 'app' in object.metadata.labels || true",
    "object.spec.template.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged)",
    "object.spec.template.spec.containers.all(c, !has(c.ports) || c.ports.all(p, p.containerPort > 0 && p.containerPort < 65536))",
    "object.spec.template.spec.containers.size() <= 10",
    "object.spec.template.spec.containers.all(c, !has(c.env) || c.env.all(e, e.name.size() > 0))",
    "object.metadata.name.size() <= 63",
    "size(object.metadata.name) > 3",
    "object.metadata.name.matches('^[a-z0-9.-]+$')",
    "!has(object.metadata.annotations) || object.metadata.annotations.size() < 50",
    "!has(object.metadata.labels) || object.metadata.labels.all(k, k.size() <= 63 || k.contains('/'))",
    "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || !('cpu' in c.resources.limits) || quantity(c.resources.limits.cpu).compareTo(quantity('64')) <= 0)",
    "object.metadata.labels.exists(k, k == 'app')",
    "isQuantity(object.metadata.name) || isQuantity('500m')",
    "quantity('1Gi').isGreaterThan(quantity('1G')) && quantity('1').isLessThan(quantity('2'))",
    "quantity('1').isLessThan(quantity('x'))",
    "quantity('1').compareTo(quantity('1000m')) == 0",
    "object.metadata.labels['app'] == 'web'",
    "object.metadata.labels['true'] == 'x'",
    "object.spec.template.spec.containers[0].name == 'app'",
    "object.spec.template.spec.containers[5].name == 'app'",
    "object.spec.template.spec.containers[-1].name == 'app'",
    "object.spec.replicas == 3.0",
    "object.spec.replicas == 3",
    "object.spec.ratio == 1",
    "object.spec.half < 1.0",
    "object.spec.half < 1",
    "object.spec.big > 0",
    "object.spec.empty == null",
    "object.spec.empty != 'x'",
    "object.spec.flags[0] == true",
    "object.spec.flags[0] < object.spec.flags[1]",
    "object.kind in ['Deployment', 'StatefulSet']",
    "object.kind in ['Deployment', 1]",
    "object.spec.replicas in [1, 2, 3]",
    "'web' in object.spec.selector",
    "80 in object.spec.ports.map(p, p.port)",
    "object.spec.ports.exists(p, has(p.name) && p.name == 'http')",
    "object.spec.ports.all(p, p.port > 0)",
    "object.spec.ports.all(p, p.name == 'http')",
    "object.spec.ports.exists(p, p.name == 'http')",
    "object.missing == 1 || true",
    "true || object.missing == 1",
    "false && object.missing",
    "object.metadata.name.size() > 0 ? object.kind : 'none'",
    "object.kind",
    "object.metadata",
    "params == null",
    "object.data.all(k, object.data[k].size() >= 0)",
    "has(object.data) && object.data.b.contains(',')",
    "object.metadata.name < 'm'",
    "optional.of(1).hasValue()",
    "!(object.spec.replicas > 2)",
    "object.spec.template.spec.containers.exists(c, c.name.startsWith('s'))",
    "object.spec.template.spec.containers.filter(c, c.name == 'app').size() == 1",
];

fn objects() -> Vec<Node> {
    let file = SourceFile::new(FileId(0), "t.yaml".into(), OBJECTS.into());
    let loaded = crate::load::load(&file, &crate::load::Limits::default());
    loaded.documents.into_iter().map(|d| d.root).collect()
}

/// Whether the fast path answered `src` on `object` (and then agreed with the interpreter).
fn agree(env: &Env, src: &str, object: &Node) -> bool {
    let Ok(program) = compile(src, env) else {
        return false;
    };
    let null = Node::new(
        crate::load::tree::Value::Null,
        Default::default(),
        crate::load::tree::Style::Plain,
    );
    let vars = |name: &str| match name {
        "object" => Some(object),
        "params" => Some(&null),
        _ => None,
    };
    let Some(fast) = eval_fast(&program, &vars) else {
        return false;
    };
    let (o, p) = (convert::to_cel(object), convert::to_cel(&null));
    let act = Activation::new()
        .bind("object", o.as_ref())
        .bind("params", p.as_ref());
    let slow = eval(&program, env, &act, Limits::default());
    assert_eq!(Ok(fast), slow, "{src} on {}", object.to_json());
    true
}

#[test]
fn fast_path_agrees_with_the_interpreter() {
    let env = Env::new(35);
    let objects = objects();
    assert_eq!(objects.len(), 4);
    let mut answered = 0;
    for src in EXPRESSIONS {
        for object in &objects {
            answered += usize::from(agree(&env, src, object));
        }
    }
    // Most shapes are answered (the rest: errors, cross-type equality, lists, functions).
    assert!(answered > EXPRESSIONS.len(), "{answered}");
    // What the bench's policies look like is answered on a Deployment.
    let deployment = &objects[0];
    for src in &EXPRESSIONS[..15] {
        assert!(agree(&env, src, deployment), "not answered: {src}");
    }
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("object.spec.replicas".to_string()),
        Just("object.spec.half".to_string()),
        Just("object.spec.big".to_string()),
        Just("object.spec.empty".to_string()),
        Just("object.metadata.name".to_string()),
        Just("object.kind".to_string()),
        Just("object.metadata.labels".to_string()),
        Just("object.spec.ports".to_string()),
        Just("object.spec.template.spec.containers".to_string()),
        Just("x".to_string()),
        Just("1".to_string()),
        Just("2.5".to_string()),
        Just("'web'".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone(), 0..8usize).prop_map(|(a, b, op)| {
                let op = ["==", "!=", "<", "<=", ">", ">=", "&&", "||"][op];
                format!("({a} {op} {b})")
            }),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.clone().prop_map(|a| format!("size({a})")),
            (inner.clone(), 0..4usize).prop_map(|(a, f)| {
                let f = ["name", "port", "image", "app"][f];
                format!("{a}.{f}")
            }),
            (inner.clone(), 0..2usize).prop_map(|(a, f)| {
                let f = ["name", "app"][f];
                format!("has({a}.{f})")
            }),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}[{b}]")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} in {b})")),
            (inner.clone(), inner.clone(), 0..4usize).prop_map(|(a, b, f)| {
                let f = ["startsWith", "endsWith", "contains", "matches"][f];
                format!("{a}.{f}({b})")
            }),
            (inner.clone(), inner.clone(), 0..2usize).prop_map(|(a, b, m)| {
                let m = ["all", "exists"][m];
                format!("{a}.{m}(x, {b})")
            }),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
        ]
    })
}

#[test]
fn random_expressions_agree() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let env = Env::new(35);
    let objects = objects();
    let mut runner = TestRunner::new(Config::default());
    let strategy = expr();
    let (mut tried, mut answered) = (0, 0);
    for _ in 0..10_000 {
        let src = strategy
            .new_tree(&mut runner)
            .expect("a random expression")
            .current();
        for object in &objects {
            tried += 1;
            answered += usize::from(agree(&env, &src, object));
        }
    }
    // enough of them reach an answer for the comparison to mean something
    assert!(answered * 100 > tried, "{answered} of {tried}");
}
