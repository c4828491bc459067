//! `kubevet render` against `kubectl kustomize` (kustomize 5.5): for every case under
//! `fixtures/render/` and every kustomization under `../shared/corpora`, the objects kubevet
//! renders equal kustomize's, compared as JSON after decoding both outputs as `kubectl apply`
//! does (kubevet's loader), order included; where kustomize fails, kubevet fails too.
//!
//! Skips visibly without `kubectl`; the corpora part skips visibly without `../shared/corpora`.
//! A kustomization using something kubevet does not render yet (remote resources, helm charts,
//! plugins) is counted as unsupported, never as a match.

use kubevet::load::{Limits, load};
use kubevet::model::diagnostic::FileId;
use kubevet::source::SourceFile;
use std::path::{Path, PathBuf};
use std::process::Command;

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The objects of a YAML stream as `kubectl apply` would send them.
fn decode(text: &str) -> Vec<serde_json::Value> {
    let file = SourceFile::new(FileId(0), "out.yaml".into(), text.to_owned());
    let loaded = load(&file, &Limits::default());
    assert!(
        loaded.diagnostics.is_empty(),
        "output does not load: {:?}\n{text}",
        loaded.diagnostics.first().map(|d| &d.message)
    );
    loaded
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .filter(|v| !v.is_null())
        .collect()
}

enum Outcome {
    Match,
    Differ(String),
    /// kustomize's stderr, kubevet's error (with its place), kubevet's message alone.
    BothFail(String, String, String),
    /// kustomize fails, kubevet renders.
    OnlyKustomizeFails(String),
    /// kustomize renders, kubevet fails (not for an unsupported feature).
    OnlyKubevetFails(String),
    Unsupported(String),
    /// kustomize fails and kubevet cannot render it either (a remote resource offline).
    NeitherUnsupported,
}

fn compare(dir: &Path) -> Outcome {
    let kustomize = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    let ours = kubevet::render::render(dir);
    let theirs_err = String::from_utf8_lossy(&kustomize.stderr).trim().to_owned();
    match (kustomize.status.success(), ours) {
        (ok, Ok(r)) if !r.infos.is_empty() => {
            let why = r.describe_info(&r.infos[0]);
            if ok {
                Outcome::Unsupported(why)
            } else {
                Outcome::NeitherUnsupported
            }
        }
        (_, Err(f)) if f.error.unsupported => {
            if kustomize.status.success() {
                Outcome::Unsupported(f.describe())
            } else {
                Outcome::NeitherUnsupported
            }
        }
        (true, Ok(rendered)) => {
            let expected = decode(&String::from_utf8_lossy(&kustomize.stdout));
            let text = rendered.to_yaml(false);
            let actual = decode(&text);
            if expected == actual {
                Outcome::Match
            } else {
                let first = expected
                    .iter()
                    .zip(&actual)
                    .position(|(a, b)| a != b)
                    .unwrap_or(expected.len().min(actual.len()));
                Outcome::Differ(format!(
                    "{} objects from kustomize, {} from kubevet; first difference at object {first}:\nkustomize: {}\nkubevet:   {}",
                    expected.len(),
                    actual.len(),
                    expected
                        .get(first)
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    actual.get(first).map(|v| v.to_string()).unwrap_or_default()
                ))
            }
        }
        (true, Err(f)) => Outcome::OnlyKubevetFails(f.describe()),
        (false, Ok(_)) => Outcome::OnlyKustomizeFails(theirs_err),
        (false, Err(f)) => Outcome::BothFail(theirs_err, f.describe(), f.error.message),
    }
}

fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|rd| rd.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    dirs.retain(|d| kubevet::render::kustomization_file(d).is_some());
    dirs.sort();
    dirs
}

