//! The fast path of loading (`src/load/block.rs`) builds exactly the tree, spans and findings of
//! the general loader (go-yaml's grammar), on every fixture, on mutations of every fixture line, on
//! real repositories (when `../shared/corpora` is present), on tricky snippets and on generated
//! documents; and it keeps serving the common case.

use kubevet::diagnostics::FileId;
use kubevet::load::{Limits, fast_path_chunks, load, load_without_fast_path};
use kubevet::source::SourceFile;
use kubevet::tree::{Node, Value};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

mod common;

/// Both loaders agree on `text`; the message names the input on failure.
fn assert_same(name: &str, text: &str) {
    let file = SourceFile::new(FileId(0), name.to_owned(), text.to_owned());
    let limits = Limits::default();
    let fast = load(&file, &limits);
    let general = load_without_fast_path(&file, &limits);
    let same = fast.documents.len() == general.documents.len()
        && fast
            .documents
            .iter()
            .zip(&general.documents)
            .all(|(a, b)| a.index == b.index && same_node(&a.root, &b.root))
        && fast.diagnostics == general.diagnostics;
    if same {
        return;
    }
    let show = |l: &kubevet::load::Loaded| {
        let documents: Vec<_> = l.documents.iter().map(|d| (d.index, &d.root)).collect();
        format!("{documents:#?}\n{:#?}", l.diagnostics)
    };
    let (fast, general) = (show(&fast), show(&general));
    if fast != general {
        let at = fast
            .lines()
            .zip(general.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        let context = |s: &str| {
            s.lines()
                .skip(at.saturating_sub(8))
                .take(12)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{name}: the fast path differs at line {at} of the dump\n--- input ---\n{text}\n--- fast ---\n{}\n--- general ---\n{}",
            context(&fast),
            context(&general)
        );
    }
}

/// Node equality where NaN (`.nan`) equals itself.
fn same_node(a: &Node, b: &Node) -> bool {
    if a.span != b.span || a.style != b.style {
        return false;
    }
    match (&a.value, &b.value) {
        (Value::Float(x), Value::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_node(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| same_node(&p.key, &q.key) && same_node(&p.value, &q.value))
        }
        (x, y) => x == y,
    }
}

fn manifests(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            manifests(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

fn fixture_texts() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    manifests(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .as_path(),
        &mut paths,
    );
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect()
}

#[test]
fn fixtures_load_the_same_and_mostly_take_the_fast_path() {
    let (mut parsed, mut all) = (0, 0);
    for (name, text) in fixture_texts() {
        assert_same(&name, &text);
        let (p, a) = fast_path_chunks(&text, &Limits::default());
        parsed += p;
        all += a;
    }
    assert!(all > 400, "{all} documents in the fixtures");
    // The fixtures are full of deliberately odd YAML; real repositories fare better (below).
    assert!(
        parsed * 100 >= all * 75,
        "fast path took {parsed} of {all} fixture documents"
    );
}

/// Every fixture with one line deleted, indented one more, indented one less, or with a
/// character in it doubled: the fast path must either give up or agree.
#[test]
fn mutated_fixtures_load_the_same() {
    let mut cases = 0;
    for (name, text) in fixture_texts() {
        if text.len() > 8_000 {
            continue;
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for i in 0..lines.len() {
            let with = |line: String| {
                let mut out = String::with_capacity(text.len() + 2);
                lines[..i].iter().for_each(|l| out.push_str(l));
                out.push_str(&line);
                lines[i + 1..].iter().for_each(|l| out.push_str(l));
                out
            };
            let line = lines[i];
            let mut variants = vec![with(String::new()), with(format!(" {line}"))];
            if let Some(rest) = line.strip_prefix(' ') {
                variants.push(with(rest.to_owned()));
            }
            // Double the first structural character of the line.
            if let Some(at) = line.find([':', '-', '|', '>', '\'', '"', '[', ']', '#']) {
                variants.push(with(format!("{}{}", &line[..=at], &line[at..])));
            }
            for v in variants {
                assert_same(&format!("{name} (line {} changed)", i + 1), &v);
                cases += 1;
            }
        }
    }
    assert!(cases > 10_000, "{cases} mutations");
}

#[test]
fn real_repositories_load_the_same() {
    let Ok(root) = common::corpus("", "real_repositories_load_the_same") else {
        return;
    };
    let mut paths = Vec::new();
    manifests(&root, &mut paths);
    let (mut parsed, mut all) = (0, 0);
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        assert_same(&path.display().to_string(), &text);
        let (p, a) = fast_path_chunks(&text, &Limits::default());
        parsed += p;
        all += a;
    }
    assert!(
        parsed * 100 >= all * 80,
        "fast path took {parsed} of {all} documents"
    );
}

/// The cases of the differential test against kubectl (tests/goyaml_differential.rs), which
/// are all at the edges of YAML.
#[test]
fn goyaml_cases_load_the_same() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/goyaml");
    let mut cases = 0;
    for entry in std::fs::read_dir(dir).expect("tests/data/goyaml").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("a case");
            assert_same(&path.display().to_string(), &text);
            cases += 1;
        }
    }
    assert!(cases > 300, "{cases} cases");
}

