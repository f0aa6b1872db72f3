//! SRS for forwarders (core's `spfkit::srs`): the class `Srs` and
//! `srsSecret` for js/src/srs.js. In the default module, so a forwarder's
//! page or worker does not download the receiver policy.
//!
//! js/src/srs.js has read the caller's settings into a plain object of
//! checked types (secrets as Uint8Arrays, numbers whole and not negative)
//! and the clock when no time is given; here they become core's
//! `Settings`, and core checks them and rewrites. Every rule, name and
//! message is core's.

use js_sys::{Array, Reflect, Uint8Array};
use serde::Serialize;
use spfkit::srs::{self as core_srs, Forwarded, Settings, SettingsError, Warning};
use wasm_bindgen::prelude::*;

use crate::errors::{error, invalid};
use crate::values::{string_arg, to_js};

/// An address refused: code `srs`, with core's kind name and sentence
/// (`reason`); the message is core's "kind: sentence".
fn refused(e: &core_srs::Error) -> JsValue {
    error("srs", &e.to_string(), &[("kind", e.kind().as_str().into()), ("reason", e.message().into())])
}

/// Settings refused: code `srs-settings`, kind and sentence as core names
/// them, the message written as an address error's.
fn settings_error(e: SettingsError) -> JsValue {
    let reason = e.to_string();
    error(
        "srs-settings",
        &format!("{}: {reason}", e.as_str()),
        &[("kind", e.as_str().into()), ("reason", reason.into())],
    )
}

/// `settings[key]`, undefined when absent (the JS layer made the object).
fn field(settings: &JsValue, key: &str) -> JsValue {
    Reflect::get(settings, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// A whole number the JS layer checked (absent: `None`).
fn count(v: &JsValue) -> Result<Option<f64>, JsValue> {
    if v.is_undefined() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(Some(n)),
        _ => Err(invalid("hashLength, hashMin and maxAgeDays must be whole numbers, 0 or more")),
    }
}

/// The snapshot `{ secrets, domain, separator, hashLength, hashMin,
/// maxAgeDays, urlSafe, localDomains, refuseLong }` as core's settings;
/// what is absent keeps `Settings::new`'s default.
fn settings(v: &JsValue) -> Result<Settings, JsValue> {
    let domain = string_arg(&field(v, "domain"), "domain")?;
    let mut s = Settings::new(domain, b"");
    s.secrets.clear();
    let secrets = field(v, "secrets");
    if !Array::is_array(&secrets) {
        return Err(invalid("secrets must be an array"));
    }
    for b in Array::from(&secrets).iter() {
        let b = b.dyn_ref::<Uint8Array>().ok_or_else(|| invalid("each secret must be a Uint8Array"))?;
        s.secrets.push(b.to_vec());
    }
    let sep = field(v, "separator");
    if !sep.is_undefined() {
        let sep = string_arg(&sep, "separator")?;
        let mut chars = sep.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => s.separator = c,
            // Not one character: no separator core takes either.
            _ => return Err(settings_error(SettingsError::BadSeparator)),
        }
    }
    // Float-to-int casts saturate: a number past the field's range stays
    // past core's bound, and core names it.
    if let Some(n) = count(&field(v, "hashLength"))? {
        s.hash_length = n as usize;
    }
    if let Some(n) = count(&field(v, "hashMin"))? {
        s.hash_min = n as usize;
    }
    if let Some(n) = count(&field(v, "maxAgeDays"))? {
        s.max_age_days = n as u32;
    }
    let flag = |key: &str| field(v, key).as_bool().unwrap_or(false);
    s.url_safe = flag("urlSafe");
    s.refuse_long = flag("refuseLong");
    let local = field(v, "localDomains");
    if !local.is_undefined() {
        if !Array::is_array(&local) {
            return Err(invalid("localDomains must be an array"));
        }
        for d in Array::from(&local).iter() {
            s.local_domains.push(d.as_string().ok_or_else(|| invalid("each local domain must be a string"))?);
        }
    }
    Ok(s)
}

/// Unix seconds the JS layer checked (or read off the clock).
fn seconds(now: f64) -> Result<u64, JsValue> {
    if (0.0..=9_007_199_254_740_991.0).contains(&now) && now.fract() == 0.0 {
        Ok(now as u64)
    } else {
        Err(invalid("now must be whole seconds since the epoch"))
    }
}

#[derive(Serialize)]
struct WarningOut {
    /// Core's name (`Warning::as_str`).
    kind: &'static str,
    /// The rewritten local part's octets, for `long-local-part`.
    octets: Option<usize>,
    /// Core's sentence (its `Display`).
    message: String,
}

#[derive(Serialize)]
struct ForwardedOut<'a> {
    address: &'a str,
    rewritten: bool,
    /// Why it is unchanged (`Unchanged::as_str`); null when rewritten.
    reason: Option<&'static str>,
    warnings: Vec<WarningOut>,
}

fn warning_out(w: &Warning) -> WarningOut {
    let octets = match w {
        Warning::LongLocalPart { octets } => Some(*octets),
        // Core may add warnings; they still get their name and sentence.
        _ => None,
    };
    WarningOut { kind: w.as_str(), octets, message: w.to_string() }
}

/// A forwarder's rewriter: core's `Srs`, built from checked settings.
#[wasm_bindgen(js_name = Srs)]
pub struct WasmSrs {
    inner: core_srs::Srs,
}

#[wasm_bindgen(js_class = Srs)]
impl WasmSrs {
    /// `settings`: the JS layer's snapshot (see `settings`).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> Result<WasmSrs, JsValue> {
        let inner = core_srs::Srs::new(self::settings(&settings)?).map_err(settings_error)?;
        Ok(WasmSrs { inner })
    }

    /// Core's `forward` at `now` (Unix seconds): { address, rewritten,
    /// reason, warnings }.
    pub fn forward(&self, address: JsValue, now: f64) -> Result<JsValue, JsValue> {
        let address = string_arg(&address, "address")?;
        let f = self.inner.forward(&address, seconds(now)?).map_err(|e| refused(&e))?;
        let out = match &f {
            Forwarded::Rewritten { address, warnings } => ForwardedOut {
                address,
                rewritten: true,
                reason: None,
                warnings: warnings.iter().map(warning_out).collect(),
            },
            Forwarded::Unchanged { address, reason } => {
                ForwardedOut { address, rewritten: false, reason: Some(reason.as_str()), warnings: Vec::new() }
            }
        };
        Ok(to_js(&out))
    }

    /// Core's `reverse` at `now` (Unix seconds): where a bounce goes.
    pub fn reverse(&self, address: JsValue, now: f64) -> Result<String, JsValue> {
        let address = string_arg(&address, "address")?;
        self.inner.reverse(&address, seconds(now)?).map_err(|e| refused(&e))
    }
}

/// A new secret from random octets the JS layer drew
/// (`crypto.getRandomValues`): core's `secret_from_bytes`.
#[wasm_bindgen(js_name = srsSecret)]
pub fn srs_secret(random: &[u8]) -> String {
    core_srs::secret_from_bytes(random)
}
