//! Hashes as Nix writes and reads them: the four algorithms of
//! `builtins.hashString`/`hashFile`, and the base-16, Nix base-32, base-64
//! and SRI encodings accepted by `convertHash` and fixed-output `outputHash`.
//!
//! Parsing follows Nix 2.8's `Hash::parseAny`/`Hash::parseSRI` (`hash.cc`),
//! including its lenient base-64 decoder and its error messages.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use sha2::Digest as _;

/// A hash algorithm that Nix knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgo {
    /// MD5, 16 bytes.
    Md5,
    /// SHA-1, 20 bytes.
    Sha1,
    /// SHA-256, 32 bytes.
    Sha256,
    /// SHA-512, 64 bytes.
    Sha512,
}

/// An error from parsing an algorithm, a format or a hash.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The algorithm name is none of `md5`, `sha1`, `sha256`, `sha512`.
    #[error("unknown hash algorithm '{0}'")]
    UnknownAlgo(String),
    /// The format name is none of `base16`, `nix32`, `base32`, `base64`, `sri`.
    #[error("unknown hash format '{0}', expect 'base16', 'base32', 'base64', or 'sri'")]
    UnknownFormat(String),
    /// Neither the hash string nor the caller said which algorithm it is.
    #[error("hash '{0}' does not include a type, nor is the type otherwise known from context")]
    NoAlgo(String),
    /// The hash string names another algorithm than the caller expected.
    #[error("hash '{hash}' should have type '{expected}'")]
    WrongAlgo {
        /// The whole hash string.
        hash: String,
        /// The algorithm the caller asked for.
        expected: HashAlgo,
    },
    /// A string of base-16 length holds a non-hex character.
    #[error("invalid base-16 hash '{0}'")]
    InvalidBase16(String),
    /// A string of Nix base-32 length holds a bad character or too many bits.
    #[error("invalid base-32 hash '{0}'")]
    InvalidBase32(String),
    /// A base-64 hash (or SRI hash) decodes to the wrong number of bytes.
    #[error("invalid {} hash '{hash}'", if *.sri { "SRI" } else { "base-64" })]
    InvalidBase64 {
        /// The encoded part of the hash.
        hash: String,
        /// Whether the hash was written in SRI form.
        sri: bool,
    },
    /// A base-64 string holds a character outside the base-64 alphabet.
    #[error("invalid character in Base64 string: '{0}'")]
    InvalidBase64Char(char),
    /// The encoded hash has none of the lengths the algorithm allows.
    #[error("hash '{hash}' has wrong length for hash type '{algo}'")]
    WrongLength {
        /// The encoded part of the hash.
        hash: String,
        /// The algorithm it was read as.
        algo: HashAlgo,
    },
    /// [`parse_sri`] was given a hash without an `algo-` prefix.
    #[error("hash '{0}' is not SRI")]
    NotSri(String),
}

impl HashAlgo {
    /// All algorithms, in Nix's order.
    pub const ALL: [HashAlgo; 4] = [Self::Md5, Self::Sha1, Self::Sha256, Self::Sha512];

    /// The name Nix uses: `md5`, `sha1`, `sha256` or `sha512`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// The digest size in bytes.
    pub fn size(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// Length of a digest in base 16.
    pub fn base16_len(self) -> usize {
        self.size() * 2
    }

    /// Length of a digest in Nix base 32.
    pub fn base32_len(self) -> usize {
        nix_base32_len(self.size())
    }

    /// Length of a digest in padded base 64.
    pub fn base64_len(self) -> usize {
        (4 * self.size() / 3 + 3) & !3
    }
}

impl FromStr for HashAlgo {
    type Err = HashError;

    fn from_str(s: &str) -> Result<Self, HashError> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| HashError::UnknownAlgo(s.to_owned()))
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a hash is written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashFormat {
    /// Lower-case hex.
    Base16,
    /// Nix's own base 32 (see [`nix_base32_encode`]).
    Nix32,
    /// Padded standard base 64.
    Base64,
    /// `algo-<base64>`, as in Subresource Integrity.
    Sri,
}

impl FromStr for HashFormat {
    type Err = HashError;

