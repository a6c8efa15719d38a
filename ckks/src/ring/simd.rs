//! The CPU-feature token of the AVX-512 IFMA kernels (x86-64 only).
//!
//! [`Ifma`] exists only when the processor has AVX-512 F/DQ/VL/BW and the 52-bit integer
//! multiply-add (IFMA): [`Ifma::try_new`] checks at run time, and [`Ifma::vectorize`] runs a
//! closure compiled for those features. The intrinsics are reached through the token's fields
//! (pulp's safe wrappers), so kernels written with it need no `unsafe`; every kernel keeps a
//! scalar path for other processors and for wasm32, and the tests compare the two.
//!
//! IFMA multiplies the low 52 bits of two lanes and adds the low or the high 52 bits of the
//! 104-bit product to a third: with moduli below 2^50 that is a Shoup product in two
//! instructions (`docs/benchmarks.md`).

pub use token::Ifma;

mod token {
    // The fields are pulp's feature tokens, one per feature, named after it; their methods are
    // the intrinsics of that feature.
    #![allow(missing_docs)]

    pulp::simd_type! {
        /// AVX-512 (F, DQ, VL, BW) with IFMA, checked at run time. Each field is the token of
        /// the feature it is named after; its methods are that feature's intrinsics.
        pub struct Ifma {
            pub avx512f: "avx512f",
            pub avx512dq: "avx512dq",
            pub avx512vl: "avx512vl",
            pub avx512bw: "avx512bw",
            pub avx512ifma: "avx512ifma",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_runs_ifma() {
        let Some(simd) = Ifma::try_new() else { return };
        let out = simd.vectorize(|| {
            let a: core::arch::x86_64::__m512i = pulp::cast([3u64; 8]);
            let b: core::arch::x86_64::__m512i = pulp::cast([5u64; 8]);
            let z = simd.avx512f._mm512_setzero_si512();
            let lo = simd.avx512ifma._mm512_madd52lo_epu64(z, a, b);
            pulp::cast::<_, [u64; 8]>(lo)
        });
        assert_eq!(out, [15; 8]);
    }
}
