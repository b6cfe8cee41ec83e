//! `cargo xtask run|test|bench`: the project's orchestration in Rust. Each command first
//! installs what is missing on the machine (wasm target, trunk, wasm-bindgen-cli at the
//! lockfile's version, coturn, Janus, ffmpeg, Chromium, npm packages), then builds and runs.
//!
//! Build folders: native builds use `CARGO_TARGET_DIR` (default `target/`); the wasm client
//! uses `IBASHO_WASM_TARGET_DIR` (default: the same), so both can live outside the checkout.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Trunk version that builds with this toolchain.
const TRUNK_VERSION: &str = "0.21.14";
/// binaryen release of the wasm optimiser (Trunk.toml names it too), and the crate that builds it.
const WASM_OPT_VERSION: &str = "116";
const WASM_OPT_CRATE_VERSION: &str = "0.116.1";
/// coturn's server, from Debian's `coturn` package.
const TURNSERVER: &str = "/usr/bin/turnserver";
/// The SFU for the halls, from Debian's `janus` package.
const JANUS: &str = "/usr/bin/janus";
/// Reads uploaded gallery videos (and makes their posters), from Debian's `ffmpeg` package.
const FFPROBE: &str = "/usr/bin/ffprobe";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(args.get(1).map(String::as_str)),
        Some("setup") => setup(true),
        _ => Err(format!("usage: cargo xtask run [--listen ADDR] | test | bench [{}] | setup", BENCHES.join("|"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn native_target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

fn wasm_target_dir() -> PathBuf {
    std::env::var_os("IBASHO_WASM_TARGET_DIR").map_or_else(native_target_dir, PathBuf::from)
}

/// Runs a command in the project root; fails with its name when it fails.
fn sh(program: &str, args: &[&str]) -> Result<(), String> {
    sh_in(&root(), program, args, &[])
}

fn sh_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let env: Vec<(&str, &Path)> = env.iter().map(|(key, value)| (*key, Path::new(*value))).collect();
    sh_in(&root(), program, args, &env)
}

fn sh_in(dir: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) -> Result<(), String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let mut command = Command::new(program);
    command.args(args).current_dir(dir);
    for (key, value) in env {
        command.env(key, value);
    }
    let status = command.status().map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed ({status})", args.join(" "))) }
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

/// Installs the client toolchain, and with `browser`, Chromium and the e2e npm packages.
fn setup(browser: bool) -> Result<(), String> {
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t.trim() == "wasm32-unknown-unknown") {
        sh("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    let trunk = output("trunk", &["--version"]).unwrap_or_default();
    if !trunk.contains(TRUNK_VERSION) {
        sh("cargo", &["install", "--locked", "trunk", "--version", TRUNK_VERSION])?;
    }
    // binaryen's wasm-opt 116 from crates.io (built from source: no download needed).
    let wasm_opt = output("wasm-opt", &["--version"]).unwrap_or_default();
    if !wasm_opt.contains(&format!("version {WASM_OPT_VERSION}")) {
        sh("cargo", &["install", "--locked", "wasm-opt", "--version", WASM_OPT_CRATE_VERSION])?;
    }
    let wanted = locked_wasm_bindgen_version()?;
    let bindgen = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if !bindgen.split_whitespace().any(|word| word == wanted) {
        sh("cargo", &["install", "wasm-bindgen-cli", "--version", &format!("={wanted}")])?;
    }
    // coturn relays the booths' connections (no addresses between the people in a booth).
    let mut packages: Vec<&str> = Vec::new();
    if !Path::new(TURNSERVER).exists() {
        packages.push("coturn");
    }
    // Janus carries what reaches a whole hall (the stage, turns to speak).
    if !Path::new(JANUS).exists() {
        packages.push("janus");
    }
    // ffprobe checks the gallery's uploads; ffmpeg makes their posters.
    if !Path::new(FFPROBE).exists() {
        packages.push("ffmpeg");
    }
    if browser && !Path::new("/usr/bin/chromium").exists() {
        packages.push("chromium");
    }
    if !packages.is_empty() {
        sh("apt-get", &["update", "-qq"])?;
        let mut args = vec!["install", "-y", "-qq"];
        args.extend(&packages);
        sh_env("apt-get", &args, &[("DEBIAN_FRONTEND", "noninteractive")])?;
    }
    if browser {
        let e2e = root().join("tests/e2e");
        if !e2e.join("node_modules/playwright-core").exists() {
            sh_in(&e2e, "npm", &["ci", "--no-audit", "--no-fund"], &[])?;
        }
    }
    Ok(())
}

/// Builds the wasm client into dist/ with Trunk (release, then binaryen's `wasm-opt -Oz`: Trunk.toml
/// and index.html), then writes brotli-compressed copies of the large files for the server to
/// send to browsers that accept them. Debian's binaryen 108 mis-handles wasm-bindgen's externref
/// table (`WebAssembly.Table.set(): Argument 1 is invalid`), hence 116 from crates.io; every
/// browser test loads the optimised module, so a module that does not start fails the tests.
fn build_client() -> Result<(), String> {
    let wasm_dir = wasm_target_dir();
    let mut env = vec![("CARGO_TARGET_DIR", wasm_dir.as_path())];
    env.extend(WEB_PROFILE.iter().map(|(key, value)| (*key, Path::new(value))));
    sh_in(&root(), "trunk", &["build", "--release"], &env)?;
    let dist = root().join("dist");
    let mut files =
        std::fs::read_dir(&dist).map_err(|e| format!("dist: {e}"))?.flatten().map(|e| e.path()).collect::<Vec<_>>();
    files.extend(["ui", "ibasho"].map(|cut| dist.join(format!("assets/fonts/BIZUDPGothic-{cut}.ttf"))));
    for file in files.iter().filter(|f| f.extension().is_some_and(|x| x == "wasm" || x == "js" || x == "ttf")) {
        compress(file)?;
    }
    Ok(())
}

/// The release profile as the web client is built: fat LTO with one codegen unit takes 27 % off
/// the module (24.3 → 17.8 MiB raw, 4.5 → 3.7 MiB served; BENCHMARKS.md) for about 4 more minutes
/// of every client build and 7 GB of memory at its peak; `opt-level = "z"` takes 9 % more
/// (3.22 → 2.94 MiB served) with no cost in frame time (measured with 200 people in view). Only
/// the client: the server's release builds keep the workspace profile, and `trunk build
/// --release` alone gives a quicker dev build.
const WEB_PROFILE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_RELEASE_LTO", "fat"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"),
];

/// Brotli quality 11: the 24 MiB module is served as 4.5 MiB instead of 5.3 MiB at 9 (every first
/// visit, on every network), for about three minutes of compression per client build.
const BROTLI_QUALITY: i32 = 11;

fn compress(file: &Path) -> Result<(), String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut compressed = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: BROTLI_QUALITY, lgwin: 24, ..Default::default() };
    brotli::BrotliCompress(&mut bytes.as_slice(), &mut compressed, &params).map_err(|e| e.to_string())?;
    let mut target = file.as_os_str().to_owned();
    target.push(".br");
    std::fs::write(&target, &compressed).map_err(|e| format!("{}: {e}", file.display()))?;
    eprintln!("xtask: {} {} bytes, brotli {} bytes", file.display(), bytes.len(), compressed.len());
    Ok(())
}

