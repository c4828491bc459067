//! Schema-validation benchmark (not a test): how long the embedded schemas take to load, a
//! Kubernetes version's schema set to index, each kind's schema to compile with the definitions
//! it reaches, and a document to validate. `cargo run --release --example schema-bench [CORPUS_DIR ...]`
//!
//! With directories, it also times `kubevet::check` on each (best of 5), and the validation of
//! every object found there against its schema.

use kubevet::object::objects_of;
use kubevet::schema::catalog::catalog;
use kubevet::schema::crd::Crds;
use kubevet::schema::validator::validate;
use kubevet::source::SourceFile;
use kubevet::tree::Node;
use kubevet::{Input, Options, check, diagnostics::FileId, load};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let t = Instant::now();
    let catalog = catalog();
    println!(
        "decompress + index embedded schemas ({} versions, {} kinds): {}",
        catalog.versions.len(),
        catalog.kinds.len(),
        ms(t.elapsed())
    );
    let newest = catalog.versions.len() - 1;
    let t = Instant::now();
    let set = catalog.version_set(newest);
    println!(
        "index the {} schema set: {}",
        catalog.versions[newest],
        ms(t.elapsed())
    );

    let kinds = [
        ("v1", "ConfigMap"),
        ("v1", "Service"),
        ("v1", "Pod"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "DaemonSet"),
        ("apps/v1", "StatefulSet"),
        ("batch/v1", "CronJob"),
        ("networking.k8s.io/v1", "Ingress"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ];
    println!("\nfirst validation per kind (compiles the definitions it reaches):");
    let empty = yaml("{}");
    for (api_version, kind) in kinds {
        let entry = catalog.kind(api_version, kind).expect("known kind");
        let def = entry.def_in(newest).expect("served");
        let t = Instant::now();
        let schema = set.schema(def).expect("compiles");
        std::hint::black_box(validate(schema, &*set, &empty).len());
        println!("  {api_version:30} {kind:26} {}", ms(t.elapsed()));
    }

    let deployment = yaml(
        r#"{"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                    "ports": [{"containerPort": 80}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                    "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}]}}}}"#,
    );
    let def = catalog
        .kind("apps/v1", "Deployment")
        .unwrap()
        .def_in(newest)
        .unwrap();
    let schema = set.schema(def).unwrap();
    let n = 10_000;
    let t = Instant::now();
    for _ in 0..n {
        assert!(validate(schema, &*set, &deployment).is_empty());
    }
    println!(
        "\nvalidate a valid Deployment document: {:.1} µs/document ({n} runs)",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let broken = yaml(
        r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": "2", "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "imagePullPolicy": 1}]}}}}"#,
    );
    let t = Instant::now();
    for _ in 0..n {
        assert_eq!(validate(schema, &*set, &broken).len(), 2);
    }
    println!(
        "collect the 2 errors of an invalid Deployment: {:.1} µs/document ({n} runs)",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );

    for dir in std::env::args().skip(1) {
        corpus(&dir, newest);
    }
}

/// Times `check` on a directory, and the schema validation of its built-in objects alone.
fn corpus(dir: &str, newest: usize) {
    let options = Options::default();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let report = check(Input::Paths(vec![dir.into()]), &options).expect("exists");
        best = best.min(t.elapsed());
        std::hint::black_box(report);
    }
    let catalog = catalog();
    let set = catalog.version_set(newest);
    let mut loaded = Vec::new();
    for entry in walk(std::path::Path::new(dir)) {
        let Ok(text) = std::fs::read_to_string(&entry) else {
            continue;
        };
        let file = SourceFile::new(FileId(0), entry.display().to_string(), text);
        loaded.extend(load::load(&file, &options.limits).documents);
    }
    let mut documents: Vec<(&str, &Node)> = Vec::new();
    for doc in &loaded {
        for object in objects_of(&doc.root, doc.index) {
            let (Some(av), Some(kind)) = (object.api_version, object.kind) else {
                continue;
            };
            if let Some(def) = catalog.kind(av, kind).and_then(|k| k.def_in(newest)) {
                documents.push((def, object.root));
            }
        }
    }
    for (def, root) in &documents {
        validate(set.schema(def).unwrap(), &*set, root);
    }
    let mut crds = Crds::default();
    for (i, path) in walk(std::path::Path::new(dir)).iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if text.contains("CustomResourceDefinition") {
            let file = SourceFile::new(FileId(i as u32), path.display().to_string(), text);
            let loaded = Arc::new(load::load(&file, &options.limits));
            crds.add_file(file.id, &loaded, options.kubernetes_version);
        }
    }
    let mut compiled: Vec<(String, Duration)> = crds
        .iter()
        .map(|(api_version, kind, crd)| {
            let t = Instant::now();
            crd.compiled(&set);
            (format!("{api_version} {kind}"), t.elapsed())
        })
        .collect();
    compiled.sort_by_key(|c| std::cmp::Reverse(c.1));
    if !compiled.is_empty() {
        let total: Duration = compiled.iter().map(|c| c.1).sum();
        println!(
            "\n{dir}: {} CRD versions converted and compiled in {} (largest: {} {})",
            compiled.len(),
            ms(total),
            compiled[0].0,
            ms(compiled[0].1)
        );
    }
    let t = Instant::now();
    for (def, root) in &documents {
        std::hint::black_box(validate(set.schema(def).unwrap(), &*set, root).len());
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / documents.len().max(1) as f64;
    println!(
        "\n{dir}: kubevet check best of 5: {}; schema validation of its {} built-in objects: {:.1} µs/object",
        ms(best),
        documents.len(),
        per
    );
}

fn yaml(text: &str) -> Node {
    let file = SourceFile::new(FileId(0), "bench.yaml".into(), text.into());
    let mut loaded = load::load(&file, &Default::default());
    loaded.documents.remove(0).root
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
    out
}
