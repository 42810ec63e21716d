//! Cases checked against Nix 2.8's `nix-instantiate` (libstdc++ `regex::extended`).

use super::*;

/// `builtins.match` as Nix returns it: `None` for null, else the groups.
fn m(pattern: &str, hay: &str) -> Option<Vec<Option<String>>> {
    let re = PosixRegex::new(pattern).unwrap();
    let spans = re.match_full(hay.as_bytes())?;
    assert_eq!(spans.len(), re.group_count());
    Some(
        spans
            .iter()
            .map(|s| s.map(|(a, b)| hay[a..b].to_owned()))
            .collect(),
    )
}

fn groups(expected: &[Option<&str>]) -> Option<Vec<Option<String>>> {
    Some(expected.iter().map(|s| s.map(str::to_owned)).collect())
}

/// One element of `builtins.split`'s result.
#[derive(Debug, PartialEq)]
enum Part {
    S(String),
    L(Vec<Option<String>>),
}

fn s(x: &str) -> Part {
    Part::S(x.to_owned())
}

fn l(xs: &[Option<&str>]) -> Part {
    Part::L(xs.iter().map(|x| x.map(str::to_owned)).collect())
}

/// `builtins.split` as Nix builds it from the matches.
fn split(pattern: &str, hay: &str) -> Vec<Part> {
    let re = PosixRegex::new(pattern).unwrap();
    let mut out = Vec::new();
    let mut prev = 0;
    for spans in re.find_all(hay.as_bytes()) {
        let (start, end) = spans[0].unwrap();
        out.push(Part::S(hay[prev..start].to_owned()));
        out.push(Part::L(
            spans[1..]
                .iter()
                .map(|s| s.map(|(a, b)| hay[a..b].to_owned()))
                .collect(),
        ));
        prev = end;
    }
    out.push(Part::S(hay[prev..].to_owned()));
    out
}

fn err(pattern: &str) -> RegexError {
    PosixRegex::new(pattern).unwrap_err()
}

const A: Option<&str> = Some("a");
const N: Option<&str> = None;

#[test]
fn corpus_regex_match() {
    // eval-okay-regex-match.nix
    let matches = |p: &str, s: &str| m(p, s).is_some();
    assert!(matches("foobar", "foobar"));
    assert!(matches("fo*", "f"));
    assert!(!matches("fo+", "f"));
    assert!(matches("fo*", "fo"));
    assert!(matches("fo*", "foo"));
    assert!(matches("fo+", "foo"));
    assert!(matches("fo{1,2}", "foo"));
    assert!(!matches("fo{1,2}", "fooo"));
    assert!(!matches("fo*", "foobar"));
    assert!(matches(
        "[[:space:]]+([^[:space:]]+)[[:space:]]+",
        "  foo   "
    ));
    assert!(!matches(
        "[[:space:]]+([[:upper:]]+)[[:space:]]+",
        "  foo   "
    ));
    assert_eq!(m("(.*)\\.nix", "foobar.nix"), groups(&[Some("foobar")]));
    assert_eq!(
        m("[[:space:]]+([[:upper:]]+)[[:space:]]+", "  FOO   "),
        groups(&[Some("FOO")])
    );
    let split_fn = "((.*)/)?([^/]*)\\.(nix|cc)";
    assert_eq!(
        m(split_fn, "/path/to/foobar.nix"),
        groups(&[
            Some("/path/to/"),
            Some("/path/to"),
            Some("foobar"),
            Some("nix")
        ])
    );
    assert_eq!(
        m(split_fn, "foobar.cc"),
        groups(&[N, N, Some("foobar"), Some("cc")])
    );
}

