//! The `images` transformer, as kustomize 5.5 runs it: one `ImageTagTransformer` per entry, in
//! the order written, each running the legacy filter (every `image` of a `containers` or
//! `initContainers` list anywhere in an object but a CRD: `api/filters/imagetag/legacy.go`)
//! and then the image field specs (the built-in `spec/containers[]/image`,
//! `spec/initContainers[]/image` and their pod-template forms, and any a configuration adds:
//! `imagetag.go`). So an entry sees what the entries before it wrote (`a` renamed to `b`, then
//! `b` tagged), the last of two entries for one image wins, and a `tagSuffix`, which is not
//! idempotent, is appended once per filter that reaches the image (twice in a Pod's or a pod
//! template's containers, once in a CronJob's).

use super::config::IMAGES;
use super::fieldspecs::{self, Spec};
use super::kust::Kust;
use super::node::{Origin, RNode, RValue};
use super::{RenderError, Resource};
use crate::load::tree::Node;

/// One `images:` entry: what it sets, and where.
struct Entry {
    name: String,
    new_name: Option<(String, Origin)>,
    new_tag: Option<(String, Origin)>,
    digest: Option<(String, Origin)>,
    tag_suffix: Option<(String, Origin)>,
    at: Origin,
    /// Where the entry's failures are said: its `name`.
    named_at: Origin,
    /// The name as kustomize's regular expression, for a name with a special character other
    /// than `.` (`None`: [`matches`] reads the name alike, faster); `Err`: it does not compile,
    /// why.
    pattern: Option<Result<regex::Regex, String>>,
}

impl Entry {
    fn read(k: &Kust, e: &Node) -> Result<Entry, RenderError> {
        // kustomize compiles the name into a regular expression (`image.IsImageMatched`:
        // `^NAME(:tag)?(@sha256:digest)?$`, the name pasted in as written); a name whose one
        // special character is `.` is matched by [`matches`] without one.
        let name = e.get("name").and_then(Node::as_str).unwrap_or_default();
        let named_at = k.origin(e.get("name").unwrap_or(e));
        let pattern = if name.chars().any(|c| "\\+*?()|[]{}^$".contains(c)) {
            let pattern = format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$");
            // kustomize ignores a compile error, and crashes on the first image it compares.
            Some(regex::Regex::new(&pattern).map_err(|e| match e {
                regex::Error::Syntax(s) => s.lines().last().unwrap_or_default().to_owned(),
                other => other.to_string(),
            }))
        } else {
            None
        };
        // An empty string is kustomize's unset.
        let text = |key: &str| {
            let n = e.get(key)?;
            let s = n.as_str().filter(|s| !s.is_empty())?;
            Some((s.to_owned(), k.origin(n)))
        };
        Ok(Entry {
            name: name.to_owned(),
            new_name: text("newName"),
            new_tag: text("newTag"),
            digest: text("digest"),
            tag_suffix: text("tagSuffix"),
            at: k.origin(e),
            named_at,
            pattern,
        })
    }

    /// kustomize's crash where the name is no regular expression, said at the name.
    fn crash(&self, why: &str) -> RenderError {
        RenderError::new(
            "panic: runtime error: invalid memory address or nil pointer dereference",
            Some(self.named_at),
        )
        .suggesting(format!(
            "kustomize reads an `images` name as a regular expression, and this one does not compile ({why}): kustomize crashes on the first image it compares; escape the special characters with `\\`"
        ))
    }

    /// kustomize's `imageTagUpdater.SetImageValue` on one image: the new value, and the node
    /// of the entry that set it (`None` when the image is not this entry's).
    fn update(&self, image: &str) -> Option<(String, Origin)> {
        let matched = match &self.pattern {
            Some(Ok(re)) => re.is_match(image),
            Some(Err(_)) => false,
            None => matches(image, &self.name),
        };
        if !matched {
            return None;
        }
        let (name, tag, digest) = split(image);
        let name = self.new_name.as_ref().map_or(name, |(n, _)| n);
        let (tag, digest, at) = match (&self.new_tag, &self.digest, &self.tag_suffix) {
            (Some((t, _)), Some((d, at)), _) => (t.clone(), d.as_str(), *at),
            (Some((t, at)), None, _) => (t.clone(), "", *at),
            (None, Some((d, at)), _) => (String::new(), d.as_str(), *at),
            (None, None, Some((s, at))) => (format!("{tag}{s}"), "", *at),
            (None, None, None) => (
                tag.to_owned(),
                digest,
                self.new_name.as_ref().map_or(self.at, |(_, at)| *at),
            ),
        };
        let mut out = name.to_owned();
        if !tag.is_empty() {
            out.push(':');
            out.push_str(&tag);
        }
        if !digest.is_empty() {
            out.push('@');
            out.push_str(digest);
        }
        Some((out, at))
    }
}

