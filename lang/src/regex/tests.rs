use super::*;

#[test]
fn smoke() {
    let re = PosixRegex::new("(a|ab)(c|bcd)(d*)").unwrap();
    assert_eq!(
        re.match_full(b"abcd"),
        Some(vec![Some((0, 1)), Some((1, 4)), Some((4, 4))])
    );
}
