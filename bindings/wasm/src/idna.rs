//! Internationalized domain names: core is built without the idna crate,
//! whose tables would be most of the module; the platform's URL parser
//! converts instead, set when the module starts.

use spfkit as spf;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The platform's WHATWG URL class (browsers, workers, Node, Deno).
    #[wasm_bindgen(js_name = URL)]
    type Url;
    #[wasm_bindgen(constructor, js_class = "URL", catch)]
    fn new(url: &str) -> Result<Url, JsValue>;
    #[wasm_bindgen(method, getter, js_class = "URL")]
    fn hostname(this: &Url) -> String;
}

/// U-labels to A-labels (RFC 8616) by the platform's URL parser, UTS #46
/// as WHATWG URL applies it: core is built without the idna crate, whose
/// tables would be most of the module. A name holding a character URLs
/// forbid in a host (space, '%', '/', …) is refused, where the idna crate
/// would convert it; no host name holds one.
fn url_a_labels(name: &str) -> Option<String> {
    const FORBIDDEN: &[char] = &[' ', '#', '%', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '^', '|', '\u{7f}'];
    if name.contains(|c: char| c.is_ascii_control() || FORBIDDEN.contains(&c)) {
        return None;
    }
    // The ".x" keeps a numeric last label from being read as an IPv4
    // address. A root dot made by the mapping ("。") stays, as natively.
    let host = Url::new(&format!("http://{name}.x/")).ok()?.hostname();
    host.strip_suffix(".x").map(str::to_owned)
}

#[wasm_bindgen(start)]
fn start() {
    spf::set_idna(url_a_labels);
}
