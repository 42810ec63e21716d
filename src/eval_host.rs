//! The real filesystem and environment behind the language's `Host` trait.

use std::io;
use std::path::Path;

use kiln_lang::host::{FileType, Host};

/// Reads the local filesystem and the process environment.
pub struct FsHost;

fn file_type_of(ft: std::fs::FileType) -> FileType {
    if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_dir() {
        FileType::Directory
    } else if ft.is_file() {
        FileType::Regular
    } else {
        FileType::Unknown
    }
}

impl Host for FsHost {
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            out.push((name, file_type_of(entry.file_type()?)));
        }
        Ok(out)
    }

    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        Ok(file_type_of(std::fs::symlink_metadata(path)?.file_type()))
    }

    fn path_exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn get_env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}
