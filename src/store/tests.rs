//! Unit tests of the store API (the CLI is tested in `tests/store.rs`).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("root")).unwrap();
    (dir, store)
}

fn age(path: &Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

#[test]
fn filter_leaves_entries_out() {
    let (dir, store) = store();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join(".git")).unwrap();
    fs::write(src.join(".git/HEAD"), "ref").unwrap();
    fs::write(src.join("main.c"), "int main;").unwrap();
    let clean = dir.path().join("clean");
    fs::create_dir_all(&clean).unwrap();
    fs::write(clean.join("main.c"), "int main;").unwrap();

    let no_git = |p: &Path, _: fs::FileType| p.file_name().is_none_or(|n| n != ".git");
    let filtered = store.add_source(&src, Some("s"), Some(&no_git)).unwrap();
    let plain = store.add_source(&clean, Some("s"), None).unwrap();
    assert_eq!(filtered, plain);
    assert!(!store.host_path(&filtered).join(".git").exists());
    let unfiltered = store.add_source(&src, Some("s"), None).unwrap();
    assert_ne!(unfiltered, plain);
}

#[test]
fn unchanged_files_come_from_the_cache() {
    let (dir, store) = store();
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    for i in 0..3 {
        fs::write(src.join(format!("f{i}")), format!("{i}")).unwrap();
        age(&src.join(format!("f{i}")));
    }
    // A fresh file may still change within its timestamp granularity: not cached.
    fs::write(src.join("new"), "new").unwrap();
    store.add_source(&src, None, None).unwrap();
    let stamps: Vec<_> = {
        let mut files = Vec::new();
        tree::walk_source(&src, None, &mut files).unwrap();
        files.into_iter().map(|f| (f.key, f.stamp)).collect()
    };
    let cached = store.db().source_cache_lookup(&stamps).unwrap();
    let names: Vec<_> = cached
        .keys()
        .map(|k| {
            String::from_utf8_lossy(k)
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["f0", "f1", "f2"]);
    // A changed file is rehashed (its ctime and size changed), giving a new path.
    let before = store.add_source(&src, None, None).unwrap();
    fs::write(src.join("f1"), "changed").unwrap();
    assert_ne!(store.add_source(&src, None, None).unwrap(), before);
}

#[test]
fn closure_order_and_referrers() {
    let (_dir, store) = store();
    let a = store.add_text("a", b"a", &BTreeSet::new()).unwrap();
    let b = store
        .add_text("b", a.to_string().as_bytes(), &[a.clone()].into())
        .unwrap();
    let c = store
        .add_text(
            "c",
            format!("{a} {b}").as_bytes(),
            &[a.clone(), b.clone()].into(),
        )
        .unwrap();
    assert_eq!(
        store.closure([&c]).unwrap(),
        [a.clone(), b.clone(), c.clone()].into()
    );
    assert_eq!(store.closure([&b]).unwrap(), [a.clone(), b.clone()].into());
    assert_eq!(
        store.closure_in_dependency_order([&c]).unwrap(),
        [a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(store.referrers(&a).unwrap(), [b.clone(), c.clone()].into());
    let e = store.add_text(
        "d",
        b"x",
        &[StorePath::new(&"0".repeat(32), "gone").unwrap()].into(),
    );
    assert!(
        matches!(e, Err(StoreError::InvalidReference { .. })),
        "{e:?}"
    );
    assert!(!store
        .is_valid(&StorePath::parse(&format!("{}-d", "0".repeat(32))).unwrap())
        .unwrap());
}

#[test]
fn gc_spares_temp_roots_and_locked_paths_of_this_process() {
    let (dir, store) = store();
    let kept = store.add_text("kept", b"1", &BTreeSet::new()).unwrap();
    let locked_path = StorePath::new(&"1".repeat(32), "locked").unwrap();
    let out = dir.path().join("root/tmp/x");
    fs::write(&out, "2").unwrap();
    let lock = store.lock_path(&locked_path).unwrap();
    store
        .register_locked(&lock, &out, RegisterInfo::default())
        .unwrap();

    // Another handle (as another thread or process would) runs GC.
    let other = Store::open(store.root()).unwrap();
    let report = other.gc(false).unwrap();
    assert!(report.deleted.is_empty(), "{report:?}");
    drop(lock);
    drop(store); // its temporary roots go with it
    let report = other.gc(false).unwrap();
    let deleted: BTreeSet<_> = report.deleted.into_iter().map(|(p, _)| p).collect();
    assert_eq!(deleted, [kept, locked_path].into());
}