/// Runs the kustomization's `images` entries over its resources; `specs` are the image field
/// specs of its configuration (the built-in ones, merged with any a configuration adds).
pub(super) fn run(
    k: &Kust,
    resources: &mut [Resource],
    specs: &super::config::Specs,
) -> Result<(), RenderError> {
    let entries = k.seq("images");
    if entries.is_empty() {
        return Ok(());
    }
    let entries = entries
        .iter()
        .map(|e| Entry::read(k, e))
        .collect::<Result<Vec<_>, _>>()?;
    let specs = specs.list(&IMAGES);
    for r in resources.iter_mut() {
        let (group, version) = r.group_version();
        let (group, version, kind) = (group.to_owned(), version.to_owned(), r.kind().to_owned());
        let selected: Vec<&Spec> = specs
            .iter()
            .filter(|s| s.selects(&group, &version, &kind))
            .collect();
        for entry in &entries {
            // kustomize fails at the first image (or containers item) of the wrong shape,
            // whether the entry matches it or not: said at the entry, naming the object.
            let object = |name: &str, found: &str, what: &str, fix: &str| {
                format!(
                    "`{kind}` `{name}` has {what} that is a {}: {fix}",
                    node_name(found)
                )
            };
            const ONE_STRING: &str = "write the image as one string, `name:tag`";
            if kind != "CustomResourceDefinition"
                && let Err(wrong) = legacy(&mut r.root, entry)
            {
                if let (Wrong::Image(CRASH), Some(Err(why))) = (&wrong, &entry.pattern) {
                    return Err(entry.crash(why));
                }
                let (expected, what, fix) = match wrong {
                    Wrong::Item(_) => (
                        "MappingNode",
                        "a `containers` item",
                        "each container is a mapping",
                    ),
                    Wrong::Image(_) => ("ScalarNode", "an `image`", ONE_STRING),
                };
                let found = wrong.found();
                return Err(RenderError::new(
                    format!("wrong node kind: expected {expected} but got {found}"),
                    Some(entry.named_at),
                )
                .suggesting(object(r.name(), found, what, fix)));
            }
            for spec in &selected {
                let mut wrong = None;
                let at = r.root.origin;
                let walked = fieldspecs::visit(&mut r.root, &spec.path, false, at, &mut |n| {
                    set_image(n, entry).map_err(|found| {
                        wrong = Some(found);
                        String::new()
                    })
                });
                if let (Err(e), None) = (&walked, wrong) {
                    let id = r.id_string();
                    return Err(RenderError::new(
                        fieldspecs::considering(&spec.path, &id, e),
                        Some(entry.named_at),
                    ));
                }
                if let (Some(CRASH), Some(Err(why))) = (wrong, &entry.pattern) {
                    return Err(entry.crash(why));
                }
                if let Some(found) = wrong {
                    let ns = match r.namespace() {
                        "" => "[noNs]",
                        ns => ns,
                    };
                    return Err(RenderError::new(
                        format!(
                            "considering field '{}' of object {}/{}.{ns}: wrong node kind: expected ScalarNode but got {found}",
                            spec.path,
                            super::gvk::gvk_string(&group, &version, &kind),
                            r.name(),
                        ),
                        Some(entry.named_at),
                    )
                    .suggesting(object(
                        r.name(),
                        found,
                        &format!("`{}`", spec.path),
                        ONE_STRING,
                    )));
                }
            }
        }
    }
    Ok(())
}

/// A node of the wrong kind for the image filters, by go-yaml's name of what it is.
enum Wrong {
    /// A `containers` item that is not a mapping.
    Item(&'static str),
    /// An image that is not a scalar.
    Image(&'static str),
}

impl Wrong {
    fn found(&self) -> &'static str {
        match self {
            Wrong::Item(found) | Wrong::Image(found) => found,
        }
    }
}

/// `MappingNode` as users say it.
fn node_name(found: &str) -> &'static str {
    match found {
        "MappingNode" => "mapping",
        "SequenceNode" => "list",
        _ => "scalar",
    }
}

