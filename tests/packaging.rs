//! How kubevet is packaged and released, checked where it can be here: the workflows
//! (`.github/workflows/`) parse and keep their invariants (CI runs `.ci/run`; the release runs on
//! tags, publishes with minimal permissions, and names its binaries as action.yml downloads
//! them; no expression inside a script), `pyproject.toml` takes its version from Cargo.toml, the
//! pre-commit hooks agree with each other and pin this version, the README's versions are this
//! version, the Dockerfile builds from what its context holds, and every shell script passes
//! shellcheck. The wheel itself is built and installed by scripts/test-wheel, the hooks run by
//! scripts/test-pre-commit (both from .ci/run).

use kubevet::diagnostics::FileId;
use kubevet::source::SourceFile;
use kubevet::tree::Node;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn cargo_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn yaml(path: &str) -> Node {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file = SourceFile::new(FileId(0), path.into(), text);
    let mut loaded = kubevet::load::load(&file, &Default::default());
    assert!(
        loaded.diagnostics.is_empty(),
        "{path} is not clean YAML: {:?}",
        loaded.diagnostics
    );
    assert_eq!(loaded.documents.len(), 1, "{path}");
    loaded.documents.remove(0).root
}

fn str_at<'a>(node: &'a Node, path: &[&str]) -> &'a str {
    node.get_path(path)
        .and_then(Node::as_str)
        .unwrap_or_else(|| panic!("no string at {path:?}"))
}

