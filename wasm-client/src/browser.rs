//! Small browser helpers: letting the page paint between steps, saving bytes as a file.

use wasm_bindgen::{JsCast, JsValue};

/// Resolves after the browser had a chance to paint: the next animation frame (or 50 ms, if
/// frames are paused in a background tab), then one task later, so work started after this
/// await runs after the paint that shows the previous step's result.
pub async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| match web_sys::window() {
        Some(window) => {
            let _ = window.request_animation_frame(&resolve);
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50);
        }
        None => {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Offers `bytes` as a download named `file_name` (application/octet-stream).
///
/// # Errors
/// The browser's exception, if the blob or the link cannot be made.
pub fn download(bytes: &[u8], file_name: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    web_sys::Url::revoke_object_url(&url)
}
