//! `schemas/kubevet-config.schema.json` (for editors) and kubevet's own reading of
//! `.kubevet.yaml` describe the same format: the examples in the README and in the rule pages,
//! and a set of good and bad configurations, are accepted or rejected by both alike, and the
//! schema's rule ids are kubevet's. `UPDATE_EXPECT=1 cargo test --test config_schema` rewrites
//! the rule ids.

use kubevet::diagnostics::FileId;
use kubevet::source::SourceFile;
use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;

const SCHEMA: &str = "schemas/kubevet-config.schema.json";

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(SCHEMA).unwrap()).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    // Compiling checks the schema against the draft-07 meta-schema.
    jsonschema::draft7::new(&schema()).expect("a valid draft-07 schema")
}

/// YAML as kubevet reads it (YAML 1.1, as kubectl), in JSON for the schema.
fn to_json(yaml: &str) -> Value {
    let file = SourceFile::new(FileId(0), "config".into(), yaml.into());
    let loaded = kubevet::load::load(&file, &Default::default());
    assert!(loaded.diagnostics.is_empty(), "{yaml}");
    // An empty file is no settings at all (editors do not validate it either).
    loaded
        .documents
        .first()
        .map_or_else(|| serde_json::json!({}), |d| d.root.to_json())
}

/// A scratch directory with an empty `crds/` directory.
fn scratch(name: &str) -> PathBuf {
    let dir = common::scratch(name);
    std::fs::create_dir_all(dir.join("crds")).unwrap();
    dir
}

