//! A cursor over an object's fields that knows its path as Kubernetes prints it
//! (`spec.template.spec.containers[0].image`), and selecting fields by path.

use crate::load::tree::{Node, Value};
use crate::model::span::Span;
use std::cell::OnceCell;
use std::fmt::{self, Write as _};

/// A field path as Kubernetes prints it (`spec.template.spec.containers[0].image`), built lazily:
/// a path is the object's root and the node it leads to, and its text is found (the node looked
/// for in the tree) and made the first time a message needs it. Most fields are never reported,
/// so most paths are never formatted, and following a field allocates nothing (it was a linked
/// segment on the heap per step: 260,000 allocations and 4% of the instructions of a check of
/// 2,000 files).
#[derive(Clone, Default)]
pub struct FieldPath<'a> {
    /// The object's root and the node the path leads to (`None`: the empty path).
    at: Option<(&'a Node, &'a Node)>,
    /// The last step is a map entry, printed in brackets (`limits[memory]`).
    bracketed: bool,
    text: OnceCell<String>,
}

enum Step<'a> {
    /// A key, as kubectl converts it when it is not a string in the YAML (`on:`).
    Key(std::borrow::Cow<'a, str>),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    /// The empty path of an object's root: the paths of the fields below it are found in it.
    pub fn root(root: &'a Node) -> FieldPath<'a> {
        FieldPath {
            at: Some((root, root)),
            bracketed: false,
            text: OnceCell::new(),
        }
    }

    /// The path to `node`, an entry of the mapping this path leads to, as a map entry in
    /// brackets (`resources.limits[memory]`).
    pub fn map_key(&self, node: &'a Node) -> FieldPath<'a> {
        FieldPath {
            bracketed: true,
            ..self.to(node)
        }
    }

    /// The path to `node`, a child of the node this path leads to.
    fn to(&self, node: &'a Node) -> FieldPath<'a> {
        FieldPath {
            at: self.at.map(|(root, _)| (root, node)),
            bracketed: false,
            text: OnceCell::new(),
        }
    }

    fn render(&self, out: &mut String) {
        let Some((root, target)) = self.at else {
            return;
        };
        let mut steps = Vec::new();
        if !locate(root, target, &mut steps) {
            steps.clear();
            by_parents(root, target, &mut steps);
        }
        let last = steps.len();
        // `locate` pushes the deepest step first.
        for (i, step) in steps.iter().rev().enumerate() {
            match step {
                Step::Key(key) if self.bracketed && i + 1 == last => {
                    let _ = write!(out, "[{key}]");
                }
                Step::Key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Step::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
    }
}

/// Whether `target` is `node` or below it (by address: each node of a tree is its own), with
/// the steps from `node` down to it pushed deepest first, searching only through the children
/// whose span holds the target's, as a subtree's spans do where it is written in one place (not
/// where an alias copied it, nor in a rendered object that mixes files: then [`by_parents`]).
/// The children are in the order of the text: the ones that may hold it are found by a binary
/// search, so a path into a list of a million items costs a few steps, not a million.
fn locate<'a>(node: &'a Node, target: &Node, steps: &mut Vec<Step<'a>>) -> bool {
    if std::ptr::eq(node, target) {
        return true;
    }
    let t = target.span;
    let holds = |n: &Node| n.span.start <= t.start && t.end <= n.span.end;
    // The children that begin at or before the target, the nearest few of them (siblings
    // written in one place do not overlap; a null between two may be empty).
    let near = |starts: &dyn Fn(usize) -> u32, len: usize| {
        let mut lo = 0;
        let mut hi = len;
        while lo < hi {
            let mid = (lo + hi) / 2;
            if starts(mid) <= t.start {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo.saturating_sub(4)..lo).rev()
    };
    match &node.value {
        Value::Map(entries) => {
            for i in near(&|i| entries[i].value.span.start, entries.len()) {
                let entry = &entries[i];
                if holds(&entry.value) && locate(&entry.value, target, steps) {
                    steps.push(Step::Key(entry.key.key_string().unwrap_or_default()));
                    return true;
                }
            }
        }
        Value::Seq(items) => {
            for i in near(&|i| items[i].span.start, items.len()) {
                if holds(&items[i]) && locate(&items[i], target, steps) {
                    steps.push(Step::Index(i));
                    return true;
                }
            }
        }
        _ => {}
    }
    false
}

/// The parent of each node of one tree (by address) and its place there, for the paths
/// [`locate`] cannot find by spans: made once per tree and thread, so that many paths into one
/// large tree cost its size once, not once each.
#[derive(Default)]
struct Parents {
    root: usize,
    of: foldhash::HashMap<usize, (usize, u32)>,
}

thread_local! {
    static PARENTS: std::cell::RefCell<Parents> = std::cell::RefCell::default();
}

fn address(node: &Node) -> usize {
    node as *const Node as usize
}

fn note_parents(node: &Node, of: &mut foldhash::HashMap<usize, (usize, u32)>) {
    let mut note = |i: usize, child: &Node| {
        of.insert(address(child), (address(node), i as u32));
        note_parents(child, of);
    };
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .enumerate()
            .for_each(|(i, e)| note(i, &e.value)),
        Value::Seq(items) => items.iter().enumerate().for_each(|(i, n)| note(i, n)),
        _ => {}
    }
}

/// [`locate`] through the parents of the tree's nodes (see [`Parents`]). The table is by
/// address, and another tree may since have been built where an older one was: the chain it
/// gives is followed down from `root` in the tree itself and kept only if it ends at `target`,
/// else the table is made again (once).
fn by_parents<'a>(root: &'a Node, target: &Node, steps: &mut Vec<Step<'a>>) -> bool {
    PARENTS.with(|parents| {
        let mut parents = parents.borrow_mut();
        if parents.root == address(root) && follow(&parents.of, root, target, steps) {
            return true;
        }
        parents.of = foldhash::HashMap::default();
        note_parents(root, &mut parents.of);
        parents.root = address(root);
        let found = follow(&parents.of, root, target, steps);
        if !found {
            // (Never: `target` is a node of `root`'s tree.)
            steps.clear();
        }
        found
    })
}

/// The chain of places `parents` gives from `target` up to `root`, followed down from `root`:
/// whether it ends at `target` (the steps then deepest first, as [`locate`] gives them).
fn follow<'a>(
    parents: &foldhash::HashMap<usize, (usize, u32)>,
    root: &'a Node,
    target: &Node,
    steps: &mut Vec<Step<'a>>,
) -> bool {
    let mut places = Vec::new();
    let mut at = address(target);
    // (Bounded: a stale table may hold a cycle.)
    while at != address(root) && places.len() <= 1 << 16 {
        let Some(&(parent, i)) = parents.get(&at) else {
            return false;
        };
        places.push(i as usize);
        at = parent;
    }
    steps.clear();
    let mut node = root;
    for &i in places.iter().rev() {
        let next = match &node.value {
            Value::Map(entries) => entries.get(i).map(|e| {
                steps.push(Step::Key(e.key.key_string().unwrap_or_default()));
                &e.value
            }),
            Value::Seq(items) => items.get(i).inspect(|_| steps.push(Step::Index(i))),
            _ => None,
        };
        let Some(next) = next else {
            return false;
        };
        node = next;
    }
    steps.reverse();
    std::ptr::eq(node, target)
}

impl std::ops::Deref for FieldPath<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.text.get_or_init(|| {
            let mut out = String::new();
            self.render(&mut out);
            out
        })
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A child of a mapping: its value, the span of its key (where to point when something about
/// the field as a whole is wrong) and its field path as Kubernetes prints it.
#[derive(Clone, Debug)]
pub struct Field<'a> {
    pub node: &'a Node,
    pub key: Span,
    pub path: FieldPath<'a>,
}

impl<'a> Field<'a> {
    /// The child `key` of this field's mapping value.
    pub fn child(&self, key: &str) -> Option<Field<'a>> {
        let entry = self.node.entry(key)?;
        Some(Field {
            node: &entry.value,
            key: entry.key.span,
            path: self.path.to(&entry.value),
        })
    }

    /// The items of this field's sequence value, with their paths (`path[i]`).
    pub fn items(&self) -> Vec<Field<'a>> {
        self.node
            .as_seq()
            .unwrap_or_default()
            .iter()
            .map(|node| Field {
                node,
                key: node.span,
                path: self.path.to(node),
            })
            .collect()
    }

    /// Follows several keys.
    pub fn at(&self, keys: &[&str]) -> Option<Field<'a>> {
        keys.iter()
            .try_fold(self.clone(), |field, key| field.child(key))
    }

    pub fn str(&self) -> Option<&'a str> {
        self.node.as_str()
    }

    pub fn int(&self) -> Option<i64> {
        int(self.node)
    }

    /// Whether the value is null (YAML `~` or nothing), which kubectl treats as not set.
    pub fn is_null(&self) -> bool {
        self.node.is_null()
    }

    /// The span to point at when the value itself is at fault: the value, or the key when the
    /// value is empty.
    pub fn value_span(&self) -> Span {
        if self.node.is_null() && self.node.span.start == self.node.span.end {
            self.key
        } else {
            self.node.span
        }
    }
}