#[test]
fn corpus_regex_split() {
    // eval-okay-regex-split.nix
    let e: &[Option<&str>] = &[];
    assert_eq!(split("foobar", "foobar"), [s(""), l(e), s("")]);
    assert_eq!(split("fo*", "f"), [s(""), l(e), s("")]);
    assert_eq!(split("fo+", "f"), [s("f")]);
    assert_eq!(split("fo*", "fo"), [s(""), l(e), s("")]);
    assert_eq!(split("fo*", "foo"), [s(""), l(e), s("")]);
    assert_eq!(split("fo+", "foo"), [s(""), l(e), s("")]);
    assert_eq!(split("fo{1,2}", "foo"), [s(""), l(e), s("")]);
    assert_eq!(split("fo{1,2}", "fooo"), [s(""), l(e), s("o")]);
    assert_eq!(split("fo*", "foobar"), [s(""), l(e), s("bar")]);

    assert_eq!(split("(fo*)", "f"), [s(""), l(&[Some("f")]), s("")]);
    assert_eq!(split("(fo+)", "f"), [s("f")]);
    assert_eq!(split("(fo*)", "fo"), [s(""), l(&[Some("fo")]), s("")]);
    assert_eq!(
        split("(f)(o*)", "f"),
        [s(""), l(&[Some("f"), Some("")]), s("")]
    );
    assert_eq!(
        split("(f)(o*)", "foo"),
        [s(""), l(&[Some("f"), Some("oo")]), s("")]
    );
    assert_eq!(split("(fo+)", "foo"), [s(""), l(&[Some("foo")]), s("")]);
    assert_eq!(split("(fo{1,2})", "foo"), [s(""), l(&[Some("foo")]), s("")]);
    assert_eq!(
        split("(fo{1,2})", "fooo"),
        [s(""), l(&[Some("foo")]), s("o")]
    );
    assert_eq!(
        split("(fo*)", "foobar"),
        [s(""), l(&[Some("foo")]), s("bar")]
    );

    assert_eq!(
        split("(o+)", "oooofoooo"),
        [s(""), l(&[Some("oooo")]), s("f"), l(&[Some("oooo")]), s("")]
    );
    assert_eq!(
        split("(b)", "foobarbaz"),
        [s("foo"), l(&[Some("b")]), s("ar"), l(&[Some("b")]), s("az")]
    );
    assert_eq!(
        split(
            "[[:space:]]+|([',.!?])",
            "Nix Rocks!\nThat's why I use it.\n"
        ),
        [
            s("Nix"),
            l(&[N]),
            s("Rocks"),
            l(&[Some("!")]),
            s(""),
            l(&[N]),
            s("That"),
            l(&[Some("'")]),
            s("s"),
            l(&[N]),
            s("why"),
            l(&[N]),
            s("I"),
            l(&[N]),
            s("use"),
            l(&[N]),
            s("it"),
            l(&[Some(".")]),
            s(""),
            l(&[N]),
            s(""),
        ]
    );

    assert_eq!(split("(a)b", "abc"), [s(""), l(&[A]), s("c")]);
    assert_eq!(
        split("([ac])", "abc"),
        [s(""), l(&[A]), s("b"), l(&[Some("c")]), s("")]
    );
    assert_eq!(
        split("(a)|(c)", "abc"),
        [s(""), l(&[A, N]), s("b"), l(&[N, Some("c")]), s("")]
    );
    assert_eq!(
        split("([[:upper:]]+)", "  FOO   "),
        [s("  "), l(&[Some("FOO")]), s("   ")]
    );
}

/// Pattern, subject, and what `builtins.match` returns.
type Case = (
    &'static str,
    &'static str,
    Option<&'static [Option<&'static str>]>,
);