/// Whether kubevet accepts a configuration (in a directory with a `crds/` directory).
fn kubevet_accepts(dir: &Path, yaml: &str) -> Result<(), String> {
    let path = dir.join(".kubevet.yaml");
    std::fs::write(&path, yaml).unwrap();
    kubevet::config::load(&path)
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

fn schema_accepts(yaml: &str) -> Result<(), String> {
    let errors: Vec<String> = validator()
        .iter_errors(&to_json(yaml))
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[test]
fn the_schema_lists_kubevets_rules_and_keys() {
    let mut schema = schema();
    let ids: Vec<Value> = kubevet::rules::ALL
        .iter()
        .map(|r| Value::from(r.id))
        .collect();
    let sets: Vec<Value> = kubevet::diagnostics::RuleSet::ALL
        .iter()
        .map(|s| Value::from(s.name()))
        .collect();
    let selectors: Vec<Value> = sets.iter().chain(&ids).cloned().collect();
    if common::update_expect() {
        schema["definitions"]["ruleLevels"]["propertyNames"]["enum"] = Value::Array(ids);
        schema["definitions"]["ruleSet"]["enum"] = Value::Array(sets);
        schema["definitions"]["selector"]["enum"] = Value::Array(selectors);
        std::fs::write(
            SCHEMA,
            serde_json::to_string_pretty(&schema).unwrap() + "\n",
        )
        .unwrap();
        return;
    }
    assert_eq!(
        schema["definitions"]["ruleSet"]["enum"].as_array().unwrap(),
        &sets,
        "the rule sets in {SCHEMA} are not kubevet's: UPDATE_EXPECT=1 cargo test --test config_schema"
    );
    assert_eq!(
        schema["definitions"]["selector"]["enum"]
            .as_array()
            .unwrap(),
        &selectors,
        "the rule ids and sets in {SCHEMA} are not kubevet's: UPDATE_EXPECT=1 cargo test --test config_schema"
    );
    assert_eq!(
        schema["definitions"]["ruleLevels"]["propertyNames"]["enum"]
            .as_array()
            .unwrap(),
        &ids,
        "the rule ids in {SCHEMA} are not kubevet's: UPDATE_EXPECT=1 cargo test --test config_schema"
    );
    // The file is kept in one canonical formatting, so that updates are small diffs.
    assert_eq!(
        std::fs::read_to_string(SCHEMA).unwrap(),
        serde_json::to_string_pretty(&schema).unwrap() + "\n"
    );
    let keys: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "$schema")
        .collect();
    let mut expected = kubevet::config::TOP_LEVEL_KEYS.to_vec();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected);
    let override_keys: Vec<&str> = schema["properties"]["overrides"]["items"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(override_keys, kubevet::config::OVERRIDE_KEYS);
    let mut limit_keys: Vec<&str> = schema["properties"]["limits"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = kubevet::config::LIMIT_KEYS.to_vec();
    limit_keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(limit_keys, expected);
    // The schema's bounds are kubevet's.
    let limits = &schema["properties"]["limits"]["properties"];
    assert_eq!(
        limits["maxDepth"]["maximum"],
        kubevet::load::Limits::MAX_DEPTH
    );
    for key in ["maxDocuments", "maxAliasNodes", "maxNodesPerDocument"] {
        assert_eq!(
            limits[key]["maximum"],
            kubevet::load::Limits::MAX_COUNT,
            "{key}"
        );
    }
    assert_eq!(
        limits["maxFileSize"]["anyOf"][0]["maximum"],
        kubevet::load::Limits::MAX_FILE_BYTES
    );
    let fail_on: Vec<&str> = schema["properties"]["failOn"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let variants: Vec<String> = <kubevet::cli::FailOn as clap::ValueEnum>::value_variants()
        .iter()
        .map(|v| {
            clap::ValueEnum::to_possible_value(v)
                .unwrap()
                .get_name()
                .to_owned()
        })
        .collect();
    assert_eq!(fail_on, variants);
    for level in kubevet::config::LEVELS {
        assert!(
            schema["definitions"]["level"]["enum"]
                .as_array()
                .unwrap()
                .contains(&Value::from(*level))
        );
    }
}

/// The YAML blocks of the README and of the rule pages that are configuration files (they
/// start `# .kubevet.yaml`).
fn documented_configs() -> Vec<String> {
    let mut out = Vec::new();
    for page in ["README.md", "rules/input-limit-exceeded.md"] {
        out.extend(config_blocks(&std::fs::read_to_string(page).unwrap()));
    }
    out
}

fn config_blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line == "```yaml" => current = Some(String::new()),
            Some(block) if line == "```" => {
                if block.starts_with("# .kubevet.yaml\n") {
                    out.push(std::mem::take(block));
                }
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    out
}

#[test]
fn the_readme_examples_are_valid_for_the_schema_and_for_kubevet() {
    let configs = documented_configs();
    assert!(
        configs.len() >= 2,
        "the README and the input-limit-exceeded page have configuration examples"
    );
    let dir = scratch("schema-readme");
    for config in configs {
        schema_accepts(&config).unwrap_or_else(|e| panic!("schema: {e}\n{config}"));
        kubevet_accepts(&dir, &config).unwrap_or_else(|e| panic!("kubevet: {e}\n{config}"));
    }
}

#[test]
fn the_schema_and_kubevet_agree() {
    let dir = scratch("schema-agree");
    let good = [
        "",
        "kubernetesVersion: 1.30\n",
        "kubernetesVersion: v1.29\n",
        "strict: false\nfailOn: none\n",
        "include: ['apps/**']\nexclude: [testdata, '*.sops.yaml']\n",
        "crds: [crds]\n",
        "extends: [correctness]\nselect: [hygiene, run-as-non-root]\nignore: [latest-tag]\n",
        "extends: []\nselect: [duplicate-key]\n",
        "rules:\n  invalid-name: off\n  duplicate-key: 'off'\n  missing-name: info\n",
        "rules:\n",
        "overrides:\n  - files: ['legacy/**']\n    rules: {invalid-name: warning}\n",
        "overrides:\n  - files: [a]\n",
        "$schema: ./schemas/kubevet-config.schema.json\n",
        "limits:\n",
        "limits: {maxFileSize: 64MiB, maxDocuments: 1, maxDepth: 250, maxAliasNodes: 1000000000, maxNodesPerDocument: 5000000}\n",
        "limits: {maxFileSize: 1048576}\n",
        "limits: {maxFileSize: 2147483648}\n",
        "limits: {maxFileSize: 2GiB}\n",
        "limits: {maxFileSize: '512 KiB'}\n",
        "limits: {maxFileSize: 100B}\n",
    ];
    let bad = [
        "kubernetesVerison: '1.30'\n",
        "kubernetesVersion: banana\n",
        "strict: maybe\n",
        "failOn: warnings\n",
        "include: 'apps/**'\n",
        "include: [1]\n",
        "rules: {no-such-rule: error}\n",
        "extends: [latest-tag]\n",
        "select: [hardning]\n",
        "ignore: hygiene\n",
        "rules: {invalid-name: loud}\n",
        "rules: {invalid-name: true}\n",
        "rules: [invalid-name]\n",
        "overrides: {files: [a]}\n",
        "overrides:\n  - rules: {invalid-name: off}\n",
        "overrides:\n  - files: []\n",
        "overrides:\n  - files: [a]\n    rulez: {}\n",
        "- a list\n",
        "limits: [maxDepth]\n",
        "limits: {maxDepht: 10}\n",
        "limits: {maxFileSize: 0}\n",
        "limits: {maxFileSize: 2147483649}\n",
        "limits: {maxFileSize: 3GiB}\n",
        "limits: {maxFileSize: 64MB}\n",
        "limits: {maxFileSize: 64mib}\n",
        "limits: {maxFileSize: -1KiB}\n",
        "limits: {maxDepth: 0}\n",
        "limits: {maxDepth: 251}\n",
        "limits: {maxDocuments: '100'}\n",
        "limits: {maxDocuments: 1.5}\n",
        "limits: {maxAliasNodes: -5}\n",
        "limits: {maxNodesPerDocument: 1000000001}\n",
    ];
    for config in good {
        schema_accepts(config).unwrap_or_else(|e| panic!("schema rejects {config:?}: {e}"));
        kubevet_accepts(&dir, config).unwrap_or_else(|e| panic!("kubevet rejects {config:?}: {e}"));
    }
    for config in bad {
        assert!(schema_accepts(config).is_err(), "schema accepts {config:?}");
        assert!(
            kubevet_accepts(&dir, config).is_err(),
            "kubevet accepts {config:?}"
        );
    }
}