fn run(extra: &[String]) -> Result<(), String> {
    setup(false)?;
    build_client()?;
    let mut args =
        vec!["run", "--release", "-p", "server", "--", "--data-dir", "data", "--static-dir", "dist", "--staff-invite"];
    // `cargo xtask run -- --listen …` and `cargo xtask run --listen …` both pass the flags on.
    args.extend(extra.iter().map(String::as_str).filter(|arg| *arg != "--"));
    // Booths go through a TURN relay: a local coturn unless another one is named.
    if !args.iter().any(|arg| arg.starts_with("--turn") || *arg == "--spawn-turn") {
        args.extend(["--spawn-turn", "127.0.0.1:3478"]);
    }
    // Halls go through Janus: one of our own unless others are named.
    if !args.iter().any(|arg| arg.starts_with("--janus-url") || *arg == "--spawn-janus") {
        args.push("--spawn-janus");
    }
    sh("cargo", &args)
}

/// Marks the workspace's own sources as just changed. Build folders shared between checkouts
/// (CI clones into a new folder each run) could otherwise hand one checkout another's build of
/// a workspace crate; dependencies stay cached.
fn refresh_workspace_sources() -> Result<(), String> {
    for member in ["protocol", "server", "game", "xtask", "loadgen"] {
        sh("find", &[member, "-name", "*.rs", "-exec", "touch", "{}", "+"])?;
    }
    Ok(())
}

fn test() -> Result<(), String> {
    setup(true)?;
    if std::env::var_os("CI").is_some() {
        refresh_workspace_sources()?;
    }
    sh("cargo", &["fmt", "--all", "--check"])?;
    sh("cargo", &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    // The browser-only code (game/src/web) is checked for the wasm target it compiles for.
    let wasm_dir = wasm_target_dir();
    let wasm_clippy =
        ["clippy", "--release", "--locked", "--target", "wasm32-unknown-unknown", "-p", "game", "--", "-D", "warnings"];
    sh_in(&root(), "cargo", &wasm_clippy, &[("CARGO_TARGET_DIR", &wasm_dir)])?;
    sh("cargo", &["test", "--workspace", "--locked"])?;
    build_client()?;
    sh("cargo", &["build", "--locked", "-p", "server"])?;
    let server = native_target_dir().join("debug/ibasho-server");
    let dist = root().join("dist");
    sh_in(
        &root().join("tests/e2e"),
        "node",
        &["--test", "--test-concurrency=1"],
        &[("IBASHO_SERVER_BIN", &server), ("IBASHO_DIST", &dist), ("IBASHO_ROOT", &root())],
    )
}

/// The benchmarks, by name: `server` is `loadgen`, the others `tests/e2e/bench-NAME.mjs`.
const BENCHES: [&str; 8] = ["server", "client", "voice", "voice-cpu", "crowd", "booth", "hall", "gallery"];

/// Runs every benchmark, or only the one named.
fn bench(only: Option<&str>) -> Result<(), String> {
    if let Some(name) = only.filter(|name| !BENCHES.contains(name)) {
        return Err(format!("no benchmark named {name}; there are: {}", BENCHES.join(", ")));
    }
    setup(true)?;
    build_client()?;
    sh("cargo", &["build", "--release", "--locked", "-p", "server", "-p", "loadgen"])?;
    let release = native_target_dir().join("release");
    let (server, dist, project) = (release.join("ibasho-server"), root().join("dist"), root());
    let loadgen = release.join("loadgen");
    let env = [
        ("IBASHO_SERVER_BIN", server.as_path()),
        ("IBASHO_DIST", dist.as_path()),
        ("IBASHO_ROOT", project.as_path()),
        ("IBASHO_LOADGEN_BIN", loadgen.as_path()),
    ];
    for name in BENCHES.into_iter().filter(|name| only.is_none_or(|only| only == *name)) {
        if name == "server" {
            sh_in(&root(), &loadgen.to_string_lossy(), &["--server", &server.to_string_lossy()], &[])?;
        } else {
            sh_in(&root().join("tests/e2e"), "node", &[&format!("bench-{name}.mjs")], &env)?;
        }
    }
    Ok(())
}