/// eval-okay-regex-match2.nix: patterns nixpkgs uses (duplicates dropped).
#[rustfmt::skip]
const MATCH2: &[Case] = &[
    ("(.*)e?abi.*", "linux", None),
    (".*-none.*", "x86_64-unknown-linux-gnu", None),
    (".*nvptx.*", "x86_64-unknown-linux-gnu", None),
    (".*switch.*", "x86_64-unknown-linux-gnu", None),
    (".*-uefi.*", "x86_64-unknown-linux-gnu", None),
    ("[[:alnum:]+_?=-][[:alnum:]+._?=-]*", "bootstrap-stage0-glibc-bootstrapFiles", Some(&[])),
    ("[[:alnum:]+_?=-][[:alnum:]+._?=-]*", "glibc-2.40-66", Some(&[])),
    ("mirror://([a-z]+)/(.*)", "https://github.com/madler/zlib/releases/download/v1.3.1/zlib-1.3.1.tar.gz", None),
    ("mirror://([a-z]+)/(.*)", "https://git.savannah.gnu.org/cgit/config.git/plain/config.guess?id=948ae97ca5703224bd3eada06b7a69f40dd15a02", None),
    (".*/.*", "mktemp", None),
    (".*/.*", "rm", None),
    ("mirror://([a-z]+)/(.*)", "mirror://gnu/m4/m4-1.4.19.tar.bz2", Some(&[Some("gnu"), Some("m4/m4-1.4.19.tar.bz2")])),
    ("5\\.[0-9]*[13579]\\..+", "5.40.0", None),
    ("mirror://([a-z]+)/(.*)", "mirror://cpan/src/5.0/perl-5.40.0.tar.gz", Some(&[Some("cpan"), Some("src/5.0/perl-5.40.0.tar.gz")])),
    ("^([0-9][0-9\\.]*)(.*)$", "addons", None),
    ("^([0-9][0-9\\.]*)(.*)$", "extras", None),
    ("^([0-9][0-9\\.]*)(.*)$", "10", Some(&[Some("10"), Some("")])),
    ("^([0-9][0-9\\.]*)(.*)$", "11", Some(&[Some("11"), Some("")])),
    ("[[:space:]]*0*(-?[[:digit:]]+)[[:space:]]*", "36", Some(&[Some("36")])),
    ("0+", "36", None),
    ("/bin/([^/]+)", "/bin/exec", Some(&[Some("exec")])),
    ("[[:alnum:],._+:@%/-]+", "/bin/exec", Some(&[])),
    ("[[:alnum:],._+:@%/-]+", "", None),
    ("[[:space:]]*(-?[[:digit:]]+)[[:space:]]*", "26", Some(&[Some("26")])),
    ("0[[:digit:]]+", "26", None),
    ("[[:alnum:],._+:@%/-]+", "@tcl@", Some(&[])),
    ("[[:alnum:],._+:@%/-]+", "@[a-zA-Z_][0-9A-Za-z_'-]*@", None),
    (".*pypy.*", "/nix/store/iqlzcyc1z7nv804n9wc5k5i0l180wnbs-python3-3.12.10/bin/python3.12", None),
    ("(.*/)?\\.\\.(/.*)?", "package.nix", None),
    ("/bin/([^/]+)", "", None),
    ("[[:alnum:]+_?=-][[:alnum:]+._?=-]*", "meson.patch?h=mingw-w64-xorgproto&id=7b817efc3144a50e6766817c4ca7242f8ce49307", None),
    ("\\.*(.*)", "meson.patch?h=mingw-w64-xorgproto&id=7b817efc3144a50e6766817c4ca7242f8ce49307", Some(&[Some("meson.patch?h=mingw-w64-xorgproto&id=7b817efc3144a50e6766817c4ca7242f8ce49307")])),
    (".*-rc.*", "2.49.0", None),
    ("(.*)\\.git", "xmlto.git", Some(&[Some("xmlto")])),
    ("[a-f0-9]*", "0.0.29", None),
    (".*-polly.*", "/nix/store/21yv6cysn8axxjyh7dbsnnmbp9nprg9i-gnu-install-dirs.patch", None),
    (".*-polly.*", "/nix/store/96dqnv9v20fi7glzsah6qx5zypbkrwsh-llvm-lit-cfg-add-libs-to-dylib-path.patch", None),
    (".*-polly.*", "/nix/store/hjlgp59nhxjj2y8ghf7mmqgbirqarccy-gnu-install-dirs-polly.patch", Some(&[])),
    (".*-polly.*", "/nix/store/ybagzhw2933fvgi95qgbyw6i4avahyzr-polly-lit-cfg-add-libs-to-dylib-path.patch", Some(&[])),
    ("[[:alnum:]+_?=-][[:alnum:]+._?=-]*", "coconutbattery-4.0.2,152", None),
    ("\\.*(.*)", "coconutbattery-4.0.2,152", Some(&[Some("coconutbattery-4.0.2,152")])),
    ("^([[:digit:]]+)\\.([[:digit:]]+)$", "12.0", Some(&[Some("12"), Some("0")])),
    ("^([[:digit:]]+)\\.([[:digit:]]+)$", "12.8", Some(&[Some("12"), Some("8")])),
    ("^([[:digit:]]+)\\.([[:digit:]]+)\\.([[:digit:]]+)\\.([[:digit:]]+)$", "8.9.5.30", Some(&[Some("8"), Some("9"), Some("5"), Some("30")])),
    ("^([[:digit:]]+)\\.([[:digit:]]+)\\.([[:digit:]]+)\\.([[:digit:]]+)$", "9.7.1.26", Some(&[Some("9"), Some("7"), Some("1"), Some("26")])),
    ("^/.*", "8.20", None),
    ("^github.*", "github.com", Some(&[])),
    ("^github.*", "gitlab.inria.fr", None),
    ("^gitlab.*", "gitlab.inria.fr", Some(&[])),
    ("^gitlab.*", "sf.snu.ac.kr", None),
    ("^(@([^/]+)/)?([^/]+)$", "draupnir", Some(&[None, None, Some("draupnir")])),
    ("^[[:digit:]].*", "0xproto", Some(&[])),
    ("^[[:digit:]].*", "3270", Some(&[])),
    ("^[[:digit:]].*", "adwaita-mono", None),
    ("^[[:digit:]].*", "agave", None),
    ("^(@([^/]+)/)?([^/]+)$", "renderer", Some(&[None, None, Some("renderer")])),
    ("[^[:space:]]*", "900,906,908,1010,1012,1030", Some(&[])),
    ("[^[:space:]]*", "", Some(&[])),
    (".*[0-9]_LIN(UX)?.sh", "Wolfram_14.2.1_LIN.sh", Some(&[None])),
    (".*[0-9]_LIN(UX)?.sh", "Wolfram_14.2.1_LIN_Bndl.sh", None),
    (".*[0-9]_LIN(UX)?.sh", "Wolfram_14.2.0_LIN.sh", Some(&[None])),
    (".*[0-9]_LIN(UX)?.sh", "Wolfram_14.2.0_LIN_Bndl.sh", None),
    ("[A-Z]", "b", None),
    ("[A-Z]", "l", None),
    ("[A-Z]", "E", Some(&[])),
    ("[A-Z]", "T", Some(&[])),
    ("([0-9A-Za-z._])[0-9A-Za-z._-]*", "pythoncheck.sh", Some(&[Some("p")])),
    ("(.*)\\.git", "systemtap.git", Some(&[Some("systemtap")])),
    ("[a-f0-9]*", "release-5.2", None),
    ("[a-f0-9]*", "b7a857659f8485ee3c6769c27a3e74b0af910746", Some(&[])),
    ("(.*)\\.git", "gn", None),
    ("[a-f0-9]*", "df98b86690c83b81aedc909ded18857296406159", Some(&[])),
    (".*-rc\\..*", "22.14.0", None),
    (".*/linux-gecko-(.*).tar.bz2", "https://static.replay.io/downloads/linux-gecko-20220722-71c783507536-b7eae18423ef.tar.bz2", Some(&[Some("20220722-71c783507536-b7eae18423ef")])),
    (".*/linux-node-(.*)", "https://static.replay.io/downloads/linux-node-20220726-bac6d66b5ca1-5b966f2f136c", Some(&[Some("20220726-bac6d66b5ca1-5b966f2f136c")])),
    (".*-DSQLITE_ENABLE_FTS3.*", "-DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS3_TOKENIZER -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMT_SCANSTATUS -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_SOUNDEX -DSQLITE_SECURE_DELETE -DSQLITE_MAX_VARIABLE_NUMBER=250000 -DSQLITE_MAX_EXPR_DEPTH=10000", Some(&[])),
    ("[ \t\n]*(.*[^ \t\n])[ \t\n]*", "0.3.2308\n", Some(&[Some("0.3.2308")])),
    ("(.*)\\.git", "rtmpdump", None),
    (".*;.*", "Game", None),
    ("(.+)+(.+)", "17.0.14+7", Some(&[Some("17.0.14+"), Some("7")])),
    ("^#(.*)$", "20240715", None),
    ("[[:alpha:]_][[:alnum:]_]*(\\.[[:alpha:]_][[:alnum:]_]*)*", "external_deps_dirs", Some(&[None])),
    ("[[:alpha:]_][[:alnum:]_]*(\\.[[:alpha:]_][[:alnum:]_]*)*", "local_cache", Some(&[None])),
    (".*-rc\\..*", "20.19.2", None),
    ("(.+)+(.+)", "21.0.7+6", Some(&[Some("21.0.7+"), Some("6")])),
    (".*llvm-tblgen.*", "-DLLVM_INSTALL_PACKAGE_DIR:STRING=/02qcpld1y6xhs5gz9bchpxaw0xdhmsp5dv88lh25r2ss44kh8dxz/lib/cmake/llvm", None),
    (".*llvm-tblgen.*", "-DLLVM_ENABLE_RTTI:BOOL=TRUE", None),
    (".*llvm-tblgen.*", "-DLLVM_TABLEGEN:STRING=/nix/store/sclapmhdj6i9h02y7s5a630kfy55v9h1-llvm-tblgen-18.1.8/bin/llvm-tblgen", Some(&[])),
    (".*llvm-tblgen.*", "-DLLVM_TABLEGEN_EXE:STRING=/nix/store/sclapmhdj6i9h02y7s5a630kfy55v9h1-llvm-tblgen-18.1.8/bin/llvm-tblgen", Some(&[])),
    ("(.+)-b(.+)", "8u442-b06", Some(&[Some("8u442"), Some("06")])),
    ("([^/]*)/([^/]*)(/SNAPSHOT)?(/.*)?", "jna/5.6.0", Some(&[Some("jna"), Some("5.6.0"), None, None])),
    ("[0-9]+", "2", Some(&[])),
    ("[0-9]+", "3", Some(&[])),
    ("[0-9]+", "unstable", None),
    ("[[:space:]]*0*(-?[[:digit:]]+)[[:space:]]*", "2", Some(&[Some("2")])),
    ("0+", "2", None),
    ("0+", "0", Some(&[])),
    (".*org/eclipse/jdt/ecj.*", "https://repo.maven.apache.org/maven2/org/eclipse/jdt/ecj/maven-metadata.xml", Some(&[])),
    (".*[<>\"'&].*", "org.eclipse.jdt", None),
    (".*[<>\"'&].*", "20241203050026", None),
    ("[a-zA-Z_][a-zA-Z0-9_'-]*", "cpu", Some(&[])),
    ("[a-zA-Z_][a-zA-Z0-9_'-]*", "bits", Some(&[])),
    ("armv[67]l-linux", "x86_64-linux", None),
    ("[0-9]+", "rc", None),
    (".*tensorflow_cpu.*", "https://storage.googleapis.com/tensorflow/versions/2.19.0/tensorflow_cpu-2.19.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", Some(&[])),
    ("git\\+([^?]+)(\\?(rev|tag|branch)=(.*))?#(.*)", "git+https://github.com/GRA0007/google-cloud-rs.git#4a2db92efd57a896e14d18877458c6ae43418aec", Some(&[Some("https://github.com/GRA0007/google-cloud-rs.git"), None, None, None, Some("4a2db92efd57a896e14d18877458c6ae43418aec")])),
    ("mpv[-_](.*)", "detect-image", None),
    (".*org/bouncycastle/bcutil-lts8on.*", "https://plugins.gradle.org/m2/org/bouncycastle/bcutil-lts8on/maven-metadata.xml", Some(&[])),
    ("^.*-unstable-([[:digit:]]{4})-([[:digit:]]{2})-([[:digit:]]{2})$", "0.9.0", None),
    ("(.+)/(.+)", "rejeep/ansi.el", Some(&[Some("rejeep"), Some("ansi.el")])),
    ("^.*-unstable-([[:digit:]]{4})-([[:digit:]]{2})-([[:digit:]]{2})$", "20230306.1823", None),
    ("(.+)/(.+)", "rejeep/commander.el", Some(&[Some("rejeep"), Some("commander.el")])),
    ("mpv[-_](.*)", "equalizer", None),
    ("(.*)-([^-]*)-([^-]*)", "2.2.4-20231021.200112-6", Some(&[Some("2.2.4"), Some("20231021.200112"), Some("6")])),
    (".*com/badlogicgames/gdx-controllers/gdx-controllers-core.*", "https://oss.sonatype.org/content/repositories/snapshots/com/badlogicgames/gdx-controllers/gdx-controllers-core/2.2.4-SNAPSHOT/maven-metadata.xml", Some(&[])),
    (".*com/badlogicgames/gdx-controllers/gdx-controllers-desktop.*", "https://oss.sonatype.org/content/repositories/snapshots/com/badlogicgames/gdx-controllers/gdx-controllers-desktop/2.2.4-SNAPSHOT/maven-metadata.xml", Some(&[])),
    ("^(#.*|$)", ".git", None),
    ("^(#.*|$)", "__pycache__", None),
    ("^(#.*|$)", "", Some(&[Some("")])),
    ("^(!?)(.*)", ".git", Some(&[Some(""), Some(".git")])),
    ("^(/?)(.*)", "\\.git", Some(&[Some(""), Some("\\.git")])),
    (".+/.+", "\\.git", None),
    ("^(.*)/$", "(^|.*/)\\.git", None),
    ("(^|.*/)\\.git", ".flake8", None),
    ("^(!?)(.*)", "__pycache__", Some(&[Some(""), Some("__pycache__")])),
    ("^(/?)(.*)", "__pycache__", Some(&[Some(""), Some("__pycache__")])),
    (".+/.+", "__pycache__", None),
    ("^(.*)/$", "(^|.*/)__pycache__", None),
    ("(^|.*/)__pycache__", ".flake8", None),
    ("(^|.*/)\\.git", ".gitignore", None),
    ("(^|.*/)__pycache__", ".gitignore", None),
    ("^[a-fA-F0-9]{40}$", "3a667bdb3d7f0955a5a51c8468eac83210c1439e", Some(&[])),
    (".*com/android/tools/build/gradle.*", "https://repo.maven.apache.org/maven2/com/android/tools/build/gradle/maven-metadata.xml", Some(&[])),
    ("^[a-fA-F0-9]{40}$", "dc0a228a5544988d4a920cfb40be9cd28db41423", Some(&[])),
    (".*com/tobiasdiez/easybind.*", "https://oss.sonatype.org/content/groups/public/com/tobiasdiez/easybind/2.2.1-SNAPSHOT/maven-metadata.xml", Some(&[])),
    (".*org/hamcrest/hamcrest.*", "https://repo.maven.apache.org/maven2/org/hamcrest/hamcrest/maven-metadata.xml", Some(&[])),
    ("^.*CONFIG_BOARD_DIRECTORY=\"([a-zA-Z0-9_]+)\".*$", "# CONFIG_LOW_LEVEL_OPTIONS is not set\n# CONFIG_MACH_AVR is not set\n# CONFIG_MACH_ATSAM is not set\n# CONFIG_MACH_ATSAMD is not set\n# CONFIG_MACH_LPC176X is not set\n# CONFIG_MACH_STM32 is not set\n# CONFIG_MACH_HC32F460 is not set\n# CONFIG_MACH_RPXXXX is not set\n# CONFIG_MACH_PRU is not set\n# CONFIG_MACH_AR100 is not set\n# CONFIG_MACH_LINUX is not set\nCONFIG_MACH_SIMU=y\nCONFIG_BOARD_DIRECTORY=\"simulator\"\nCONFIG_CLOCK_FREQ=20000000\nCONFIG_SERIAL=y\nCONFIG_SIMULATOR_SELECT=y\nCONFIG_SERIAL_BAUD=250000\nCONFIG_USB_VENDOR_ID=0x1d50\nCONFIG_USB_DEVICE_ID=0x614e\nCONFIG_USB_SERIAL_NUMBER=\"12345\"\nCONFIG_WANT_ADC=y\nCONFIG_WANT_SPI=y\nCONFIG_WANT_SOFTWARE_SPI=y\nCONFIG_WANT_HARD_PWM=y\nCONFIG_WANT_BUTTONS=y\nCONFIG_WANT_TMCUART=y\nCONFIG_WANT_NEOPIXEL=y\nCONFIG_WANT_PULSE_COUNTER=y\nCONFIG_WANT_ST7920=y\nCONFIG_WANT_HD44780=y\nCONFIG_WANT_ADXL345=y\nCONFIG_WANT_LIS2DW=y\nCONFIG_WANT_THERMOCOUPLE=y\nCONFIG_WANT_HX71X=y\nCONFIG_WANT_ADS1220=y\nCONFIG_WANT_SENSOR_ANGLE=y\nCONFIG_NEED_SENSOR_BULK=y\nCONFIG_CANBUS_FREQUENCY=1000000\nCONFIG_INLINE_STEPPER_HACK=y\nCONFIG_HAVE_GPIO=y\nCONFIG_HAVE_GPIO_ADC=y\nCONFIG_HAVE_GPIO_SPI=y\nCONFIG_HAVE_GPIO_HARD_PWM=y\n", Some(&[Some("simulator")])),
    ("[^.]*[.][^.]*-.*", "5.15.183-rt85", None),
    ("[^.]*[.][^.]*-.*", "6.1.134-rt51", None),
    ("^\\.sw[a-z]$", "package.nix", None),
    ("^\\..*\\.sw[a-z]$", "package.nix", None),
    ("^\\.sw[a-z]$", "pyproject.toml", None),
    ("^\\..*\\.sw[a-z]$", "pyproject.toml", None),
    ("mpv[-_](.*)", "mpv-notify-send", Some(&[Some("notify-send")])),
    ("mpv[-_](.*)", "mpv-playlistmanager", Some(&[Some("playlistmanager")])),
    (".*ch/qos/logback/logback-core.*", "https://repo.maven.apache.org/maven2/ch/qos/logback/logback-core/maven-metadata.xml", Some(&[])),
    (".*commons-codec/commons-codec.*", "https://repo.maven.apache.org/maven2/commons-codec/commons-codec/maven-metadata.xml", Some(&[])),
    ("/[0-9a-z]{52}", "/run/opengl-driver", None),
    ("/[0-9a-z]{52}", "/dev/dri", None),
    ("<(.*)>", "_module", None),
    ("<(.*)>", "args", None),
    ("<(.*)>", "<name>", Some(&[Some("name")])),
    ("[a-zA-Z_][a-zA-Z0-9_'-]*", "2bwm", None),
    ("[a-zA-Z_][a-zA-Z0-9_'-]*", "pm.max_children", None),
    ("(pypy|python)([[:digit:]]*)", "override", None),
    ("(pypy|python)([[:digit:]]*)", "overrideDerivation", None),
    ("(pypy|python)([[:digit:]]*)", "pypy27", Some(&[Some("pypy"), Some("27")])),
    ("(pypy|python)([[:digit:]]*)", "pypy310", Some(&[Some("pypy"), Some("310")])),
    ("^ref: (.*)$", "ref: refs/heads/master", Some(&[Some("refs/heads/master")])),
    ("^ref: (.*)$", "f870c6ccc8951fc48aeb293cf3e98ade6ac42668", None),
    (".*\\.post[0-9]+", "1.7.2", None),
    (".*tensorflow_cpu.*", "https://storage.googleapis.com/tensorflow/versions/2.19.0/tensorflow-2.19.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", None),
    (".*darwin.*", "i686-cygwin", None),
    (".*darwin.*", "x86_64-cygwin", None),
    (".*darwin.*", "x86_64-darwin", Some(&[])),
    (".*darwin.*", "aarch64-darwin", Some(&[])),
    (".*/linux-recordreplay-(.*).tgz", "https://static.replay.io/downloads/linux-recordreplay-b7eae18423ef.tgz", Some(&[Some("b7eae18423ef")])),
    (".*-large-wordlist.*", "hunspell-dict-cs-cz-libreoffice-6.3.0.4", None),
    (".*-large-wordlist.*", "hunspell-dict-da-dk-2.5.189", None),
    (".*-large-wordlist.*", "hunspell-dict-en-au-large-wordlist-2018.04.16", Some(&[])),
    (".*-large-wordlist.*", "hunspell-dict-en-ca-large-wordlist-2018.04.16", Some(&[])),
    (".*com/fazecast/jSerialComm.*", "https://oss.sonatype.org/content/repositories/snapshots/com/fazecast/jSerialComm/2.11.1-SNAPSHOT/maven-metadata.xml", Some(&[])),
    (".*net/java/dev/jna/jna-platform.*", "https://oss.sonatype.org/content/repositories/snapshots/net/java/dev/jna/jna-platform/5.1.1-SNAPSHOT/maven-metadata.xml", Some(&[])),
    (".*net/java/dev/jna/jna-platform.*", "https://oss.sonatype.org/content/repositories/snapshots/net/java/dev/jna/jna-platform/maven-metadata.xml", Some(&[])),
    (".*net/java/dev/jna/jna.*", "https://oss.sonatype.org/content/repositories/snapshots/net/java/dev/jna/jna/5.1.1-SNAPSHOT/maven-metadata.xml", Some(&[])),
    (".*net/java/dev/jna/jna.*", "https://oss.sonatype.org/content/repositories/snapshots/net/java/dev/jna/jna/maven-metadata.xml", Some(&[])),
    (".*org/java-websocket/Java-WebSocket.*", "https://oss.sonatype.org/content/repositories/snapshots/org/java-websocket/Java-WebSocket/1.3.10-SNAPSHOT/maven-metadata.xml", Some(&[])),
    (".*org/java-websocket/Java-WebSocket.*", "https://oss.sonatype.org/content/repositories/snapshots/org/java-websocket/Java-WebSocket/maven-metadata.xml", Some(&[])),
    (".*com/melloware/jintellitype.*", "https://repo.maven.apache.org/maven2/com/melloware/jintellitype/maven-metadata.xml", Some(&[])),
    ("[0-9.]*([a-z]*)", "2025.1.1", Some(&[Some("")])),
    (".*com/velocitypowered/velocity-brigadier.*", "https://repo.papermc.io/repository/maven-public/com/velocitypowered/velocity-brigadier/1.0.0-SNAPSHOT/maven-metadata.xml", Some(&[])),
];

