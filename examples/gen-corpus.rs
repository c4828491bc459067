//! Writes a deterministic benchmark corpus of realistic manifests (see tests/common/corpus.rs).
//!
//! `cargo run --release --example gen-corpus -- DIR [--files N] [--kustomize]` (default 2000
//! files). The same arguments always produce the same bytes.
//!
//! `--kustomize` writes a kustomize-heavy repository instead: each manifest is the base of an
//! application (`apps/app-NNNNN/base/`), with two overlays (`overlays/staging`, `overlays/prod`),
//! each setting a namespace and a name prefix, patching the Deployment (strategic merge: replicas
//! and resources) and, in production, the CronJob (JSON 6902), pinning an image with `images:`
//! and generating a ConfigMap with `configMapGenerator`.

#[path = "../tests/common/corpus.rs"]
mod corpus;

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut files = 2000usize;
    let mut kustomize = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--kustomize" => kustomize = true,
            "--files" => files = args.next().and_then(|n| n.parse().ok()).expect("--files N"),
            _ if dir.is_none() => dir = Some(PathBuf::from(arg)),
            other => panic!("unexpected argument {other}"),
        }
    }
    let dir = dir.expect("usage: gen-corpus DIR [--files N] [--kustomize]");
    let bytes = if kustomize {
        write_kustomize(&dir, files)
    } else {
        corpus::write(&dir, files)
    };
    eprintln!(
        "wrote {} files ({:.1} MB) to {}",
        if kustomize { files * 6 } else { files + 1 },
        bytes as f64 / 1e6,
        dir.display()
    );
}

/// The kustomize-heavy repository: `files` bases, each with two overlays.
fn write_kustomize(dir: &std::path::Path, files: usize) -> usize {
    let mut rng = corpus::Rng(corpus::SEED);
    let mut bytes = 0usize;
    let mut put = |path: PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("create directory");
        bytes += text.len();
        std::fs::write(path, text).expect("write file");
    };
    for i in 0..files {
        let app = dir.join(format!("apps/app-{i:05}"));
        let manifest = corpus::manifest(&mut rng, i);
        // The Deployment's name and namespace lines, as a patch must name them.
        let deployment = manifest
            .split("kind: Deployment\nmetadata:\n")
            .nth(1)
            .map(|rest| rest.lines().take(2).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default();
        let cronjob = manifest
            .split("kind: CronJob\nmetadata:\n  name: ")
            .nth(1)
            .and_then(|rest| rest.lines().next())
            .map(str::to_owned);
        put(app.join("base/app.yaml"), manifest);
        put(
            app.join("base/kustomization.yaml"),
            "resources:\n  - app.yaml\nlabels:\n  - pairs:\n      app.kubernetes.io/managed-by: kustomize\n".into(),
        );
        for (env, replicas) in [("staging", 1), ("prod", 3)] {
            let mut k = format!(
                "namespace: {env}\nnamePrefix: {env}-\nresources:\n  - ../../base\npatches:\n  - path: deployment.yaml\n"
            );
            if env == "prod"
                && let Some(cronjob) = &cronjob
            {
                k.push_str(&format!(
                    "  - target:\n      kind: CronJob\n      name: {cronjob}\n    patch: |-\n      - op: add\n        path: /spec/suspend\n        value: false\n"
                ));
            }
            k.push_str(&format!(
                "images:\n  - name: nginx\n    newTag: 1.27.{}\nconfigMapGenerator:\n  - name: settings\n    literals:\n      - ENVIRONMENT={env}\n      - LOG_LEVEL=info\n",
                2 + rng.below(3)
            ));
            put(app.join(format!("overlays/{env}/kustomization.yaml")), k);
            put(
                app.join(format!("overlays/{env}/deployment.yaml")),
                format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n{deployment}\nspec:\n  replicas: {replicas}\n  template:\n    spec:\n      containers:\n        - name: app\n          resources:\n            limits:\n              memory: 512Mi\n"
                ),
            );
        }
    }
    bytes
}