    /// Parses the names of `builtins.convertHash`'s `toHashFormat`:
    /// `base16`, `nix32` (or its old name `base32`), `base64` and `sri`.
    fn from_str(s: &str) -> Result<Self, HashError> {
        match s {
            "base16" => Ok(Self::Base16),
            "nix32" | "base32" => Ok(Self::Nix32),
            "base64" => Ok(Self::Base64),
            "sri" => Ok(Self::Sri),
            _ => Err(HashError::UnknownFormat(s.to_owned())),
        }
    }
}

/// An incremental hasher, for input that comes in pieces.
#[derive(Clone, Debug)]
pub enum Hasher {
    /// An MD5 state.
    Md5(md5::Md5),
    /// A SHA-1 state.
    Sha1(sha1::Sha1),
    /// A SHA-256 state.
    Sha256(sha2::Sha256),
    /// A SHA-512 state.
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A fresh hasher for `algo`.
    pub fn new(algo: HashAlgo) -> Self {
        match algo {
            HashAlgo::Md5 => Self::Md5(md5::Md5::new()),
            HashAlgo::Sha1 => Self::Sha1(sha1::Sha1::new()),
            HashAlgo::Sha256 => Self::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => Self::Sha512(sha2::Sha512::new()),
        }
    }

    /// The algorithm this hasher computes.
    pub fn algo(&self) -> HashAlgo {
        match self {
            Self::Md5(_) => HashAlgo::Md5,
            Self::Sha1(_) => HashAlgo::Sha1,
            Self::Sha256(_) => HashAlgo::Sha256,
            Self::Sha512(_) => HashAlgo::Sha512,
        }
    }