#[test]
fn corpus_regex_match2() {
    for &(pattern, hay, expected) in MATCH2 {
        assert_eq!(
            m(pattern, hay),
            expected.and_then(groups),
            "{pattern:?} on {hay:?}"
        );
    }
}

#[test]
fn leftmost_longest_with_perl_groups() {
    // Rust's leftmost-first regex would stop at "abc" and fail to match the
    // whole; Nix takes the longest match, then Perl-ordered groups in it.
    assert_eq!(
        m("(a|ab)(c|bcd)(d*)", "abcd"),
        groups(&[A, Some("bcd"), Some("")])
    );
    assert_eq!(split("a|ab|abc", "xabcx"), [s("x"), l(&[]), s("x")]);
    assert_eq!(
        split("(a|ab)(c|bcd)", "abcd abc"),
        [
            s(""),
            l(&[A, Some("bcd")]),
            s(" "),
            l(&[Some("ab"), Some("c")]),
            s("")
        ]
    );
    assert_eq!(m("(.*)(.*)", "ab"), groups(&[Some("ab"), Some("")]));
    assert_eq!(m("(.*)c(.*)", "abcde"), groups(&[Some("ab"), Some("de")]));
    assert_eq!(m("(ab|a)(bc|c)?", "abc"), groups(&[Some("ab"), Some("c")]));
}

