//! Builds the web UI: compiles `web-ui` to wasm32-unknown-unknown with a nested cargo (its own
//! target directory, so it never waits on the outer build's lock), runs wasm-bindgen through
//! the library pinned to the exact version `web-ui` links, and leaves the result in
//! `$OUT_DIR/ui` for rust-embed. Everything happens offline with the local toolchain.
//!
//! Assets get content-hashed names (`flatline-<hash>.js`, …) so the server can cache them
//! for a year, and gzip and brotli copies next to them (`….gz`, `….br`) so nothing is
//! compressed per request; `index.html` is written from `web-ui/static/index.html` with the
//! hashed names filled in.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn fail(message: &str) -> ! {
    eprintln!("\nerror: building the Flatline web UI failed\n{message}\n");
    exit(1);
}

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let workspace = manifest_dir.parent().unwrap_or(&manifest_dir).to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap_or_else(|_| fail("OUT_DIR is not set")));
    for watched in [
        "web-ui/src",
        "web-ui/static",
        "web-ui/Cargo.toml",
        "types/src",
        "types/Cargo.toml",
        "Cargo.lock",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }

    ensure_wasm_target();

    // OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out: share one wasm target dir per
    // outer target dir, so rebuilds of the server reuse the compiled UI.
    let target_root = out_dir.ancestors().nth(4).unwrap_or(&out_dir).to_path_buf();
    let wasm_target_dir = target_root.join("web-ui");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&workspace)
        .args([
            "build",
            "-p",
            "web-ui",
            "--lib",
            "--release",
            "--target",
            WASM_TARGET,
            // Small over fast for code that is downloaded: about 40 % less wasm.
            "--config",
            "profile.release.opt-level=\"z\"",
            "--config",
            "profile.release.lto=true",
            "--config",
            "profile.release.codegen-units=1",
            // Function names are for debuggers; they were 45 % of the file.
            "--config",
            "profile.release.strip=true",
        ])
        .arg("--target-dir")
        .arg(&wasm_target_dir);
    // The outer build's flags and wrappers (clippy, coverage, host RUSTFLAGS) are not for wasm.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| fail(&format!("could not run cargo for the wasm build: {e}")));
    if !status.success() {
        fail(
            "`cargo build -p web-ui --target wasm32-unknown-unknown --release` failed (see above)",
        );
    }

    let wasm = wasm_target_dir
        .join(WASM_TARGET)
        .join("release")
        .join("web_ui.wasm");
    let gen_dir = out_dir.join("bindgen");
    let ui_dir = out_dir.join("ui");
    for dir in [&gen_dir, &ui_dir] {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| fail(&format!("creating {}: {e}", dir.display())));
    }
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(&wasm)
        .out_name("flatline")
        .typescript(false);
    if let Err(e) = bindgen.web(true) {
        fail(&format!("wasm-bindgen: {e}"));
    }
    if let Err(e) = bindgen.generate(&gen_dir) {
        fail(&format!("wasm-bindgen on {}: {e}", wasm.display()));
    }
    let js = publish(&gen_dir.join("flatline.js"), &ui_dir, "flatline", "js");
    let wasm = publish(
        &gen_dir.join("flatline_bg.wasm"),
        &ui_dir,
        "flatline",
        "wasm",
    );
    let css = publish(
        &workspace.join("web-ui/static/style.css"),
        &ui_dir,
        "style",
        "css",
    );
    let template = read(&workspace.join("web-ui/static/index.html"));
    let index = String::from_utf8(template)
        .unwrap_or_else(|_| fail("web-ui/static/index.html is not UTF-8"))
        .replace("{{JS}}", &js)
        .replace("{{WASM}}", &wasm)
        .replace("{{CSS}}", &css);
    write_compressed(&ui_dir.join("index.html"), index.as_bytes());
    // The Content-Security-Policy allows exactly the page's one inline script, by its hash.
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        inline_script_hashes(&index)
    );
    std::fs::write(out_dir.join("csp.txt"), csp)
        .unwrap_or_else(|e| fail(&format!("writing csp.txt: {e}")));
}

/// `'sha256-…'` of every inline `<script>` in `html`.
fn inline_script_hashes(html: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let tag = &rest[start..];
        let Some(open_end) = tag.find('>') else { break };
        let body = &tag[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag[..open_end].contains(" src=") {
            let digest = sha2::Sha256::digest(&body.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body[close..];
    }
    if hashes.is_empty() {
        fail("web-ui/static/index.html has no inline script to start the app");
    }
    hashes.join(" ")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| fail(&format!("reading {}: {e}", path.display())))
}

/// Copies `from` into `dir` as `<stem>-<hash>.<ext>` with its compressed copies; returns the
/// new name.
fn publish(from: &Path, dir: &Path, stem: &str, ext: &str) -> String {
    use sha2::Digest;
    let data = read(from);
    let digest = sha2::Sha256::digest(&data);
    let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("{stem}-{hash}.{ext}");
    write_compressed(&dir.join(&name), &data);
    name
}

/// Writes `data` to `path`, and its gzip and brotli forms to `path.gz` and `path.br`.
fn write_compressed(path: &Path, data: &[u8]) {
    use std::io::Write;
    let write = |p: &Path, bytes: &[u8]| {
        std::fs::write(p, bytes).unwrap_or_else(|e| fail(&format!("writing {}: {e}", p.display())))
    };
    write(path, data);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gz = gz
        .write_all(data)
        .and_then(|()| gz.finish())
        .unwrap_or_else(|e| fail(&format!("gzip: {e}")));
    write(&with_suffix(path, "gz"), &gz);
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &data[..], &mut br, &params)
        .unwrap_or_else(|e| fail(&format!("brotli: {e}")));
    write(&with_suffix(path, "br"), &br);
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Installs the wasm32 target with rustup when it is missing, or explains how to.
fn ensure_wasm_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = |root: &Path| root.join("lib/rustlib").join(WASM_TARGET).is_dir();
    if sysroot.as_deref().is_some_and(installed) {
        return;
    }
    println!("cargo:warning=the {WASM_TARGET} target is missing; installing it with rustup");
    let added = Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .status()
        .is_ok_and(|s| s.success());
    if !added || !sysroot.as_deref().is_some_and(installed) {
        fail(&format!(
            "The web UI needs the Rust target {WASM_TARGET}, and installing it failed.\n\
             Install it with:  rustup target add {WASM_TARGET}\n\
             then build again."
        ));
    }
}