/// Every field at `path` below `base`; a `*` step takes each item of a sequence.
pub fn select<'a>(base: &Field<'a>, path: &[&str]) -> Vec<Field<'a>> {
    let mut out = Vec::new();
    select_into(base, path, &mut out);
    out
}

/// [`select`] into one vector: most paths select nothing, and then nothing is allocated.
fn select_into<'a>(base: &Field<'a>, path: &[&str], out: &mut Vec<Field<'a>>) {
    let Some((step, rest)) = path.split_first() else {
        out.push(base.clone());
        return;
    };
    if *step == "*" {
        for item in base.items() {
            select_into(&item, rest, out);
        }
    } else if let Some(child) = base.child(step) {
        select_into(&child, rest, out);
    }
}

/// An integer value: an int, or a float without a fraction (`3.0` reaches the API server as 3).
pub fn int(node: &Node) -> Option<i64> {
    match node.value {
        Value::Int(i) => i64::try_from(i).ok(),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, load};
    use crate::model::diagnostic::FileId;
    use crate::model::source::SourceFile;

    fn load_text(text: &str) -> crate::load::Loaded {
        let file = SourceFile::new(FileId(0), "t.yaml".into(), text.into());
        load(&file, &Limits::default())
    }

    /// An object's root as a field, as rules get it.
    fn root_of(node: &Node) -> Field<'_> {
        Field {
            node,
            key: node.span,
            path: FieldPath::root(node),
        }
    }

    #[test]
    fn paths_are_found_in_the_tree_when_printed() {
        let text = "spec:\n  containers:\n  - name: a\n  - name: b\n    resources:\n      limits:\n        memory: 1Gi\n  on:\n    1: x\n";
        let loaded = load_text(text);
        let root = root_of(&loaded.documents[0].root);
        assert_eq!(&*root.path, "");
        let containers = root.at(&["spec", "containers"]).unwrap();
        assert_eq!(&*containers.path, "spec.containers");
        let items = containers.items();
        assert_eq!(&*items[1].path, "spec.containers[1]");
        let limits = items[1].at(&["resources", "limits"]).unwrap();
        assert_eq!(&*limits.path, "spec.containers[1].resources.limits");
        let memory = &limits.node.entries()[0].value;
        assert_eq!(
            &*limits.path.map_key(memory),
            "spec.containers[1].resources.limits[memory]"
        );
        // Keys that are not strings in the YAML, as kubectl converts them.
        let one = root.at(&["spec", "true", "1"]).unwrap();
        assert_eq!(&*one.path, "spec.true.1");
        assert_eq!(one.str(), Some("x"));
        // A clone keeps its path, printed or not.
        assert_eq!(&*items[0].clone().path, "spec.containers[0]");
        assert_eq!(&*FieldPath::default(), "");
    }

    #[test]
    fn paths_in_long_lists_and_between_empty_values() {
        // A path into a long list is found by a binary search over the items' spans; empty
        // (null) values have empty spans between their neighbours.
        let mut text = String::from("items:\n");
        for i in 0..1000 {
            text.push_str(&format!("- {{name: n{i}, v: [1, 2]}}\n"));
        }
        text.push_str("a:\nb:\nc: 1\nflow: [x, {z: [0, 1, 2]}]\n");
        let loaded = load_text(&text);
        let root = root_of(&loaded.documents[0].root);
        let items = root.child("items").unwrap().items();
        for i in [0, 1, 499, 777, 999] {
            let v = items[i].child("v").unwrap().items();
            assert_eq!(&*v[1].path, format!("items[{i}].v[1]"));
            // Found by the spans alone (no table of parents).
            assert!(locate(root.node, v[1].node, &mut Vec::new()));
        }
        assert_eq!(&*root.child("a").unwrap().path, "a");
        assert_eq!(&*root.child("b").unwrap().path, "b");
        assert_eq!(&*root.child("c").unwrap().path, "c");
        let flow = root.child("flow").unwrap().items();
        let z = flow[1].child("z").unwrap().items();
        assert_eq!(&*z[2].path, "flow[1].z[2]");
    }

    #[test]
    fn paths_through_aliases_and_merged_keys() {
        // `c` is a copy of `a` (spans of `a`), `spec.x` was merged in from `base` (its span
        // is outside `spec`'s): found all the same.
        let text = "a: &a\n  b: 1\nc: *a\nbase: &base\n  x: 1\nspec:\n  <<: *base\n  z: 2\n";
        let loaded = load_text(text);
        let root = root_of(&loaded.documents[0].root);
        assert_eq!(&*root.at(&["c", "b"]).unwrap().path, "c.b");
        assert_eq!(&*root.at(&["a", "b"]).unwrap().path, "a.b");
        let x = root.at(&["spec", "x"]).unwrap();
        assert_eq!(x.node.span, root.at(&["base", "x"]).unwrap().node.span);
        assert_eq!(&*x.path, "spec.x");
        // Not by the spans (the merged value's is outside `spec`'s), by the table of parents.
        assert!(!locate(root.node, x.node, &mut Vec::new()));
        assert!(by_parents(root.node, x.node, &mut Vec::new()));
        assert_eq!(&*root.at(&["spec", "z"]).unwrap().path, "spec.z");
    }
}