#[test]
fn dot_and_negated_brackets_match_newline() {
    assert_eq!(m(".", "\n"), groups(&[]));
    assert_eq!(m("[^a]", "\n"), groups(&[]));
    assert_eq!(m("a.*b", "a\n\nb"), groups(&[]));
    assert_eq!(m("x*", "\n"), None);
    // Bytes, not characters.
    assert_eq!(m(".", "é"), None);
    assert_eq!(m("..", "é"), groups(&[]));
    assert_eq!(m("[é]", "é"), None);
}

#[test]
fn brackets() {
    assert_eq!(m("[]a]", "]"), groups(&[]));
    assert_eq!(m("[^]a]", "b"), groups(&[]));
    assert_eq!(m("[^]a]", "]"), None);
    // A backslash is ordinary inside brackets.
    assert_eq!(m("[\\.]", "\\"), groups(&[]));
    assert_eq!(m("[\\.]", "."), groups(&[]));
    assert_eq!(m("[\\]]", "\\]"), groups(&[]));
    assert_eq!(m("[a-]", "-"), groups(&[]));
    assert_eq!(m("[--0]", "/"), groups(&[]));
    assert_eq!(m("[!--]+", "!-"), groups(&[]));
    assert_eq!(m("[[]", "["), groups(&[]));
    assert_eq!(m("[a[]", "["), groups(&[]));
    assert_eq!(m("[[.hyphen.]]", "-"), groups(&[]));
    assert_eq!(m("[[.a.]-c]", "b"), groups(&[]));
    assert_eq!(m("[[.space.]]", " "), groups(&[]));
    assert_eq!(m("[[=a=]]", "A"), groups(&[]));
    assert_eq!(m("[[=hyphen=]]", "-"), groups(&[]));
}