/// Inputs at the edges of the fast path's subset, each with whether the fast path takes it.
const SNIPPETS: &[(&str, bool)] = &[
    ("a: 1\nb: yes\nc: 0755\nd: ~\ne: 1e3\nf: 1.5\n", true),
    ("a:\n- x\n- v: 1\n  z: 2\n-   w\nb: c\n", true),
    ("a:\n  - x\n  -  y\n", true),
    ("a: [ \"x\" , y, 3 ]\nb: []\nc: {}\nd: [ ]\n", true),
    ("a: 'it''s'\nb: \"q\"  # c\n'c d': e\n\"f\": g\n", true),
    (
        "a: |\n  x\n   y\n\n  z\n\n# c\nb: >-\n  p\n  q\n\n  r\n",
        true,
    ),
    ("a: |\n  x\n\n", true),
    ("a: >\n  x\n  y\n", true),
    ("--- # first\n# c\na: b # c\n", true),
    ("a:\nb:\n", true),
    (
        "a: {b: 1}\nc: [d, [e], {f: [1, {g: \"h\"}], i: 'j'}]\n",
        true,
    ),
    (
        "- {name: app, image: \"r.example/app:1.0\", ports: [{containerPort: 53}]}\n",
        true,
    ),
    ("a: { b: c , d: [ e ] }\n", true),
    ("a: b#c\nd: http://x:80/y\ne: -1\nf: -x\ng: x:y\n", true),
    ("   a: 1\n   b: 2\n", true),
    ("- a\n- b: c\n", true),
    // Outside the subset: the general loader, with the same result.
    ("a: &x 1\nb: *x\n", false),
    ("a: !!str 1\n", false),
    ("a: \"x\\ty\"\n", false),
    ("a: x\n  y\n", false),
    ("a: 'x\n  y'\n", false),
    ("a: 1\na: 2\n", false),
    ("<<: {a: 1}\n", false),
    ("a: {b}\n", false),
    ("a: {b:c}\n", false),
    ("a: [b # c]\n", false),
    ("a: {b: 1, b: 2}\n", false),
    ("a: [b, 'c\n  d']\n", false),
    ("a: |+\n  x\n\n", false),
    ("a: |2\n   x\n", false),
    ("a: |\n\n  x\n", false),
    ("a: |\n  x", false),
    ("a:\n\tb: 1\n", false),
    ("a: 1\r\nb: 2\r\n", false),
    ("a: é\n", false),
    ("a: b: c\n", false),
    ("a: b:\n", false),
    ("a : b\n", false),
    ("a:b\n", false),
    ("- - a\n", false),
    ("-\n  a: 1\n", false),
    ("- |\n  x\n", false),
    ("? a\n: b\n", false),
    ("a: 1\n...\n", false),
    ("%YAML 1.1\n---\na: 1\n", false),
    ("--- a\n", false),
    ("plain\n", false),
    ("a: [b,]\n", false),
    ("a: [b\n", false),
    ("a: 'x' y\n", false),
    ("y: 1\n", false),
    ("1: a\n", false),
    ("a:\n  b: 1\n c: 2\n", false),
    ("a:\n- b\n  - c\n", false),
    // JSON cannot hold these: the general loader reports them.
    ("f: .inf\n", false),
    ("g: [.nan]\n", false),
    // go-yaml's grammar: flow collections over lines, `\'`, `?` and `:` in flow context.
    ("a: [\n  b\n]\n", false),
    ("a: \"\\'\"\n", false),
    ("a: [?b]\n", false),
    ("a: [b:c]\n", false),
    ("a: {b:}\n", false),
];

#[test]
fn snippets_load_the_same_and_take_the_expected_path() {
    for (text, fast) in SNIPPETS {
        assert_same(text, text);
        let (parsed, all) = fast_path_chunks(text, &Limits::default());
        assert_eq!(
            (parsed == all && all > 0),
            *fast,
            "{text:?}: fast path took {parsed} of {all} documents"
        );
    }
}

/// Documents built from the lines manifests are made of, at random indentation.
fn block_yaml() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("a: 1"),
        Just("name: x"),
        Just("b:"),
        Just("- c"),
        Just("- d: e"),
        Just("-"),
        Just("f: |"),
        Just("g: >-"),
        Just("text line"),
        Just("# comment"),
        Just(""),
        Just("h: [i, \"j\"]"),
        Just("k: 'l''m'"),
        Just("n: \"o\" # p"),
        Just("q: {}"),
        Just("r: yes"),
        Just("s: 'x"),
        Just("t: a b # c"),
        Just("---"),
        Just("u: v: w"),
        Just("w: {x: 1, y: [z]}"),
        Just("- {a: b, c: [ d ] }"),
        Just("x: [ a , {b: c} ]"),
        Just("q: { }"),
        Just("r: [a] # c"),
        Just("z: [a, b"),
    ];
    prop::collection::vec((0usize..7, line), 1..24).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(indent, l)| format!("{}{l}\n", " ".repeat(indent)))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261130),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_documents_load_the_same(text in block_yaml()) {
        assert_same("generated", &text);
    }
}