    /// Feeds more input.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Md5(h) => h.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    /// The digest of everything fed so far.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::Md5(h) => h.finalize().to_vec(),
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// The digest of `data` under `algo` (`algo.size()` bytes).
pub fn digest(algo: HashAlgo, data: &[u8]) -> Vec<u8> {
    let mut h = Hasher::new(algo);
    h.update(data);
    h.finish()
}

/// Lower-case hex, as `builtins.hashString` returns.
pub fn base16_encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Padded standard base 64.
pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Nix's base-32 alphabet: digits and letters without `e`, `o`, `u`, `t`.
const NIX_BASE32_CHARS: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Length of `size` bytes in Nix base 32.
fn nix_base32_len(size: usize) -> usize {
    if size == 0 {
        0
    } else {
        (size * 8 - 1) / 5 + 1
    }
}

/// Nix's base 32, as in store paths and `sha256:1abc...` hashes.
///
/// Unlike RFC 4648, Nix reads the bytes as one little-endian number and
/// prints its 5-bit digits most significant first, so the last character
/// comes from the low bits of the first byte.
pub fn nix_base32_encode(bytes: &[u8]) -> String {
    let len = nix_base32_len(bytes.len());
    (0..len)
        .rev()
        .map(|n| {
            let b = n * 5;
            let (i, j) = (b / 8, b % 8);
            let lo = bytes[i] >> j;
            // `<< 8` would overflow a u8: widen first, then keep the low byte.
            let hi = bytes
                .get(i + 1)
                .map_or(0, |&x| ((x as u16) << (8 - j)) as u8);
            NIX_BASE32_CHARS[((lo | hi) & 0x1f) as usize] as char
        })
        .collect()
}

/// Decodes Nix base 32 into `s.len() * 5 / 8` bytes; `None` on a character
/// outside the alphabet or on set bits beyond the last byte.
pub fn nix_base32_decode(s: &str) -> Option<Vec<u8>> {
    nix_base32_decode_to(s, s.len() * 5 / 8)
}

/// Decodes Nix base 32 into exactly `size` bytes, as Nix's `Hash` does.
fn nix_base32_decode_to(s: &str, size: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; size];
    for (n, c) in s.bytes().rev().enumerate() {
        let digit = NIX_BASE32_CHARS.iter().position(|&x| x == c)? as u16;
        let b = n * 5;
        let (i, j) = (b / 8, b % 8);
        let spill = (digit << j) >> 8;
        *out.get_mut(i)? |= (digit << j) as u8;
        match out.get_mut(i + 1) {
            Some(next) => *next |= spill as u8,
            None if spill != 0 => return None,
            None => {}
        }
    }
    Some(out)
}

/// Nix's `base64Decode`: stops at the first `=`, skips newlines, ignores
/// leftover bits and needs no padding; any other foreign character is an
/// error.
fn base64_decode_lenient(s: &str) -> Result<Vec<u8>, HashError> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.chars() {
        let digit = match c {
            '=' => break,
            '\n' => continue,
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' => 62,
            '/' => 63,
            _ => return Err(HashError::InvalidBase64Char(c)),
        };
        acc = (acc << 6 | digit) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

/// Writes `bytes` (a digest of `algo`) in `format`. Only [`HashFormat::Sri`]
/// uses `algo`, for its `algo-` prefix.
pub fn encode_hash(algo: HashAlgo, bytes: &[u8], format: HashFormat) -> String {
    match format {
        HashFormat::Base16 => base16_encode(bytes),
        HashFormat::Nix32 => nix_base32_encode(bytes),
        HashFormat::Base64 => base64_encode(bytes),
        HashFormat::Sri => format!("{algo}-{}", base64_encode(bytes)),
    }
}

/// Decodes the encoded part of a hash, as Nix's `Hash(rest, type, isSRI)`
/// constructor: outside SRI form the encoding is told by the length.
fn decode_body(rest: &str, algo: HashAlgo, sri: bool) -> Result<Vec<u8>, HashError> {
    if !sri && rest.len() == algo.base16_len() {
        hex::decode(rest).map_err(|_| HashError::InvalidBase16(rest.to_owned()))
    } else if !sri && rest.len() == algo.base32_len() {
        nix_base32_decode_to(rest, algo.size())
            .ok_or_else(|| HashError::InvalidBase32(rest.to_owned()))
    } else if sri || rest.len() == algo.base64_len() {
        let bytes = base64_decode_lenient(rest)?;
        if bytes.len() != algo.size() {
            return Err(HashError::InvalidBase64 {
                hash: rest.to_owned(),
                sri,
            });
        }
        Ok(bytes)
    } else {
        Err(HashError::WrongLength {
            hash: rest.to_owned(),
            algo,
        })
    }
}

/// Parses a hash in any form Nix accepts (Nix's `Hash::parseAny`):
/// `algo:<base16|base32|base64>`, `algo-<base64>` (SRI), or a bare
/// base-16/base-32/base-64 digest when `algo` is given.
///
/// If both the string and `algo` name an algorithm they must agree. The
/// encoding of a non-SRI digest is told by its length.
pub fn parse_hash(s: &str, algo: Option<HashAlgo>) -> Result<(HashAlgo, Vec<u8>), HashError> {
    let (parsed, rest, sri) = if let Some((name, rest)) = s.split_once(':') {
        (Some(name.parse::<HashAlgo>()?), rest, false)
    } else if let Some((name, rest)) = s.split_once('-') {
        (Some(name.parse::<HashAlgo>()?), rest, true)
    } else {
        (None, s, false)
    };
    let algo = match (parsed, algo) {
        (None, None) => return Err(HashError::NoAlgo(rest.to_owned())),
        (Some(p), Some(a)) if p != a => {
            return Err(HashError::WrongAlgo {
                hash: s.to_owned(),
                expected: a,
            });
        }
        (Some(a), _) | (None, Some(a)) => a,
    };
    Ok((algo, decode_body(rest, algo, sri)?))
}

/// Parses an SRI hash, `algo-<base64>` (Nix's `Hash::parseSRI`).
pub fn parse_sri(s: &str) -> Result<(HashAlgo, Vec<u8>), HashError> {
    let (name, rest) = s
        .split_once('-')
        .ok_or_else(|| HashError::NotSri(s.to_owned()))?;
    let algo = name.parse::<HashAlgo>()?;
    Ok((algo, decode_body(rest, algo, true)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_string(algo: &str, s: &str) -> String {
        base16_encode(&digest(algo.parse().unwrap(), s.as_bytes()))
    }

    /// Nix's `tests/lang/eval-okay-hashstring.nix`.
    #[test]
    fn nix_eval_okay_hashstring() {
        let expected = [
            "d41d8cd98f00b204e9800998ecf8427e",
            "6c69ee7f211c640419d5366cc076ae46",
            "bb3438fbabd460ea6dbd27d153e2233b",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "cd54e8568c1b37cf1e5badb0779bcbf382212189",
            "6d12e10b1d331dad210e47fd25d4f260802b7e77",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "900a4469df00ccbfd0c145c6d1e4b7953dd0afafadd7534e3a4019e8d38fc663",
            "ad0387b3bd8652f730ca46d25f9c170af0fd589f42e7f23f5a9e6412d97d7e56",
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            "9d0886f8c6b389398a16257bc79780fab9831c7fc11c8ab07fa732cb7b348feade382f92617c9c5305fefba0af02ab5fd39a587d330997ff5bd0db19f7666653",
            "21644b72aa259e5a588cd3afbafb1d4310f4889680f6c83b9d531596a5a284f34dbebff409d23bcc86aee6bad10c891606f075c6f4755cb536da27db5693f3a7",
        ];
        let got: Vec<String> = ["md5", "sha1", "sha256", "sha512"]
            .iter()
            .flat_map(|a| ["", "text 1", "text 2"].map(|s| hash_string(a, s)))
            .collect();
        assert_eq!(got, expected);
    }

    /// Nix's `tests/lang/eval-okay-hashfile.nix`: its files `data` ("foo\n")
    /// and `binary-data` (1024 zero bytes).
    #[test]
    fn nix_eval_okay_hashfile() {
        let expected = [
            "d3b07384d113edec49eaa6238ad5ff00",
            "0f343b0931126a20f133d67c2b018a3b",
            "f1d2d2f924e986ac86fdf7b36c94bcdf32beec15",
            "60cacbf3d72e1e7834203da608037b1bf83b40e8",
            "b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c",
            "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
            "0cf9180a764aba863a67b6d72f0918bc131c6772642cb2dce5a34f0a702f9470ddc2bf125c12198b1995c233c34b4afd346c54a2334c350a948a51b6e8b4e6b6",
            "8efb4f73c5655351c444eb109230c556d39e2c7624e9c11abc9e3fb4b9b9254218cc5085b454a9698d085cfa92198491f07a723be4574adc70617b73eb0b6461",
        ];
        let files: [&[u8]; 2] = [b"foo\n", &[0; 1024]];
        let got: Vec<String> = HashAlgo::ALL
            .into_iter()
            .flat_map(|a| files.map(|f| base16_encode(&digest(a, f))))
            .collect();
        assert_eq!(got, expected);
    }

    /// `newer/lang/eval-fail-hashString-2.nix`: `hashString "foo"`.
    #[test]
    fn unknown_algo_names_it() {
        let err = "foo".parse::<HashAlgo>().unwrap_err();
        assert_eq!(err.to_string(), "unknown hash algorithm 'foo'");
        assert!("SHA256".parse::<HashAlgo>().is_err());
    }

    /// Digests of the empty string, as printed by
    /// `nix-hash --to-base32`/`--to-base16` and `nix hash to-sri` (Nix 2.8).
    #[test]
    fn encodings_match_nix() {
        let e = digest(HashAlgo::Sha256, b"");
        assert_eq!(
            nix_base32_encode(&e),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
        assert_eq!(
            encode_hash(HashAlgo::Sha256, &e, HashFormat::Sri),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        let m = digest(HashAlgo::Md5, b"");
        assert_eq!(nix_base32_encode(&m), "3y8bwfr609h3lh9ch0izcqq7fl");
        let s1 = digest(HashAlgo::Sha1, b"");
        assert_eq!(nix_base32_encode(&s1), "143xibwh31h9bvxzalr0sjvbbvpa6ffs");
        let s5 = digest(HashAlgo::Sha512, b"");
        assert_eq!(
            nix_base32_encode(&s5),
            "0zdl9zrg8r3i9c1g90lgg9ip5ijzv3yhz91i0zzn3r8ap9ws784gkp9dk9j3aglhgf1amqb0pj21mh7h1nxcl18akqvvf7ggqsy30yg"
        );
        assert_eq!(nix_base32_encode(&[]), "");
    }

    #[test]
    fn base32_round_trips() {
        for len in [0, 1, 2, 5, 16, 20, 32, 64] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let s = nix_base32_encode(&bytes);
            assert_eq!(s.len(), nix_base32_len(len));
            assert_eq!(nix_base32_decode(&s).unwrap(), bytes, "len {len}");
        }
        assert_eq!(nix_base32_decode("e"), None);
        // 2 digits = 10 bits for 1 byte: the top 2 bits must be clear.
        assert_eq!(nix_base32_decode("80"), None);
    }

    /// Every form of one sha256 parses to the same digest.
    #[test]
    fn parse_any_forms() {
        let d = digest(HashAlgo::Sha256, b"");
        let hex = base16_encode(&d);
        let b32 = nix_base32_encode(&d);
        let b64 = base64_encode(&d);
        let ok = |s: &str, a: Option<HashAlgo>| parse_hash(s, a).unwrap();
        let want = (HashAlgo::Sha256, d.clone());
        let sha = Some(HashAlgo::Sha256);
        for s in [&hex, &b32, &b64] {
            assert_eq!(ok(s, sha), want);
            assert_eq!(ok(&format!("sha256:{s}"), None), want);
            assert_eq!(ok(&format!("sha256:{s}"), sha), want);
        }
        assert_eq!(ok(&hex.to_uppercase(), sha), want);
        assert_eq!(ok(&format!("sha256-{b64}"), None), want);
        assert_eq!(ok(&format!("sha256-{b64}"), sha), want);
        // SRI needs no padding, as in Nix.
        assert_eq!(
            ok(&format!("sha256-{}", b64.trim_end_matches('=')), None),
            want
        );
        assert_eq!(parse_sri(&format!("sha256-{b64}")).unwrap(), want);
        // Nix's base-64 decoder stops at the first `=`.
        assert_eq!(ok(&format!("sha256-{b64}junk"), None), want);
    }

    #[test]
    fn parse_errors() {
        let d = digest(HashAlgo::Sha256, b"");
        let hex = base16_encode(&d);
        let msg = |s: &str, a: Option<HashAlgo>| parse_hash(s, a).unwrap_err().to_string();
        assert_eq!(
            msg(&hex, None),
            format!("hash '{hex}' does not include a type, nor is the type otherwise known from context")
        );
        assert_eq!(
            msg(&format!("sha1:{hex}"), Some(HashAlgo::Sha256)),
            format!("hash 'sha1:{hex}' should have type 'sha256'")
        );
        assert_eq!(msg("foo:abc", None), "unknown hash algorithm 'foo'");
        assert_eq!(
            msg("sha256:abc", None),
            "hash 'abc' has wrong length for hash type 'sha256'"
        );
        let bad_hex = format!("x{}", &hex[1..]);
        assert_eq!(
            msg(&bad_hex, Some(HashAlgo::Sha256)),
            format!("invalid base-16 hash '{bad_hex}'")
        );
        let b32 = "e".repeat(52);
        assert_eq!(
            msg(&format!("sha256:{b32}"), None),
            format!("invalid base-32 hash '{b32}'")
        );
        // 52 digits carry 260 bits: the top 4 of a 256-bit hash must be 0.
        let b32 = "z".repeat(52);
        assert_eq!(
            msg(&format!("sha256:{b32}"), None),
            format!("invalid base-32 hash '{b32}'")
        );
        assert_eq!(msg("sha256-AAAA", None), "invalid SRI hash 'AAAA'");
        assert_eq!(
            msg("sha256-AA!A", None),
            "invalid character in Base64 string: '!'"
        );
        assert_eq!(
            parse_sri("abc").unwrap_err().to_string(),
            "hash 'abc' is not SRI"
        );
        assert_eq!(
            "hex".parse::<HashFormat>().unwrap_err().to_string(),
            "unknown hash format 'hex', expect 'base16', 'base32', 'base64', or 'sri'"
        );
    }
}