#[test]
fn character_classes() {
    assert_eq!(m("[[:alpha:]]+", "abcXYZ"), groups(&[]));
    assert_eq!(m("[[:ALPHA:]]", "a"), groups(&[]));
    assert_eq!(m("[[:w:]]+", "a_1"), groups(&[]));
    assert_eq!(m("[[:d:][:s:]]+", "1 2"), groups(&[]));
    assert_eq!(m("[[:space:]]+", " \t\n\u{b}\u{c}\r"), groups(&[]));
    assert_eq!(m("[[:cntrl:]]+", "\u{1}\u{1f}\u{7f}"), groups(&[]));
    assert_eq!(
        m("[[:punct:]]+", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
        groups(&[])
    );
    assert_eq!(m("[[:print:]]+", " ~"), groups(&[]));
    assert_eq!(m("[[:graph:]]", " "), None);
    assert_eq!(m("[[:xdigit:]]+", "09afAF"), groups(&[]));
    assert_eq!(m("[[:blank:]]+", " \t"), groups(&[]));
    assert_eq!(m("[[:lower:]]", "A"), None);
    assert_eq!(m("[[:upper:][:digit:]]+", "A1"), groups(&[]));
    assert_eq!(m("[[:alpha:]]", "é"), None);
}

#[test]
fn escapes_and_braces() {
    assert_eq!(m("\\.", "."), groups(&[]));
    assert_eq!(m("\\.", "a"), None);
    assert_eq!(m("\\{", "{"), groups(&[]));
    assert_eq!(m("\\)", ")"), groups(&[]));
    assert_eq!(m("\\|", "|"), groups(&[]));
    assert_eq!(m("\\\\", "\\"), groups(&[]));
    assert_eq!(m("a}", "a}"), groups(&[]));
    assert_eq!(m("a{0}b", "b"), groups(&[]));
    assert_eq!(m("(a){0}b", "b"), groups(&[N]));
    assert_eq!(m("a{2}{3}", "aaaaaa"), groups(&[]));
    assert_eq!(m("a{1,}", "aaaa"), groups(&[]));
    assert_eq!(m("a**", "aa"), groups(&[]));
    assert_eq!(m("a+?", ""), groups(&[]));
}

#[test]
fn anchors() {
    assert_eq!(split("^a", "aaa"), [s(""), l(&[]), s("aa")]);
    assert_eq!(split("a$", "aaa"), [s("aa"), l(&[]), s("")]);
    assert_eq!(m("$a", "a"), None);
    assert_eq!(m("a^", "a"), None);
    assert_eq!(m("(^a)*", "a"), groups(&[A]));
    assert_eq!(m("x|^", ""), groups(&[]));
    // An inner `$` only holds at the real end of the subject.
    assert_eq!(m("(b$)|(b)c", "bc"), groups(&[N, Some("b")]));
    assert_eq!(
        split("(b$)|(b)", "bcb"),
        [s(""), l(&[N, Some("b")]), s("c"), l(&[Some("b"), N]), s("")]
    );
}

#[test]
fn groups_that_do_not_take_part() {
    assert_eq!(m("(a)|b", "b"), groups(&[N]));
    assert_eq!(m("(a)?", ""), groups(&[N]));
    assert_eq!(
        split("(a)|b", "xaxbx"),
        [s("x"), l(&[A]), s("x"), l(&[N]), s("x")]
    );
    assert_eq!(m("((a)|b)*", "ab"), groups(&[Some("b"), A]));
}

#[test]
fn loops_end_with_an_empty_pass() {
    // libstdc++ runs a loop once more, matching empty, after its last pass.
    assert_eq!(m("(a*)*", "aa"), groups(&[Some("")]));
    assert_eq!(m("(a*)+", "aa"), groups(&[Some("")]));
    assert_eq!(m("(a|)*", "a"), groups(&[Some("")]));
    assert_eq!(m("(|aa)*", "aa"), groups(&[Some("")]));
    assert_eq!(m("(a|b)*", "ab"), groups(&[Some("b")]));
    assert_eq!(m("(a?)*", ""), groups(&[Some("")]));
    assert_eq!(
        m("(c|[^a](|..)+)*", "cba"),
        groups(&[Some("cba"), Some("")])
    );
    assert_eq!(m("()", ""), groups(&[Some("")]));
    assert_eq!(m("(|a)", "a"), groups(&[A]));
}

#[test]
fn empty_matches_in_split() {
    let e: &[Option<&str>] = &[];
    let empties = [s(""), l(e), s("a"), l(e), s("b"), l(e), s("c"), l(e), s("")];
    assert_eq!(split("x*", "abc"), empties);
    assert_eq!(split("", "abc"), empties);
    // After an empty match, a non-empty one at the same place wins.
    assert_eq!(
        split("a*", "baaac"),
        [s(""), l(e), s("b"), l(e), s(""), l(e), s("c"), l(e), s("")]
    );
    assert_eq!(
        split("(|a{2,})*", "caaa"),
        [
            s(""),
            l(&[Some("")]),
            s("c"),
            l(&[Some("")]),
            s(""),
            l(&[Some("")]),
            s("")
        ]
    );
    assert_eq!(split("x*", ""), [s(""), l(e), s("")]);
    assert_eq!(m("", ""), groups(&[]));
}

#[test]
fn large_input_trim() {
    let mut hay = String::from(" \t\n");
    while hay.len() < 100_000 {
        hay.push_str("some words\nand more\t");
    }
    hay.push_str("end \n\t ");
    let start = std::time::Instant::now();
    let got = m("[ \t\n]*(.*[^ \t\n])[ \t\n]*", &hay);
    assert_eq!(got, groups(&[Some(hay.trim())]));
    let re = PosixRegex::new("[ \t\n]+").unwrap();
    assert!(re.find_all(hay.as_bytes()).len() > 10_000);
    // Generous for debug builds on a shared machine.
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}

#[test]
fn errors() {
    let e = err("(");
    assert_eq!(e.kind(), &RegexErrorKind::UnclosedGroup);
    assert_eq!(
        e.to_string(),
        "invalid regular expression '(': unclosed group"
    );
    assert_eq!(err("[a").kind(), &RegexErrorKind::UnclosedBracket);
    assert_eq!(err("a{2,1}").kind(), &RegexErrorKind::BadInterval);
    for p in [
        "(",
        "[a",
        "a{2,1}",
        "a{",
        "{",
        ")",
        "a)",
        "*a",
        "^*",
        "a$*",
        "a|*b",
        "(*a)",
        "\\1",
        "\\d",
        "\\}",
        "\\]",
        "\\-",
        "a\\",
        "[[:foo:]]",
        "[[.-.]]",
        "[a-c-e]",
        "[z-a]",
        "[a--]",
        "[]",
        "[[:alpha:]-z]",
        "a{,3}",
        "a{1",
        "a{1,2",
        "a{ 1}",
        "[[:alpha:]",
        "[[:alpha",
        "[[=foo=]]",
        "[a-[.z.]]",
    ] {
        let e = err(p);
        assert!(!e.is_memory_limit(), "{p}: {e}");
        assert!(e
            .to_string()
            .starts_with(&format!("invalid regular expression '{p}'")));
    }
}

#[test]
fn memory_limit_like_libstdcxx() {
    assert!(PosixRegex::new("a{1000}").is_ok());
    assert!(PosixRegex::new("(a{1000}){50}").is_ok());
    assert!(PosixRegex::new("a{99993}").is_ok());
    for p in ["a{99994}", "(a{1000}){100}", "a{99999999999999999999}"] {
        let e = err(p);
        assert!(e.is_memory_limit(), "{p}");
        assert_eq!(
            e.to_string(),
            format!("memory limit exceeded by regular expression '{p}'")
        );
    }
}

#[test]
fn cache_reuses_compiled_patterns() {
    let mut cache = RegexCache::new();
    let a = cache.get("a+").unwrap();
    let b = cache.get("a+").unwrap();
    assert!(Rc::ptr_eq(&a, &b));
    assert!(cache.get("(").is_err());
    assert_eq!(cache.get("(a)(b)").unwrap().group_count(), 2);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(err(&deep).kind(), &RegexErrorKind::TooDeep);
    let stacked = format!("a{}", "*".repeat(5000));
    assert_eq!(err(&stacked).kind(), &RegexErrorKind::TooDeep);
    let ok = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(PosixRegex::new(&ok).unwrap().group_count(), 100);
}
