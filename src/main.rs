//! The `kiln` command line.

fn main() {
    println!("kiln: nothing here yet");
}
