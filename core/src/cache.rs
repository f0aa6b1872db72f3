//! Parsed records shared between evaluations: [`RecordCache`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::engine::lock;
use crate::record::Record;

/// A bounded cache of parsed records, keyed by the exact bytes of the TXT
/// record, so a hit is what parsing those bytes would give and can never
/// change a result. Shared between evaluations (and threads) through
/// [`Options::cache`](crate::Options::cache); opt-in.
#[derive(Debug)]
pub struct RecordCache {
    map: Mutex<HashMap<Box<[u8]>, Arc<Record>, FxBuild>>,
    capacity: usize,
}

impl RecordCache {
    /// A cache holding at most `capacity` records; when full it starts over.
    pub fn new(capacity: usize) -> RecordCache {
        RecordCache { map: Mutex::new(HashMap::with_hasher(FxBuild)), capacity }
    }

    /// Records cached now.
    pub fn len(&self) -> usize {
        lock(&self.map).len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn get_or_parse(&self, text: &[u8]) -> Result<Arc<Record>, crate::ParseError> {
        if let Some(r) = lock(&self.map).get(text) {
            return Ok(Arc::clone(r));
        }
        let record = Arc::new(Record::parse_bytes(text)?);
        let mut map = lock(&self.map);
        if map.len() >= self.capacity {
            map.clear();
        }
        if self.capacity > 0 {
            map.insert(text.into(), Arc::clone(&record));
        }
        Ok(record)
    }
}

/// A small multiplicative hasher: the keys are records chosen by the
/// cache's owner's DNS, and a collision costs only a byte comparison.
#[derive(Clone, Copy, Default, Debug)]
struct FxBuild;

#[derive(Default)]
struct FxHasher(u64);

impl core::hash::BuildHasher for FxBuild {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

impl core::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}
