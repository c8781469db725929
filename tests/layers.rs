//! The layers of CONVENTIONS.md, enforced: every `crate::`/`super::`/`self::` path in the
//! library's non-test code is read with `syn`, resolved to the module it names, and an edge
//! from a lower layer to a higher one, or a cycle between modules of one layer, fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The layers, bottom to top, each with its top-level modules. A module may use any module
/// of its own layer or below; within a layer the uses must not form a cycle.
const LAYERS: &[(&str, &[&str])] = &[
    ("base", &["exit_codes", "printable", "redact", "time", "strict_json", "files"]),
    ("profile", &["profile"]),
    ("world", &["world"]),
    ("transport", &["http", "client"]),
    ("record", &["record"]),
    ("journal", &["journal"]),
    ("surfaces", &["surfaces"]),
    ("scenario", &["scenario"]),
    ("script", &["script"]),
    ("engine", &["control", "mock_cloud"]),
    ("runner", &["runner"]),
    ("judge", &["judge"]),
    ("report", &["report"]),
    ("dashboard", &["dashboard"]),
    ("tools", &["explore", "certify"]),
    ("cli", &["cli"]),
];

/// A use of one module by another: the path that made it, where.
type Edges = BTreeMap<(String, String), Vec<String>>;

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// Every module of the library with the file it is in and its path from the crate root.
struct Module {
    path: Vec<String>,
    file: PathBuf,
    items: Vec<syn::Item>,
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| m.path().is_ident("test")))
}

/// The modules under `file` (module path `path`), test-only ones left out.
fn collect(file: &Path, path: Vec<String>, items: Vec<syn::Item>, out: &mut Vec<Module>) {
    // A module in `x.rs` or `x/mod.rs` keeps its children in `x/`; the crate root in `emulator/`.
    let is_dir_owner = matches!(file.file_name().and_then(|n| n.to_str()), Some("mod.rs" | "lib.rs"));
    let dir = if is_dir_owner { file.parent().unwrap().to_path_buf() } else { file.with_extension("") };
    for item in &items {
        let syn::Item::Mod(m) = item else { continue };
        if is_test_only(&m.attrs) {
            continue;
        }
        let mut child = path.clone();
        child.push(m.ident.to_string());
        match &m.content {
            Some((_, inner)) => collect(file, child, inner.clone(), out),
            None => {
                let flat = dir.join(format!("{}.rs", m.ident));
                let nested = dir.join(m.ident.to_string()).join("mod.rs");
                let found = if flat.exists() { flat } else { nested };
                let text = std::fs::read_to_string(&found).unwrap_or_else(|e| panic!("{}: {e}", found.display()));
                let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", found.display()));
                collect(&found, child, parsed.items, out);
            }
        }
    }
    out.push(Module { path, file: file.to_path_buf(), items });
}

/// The absolute module paths one module's code names.
struct Uses<'a> {
    here: &'a [String],
    found: BTreeSet<Vec<String>>,
}

impl Uses<'_> {
    /// `segments` made absolute, if it starts at `crate`, `self` or `super`.
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let mut base: Vec<String> = match segments.first().map(String::as_str) {
            Some("crate") => Vec::new(),
            Some("self") | Some("super") => self.here.to_vec(),
            _ => return None,
        };
        let mut rest = if segments[0] == "crate" { &segments[1..] } else { segments };
        while let Some(first) = rest.first() {
            match first.as_str() {
                "self" => rest = &rest[1..],
                "super" => {
                    base.pop();
                    rest = &rest[1..];
                }
                _ => break,
            }
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn add(&mut self, segments: &[String]) {
        if let Some(path) = self.resolve(segments) {
            self.found.insert(path);
        }
    }

    fn tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                self.add(prefix);
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.add(prefix);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.add(prefix),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.tree(prefix, t)),
        }
    }
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.add(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.tree(&mut Vec::new(), &item.tree);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        // A module's own items are walked as that module (see `collect`).
        let _ = item;
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_impl(self, item);
        }
    }
}

