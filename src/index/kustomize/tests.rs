use super::*;

#[test]
fn kustomization_files_are_told_by_their_name_as_path_file_name_tells_it() {
    let by_file_name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| FILE_NAMES.contains(&n))
    };
    for path in [
        "",
        "/",
        ".",
        "..",
        "kustomization.yaml",
        "kustomization.yml",
        "Kustomization",
        "./kustomization.yaml",
        "a/b/kustomization.yaml",
        "a//kustomization.yml",
        "a/b/Kustomization",
        "a/kustomization.yaml/",
        "a/kustomization.yaml/.",
        "a/kustomization.yaml/..",
        "a/kustomization.yaml.bak",
        "a/my-kustomization.yaml",
        "a/kustomization.YAML",
        "a/kustomization",
        "kustomization.yaml/deploy.yaml",
        "/abs/overlays/prod/kustomization.yaml",
        "a/b.",
    ] {
        let p = Path::new(path);
        assert_eq!(is_kustomization_file(p), by_file_name(p), "{path:?}");
    }
}

#[test]
fn normalizes_lexically() {
    assert_eq!(
        normalize(Path::new("a/./b/../c.yaml")),
        PathBuf::from("a/c.yaml")
    );
    assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
    assert_eq!(
        normalize(Path::new("overlays/prod/../../base")),
        PathBuf::from("base")
    );
    for path in [
        "", "/", "a", "/a/b", "a/b/", "a//b", "./a", "a/.", "..", "/..", "a/..b/.c", "//a",
        "a/../b", ".", "/a/./b",
    ] {
        let path = Path::new(path);
        assert_eq!(
            normalize(path),
            normalize_components(path),
            "{}",
            path.display()
        );
    }
    // Every path of up to five segments of these, rooted or not: the text's normal form is the
    // components'.
    let segments = ["", ".", "..", "a", "b.", "..c"];
    let mut paths = vec![String::new()];
    for _ in 0..5 {
        let longer: Vec<String> = paths
            .iter()
            .flat_map(|p| segments.iter().map(move |s| format!("{p}/{s}")))
            .collect();
        paths.extend(longer);
    }
    for path in &paths {
        for path in [path.as_str(), path.trim_start_matches('/')] {
            let path = Path::new(path);
            let expected = normalize_components(path);
            assert_eq!(normalize_text(path), expected, "{}", path.display());
            assert_eq!(normalize(path), expected, "{}", path.display());
        }
    }
}

#[test]
fn remote_targets_are_not_files() {
    assert!(is_remote("github.com/org/repo//deploy?ref=v1"));
    assert!(is_remote("https://example.com/x.yaml"));
    assert!(!is_remote("../base"));
}
