//! Unit tests of step hashing: what changes a hash and what does not.

use kiln_lang::hash::HashAlgo;
use kiln_lang::host::{DerivationRecord, FixedOutput};
use kiln_lang::value::ContextElem;

use super::Plan;

fn record(name: &str) -> DerivationRecord {
    DerivationRecord {
        name: name.into(),
        system: "x86_64-linux".into(),
        builder: "/bin/sh".into(),
        outputs: vec!["out".into()],
        ..DerivationRecord::default()
    }
}

fn fetch(url: &str) -> DerivationRecord {
    let mut r = record("src.tar");
    r.env.insert("url".into(), url.into());
    r.fixed_output = Some(FixedOutput {
        algo: HashAlgo::Sha256,
        digest: vec![7; 32],
        recursive: false,
    });
    r
}

/// Adds `fetch(url)` and a step using its output; returns both steps' hashes
/// and the fetch's output path.
fn fetch_and_use(url: &str) -> (String, String, String) {
    let mut plan = Plan::default();
    let f = plan.add(fetch(url)).unwrap().clone();
    let mut user = record("user");
    user.context.insert(ContextElem::Output(
        f.drv_path.as_str().into(),
        "out".into(),
    ));
    let u = plan.add(user).unwrap().clone();
    assert_eq!(u.inputs.keys().collect::<Vec<_>>(), [&f.hash]);
    (f.hash, u.hash, f.outputs["out"].clone())
}

#[test]
fn fixed_output_url_does_not_reach_dependents() {
    let (f1, u1, p1) = fetch_and_use("https://a.example/x.tar");
    let (f2, u2, p2) = fetch_and_use("https://b.example/x.tar");
    assert_ne!(f1, f2);
    assert_eq!(p1, p2);
    assert_eq!(u1, u2);
}

#[test]
fn outputs_and_step_paths() {
    let mut plan = Plan::default();
    let mut r = record("app");
    r.outputs = vec!["out".into(), "dev".into()];
    let s = plan.add(r).unwrap();
    let hash_part = |p: &str| p["/kiln/store/".len()..][..32].to_string();
    let step = hash_part(&s.drv_path);
    let out = hash_part(&s.outputs["out"]);
    let dev = hash_part(&s.outputs["dev"]);
    assert_eq!(s.drv_path, format!("/kiln/store/{step}-app.step"));
    assert_eq!(s.outputs["out"], format!("/kiln/store/{out}-app"));
    assert_eq!(s.outputs["dev"], format!("/kiln/store/{dev}-app-dev"));
    // Every output has its own hash part, none shared with the description:
    // the store locks and scans references by hash part.
    assert_ne!(out, dev);
    assert_ne!(out, step);
    assert_ne!(dev, step);
}

#[test]
fn impure_steps_hash_differently() {
    let mut plan = Plan::default();
    let pure = plan.add(record("x")).unwrap().hash.clone();
    let mut r = record("x");
    r.host_paths = vec!["/etc/ssl".into()];
    let impure = plan.add(r).unwrap();
    assert!(impure.flags.impure);
    assert_ne!(pure, impure.hash);
}

#[test]
fn unknown_context_is_an_error() {
    let mut plan = Plan::default();
    let mut r = record("x");
    r.context.insert(ContextElem::AllOutputs(
        "/kiln/store/00000000000000000000000000000000-y.step".into(),
    ));
    let e = plan.add(r).unwrap_err().to_string();
    assert!(e.contains("not a step of this evaluation"), "{e}");
}
