//! A horizontal bar chart in SVG: one bar per product, from a zero line.

use yew::prelude::*;

use crate::format;

/// Properties of [`BarChart`].
#[derive(Properties, PartialEq)]
pub struct BarChartProps {
    /// (label, value) pairs, top to bottom.
    pub bars: Vec<(String, f64)>,
    /// Accessible title of the chart.
    pub title: AttrValue,
}

const WIDTH: f64 = 600.0;
const ROW: f64 = 64.0;
const BAR: f64 = 22.0;
const PAD: f64 = 8.0;

/// Labels above the bars, values at their ends; negative values grow left of zero.
#[component]
pub fn BarChart(props: &BarChartProps) -> Html {
    let lo = props.bars.iter().map(|b| b.1).fold(0.0f64, f64::min);
    let hi = props.bars.iter().map(|b| b.1).fold(0.0f64, f64::max);
    let span = (hi - lo).max(1e-9);
    // Room on the right (and left, for negatives) for the value labels.
    let left = PAD + if lo < 0.0 { 80.0 } else { 0.0 };
    let usable = WIDTH - left - 90.0;
    let x = |v: f64| left + (v - lo) / span * usable;
    let zero = x(0.0);
    let height = props.bars.len() as f64 * ROW + PAD;
    html! {
        <svg class="bar-chart" viewBox={format!("0 0 {WIDTH} {height}")} role="img"
             aria-label={props.title.clone()} preserveAspectRatio="xMinYMin meet">
            <title>{ props.title.clone() }</title>
            { for props.bars.iter().enumerate().map(|(i, (label, value))| {
                let y = PAD + i as f64 * ROW;
                let (start, end) = if *value >= 0.0 { (zero, x(*value)) } else { (x(*value), zero) };
                let anchor_x = if *value >= 0.0 { end + 6.0 } else { start - 6.0 };
                let anchor = if *value >= 0.0 { "start" } else { "end" };
                html! {
                    <g class={classes!("bar", (i == 0).then_some("bar-top"))}>
                        <text x={format!("{left}")} y={format!("{}", y + 20.0)} class="bar-label">
                            { label.clone() }
                        </text>
                        <rect x={format!("{start:.2}")} y={format!("{}", y + 28.0)}
                              width={format!("{:.2}", (end - start).max(1.0))}
                              height={format!("{BAR}")} rx="3" />
                        <text x={format!("{anchor_x:.2}")} y={format!("{}", y + 45.0)}
                              text-anchor={anchor} class="bar-value">
                            { format::score(*value) }
                        </text>
                    </g>
                }
            }) }
            <line x1={format!("{zero:.2}")} x2={format!("{zero:.2}")} y1="30"
                  y2={format!("{height}")} class="zero-line" />
        </svg>
    }
}
