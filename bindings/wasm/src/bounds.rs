//! Core's bounds, for the JS layer to check options and snapshot answers
//! against before anything reaches the step classes.

use serde::Serialize;
use spfkit as spf;
use wasm_bindgen::prelude::*;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BoundsOut {
    /// Bytes of an ip, sender, HELO or receiver (spf::Request::MAX_LENGTH).
    max_length: usize,
    /// Largest processing limit (spf::Limits::MAX).
    max_limit: u32,
    /// Largest maxNodes (spf::AnalysisOptions::MAX_NODES).
    max_nodes: usize,
    /// Records in one answer (spf::Answer::MAX_RECORDS).
    max_records: usize,
    /// Bytes of TXT data in one answer (spf::RData::MAX_TXT).
    max_txt: usize,
    /// Bytes of a DNS message (spf::wire::MAX_MESSAGE).
    max_message: usize,
    /// Entries of a settings list (spf::policy::MAX_LIST).
    max_settings_list: usize,
    /// Entries of a settings table (spf::policy::MAX_OVERRIDES, the
    /// `domain` and `address` tables' bound).
    max_settings_table: usize,
    /// Bytes of an address SRS takes or writes (spf::srs::MAX_ADDRESS_LEN).
    max_srs_address: usize,
}

/// Core's bounds: { maxLength, maxLimit, maxNodes, maxRecords, maxTxt,
/// maxMessage, maxSettingsList, maxSettingsTable, maxSrsAddress }.
#[wasm_bindgen]
pub fn bounds() -> JsValue {
    crate::values::to_js(&BoundsOut {
        max_length: spf::Request::MAX_LENGTH,
        max_limit: spf::Limits::MAX,
        max_nodes: spf::AnalysisOptions::MAX_NODES,
        max_records: spf::Answer::MAX_RECORDS,
        max_txt: spf::RData::MAX_TXT,
        max_message: spf::wire::MAX_MESSAGE,
        max_settings_list: spf::policy::MAX_LIST,
        max_settings_table: spf::policy::MAX_OVERRIDES,
        max_srs_address: spf::srs::MAX_ADDRESS_LEN,
    })
}
