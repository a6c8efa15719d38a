//! Entry point of the browser app (trunk builds this binary for `wasm32-unknown-unknown`).

fn main() {
    #[cfg(target_arch = "wasm32")]
    wasm_client::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("the Blind Mirror app runs in a browser: build it with `trunk build --release`");
}
