//! A 256-bar byte histogram in SVG, with the count expected from uniform bytes.

use yew::prelude::*;

/// Properties of [`Histogram`].
#[derive(Properties, PartialEq)]
pub struct HistogramProps {
    /// Count of each byte value.
    pub counts: Vec<u64>,
    /// The count each value would have if the bytes were uniform.
    pub expected: f64,
    /// Accessible title.
    pub title: AttrValue,
}

const WIDTH: f64 = 512.0;
const HEIGHT: f64 = 140.0;

/// Bars for byte values 0 to 255 and a dashed line at the uniform expectation.
#[component]
pub fn Histogram(props: &HistogramProps) -> Html {
    let top = props
        .counts
        .iter()
        .copied()
        .max()
        .map_or(1.0, |m| m as f64)
        .max(props.expected)
        * 1.15;
    let y = |count: f64| HEIGHT - count / top * HEIGHT;
    let bar = WIDTH / props.counts.len().max(1) as f64;
    html! {
        <>
        <svg class="histogram" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
             aria-label={props.title.clone()} preserveAspectRatio="none">
            <title>{ props.title.clone() }</title>
            { for props.counts.iter().enumerate().map(|(i, &c)| {
                let top_y = y(c as f64);
                html! {
                    <rect x={format!("{:.2}", i as f64 * bar)} y={format!("{top_y:.2}")}
                          width={format!("{:.2}", bar * 0.85)} height={format!("{:.2}", HEIGHT - top_y)} />
                }
            }) }
            <line x1="0" x2={format!("{WIDTH}")} y1={format!("{:.2}", y(props.expected))}
                  y2={format!("{:.2}", y(props.expected))} class="expected" />
        </svg>
        <div class="histogram-axis" aria-hidden="true">
            <span>{ "byte 0x00" }</span>
            <span>{ format!("dashed: {:.0} per value if uniform", props.expected) }</span>
            <span>{ "0xff" }</span>
        </div>
        </>
    }
}
