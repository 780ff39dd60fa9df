//! The `attackmap` command. All the work happens in the library and in
//! `cli`; this file only runs the command and turns an error into one line on
//! stderr and an exit code.

mod cli;

/// mimalloc instead of the system allocator: mapping a release makes a few
/// hundred thousand small allocations (names, procedure texts), and with
/// glibc's allocator about a quarter of a run went to malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = cli::main();
    std::process::exit(code);
}
