//! The Web Worker of the static demo: scores requests on the bundled demo catalog with the
//! server's own code (`scoring::score`) when no scoring server answers the page.

fn main() {
    #[cfg(target_arch = "wasm32")]
    wasm_client::local::register_worker();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("the scoring worker runs in a browser: build the app with `trunk build --release`");
}
