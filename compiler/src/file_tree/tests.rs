use std::os::unix::fs::symlink;
use std::path::Path;

use wafer_abi::file_tree::{Corrupt, DATA_ALIGN, Node, Tree};

use super::bake;

fn tree_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
    std::fs::create_dir(d.join("empty")).unwrap();
    std::fs::write(d.join("b.txt"), "bee\n").unwrap();
    std::fs::write(d.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(d.join("sub/deeper/z"), "").unwrap();
    std::fs::write(d.join("sub/c.bin"), [0u8, 1, 2, 255]).unwrap();
    dir
}

fn names_of(tree: &Tree, dir: &Node) -> Vec<String> {
    (0..dir.len)
        .map(|i| String::from_utf8_lossy(tree.name(&tree.child(dir, i).unwrap())).into_owned())
        .collect()
}

/// Follows `path` (components separated by `/`) from the root.
fn find(tree: &Tree, path: &str) -> Option<Node> {
    let mut node = tree.node(0).unwrap();
    for part in path.split('/') {
        node = tree.lookup(&node, part.as_bytes()).unwrap()?;
    }
    Some(node)
}

fn host(dir: &Path) -> String {
    dir.to_str().unwrap().to_string()
}

#[test]
fn a_tree_reads_back_with_sorted_names_and_contents_in_place() {
    let dir = tree_dir();
    let blob = bake(&host(dir.path()), false).unwrap();
    assert_eq!(blob.len() % DATA_ALIGN, 0);
    let tree = Tree::parse(&blob).unwrap();
    let root = tree.node(0).unwrap();
    assert_eq!(names_of(&tree, &root), ["a.txt", "b.txt", "empty", "sub"]);
    let a = find(&tree, "a.txt").unwrap();
    assert!(!a.is_dir());
    assert_eq!(tree.contents(&a), b"alpha\n");
    let c = find(&tree, "sub/c.bin").unwrap();
    assert_eq!(tree.contents(&c), [0, 1, 2, 255]);
    // Contents start aligned inside the blob.
    let offset = tree.contents(&c).as_ptr() as usize - blob.as_ptr() as usize;
    assert_eq!(offset % DATA_ALIGN, 0);
    let z = find(&tree, "sub/deeper/z").unwrap();
    assert_eq!(tree.contents(&z), b"");
    let deeper = find(&tree, "sub/deeper").unwrap();
    assert!(deeper.is_dir());
    assert_eq!(
        tree.node(deeper.parent).unwrap(),
        find(&tree, "sub").unwrap()
    );
    assert_eq!(find(&tree, "empty").unwrap().len, 0);
    assert_eq!(find(&tree, "missing"), None);
    assert_eq!(find(&tree, "sub/a.txt"), None);
}

#[test]
fn symlinks_inside_are_resolved_and_file_contents_stored_once() {
    let dir = tree_dir();
    symlink("a.txt", dir.path().join("link_a")).unwrap();
    symlink("sub", dir.path().join("link_sub")).unwrap();
    let blob = bake(&host(dir.path()), false).unwrap();
    let tree = Tree::parse(&blob).unwrap();
    let a = find(&tree, "a.txt").unwrap();
    let link = find(&tree, "link_a").unwrap();
    assert_eq!(tree.contents(&link), b"alpha\n");
    assert_eq!(tree.contents(&link).as_ptr(), tree.contents(&a).as_ptr());
    let through = find(&tree, "link_sub/c.bin").unwrap();
    assert_eq!(tree.contents(&through), [0, 1, 2, 255]);
}