fn workflows() -> Vec<(String, Node)> {
    let mut out: Vec<(String, Node)> = std::fs::read_dir(".github/workflows")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
        .map(|p| {
            let node = yaml(&p);
            (p, node)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn jobs(workflow: &Node) -> impl Iterator<Item = (&str, &Node)> {
    workflow
        .get("jobs")
        .expect("jobs")
        .entries()
        .iter()
        .map(|e| (e.key.as_str().unwrap(), &e.value))
}

fn steps(job: &Node) -> &[Node] {
    job.get("steps").and_then(Node::as_seq).unwrap_or_default()
}

/// `on:` is the boolean true to a YAML 1.1 reader such as kubevet's; GitHub reads the key `on`.
fn triggers(workflow: &Node) -> &Node {
    workflow
        .get("on")
        .or_else(|| workflow.get("true"))
        .expect("on:")
}

#[test]
fn workflows_parse_and_keep_expressions_out_of_scripts() {
    let workflows = workflows();
    let names: Vec<&str> = workflows.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        [".github/workflows/ci.yml", ".github/workflows/release.yml"]
    );
    for (path, workflow) in &workflows {
        assert!(!str_at(workflow, &["name"]).is_empty(), "{path}");
        // Least privilege: read-only unless a job asks for more.
        assert_eq!(
            str_at(workflow, &["permissions", "contents"]),
            "read",
            "{path}"
        );
        assert_eq!(workflow.get("permissions").unwrap().entries().len(), 1);
        for (id, job) in jobs(workflow) {
            for step in steps(job) {
                if let Some(run) = step.get("run").and_then(Node::as_str) {
                    // Values reach scripts through `env:`, never spliced into the script.
                    assert!(
                        !run.contains("${{"),
                        "{path} job {id}: an expression inside a script:\n{run}"
                    );
                }
                if let Some(uses) = step
                    .get("uses")
                    .and_then(Node::as_str)
                    .filter(|u| !u.starts_with("./"))
                {
                    let (_, version) = uses
                        .split_once('@')
                        .unwrap_or_else(|| panic!("{path}: {uses} is not pinned"));
                    assert!(
                        !["main", "master", "HEAD"].contains(&version),
                        "{path}: {uses} follows a branch"
                    );
                }
                for entry in step.get("env").map(Node::entries).unwrap_or_default() {
                    let value = entry.value.as_str().unwrap_or_default();
                    assert!(
                        !value.contains("github.event."),
                        "{path}: untrusted event data in env: {value}"
                    );
                }
            }
        }
    }
}

#[test]
fn ci_runs_ci_run() {
    let ci = yaml(".github/workflows/ci.yml");
    let on = triggers(&ci);
    for trigger in ["push", "pull_request", "workflow_call"] {
        assert!(on.get(trigger).is_some(), "ci.yml runs on {trigger}");
    }
    let runs: Vec<&str> = jobs(&ci)
        .flat_map(|(_, job)| steps(job))
        .filter_map(|s| s.get("run").and_then(Node::as_str))
        .collect();
    assert!(
        runs.iter().any(|r| r.trim() == ".ci/run"),
        "ci.yml runs .ci/run: {runs:?}"
    );
    // The action itself, from this checkout.
    assert!(
        jobs(&ci)
            .flat_map(|(_, job)| steps(job))
            .any(|s| s.get("uses").and_then(Node::as_str) == Some("./"))
    );
    assert!(Path::new(".ci/run").is_file());
}

/// The targets action.yml downloads a prebuilt binary for (its `case` on the runner).
fn action_targets() -> BTreeSet<String> {
    let action = std::fs::read_to_string("action.yml").unwrap();
    let re = regex::Regex::new(r"(?m)^\s+\w+/\w+\) target=([a-z0-9_-]+) ;;$").unwrap();
    re.captures_iter(&action).map(|c| c[1].to_owned()).collect()
}

#[test]
fn the_release_runs_on_tags_and_publishes_what_the_action_downloads() {
    let release = yaml(".github/workflows/release.yml");
    let push = triggers(&release).get("push").expect("on: push");
    let tags = push.get("tags").and_then(Node::as_seq).expect("tags");
    assert_eq!(tags.len(), 1);
    let pattern = tags[0].as_str().unwrap();
    assert!(pattern.starts_with("v[0-9]"), "{pattern}");
    assert!(push.get("branches").is_none());
    assert_eq!(triggers(&release).entries().len(), 1, "only tags release");

    // Only the publishing job gets an OIDC token; only the release job may write.
    for (id, job) in jobs(&release) {
        let permissions: Vec<(String, String)> = job
            .get("permissions")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|e| {
                (
                    e.key.as_str().unwrap().to_owned(),
                    e.value.as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expected: &[(&str, &str)] = match id {
            "pypi" => &[("id-token", "write")],
            "github-release" => &[("contents", "write")],
            _ => &[],
        };
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(permissions, expected, "job {id}");
    }
    let job = |id: &str| {
        jobs(&release)
            .find(|(j, _)| *j == id)
            .unwrap_or_else(|| panic!("job {id}"))
            .1
    };
    let pypi = job("pypi");
    assert_eq!(
        str_at(pypi, &["environment", "name"]),
        "pypi",
        "trusted publishing from an environment"
    );
    assert!(
        steps(pypi)
            .iter()
            .any(|s| s.get("uses").and_then(Node::as_str)
                == Some("pypa/gh-action-pypi-publish@release/v1"))
    );
    assert!(
        steps(pypi)
            .iter()
            .all(|s| s.get("with").is_none() || s.get_path(&["with", "password"]).is_none())
    );
    // The tests gate publishing.
    assert_eq!(str_at(job("ci"), &["uses"]), "./.github/workflows/ci.yml");
    for id in ["pypi", "github-release"] {
        let needs: Vec<&str> = job(id)
            .get("needs")
            .and_then(Node::as_seq)
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert!(needs.contains(&"ci") && needs.contains(&"build"), "{id}");
    }

    // Wheels with maturin for every platform; plain binaries where the action downloads them.
    let build = job("build");
    let matrix = build
        .get_path(&["strategy", "matrix", "include"])
        .and_then(Node::as_seq)
        .unwrap();
    let targets: BTreeSet<String> = matrix
        .iter()
        .map(|m| str_at(m, &["target"]).to_owned())
        .collect();
    let expected: BTreeSet<String> = [
        "x86_64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-gnu",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(targets, expected);
    for m in matrix {
        let manylinux = str_at(m, &["manylinux"]);
        match str_at(m, &["target"]) {
            t if t.ends_with("-linux-gnu") => assert_eq!(manylinux, "2_17", "{t}"),
            t if t.ends_with("-linux-musl") => assert_eq!(manylinux, "musllinux_1_2", "{t}"),
            _ => assert_eq!(manylinux, ""),
        }
    }
    let binaries: BTreeSet<String> = matrix
        .iter()
        .filter(|m| m.get("binary").and_then(Node::as_bool) == Some(true))
        .map(|m| str_at(m, &["target"]).to_owned())
        .collect();
    assert_eq!(
        binaries,
        action_targets(),
        "release binaries = action.yml's"
    );
    let maturin = steps(build)
        .iter()
        .find(|s| s.get("uses").and_then(Node::as_str) == Some("PyO3/maturin-action@v1"))
        .expect("maturin-action");
    let args = str_at(maturin, &["with", "args"]);
    assert!(
        args.contains("--release") && args.contains("--locked"),
        "{args}"
    );

    // The names: kubevet-<version>-<target>.tar.gz and .sha256, as action.yml fetches them.
    let package = steps(build)
        .iter()
        .find(|s| s.get("name").and_then(Node::as_str) == Some("Package the binary"))
        .unwrap();
    let script = str_at(package, &["run"]);
    assert!(script.contains(r#"name="kubevet-$VERSION-$TARGET""#));
    assert!(script.contains(r#"tar -czf "$name.tar.gz" "$name""#));
    assert!(script.contains(r#""$name.tar.gz" > "$name.tar.gz.sha256""#));
    let action = std::fs::read_to_string("action.yml").unwrap();
    assert!(action.contains(r#"name="kubevet-${KUBEVET_VERSION}-${KUBEVET_TARGET}""#));
    assert!(action.contains(
        r#"url="https://github.com/kubevet/kubevet/releases/download/v${KUBEVET_VERSION}/${name}.tar.gz""#
    ));
    assert!(action.contains(r#""$url.sha256""#));
    // Checksums of everything on the release.
    let release_steps = steps(job("github-release"));
    assert!(release_steps.iter().any(|s| {
        s.get("run")
            .and_then(Node::as_str)
            .is_some_and(|r| r.contains("sha256sum -- *.whl *.tar.gz > SHA256SUMS"))
    }));
}

/// The lines of a TOML table (`[project]`), without comments and blank lines: enough for the
/// flat tables checked here.
fn toml_table(text: &str, table: &str) -> Vec<String> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == format!("[{table}]");
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            lines.push(line.to_owned());
        }
    }
    lines
}

#[test]
fn the_python_package_is_the_binary_with_cargos_version() {
    let pyproject = std::fs::read_to_string("pyproject.toml").unwrap();
    let build = toml_table(&pyproject, "build-system");
    assert!(build.contains(&r#"build-backend = "maturin""#.to_owned()));
    assert!(
        build
            .iter()
            .any(|l| l.starts_with("requires = [\"maturin>="))
    );
    let project = toml_table(&pyproject, "project");
    assert!(project.contains(&r#"name = "kubevet""#.to_owned()));
    assert!(project.contains(&r#"dynamic = ["version"]"#.to_owned()));
    assert!(
        !project.iter().any(|l| l.starts_with("version")),
        "the version comes from Cargo.toml only"
    );
    let maturin = toml_table(&pyproject, "tool.maturin");
    assert!(maturin.contains(&r#"bindings = "bin""#.to_owned()));
    assert!(maturin.contains(&"locked = true".to_owned()));
}

fn hook(path: &str) -> Node {
    let text = std::fs::read_to_string(path).unwrap();
    let file = SourceFile::new(FileId(0), path.into(), text);
    let mut loaded = kubevet::load::load(&file, &Default::default());
    assert!(loaded.diagnostics.is_empty(), "{path}");
    let hooks = loaded.documents.remove(0).root;
    let hooks = hooks.as_seq().unwrap();
    assert_eq!(hooks.len(), 1, "{path}: one hook");
    hooks[0].clone()
}

#[test]
fn the_pre_commit_hooks_agree_and_pin_this_version() {
    let source = hook(".pre-commit-hooks.yaml");
    let mirror = hook("packaging/pre-commit/.pre-commit-hooks.yaml");
    for key in [
        "id",
        "name",
        "entry",
        "language",
        "require_serial",
        "minimum_pre_commit_version",
    ] {
        assert_eq!(
            source.get(key).map(Node::to_json),
            mirror.get(key).map(Node::to_json),
            "{key}"
        );
    }
    assert_eq!(str_at(&mirror, &["id"]), "kubevet");
    assert_eq!(str_at(&mirror, &["language"]), "python");
    assert_eq!(str_at(&mirror, &["entry"]), "kubevet check");
    assert_eq!(
        mirror.get("types_or").map(Node::to_json),
        Some(serde_json::json!(["yaml", "json"]))
    );
    assert_eq!(
        source.get("types_or").map(Node::to_json),
        mirror.get("types_or").map(Node::to_json)
    );

    // The mirror's package installs exactly this version's wheel.
    let pyproject = std::fs::read_to_string("packaging/pre-commit/pyproject.toml").unwrap();
    let project = toml_table(&pyproject, "project");
    let version = cargo_version();
    assert!(project.contains(&format!(r#"version = "{version}""#)));
    assert!(
        project.contains(&format!(r#"dependencies = ["kubevet=={version}"]"#)),
        "{project:?}"
    );
    let build = toml_table(&pyproject, "build-system");
    assert!(build.contains(&r#"build-backend = "setuptools.build_meta""#.to_owned()));
    assert!(toml_table(&pyproject, "tool.setuptools").contains(&"py-modules = []".to_owned()));
}

/// Every version number in a document (`X.Y.Z`, `vX.Y.Z`) but SARIF's, which says "SARIF" or
/// "sarif" nearby.
fn versions_in(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\bv?([0-9]+\.[0-9]+\.[0-9]+)\b").unwrap();
    re.captures_iter(text)
        .filter(|c| {
            let at = c.get(0).unwrap();
            let around = &text[at.start().saturating_sub(60)..(at.end() + 60).min(text.len())];
            !(&c[1] == "2.1.0" && around.to_ascii_lowercase().contains("sarif"))
        })
        .map(|c| c[1].to_owned())
        .collect()
}

#[test]
fn the_readmes_name_this_version() {
    for path in ["README.md", "packaging/pre-commit/README.md"] {
        let text = std::fs::read_to_string(path).unwrap();
        let versions = versions_in(&text);
        assert!(!versions.is_empty(), "{path} names no version");
        for v in versions {
            assert_eq!(
                v,
                cargo_version(),
                "{path}: a version other than Cargo.toml's"
            );
        }
    }
    // What users paste: the hook's rev, the action's ref, the wheel's pin.
    let readme = std::fs::read_to_string("README.md").unwrap();
    let version = cargo_version();
    for pinned in [
        format!("  - repo: https://github.com/kubevet/kubevet-pre-commit\n    rev: v{version}\n"),
        format!("- uses: kubevet/kubevet@v{version}\n"),
        format!("pip install --quiet kubevet=={version} "),
    ] {
        assert!(readme.contains(&pinned), "README: {pinned}");
    }
    // What `kubevet --version` says.
    let o = common::command().arg("--version").output().unwrap();
    let said = String::from_utf8(o.stdout).unwrap();
    let line = format!("kubevet --version             # {said}");
    assert!(readme.contains(&line), "README: {line}");
}

#[test]
fn the_dockerfile_builds_a_static_binary_into_an_empty_image() {
    let dockerfile = std::fs::read_to_string("Dockerfile").unwrap();
    let lines: Vec<&str> = dockerfile
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    let froms: Vec<&&str> = lines.iter().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].contains("alpine") && froms[0].ends_with(" AS build"));
    assert_eq!(*froms[1], "FROM scratch");
    assert!(dockerfile.contains("cargo build --release --locked --bin kubevet"));
    assert!(dockerfile.contains("+crt-static"));
    let last_stage = &dockerfile[dockerfile.find("FROM scratch").unwrap()..];
    let user = last_stage
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER");
    let uid: u32 = user.split(':').next().unwrap().parse().unwrap();
    assert_ne!(uid, 0, "not root");
    assert!(last_stage.contains(r#"ENTRYPOINT ["/kubevet"]"#));

    // Everything the build reads is copied in, and the context (.dockerignore) has it.
    let copied: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("COPY "))
        .filter(|l| !l.starts_with("--from"))
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[..words.len() - 1].to_vec()
        })
        .collect();
    let dockerignore = std::fs::read_to_string(".dockerignore").unwrap();
    assert!(
        dockerignore.lines().any(|l| l == "*"),
        "the context is only what is listed"
    );
    let allowed: BTreeSet<&str> = dockerignore
        .lines()
        .filter_map(|l| l.strip_prefix('!'))
        .map(|l| l.trim_end_matches('/'))
        .collect();
    assert_eq!(copied, allowed);
    for included in included_files(Path::new("src")) {
        let top = included.components().next().unwrap();
        let top = top.as_os_str().to_str().unwrap();
        assert!(
            copied.contains(top),
            "{} is compiled in but not copied",
            included.display()
        );
    }
}

/// The files `include_str!`/`include_bytes!` read, relative to the repository.
fn included_files(dir: &Path) -> Vec<PathBuf> {
    let re = regex::Regex::new(r#"include_(?:str|bytes)!\("([^"]+)"\)"#).unwrap();
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for c in re.captures_iter(&text) {
                    let target = path.parent().unwrap().join(&c[1]);
                    let mut normal = PathBuf::new();
                    for part in target.components() {
                        match part {
                            std::path::Component::ParentDir => {
                                normal.pop();
                            }
                            std::path::Component::CurDir => {}
                            other => normal.push(other),
                        }
                    }
                    assert!(normal.exists(), "{}", normal.display());
                    out.push(normal);
                }
            }
        }
    }
    assert!(!out.is_empty());
    out
}

/// shellcheck on a script; `None` where shellcheck is not installed (and not required).
fn shellcheck(name: &str, script: &str) -> Option<Result<(), String>> {
    if !common::shellcheck_installed(name) {
        return None;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shellcheck");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name.replace(['/', ' ', ':'], "_"));
    std::fs::write(&file, script).unwrap();
    let o = Command::new("shellcheck")
        .args(["--shell=bash", "--format=gcc"])
        .arg(&file)
        .output()
        .unwrap();
    Some(if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{name}:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ))
    })
}

#[test]
fn shell_scripts_pass_shellcheck() {
    let mut scripts = Vec::new();
    for path in [".ci/run", "scripts/test-wheel", "scripts/test-pre-commit"] {
        scripts.push((path.to_owned(), std::fs::read_to_string(path).unwrap()));
    }
    for (path, workflow) in workflows() {
        for (id, job) in jobs(&workflow) {
            for (i, step) in steps(job).iter().enumerate() {
                if let Some(run) = step.get("run").and_then(Node::as_str) {
                    scripts.push((format!("{path} {id} {i}"), run.to_owned()));
                }
            }
        }
    }
    let mut failures = Vec::new();
    for (name, script) in &scripts {
        match shellcheck(name, script) {
            None => return,
            Some(Ok(())) => {}
            Some(Err(e)) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
