//! The evaluation pool: CPU-bound scoring off the async runtime, with a bounded admission.
//!
//! A request's homomorphic evaluation runs on a dedicated rayon pool of `threads` threads (so a
//! large catalog's blocks also spread over them, as `scoring` evaluates blocks with rayon in the
//! current pool), never on a tokio worker. At most `max_in_flight` evaluations are admitted at
//! once, queued or running; the next one is refused at once with 503 (load shedding) rather than
//! queued without bound. A slot is released when its evaluation ENDS, not when the client stops
//! waiting (a request that timed out still occupies the CPU until its job returns), so the count
//! is the true load.
//!
//! A panic inside a job is caught and reported as [`ApiError::Internal`]; the pool thread and
//! the process survive.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, oneshot};

use crate::problem::ApiError;

/// A job's result with where its time went.
#[derive(Debug)]
pub struct Timed<T> {
    /// What the job returned.
    pub value: T,
    /// Time between admission and the start of the job (waiting for a pool thread).
    pub queued: Duration,
    /// Time the job ran.
    pub ran: Duration,
}

/// A bounded rayon pool for evaluations; cheap to clone (shared).
#[derive(Clone)]
pub struct EvalPool {
    pool: Arc<rayon::ThreadPool>,
    slots: Arc<Semaphore>,
    max_in_flight: usize,
}

impl core::fmt::Debug for EvalPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EvalPool")
            .field("threads", &self.pool.current_num_threads())
            .field("max_in_flight", &self.max_in_flight)
            .field("in_flight", &self.in_flight())
            .finish()
    }
}

impl EvalPool {
    /// A pool of `threads` threads (at least 1) admitting `max_in_flight` jobs (at least 1).
    ///
    /// # Errors
    /// The system refused to start the threads.
    pub fn new(threads: usize, max_in_flight: usize) -> Result<Self, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("eval-{i}"))
            .build()?;
        let max_in_flight = max_in_flight.clamp(1, Semaphore::MAX_PERMITS);
        Ok(Self {
            pool: Arc::new(pool),
            slots: Arc::new(Semaphore::new(max_in_flight)),
            max_in_flight,
        })
    }

    /// Threads of the pool.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Jobs admitted at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// Jobs admitted and not yet finished.
    pub fn in_flight(&self) -> usize {
        self.max_in_flight - self.slots.available_permits()
    }

    /// Runs `job` on the pool and waits for it.
    ///
    /// # Errors
    /// [`ApiError::Overloaded`] when `max_in_flight` jobs are already admitted;
    /// [`ApiError::Internal`] if the job panicked.
    pub async fn run<T, F>(&self, job: F) -> Result<Timed<T>, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let slot =
            Arc::clone(&self.slots)
                .try_acquire_owned()
                .map_err(|_| ApiError::Overloaded {
                    max_in_flight: self.max_in_flight,
                })?;
        let (done, result) = oneshot::channel();
        let admitted = Instant::now();
        self.pool.spawn(move || {
            let started = Instant::now();
            let value = catch_unwind(AssertUnwindSafe(job));
            let ran = started.elapsed();
            drop(slot);
            // The receiver is gone if the request timed out or the client left: nothing to do.
            let _ = done.send((value, started.duration_since(admitted), ran));
        });
        match result.await {
            Ok((Ok(value), queued, ran)) => Ok(Timed { value, queued, ran }),
            Ok((Err(panic), _, _)) => Err(ApiError::Internal {
                cause: format!("evaluation panicked: {}", panic_message(panic.as_ref())),
            }),
            Err(_) => Err(ApiError::Internal {
                cause: "evaluation job dropped".to_owned(),
            }),
        }
    }
}

/// The text of a panic payload (`panic!` with a literal or a format string), else a marker.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_off_the_runtime_and_times_them() {
        let pool = EvalPool::new(2, 4).unwrap();
        let runtime_thread = std::thread::current().id();
        let timed = pool
            .run(move || std::thread::current().id() != runtime_thread)
            .await
            .unwrap();
        assert!(timed.value, "the job ran on the async runtime's thread");
        assert_eq!(pool.in_flight(), 0);
        assert_eq!(pool.threads(), 2);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_internal_error_and_the_pool_survives() {
        let pool = EvalPool::new(1, 2).unwrap();
        let error = pool
            .run(|| -> u32 { panic!("boom in the job") })
            .await
            .unwrap_err();
        assert_eq!(
            error,
            ApiError::Internal {
                cause: "evaluation panicked: boom in the job".to_owned()
            }
        );
        assert_eq!(pool.run(|| 41 + 1).await.unwrap().value, 42);
        assert_eq!(pool.in_flight(), 0);
    }

    #[tokio::test]
    async fn admission_beyond_the_limit_is_refused_until_a_slot_frees() {
        let pool = EvalPool::new(1, 1).unwrap();
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let first = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(move || gate.recv().is_ok()).await })
        };
        while pool.in_flight() == 0 {
            tokio::task::yield_now().await;
        }
        let refused = pool.run(|| ()).await.unwrap_err();
        assert_eq!(refused, ApiError::Overloaded { max_in_flight: 1 });
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap().value);
        assert_eq!(pool.in_flight(), 0);
        assert!(pool.run(|| ()).await.is_ok());
    }
}
