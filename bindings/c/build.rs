//! Writes include/spfkit.h with cbindgen (pinned), adding the version
//! macros from Cargo.toml, and gives the shared library its soname.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let header = crate_dir.join("../../include/spfkit.h");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let major = env("CARGO_PKG_VERSION_MAJOR");
    // The soname carries the major version: libspfkit.so.0 (Makefile installs it so).
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libspfkit.so.{major}");

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    config.after_includes = Some(format!(
        "\n#define SPFKIT_VERSION_MAJOR {major}\n#define SPFKIT_VERSION_MINOR {}\n#define SPFKIT_VERSION_PATCH {}\n\
         #define SPFKIT_VERSION_STRING \"{}\"\n/* The soname's number, libspfkit.so.N. */\n#define SPFKIT_SONAME_VERSION {major}",
        env("CARGO_PKG_VERSION_MINOR"),
        env("CARGO_PKG_VERSION_PATCH"),
        env("CARGO_PKG_VERSION"),
    ));
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_crate(&crate_dir)
        .generate()
        .expect("cbindgen could not read src/");
    let mut text = Vec::new();
    bindings.write(&mut text);
    // Rewrite only on change, so an unchanged header keeps its timestamp.
    if std::fs::read(&header).ok().as_deref() != Some(&text[..]) {
        std::fs::write(&header, &text).expect("write include/spfkit.h");
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by cargo"))
}
