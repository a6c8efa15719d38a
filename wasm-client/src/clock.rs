//! A millisecond clock for timing the steps: `performance.now()` in a browser (page or worker),
//! a monotonic clock elsewhere (native tests).

/// Milliseconds since an arbitrary origin, monotonic, sub-millisecond where the platform allows
/// (browsers coarsen `performance.now()` to 0.005-0.1 ms).
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Milliseconds since the first call in this process.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

/// Runs `f` and returns its result with the milliseconds it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = now_ms();
    let value = f();
    (value, now_ms() - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_monotonic_and_timed_measures_the_closure() {
        let a = now_ms();
        let (value, ms) = timed(|| {
            std::thread::sleep(std::time::Duration::from_millis(3));
            7
        });
        let b = now_ms();
        assert_eq!(value, 7);
        assert!(ms >= 3.0, "{ms}");
        assert!(b - a >= ms);
    }
}
