//! Embeds the built-in scenario suite (`scenarios/**/*.toml`), the reference integration
//! (`examples/reference-python/**/*.py`: `pos.py` and the package `pos/`) and the book's pages
//! (`docs/src/**/*.md`) in the binary, so an installed `payterm run` and `payterm docs` work
//! outside a clone.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let suite = embed(&root, "scenarios", "toml", "SUITE", "The built-in suite: (path under `scenarios/`, file text).");
    std::fs::write(out.join("embedded_suite.rs"), suite).expect("OUT_DIR is writable");
    let reference = embed(
        &root,
        "examples/reference-python",
        "py",
        "REFERENCE",
        "The reference integration, every file of it: (path under `examples/reference-python/`, file text).",
    );
    std::fs::write(out.join("embedded_reference.rs"), reference).expect("OUT_DIR is writable");
    let docs = embed(&root, "docs/src", "md", "PAGES", "The book's pages: (path under `docs/src/`, page text).");
    std::fs::write(out.join("embedded_docs.rs"), docs).expect("OUT_DIR is writable");
}

/// A constant `name` listing every `*.ext` file under `root/dir`, sorted, with its text.
fn embed(root: &Path, dir: &str, ext: &str, name: &str, doc: &str) -> String {
    let base = root.join(dir);
    println!("cargo:rerun-if-changed={dir}");
    let mut files = Vec::new();
    collect(&base, ext, &mut files);
    files.sort();
    let mut code = format!("/// {doc}\npub const {name}: &[(&str, &str)] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file.strip_prefix(&base).unwrap_or(file).to_string_lossy().replace('\\', "/");
        code.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", file.display().to_string()));
    }
    code.push_str("];\n");
    code
}