/// kustomize's legacy image filter: every `containers`/`initContainers` list anywhere in the
/// object, deepest first, each item's `image`.
fn legacy(node: &mut RNode, entry: &Entry) -> Result<(), Wrong> {
    match &mut node.value {
        RValue::Map(fields) => {
            for (key, value) in fields.iter_mut() {
                legacy(value, entry)?;
                if !matches!(key.as_str(), "containers" | "initContainers") {
                    continue;
                }
                let RValue::Seq(items) = &mut value.value else {
                    continue;
                };
                for item in items.iter_mut() {
                    let found = match &item.value {
                        RValue::Null => continue,
                        RValue::Map(_) => "",
                        RValue::Seq(_) => "SequenceNode",
                        _ => "ScalarNode",
                    };
                    if !found.is_empty() {
                        return Err(Wrong::Item(found));
                    }
                    if let Some(image) = item.get_mut("image") {
                        set_image(image, entry).map_err(Wrong::Image)?;
                    }
                }
            }
        }
        RValue::Seq(items) => {
            for item in items.iter_mut() {
                legacy(item, entry)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// [`set_image`]'s "error" where kustomize crashes on the entry's name ([`Entry::crash`]).
const CRASH: &str = "crash";

/// One image node: kustomize refuses a mapping or a list; a value the entry changes takes the
/// entry's origin (one it leaves as it was keeps its own).
fn set_image(image: &mut RNode, entry: &Entry) -> Result<(), &'static str> {
    match &image.value {
        RValue::Map(_) => return Err("MappingNode"),
        RValue::Seq(_) => return Err("SequenceNode"),
        _ => {}
    }
    let Some(current) = image.as_str() else {
        return Ok(());
    };
    if let Some(Err(_)) = &entry.pattern {
        return Err(CRASH);
    }
    if let Some((value, at)) = entry.update(current)
        && value != current
    {
        *image = RNode::str(value, at);
    }
    Ok(())
}

/// kustomize's `image.IsImageMatched`: the image is `^NAME(:TAG)?(@sha256:DIGEST)?$`, the
/// name read as a regular expression (here only names whose one special character is `.`, any
/// character: [`Entry::read`] compiles the others), `TAG` and `DIGEST` of `[a-zA-Z0-9_.{}-]`.
fn matches(image: &str, name: &str) -> bool {
    let mut rest = image.chars();
    for want in name.chars() {
        match rest.next() {
            Some(c) if c == want || (want == '.' && c != '\n') => {}
            _ => return false,
        }
    }
    fn tag_chars(s: &str) -> &str {
        let end = s
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b"_.{}-".contains(&b)))
            .unwrap_or(s.len());
        &s[end..]
    }
    let mut rest = rest.as_str();
    if let Some(tag) = rest.strip_prefix(':') {
        rest = tag_chars(tag);
    }
    if let Some(digest) = rest.strip_prefix("@sha256:") {
        rest = tag_chars(digest);
    }
    rest.is_empty()
}

/// kustomize's `image.Split`: name, tag and digest of `[[host[:port]/]component/]component[:tag][@digest]`
/// (a `:` or `@` before the first `/` belongs to the host).
fn split(image: &str) -> (&str, &str, &str) {
    let slash = image.find('/').unwrap_or(0);
    let search = &image[slash..];
    match (search.find(':'), search.find('@')) {
        (None, None) => (image, "", ""),
        (Some(colon), Some(at)) if colon < at => (
            &image[..slash + colon],
            &image[slash + colon + 1..slash + at],
            &image[slash + at + 1..],
        ),
        (_, Some(at)) => (&image[..slash + at], "", &image[slash + at + 1..]),
        (Some(colon), None) => (&image[..slash + colon], &image[slash + colon + 1..], ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_images_like_kustomize() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), ("nginx", "1.2", ""));
        assert_eq!(
            split("reg:5000/team/app:v1"),
            ("reg:5000/team/app", "v1", "")
        );
        assert_eq!(split("reg:5000/app"), ("reg:5000/app", "", ""));
        assert_eq!(split("app@sha256:abc"), ("app", "", "sha256:abc"));
        assert_eq!(split("app:v1@sha256:abc"), ("app", "v1", "sha256:abc"));
        assert_eq!(split("localhost:5000"), ("localhost", "5000", ""));
    }

    #[test]
    fn matches_like_kustomizes_regular_expression() {
        assert!(matches("nginx", "nginx"));
        assert!(matches("nginx:1.2", "nginx"));
        assert!(matches("nginx:1.2@sha256:ab", "nginx"));
        assert!(matches("nginx@sha256:ab", "nginx"));
        assert!(matches("myxapp:1", "my.app"));
        assert!(matches("reg:5000/app:v", "reg:5000/app"));
        assert!(!matches("nginx-x", "nginx"));
        assert!(!matches("nginx:1+x", "nginx"));
        assert!(!matches("nginx@sha512:ab", "nginx"));
        assert!(!matches("ngin", "nginx"));
        assert!(!matches("team/nginx", "nginx"));
    }

    #[test]
    fn updates_like_set_image_value() {
        let o = Origin::default();
        let entry = |tag: &str, digest: &str, suffix: &str, name: &str| Entry {
            name: "app".into(),
            new_name: (!name.is_empty()).then(|| (name.to_owned(), o)),
            new_tag: (!tag.is_empty()).then(|| (tag.to_owned(), o)),
            digest: (!digest.is_empty()).then(|| (digest.to_owned(), o)),
            tag_suffix: (!suffix.is_empty()).then(|| (suffix.to_owned(), o)),
            at: o,
            named_at: o,
            pattern: None,
        };
        let run = |e: &Entry, image: &str| e.update(image).map(|(v, _)| v);
        let both = entry("t", "sha256:d", "", "");
        assert_eq!(run(&both, "app:x").as_deref(), Some("app:t@sha256:d"));
        let tag = entry("v9", "", "-s", "");
        assert_eq!(run(&tag, "app:v1@sha256:abc").as_deref(), Some("app:v9"));
        let renamed = entry("", "", "", "pg");
        assert_eq!(
            run(&renamed, "app:v1@sha256:abc").as_deref(),
            Some("pg:v1@sha256:abc")
        );
        let suffix = entry("", "", "-s", "");
        assert_eq!(run(&suffix, "app@sha256:q").as_deref(), Some("app:-s"));
        assert_eq!(run(&suffix, "app:1").as_deref(), Some("app:1-s"));
        assert_eq!(run(&suffix, "other:1"), None);
    }
}