#[test]
fn fixtures_render_as_kustomize_does() {
    if !kubectl_available() {
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let cases = case_dirs(Path::new("fixtures/render"));
    assert!(cases.len() >= 15, "expected the render fixtures");
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expect_error = name.starts_with("error-");
        match compare(dir) {
            Outcome::Match if !expect_error => eprintln!("{name}: match"),
            Outcome::BothFail(theirs, ours, message) if expect_error => {
                eprintln!("{name}: both fail\n  kustomize: {theirs}\n  kubevet:   {ours}");
                // kubevet's message is kustomize's (klog quotes kustomize's error).
                // kustomize names files by their absolute path, kubevet as it was given.
                let cwd = format!("{}/", std::env::current_dir().unwrap().display());
                if !theirs
                    .replace("\\\"", "\"")
                    .replace(&cwd, "")
                    .contains(&message)
                {
                    failures.push(format!(
                        "{name}: kubevet's error is not kustomize's:\n  kustomize: {theirs}\n  kubevet:   {message}"
                    ));
                }
            }
            Outcome::Match => failures.push(format!("{name}: kustomize renders an error- case")),
            Outcome::BothFail(theirs, ..) => {
                failures.push(format!("{name}: kustomize fails: {theirs}"))
            }
            Outcome::Differ(d) => failures.push(format!("{name}: differs: {d}")),
            Outcome::OnlyKustomizeFails(e) => failures.push(format!(
                "{name}: kubevet renders what kustomize refuses: {e}"
            )),
            Outcome::OnlyKubevetFails(e) => failures.push(format!("{name}: kubevet fails: {e}")),
            Outcome::Unsupported(e) => failures.push(format!("{name}: unsupported: {e}")),
            Outcome::NeitherUnsupported => failures.push(format!("{name}: unsupported")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every kustomization directory below `root`.
fn kustomizations_below(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    if kubevet::render::kustomization_file(root).is_some() {
        out.push(root.to_path_buf());
    }
    for e in entries {
        let hidden = e
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if e.is_dir() && !hidden && !e.is_symlink() {
            kustomizations_below(&e, out);
        }
    }
}

#[test]
fn corpora_render_as_kustomize_does() {
    if !kubectl_available() {
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let root = Path::new("../shared/corpora");
    if !root.is_dir() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let mut dirs = Vec::new();
    kustomizations_below(root, &mut dirs);
    let (mut matched, mut both_fail, mut unsupported, mut neither) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.display().to_string();
        match compare(dir) {
            Outcome::Match => matched += 1,
            Outcome::BothFail(..) => both_fail += 1,
            Outcome::Unsupported(why) => {
                unsupported += 1;
                eprintln!("{name}: kubevet-unsupported: {why}");
            }
            Outcome::NeitherUnsupported => neither += 1,
            Outcome::Differ(d) => failures.push(format!("{name}: differs: {d}")),
            Outcome::OnlyKustomizeFails(e) => failures.push(format!(
                "{name}: kubevet renders what kustomize refuses: {e}"
            )),
            Outcome::OnlyKubevetFails(e) => failures.push(format!("{name}: kubevet fails: {e}")),
        }
    }
    eprintln!(
        "corpora: {} kustomizations: {matched} match, {} differ or fail on one side only, {unsupported} kubevet-unsupported (kustomize renders), {both_fail} both fail, {neither} unsupported and kustomize fails (offline)",
        dirs.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn kubevet_render(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .arg("render")
        .args(args)
        .output()
        .expect("kubevet runs")
}

#[test]
fn show_sources_names_the_line_that_set_each_value() {
    let out = kubevet_render(&["--show-sources", "fixtures/render/overlay-chain"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let dir = "fixtures/render/overlay-chain";
    for line in [
        // The object, where its first line is.
        format!("# from {dir}/base/all.yaml:8"),
        // A value a JSON patch replaced and a strategic merge patch replaced again.
        format!("  REGION: eu  # {dir}/staging-eu/kustomization.yaml:8"),
        // Set by the middle overlay's `namespace:`, kept by the outer overlay's patch.
        format!("  namespace: staging  # {dir}/staging/kustomization.yaml:1"),
        // The `images:` entry's `newTag`.
        format!("        image: shop:2  # {dir}/staging/kustomization.yaml:13"),
        // As written in the base.
        format!("        role: web  # {dir}/base/all.yaml:17"),
        // A label the base's `labels:` adds to the selector.
        format!("      app.kubernetes.io/name: shop  # {dir}/base/kustomization.yaml:3"),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
}

#[test]
fn render_errors_are_at_the_entry_in_kustomizes_words() {
    let out = kubevet_render(&["fixtures/render/error-patch-not-found"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error-patch-not-found/staging-eu/kustomization.yaml:8:5: no resource matches strategic merge patch \"ConfigMap.v1.[noGrp]/env.staging\""),
        "{stderr}"
    );
    let out = kubevet_render(&["fixtures/render/error-replacement-target"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error-replacement-target/kustomization.yaml:4:3: unable to find field \"spec.template.spec.containers.[name=web].ports.0.containerPort\" in replacement target"),
        "{stderr}"
    );
    let out = kubevet_render(&["fixtures/render/error-vars-duplicate"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error-vars-duplicate/kustomization.yaml:5:3: merging vars [{DATABASE Service.[noVer].[noGrp] {}}]: var 'DATABASE' already encountered"),
        "{stderr}"
    );
    let out = kubevet_render(&["fixtures/render/error-vars-number-in-args"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error-vars-number-in-args/app.yaml:16:49: considering field 'spec/template/spec/containers/args' of object Deployment.v1.apps/client.[noNs]: visit traversal on path: [args]: invalid value type expect a string"),
        "{stderr}"
    );
    let out = kubevet_render(&["fixtures/render-unsupported/plugins"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot render: fixtures/render-unsupported/plugins/kustomization.yaml:3:1: kubevet does not render `transformers` yet"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn remote_entries_and_helm_charts_are_left_out_with_one_info_each() {
    let dir = "fixtures/render-remote/remote-and-helm";
    let out = kubevet_render(&[dir]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "apiVersion: v1\ndata:\n  mode: fast\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n"
    );
    let remote = "is a remote resource: kubevet never fetches it; its objects are left out";
    let helm = "is not rendered: kubevet never runs helm; its objects are left out";
    let expected = [
        format!("{dir}/kustomization.yaml:3:3: `https://example.com/shop/base.yaml` {remote}"),
        format!("{dir}/local/kustomization.yaml:4:3: `https://example.com/shop/component` {remote}"),
        format!("{dir}/kustomization.yaml:5:3: `github.com/example/shop//deploy?ref=v1.2.0` {remote}"),
        format!("{dir}/kustomization.yaml:6:3: `git::https://example.com/shop.git//base?ref=main` {remote}"),
        format!("{dir}/kustomization.yaml:8:3: helm chart `redis` {helm}"),
        format!("{dir}/kustomization.yaml:11:3: helm chart `postgres` {helm}"),
    ]
    .map(|l| format!("kubevet: render: info: {l}\n"))
    .concat();
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
}
