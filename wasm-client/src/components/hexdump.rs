//! A virtualized, annotated hex dump: only the rows in view are in the page, so 70 KiB and more
//! scroll smoothly. Every byte is coloured by the part of the message it belongs to, and the
//! table under it names every field with its offset, length and meaning.

use std::rc::Rc;

use scoring::inspect::layout::{WireField, field_at};
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::browser;
use crate::format;

/// Bytes per row.
pub const BYTES_PER_ROW: usize = 16;
/// Height of a row in CSS pixels (`.hex-row` in `web/styles.css` must match).
pub const ROW_PX: f64 = 20.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 8;
/// Rows assumed visible before the first scroll event (the view is 18 rows high).
const INITIAL_ROWS: usize = 18;

/// Properties of [`HexDump`].
#[derive(Properties, PartialEq)]
pub struct HexDumpProps {
    /// Element id of the dump.
    pub id: AttrValue,
    /// The bytes.
    pub bytes: Rc<Vec<u8>>,
    /// The fields covering the bytes, in order.
    pub fields: Rc<Vec<WireField>>,
    /// What the bytes are ("the request", ...), for screen readers.
    pub label: AttrValue,
    /// Name of the file the save button writes.
    pub file_name: AttrValue,
}

/// The first row shown and the number of rows that fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct View {
    first: usize,
    visible: usize,
}

fn row_html(bytes: &[u8], fields: &[WireField], row: usize) -> Html {
    let start = row * BYTES_PER_ROW;
    let end = (start + BYTES_PER_ROW).min(bytes.len());
    // Consecutive bytes of one field form one span.
    let mut segments: Vec<(Option<usize>, String)> = Vec::new();
    for offset in start..end {
        let field = field_at(fields, offset);
        let hex = bytes
            .get(offset)
            .map_or_else(String::new, |b| format!("{b:02x}"));
        match segments.last_mut() {
            Some((f, text)) if *f == field => {
                text.push(' ');
                text.push_str(&hex);
            }
            _ => segments.push((field, hex)),
        }
    }
    let starting: Vec<&str> = fields
        .iter()
        .filter(|f| f.offset >= start && f.offset < end)
        .map(|f| f.name.as_str())
        .collect();
    let label = if starting.is_empty() {
        field_at(fields, start)
            .and_then(|i| fields.get(i))
            .map_or_else(String::new, |f| format!("… {}", f.name))
    } else {
        starting.join(" · ")
    };
    html! {
        <div class="hex-row" data-offset={start.to_string()}>
            <span class="hex-offset">{ format!("{start:06x}") }</span>
            <span class="hex-bytes">
                { for segments.into_iter().enumerate().map(|(i, (field, text))| {
                    let f = field.and_then(|index| fields.get(index));
                    let class = f.map_or_else(|| "g-none".to_owned(), |f| format!("g-{}", f.group.name()));
                    let parity = field.map_or("", |index| if index % 2 == 0 { "f-even" } else { "f-odd" });
                    let title = f.map_or_else(String::new, |f| format!("{}: {}", f.name, f.detail));
                    html! {
                        <>
                            if i > 0 { { " " } }
                            <span class={classes!(class, parity)} title={title}>{ text }</span>
                        </>
                    }
                }) }
            </span>
            <span class="hex-field">{ label }</span>
        </div>
    }
}

/// The dump, a save button, and the table of fields (each name scrolls the dump to its field).
#[component]
pub fn HexDump(props: &HexDumpProps) -> Html {
    let view = use_state_eq(|| View {
        first: 0,
        visible: INITIAL_ROWS,
    });
    let scroller = use_node_ref();
    let rows = props.bytes.len().div_ceil(BYTES_PER_ROW);

    let onscroll = {
        let view = view.clone();
        Callback::from(move |e: Event| {
            let el: HtmlElement = e.target_unchecked_into();
            let top = f64::from(el.scroll_top().max(0));
            let height = f64::from(el.client_height().max(0));
            view.set(View {
                first: (top / ROW_PX) as usize,
                visible: (height / ROW_PX).ceil() as usize + 1,
            });
        })
    };
    let jump = |offset: usize| {
        let scroller = scroller.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = scroller.cast::<HtmlElement>() {
                el.set_scroll_top(((offset / BYTES_PER_ROW) as f64 * ROW_PX) as i32);
            }
        })
    };
    let save = {
        let bytes = Rc::clone(&props.bytes);
        let name = props.file_name.clone();
        Callback::from(move |_: MouseEvent| {
            let _ = browser::download(&bytes, &name);
        })
    };

    let first = view.first.saturating_sub(OVERSCAN).min(rows);
    let last = (view.first + view.visible + OVERSCAN).min(rows);
    let spacer = format!("height: {}px", rows as f64 * ROW_PX);
    let window = format!("transform: translateY({}px)", first as f64 * ROW_PX);

    html! {
        <div class="hexdump" id={props.id.clone()} data-length={props.bytes.len().to_string()}>
            <div class="hex-toolbar">
                <span>{ format!("{} in {} rows of {BYTES_PER_ROW}", format::bytes(props.bytes.len()),
                                format::thousands(rows)) }</span>
                <button type="button" class="save" onclick={save}>{ "Save these bytes" }</button>
            </div>
            <div class="hex-scroll" ref={scroller.clone()} {onscroll} tabindex="0" role="region"
                 aria-label={format!("hex dump of {}", props.label)}>
                <div class="hex-spacer" style={spacer}>
                    <div class="hex-window" style={window}>
                        { for (first..last).map(|row| row_html(&props.bytes, &props.fields, row)) }
                    </div>
                </div>
            </div>
            <table class="fields">
                <thead>
                    <tr><th>{ "field" }</th><th>{ "offset" }</th><th>{ "bytes" }</th>
                        <th>{ "what it holds" }</th></tr>
                </thead>
                <tbody>
                    { for props.fields.iter().enumerate().map(|(i, f)| html! {
                        <tr data-field={f.name.clone()} data-offset={f.offset.to_string()}
                            data-len={f.len.to_string()}>
                            <th scope="row">
                                <button type="button"
                                        class={classes!("field-link", format!("g-{}", f.group.name()),
                                                        if i % 2 == 0 { "f-even" } else { "f-odd" })}
                                        onclick={jump(f.offset)}
                                        title="show in the dump">
                                    { f.name.clone() }
                                </button>
                            </th>
                            <td class="num">{ format::thousands(f.offset) }</td>
                            <td class="num">{ format::thousands(f.len) }</td>
                            <td class="detail">{ f.detail.clone() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