/// Edges between modules at `depth` (1: top-level modules; 2: their children), each with
/// the first few places that make it.
fn edges(depth: usize) -> Edges {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("emulator/lib.rs");
    let parsed = syn::parse_file(&std::fs::read_to_string(&root).unwrap()).unwrap();
    let mut modules = Vec::new();
    collect(&root, Vec::new(), parsed.items, &mut modules);
    let mut out = Edges::new();
    for module in &modules {
        if module.path.len() < depth {
            continue;
        }
        let mut uses = Uses { here: &module.path, found: BTreeSet::new() };
        for item in &module.items {
            uses.visit_item(item);
        }
        let from = module.path[..depth].join("::");
        for used in uses.found.iter().filter(|p| p.len() >= depth) {
            let (a, b) = (&module.path[..depth - 1], &used[..depth - 1]);
            let to = used[..depth].join("::");
            if a == b && to != from {
                let at = format!("{} uses {}", module.file.display(), used.join("::"));
                out.entry((from.clone(), to)).or_default().push(at);
            }
        }
    }
    out
}

/// The cycles among `nodes` under `edges`, as their strongly connected parts of two or more.
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
    let reach = |from: &String| {
        let mut seen = BTreeSet::from([from.clone()]);
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for (_, b) in edges.keys().filter(|(a, _)| *a == n) {
                if seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let mut parts: BTreeSet<Vec<String>> = BTreeSet::new();
    for n in &nodes {
        let ahead = reach(n);
        let part: Vec<String> =
            nodes.iter().filter(|m| ahead.contains(**m) && reach(m).contains(*n)).map(|m| (*m).clone()).collect();
        if part.len() > 1 {
            parts.insert(part);
        }
    }
    parts.into_iter().collect()
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("emulator/lib.rs")).unwrap();
    let file = syn::parse_file(&lib).unwrap();
    let unplaced: Vec<String> = file
        .items
        .iter()
        .filter_map(|i| if let syn::Item::Mod(m) = i { Some(m.ident.to_string()) } else { None })
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(unplaced.is_empty(), "top-level modules in no layer of tests/layers.rs (and CONVENTIONS.md): {unplaced:?}");
}

#[test]
fn no_module_uses_a_module_of_a_higher_layer() {
    let upward: Vec<String> = edges(1)
        .into_iter()
        .filter(|((a, b), _)| matches!((layer_of(a), layer_of(b)), (Some(x), Some(y)) if y > x))
        .map(|((a, b), at)| {
            format!(
                "{a} ({}) -> {b} ({}): {}",
                LAYERS[layer_of(&a).unwrap()].0,
                LAYERS[layer_of(&b).unwrap()].0,
                at[..at.len().min(3)].join("; ")
            )
        })
        .collect();
    assert!(upward.is_empty(), "edges from a lower layer to a higher one:\n{}", upward.join("\n"));
}

#[test]
fn modules_of_one_layer_form_no_cycle() {
    let found = cycles(&edges(1));
    assert!(found.is_empty(), "cycles between top-level modules: {found:?}");
}

#[test]
fn the_layer_table_in_conventions_is_this_one() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("CONVENTIONS.md")).unwrap();
    for (layer, modules) in LAYERS {
        let row = text.lines().map(str::trim_start).find(|l| l.starts_with(&format!("| {layer} |")));
        let row = row.unwrap_or_else(|| panic!("CONVENTIONS.md has no row `| {layer} | …` in its layer table"));
        for m in *modules {
            assert!(row.contains(&format!("`{m}`")), "CONVENTIONS.md's row for {layer} does not name `{m}`: {row}");
        }
    }
}

#[test]
fn the_checker_sees_a_planted_upward_edge_and_cycle() {
    // The reader itself: a path from `world` to `cli` is an edge to a higher layer, and two
    // modules naming each other a cycle, however the paths are written.
    let here = vec!["world".to_owned(), "ledger".to_owned()];
    let uses = Uses { here: &here, found: BTreeSet::new() };
    let seg = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(uses.resolve(&seg("super::super::cli::run")), Some(seg("cli::run")));
    assert_eq!(uses.resolve(&seg("crate::cli")), Some(seg("cli")));
    assert_eq!(uses.resolve(&seg("self::x")), Some(seg("world::ledger::x")));
    assert_eq!(uses.resolve(&seg("std::fs")), None);
    let mut planted = Edges::new();
    planted.insert(("a".into(), "b".into()), vec![]);
    planted.insert(("b".into(), "c".into()), vec![]);
    planted.insert(("c".into(), "a".into()), vec![]);
    planted.insert(("c".into(), "d".into()), vec![]);
    assert_eq!(cycles(&planted), vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]);
    assert!(layer_of("world") < layer_of("cli"));
}