#[test]
fn what_a_tree_cannot_hold_is_refused_with_its_name() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "x").unwrap();
    /// What a case adds to the tree.
    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "out",
            Box::new(|d: &Path| symlink("..", d.join("up")).unwrap()),
            "symlink up leads out of the directory",
        ),
        (
            "absolute",
            Box::new(move |d: &Path| symlink("/etc/hostname", d.join("abs")).unwrap()),
            "symlink abs leads out of the directory",
        ),
        (
            "cycle",
            Box::new(|d: &Path| symlink("..", d.join("sub/loop")).unwrap()),
            "symlink sub/loop leads to a directory that contains it",
        ),
        (
            "dangling",
            Box::new(|d: &Path| symlink("nowhere", d.join("dangling")).unwrap()),
            "symlink dangling cannot be followed",
        ),
        (
            "fifo",
            Box::new(|d: &Path| {
                let path = std::ffi::CString::new(d.join("pipe").to_str().unwrap()).unwrap();
                // SAFETY: a valid C string.
                assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
            }),
            "pipe is not a regular file or directory",
        ),
        (
            "long name",
            Box::new(|d: &Path| std::fs::write(d.join("n".repeat(255)), "").unwrap()),
            "",
        ),
    ];
    for (what, make, expected) in cases {
        let dir = tree_dir();
        make(dir.path());
        let result = bake(&host(dir.path()), false);
        if expected.is_empty() {
            assert!(result.is_ok(), "{what}: {result:?}");
            continue;
        }
        let err = format!("{:#}", result.unwrap_err());
        assert!(err.starts_with("--dir "), "{what}: {err}");
        assert!(err.contains(expected), "{what}: {err}");
    }
    let file = tree_dir();
    let err = format!(
        "{:#}",
        bake(&host(&file.path().join("a.txt")), false).unwrap_err()
    );
    assert!(err.ends_with("a.txt: not a directory"), "{err}");
    let err = format!(
        "{:#}",
        bake(&host(&file.path().join("nope")), false).unwrap_err()
    );
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn a_corrupt_blob_is_refused_or_read_as_corrupt_never_out_of_bounds() {
    let dir = tree_dir();
    let blob = bake(&host(dir.path()), false).unwrap();
    assert!(Tree::parse(&blob[..blob.len() - 8]).is_err(), "length");
    assert!(Tree::parse(&blob[..10]).is_err(), "truncated header");
    let mut bad = blob.clone();
    bad[0] ^= 1;
    assert_eq!(Tree::parse(&bad).unwrap_err(), Corrupt, "magic");
    let mut bad = blob.clone();
    bad[4] = 2;
    assert!(Tree::parse(&bad).is_err(), "version");
    let mut bad = blob.clone();
    bad[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(Tree::parse(&bad).is_err(), "node count");
    // Every single field of every node set to a huge value: each access
    // either fails or stays within the blob (the slices it returns are
    // inside it by construction).
    let nodes = u32::from_le_bytes(blob[12..16].try_into().unwrap());
    for node in 0..nodes {
        for field in 0..6 {
            let mut bad = blob.clone();
            let at = 24 + node as usize * 24 + field * 4;
            bad[at..at + 4].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
            let Ok(tree) = Tree::parse(&bad) else {
                continue;
            };
            for i in 0..nodes {
                if let Ok(n) = tree.node(i) {
                    let _ = tree.name(&n);
                    let _ = tree.contents(&n);
                    let _ = tree.lookup(&n, b"a.txt");
                }
            }
            assert!(tree.node(node).is_err(), "node {node} field {field}");
        }
    }
}

#[test]
fn a_dir_rw_tree_carries_its_overlay_budget() {
    let dir = tree_dir();
    let ro = bake(&host(dir.path()), false).unwrap();
    let rw = bake(&host(dir.path()), true).unwrap();
    assert_eq!(Tree::parse(&ro).unwrap().overlay_bytes(), 0);
    let tree = Tree::parse(&rw).unwrap();
    // 8 nodes (root, a.txt, b.txt, empty, sub, c.bin, deeper, z) + 64
    // spare, 32 bytes each, + 64 for the record + 64 KiB.
    assert_eq!(tree.len(), 8);
    assert_eq!(tree.overlay_bytes(), (8 + 64) * 32 + 64 + 65536);
    assert_eq!(ro[..20], rw[..20]);
    assert_eq!(ro[24..], rw[24..]);
}
