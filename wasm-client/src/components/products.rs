//! The list of products in the catalog.

use scoring::api::ProductInfo;
use yew::prelude::*;

/// Properties of [`ProductList`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct ProductListProps {
    /// Products, in catalog order.
    pub products: Vec<ProductInfo>,
}

/// The catalog's products by name; their scoring models stay on the server.
#[component]
pub fn ProductList(props: &ProductListProps) -> Html {
    let items = props.products.iter().map(|product| {
        html! {
            <li key={product.id.clone()} data-product={product.id.clone()}>{ &product.name }</li>
        }
    });
    html! {
        <section id="products" class="card">
            <h2>{ format!("Catalog: {} products", props.products.len()) }</h2>
            <p class="note">
                { "Each product scores a skin profile with its own model. The models stay on \
                   the server; this page only learns its own scores." }
            </p>
            <ol class="products">{ for items }</ol>
        </section>
    }
}
