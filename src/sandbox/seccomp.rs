//! The seccomp filters of the command (seccomp(2), via `seccompiler`), after Nix's
//! `linux-derivation-builder.cc`: setting setuid/setgid bits fails with `EPERM`, and extended
//! attributes are unsupported (`ENOTSUP`), so outputs cannot carry either.
//!
//! `seccompiler` checks the architecture and kills processes of any other (i386 binaries cannot
//! run in the sandbox). On x86_64 the x32 ABI shares the architecture value with syscall numbers
//! offset by `__X32_SYSCALL_BIT`, so every rule is repeated for those numbers.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

/// x32 syscall numbers are the x86_64 ones with this bit set (asm/unistd.h).
#[cfg(target_arch = "x86_64")]
const ABI_ALIASES: [i64; 2] = [0, 0x4000_0000];
#[cfg(not(target_arch = "x86_64"))]
const ABI_ALIASES: [i64; 1] = [0];

/// fchmodat2(2), Linux 6.6; not in every libc.
const SYS_FCHMODAT2: i64 = 452;
/// setxattrat, getxattrat, listxattrat, removexattrat: Linux 6.13.
const SYS_XATTRAT: [i64; 4] = [463, 464, 465, 466];

/// `(syscall, index of its mode argument)` for every way to chmod.
fn chmod_calls() -> Vec<(i64, u8)> {
    let mut calls = vec![
        (libc::SYS_fchmod, 1),
        (libc::SYS_fchmodat, 2),
        (SYS_FCHMODAT2, 2),
    ];
    #[cfg(target_arch = "x86_64")]
    calls.push((libc::SYS_chmod, 1));
    calls
}

fn xattr_calls() -> Vec<i64> {
    let mut calls = vec![
        libc::SYS_setxattr,
        libc::SYS_lsetxattr,
        libc::SYS_fsetxattr,
        libc::SYS_getxattr,
        libc::SYS_lgetxattr,
        libc::SYS_fgetxattr,
        libc::SYS_listxattr,
        libc::SYS_llistxattr,
        libc::SYS_flistxattr,
        libc::SYS_removexattr,
        libc::SYS_lremovexattr,
        libc::SYS_fremovexattr,
    ];
    calls.extend(SYS_XATTRAT);
    calls
}

/// Compiles the filters; the command installs them after `PR_SET_NO_NEW_PRIVS`.
pub(super) fn filters() -> Result<Vec<BpfProgram>, String> {
    let fail = |e: seccompiler::BackendError| format!("compile seccomp filter: {e}");
    let mode_has = |arg: u8, bit: u64| {
        SeccompCondition::new(
            arg,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::MaskedEq(bit),
            bit,
        )
        .and_then(|c| SeccompRule::new(vec![c]))
    };
    let mut chmod = BTreeMap::new();
    for (nr, arg) in chmod_calls() {
        let rules = vec![
            mode_has(arg, libc::S_ISUID as u64).map_err(fail)?,
            mode_has(arg, libc::S_ISGID as u64).map_err(fail)?,
        ];
        for alias in ABI_ALIASES {
            chmod.insert(nr | alias, rules.clone());
        }
    }
    let mut xattr = BTreeMap::new();
    for nr in xattr_calls() {
        for alias in ABI_ALIASES {
            xattr.insert(nr | alias, Vec::new());
        }
    }
    let compile = |rules, errno: i32| -> Result<BpfProgram, String> {
        let filter = SeccompFilter::new(
            rules,
            SeccompAction::Allow,
            SeccompAction::Errno(errno as u32),
            ARCH,
        )
        .map_err(|e| format!("seccomp filter: {e}"))?;
        filter
            .try_into()
            .map_err(|e: seccompiler::BackendError| format!("compile seccomp filter: {e}"))
    };
    Ok(vec![
        compile(chmod, libc::EPERM)?,
        compile(xattr, libc::ENOTSUP)?,
    ])
}
