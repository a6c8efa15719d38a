//! Step 1: the scenario, and the catalog's public facts.

use std::rc::Rc;

use scoring::api::ParamsDocument;
use yew::prelude::*;

use super::Step;
use crate::state::StepStatus;

/// Properties of [`ScenarioStep`].
#[derive(Properties, PartialEq)]
pub struct ScenarioProps {
    /// The service description.
    pub document: Rc<ParamsDocument>,
    /// Whether the scores come from the in-page worker.
    pub local: bool,
}

/// Who is involved, what each one sees, and the products on offer.
#[component]
pub fn ScenarioStep(props: &ScenarioProps) -> Html {
    let evaluator = if props.local {
        "a Web Worker in this page, running the brand's server code on the public demo catalog"
    } else {
        "the brand's scoring server"
    };
    html! {
        <Step id="step-1" number={1} title="The scenario" status={StepStatus::Done}>
            <p>
                { "A shopper wants skin-care advice without handing her skin profile to a brand. \
                   The brand wants to score its catalog without handing over its models. Here is \
                   how both get what they want:" }
            </p>
            <ol class="scenario">
                <li>{ "Her browser (this page) measures eight features, each between 0 and 1, and \
                        encrypts them with keys it generates itself (CKKS, lattice-based, 128-bit \
                        security)." }</li>
                <li>{ format!("The ciphertext goes to {evaluator}, which computes every product's \
                               score = bias + sum of weight x feature on the ciphertext, without \
                               seeing a feature.") }</li>
                <li>{ "Only this page can decrypt the scores. It ranks the products and explains \
                        the first from her own features and the products' public targets." }</li>
            </ol>
            <h3>{ format!("The catalog: {} products", props.document.products.len()) }</h3>
            <ul id="products" class="products">
                { for props.document.products.iter().map(|p| {
                    let targets: Vec<String> =
                        p.targets.iter().map(|t| t.label().to_lowercase()).collect();
                    html! {
                        <li data-product={p.id.clone()}>
                            <span class="product-name">{ p.name.clone() }</span>
                            if !p.description.is_empty() {
                                <span class="product-description">{ p.description.clone() }</span>
                            }
                            if !targets.is_empty() {
                                <span class="product-targets">
                                    { format!("targets: {}", targets.join(", ")) }
                                </span>
                            }
                        </li>
                    }
                }) }
            </ul>
            <p class="note">{ "Public: names, descriptions and targets. Secret: each product's \
                                weights and bias, which never leave the brand." }</p>
        </Step>
    }
}
