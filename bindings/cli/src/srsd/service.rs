//! What srsd's connections share (the maps in force, the log) and one
//! connection's conversation in either protocol.

use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::daemon::connections::{Conversation, Service};
use crate::daemon::log::Logger;

use super::maps::{Answer, Map, Maps};
use super::{socketmap, tcp_table};

/// What a listener serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// socketmap: both maps, by name.
    Socketmap,
    /// tcp_table: one map per port.
    TcpTable(Map),
}

impl Endpoint {
    /// As logged: `socketmap`, `tcp_table:forward`, `tcp_table:reverse`.
    pub fn describe(self) -> String {
        match self {
            Endpoint::Socketmap => "socketmap".to_owned(),
            Endpoint::TcpTable(m) => format!("tcp_table:{}", m.name()),
        }
    }
}

/// The maps in force and the log.
pub struct Context {
    maps: RwLock<Arc<Maps>>,
    /// The log.
    pub log: Arc<Logger>,
}

impl Context {
    /// A context answering with `maps`.
    pub fn new(maps: Maps, log: Arc<Logger>) -> Context {
        Context { maps: RwLock::new(Arc::new(maps)), log }
    }

    /// Puts `maps` in force for lookups from now on (SIGHUP).
    pub fn replace(&self, maps: Maps) {
        *self.maps.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(maps);
    }

    fn maps(&self) -> Arc<Maps> {
        Arc::clone(&self.maps.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Looks `key` up in `map` now, logging the outcome; a key that is not
    /// UTF-8, a clock before 1970 or a panic (a bug) are answered, never
    /// fatal.
    pub fn lookup(&self, peer: &str, map: Map, key: &[u8]) -> Answer {
        let Ok(key) = std::str::from_utf8(key) else {
            self.log.info(&format!("{peer}: {} {}: not found (not UTF-8)", map.name(), String::from_utf8_lossy(key)));
            return Answer::NotFound("malformed: not UTF-8".into());
        };
        let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) else {
            self.log.error("the system clock is before 1970: answering TEMP");
            return Answer::Temp("the server's clock is wrong".into());
        };
        let maps = self.maps();
        let looked = std::panic::catch_unwind(|| maps.lookup(map, key, now.as_secs()));
        let Ok((answer, warnings)) = looked else {
            self.log.error(&format!("{peer}: {} {key}: internal error; answered TEMP", map.name()));
            return Answer::Temp("internal error".into());
        };
        for w in warnings {
            self.log.warning(&format!("{peer}: {} {key}: {w}", map.name()));
        }
        let outcome = match &answer {
            Answer::Found(v) => format!("-> {v}"),
            Answer::NotFound(why) => format!("not found ({why})"),
            Answer::Perm(why) => format!("permanent error ({why})"),
            Answer::Temp(why) => format!("temporary error ({why})"),
        };
        self.log.info(&format!("{peer}: {} {key} {outcome}", map.name()));
        answer
    }
}

/// One connection.
pub enum SrsdConversation<'a> {
    /// socketmap.
    Socketmap {
        /// The shared context.
        ctx: &'a Context,
        /// The peer, as logged.
        peer: String,
        /// The parser.
        parser: socketmap::Parser,
    },
    /// tcp_table, for one map.
    TcpTable {
        /// The shared context.
        ctx: &'a Context,
        /// The peer, as logged.
        peer: String,
        /// The parser.
        parser: tcp_table::Parser,
        /// The port's map.
        map: Map,
    },
}

/// A request of either protocol.
pub enum SrsdRequest {
    /// socketmap.
    Socketmap(socketmap::Request),
    /// tcp_table.
    TcpTable(tcp_table::Request),
}

impl Conversation for SrsdConversation<'_> {
    type Request = SrsdRequest;

    fn feed(&mut self, data: &[u8], out: &mut Vec<SrsdRequest>) {
        // Parsed into a scratch list of the protocol's own requests: a
        // read brings a few at most.
        match self {
            SrsdConversation::Socketmap { parser, .. } => {
                let mut got = Vec::new();
                parser.feed(data, &mut got);
                out.extend(got.into_iter().map(SrsdRequest::Socketmap));
            }
            SrsdConversation::TcpTable { parser, .. } => {
                let mut got = Vec::new();
                parser.feed(data, &mut got);
                out.extend(got.into_iter().map(SrsdRequest::TcpTable));
            }
        }
    }

    fn in_request(&self) -> bool {
        match self {
            SrsdConversation::Socketmap { parser, .. } => parser.in_request(),
            SrsdConversation::TcpTable { parser, .. } => parser.in_request(),
        }
    }

    fn answer(&mut self, request: &SrsdRequest) -> Vec<u8> {
        use socketmap::Status as S;
        use tcp_table::Status as T;
        match (self, request) {
            (SrsdConversation::Socketmap { ctx, peer, .. }, SrsdRequest::Socketmap(r)) => match r {
                socketmap::Request::Lookup { name, key } => match Map::from_name(name) {
                    Some(map) => match ctx.lookup(peer, map, key) {
                        Answer::Found(v) => socketmap::reply(S::Ok, &v),
                        Answer::NotFound(why) => socketmap::reply(S::NotFound, &why),
                        Answer::Perm(why) => socketmap::reply(S::Perm, &why),
                        Answer::Temp(why) => socketmap::reply(S::Temp, &why),
                    },
                    None => {
                        let name = String::from_utf8_lossy(name);
                        ctx.log.warning(&format!("{peer}: socketmap lookup in an unknown map {name:?}"));
                        socketmap::reply(S::Perm, "unknown map: forward and reverse are served")
                    }
                },
                socketmap::Request::Bad(why) => {
                    ctx.log.warning(&format!("{peer}: bad socketmap request: {why}"));
                    socketmap::reply(S::Perm, &format!("invalid request: {why}"))
                }
            },
            (SrsdConversation::TcpTable { ctx, peer, map, .. }, SrsdRequest::TcpTable(r)) => match r {
                tcp_table::Request::Get(key) => match ctx.lookup(peer, *map, key) {
                    Answer::Found(v) => tcp_table::reply(T::Found, &v),
                    Answer::NotFound(why) | Answer::Perm(why) => tcp_table::reply(T::NotFound, &why),
                    Answer::Temp(why) => tcp_table::reply(T::Temp, &why),
                },
                tcp_table::Request::Bad(why) => {
                    ctx.log.warning(&format!("{peer}: bad tcp_table request: {why}"));
                    tcp_table::reply(T::NotFound, &format!("invalid request: {why}"))
                }
            },
            // Each conversation parses only its own protocol's requests.
            (SrsdConversation::Socketmap { .. }, _) => socketmap::reply(S::Temp, "internal error"),
            (SrsdConversation::TcpTable { .. }, _) => tcp_table::reply(T::Temp, "internal error"),
        }
    }

    fn fatal(&self) -> Option<String> {
        match self {
            SrsdConversation::Socketmap { parser, .. } => parser.fatal().map(str::to_owned),
            SrsdConversation::TcpTable { parser, .. } => parser.fatal().map(str::to_owned),
        }
    }
}

impl Service for Context {
    type Endpoint = Endpoint;
    type Conversation<'a> = SrsdConversation<'a>;

    fn log(&self) -> &Logger {
        &self.log
    }

    fn open<'a>(&'a self, endpoint: &Endpoint, peer: &str) -> SrsdConversation<'a> {
        let peer = peer.to_owned();
        match *endpoint {
            Endpoint::Socketmap => SrsdConversation::Socketmap { ctx: self, peer, parser: socketmap::Parser::new() },
            Endpoint::TcpTable(map) => {
                SrsdConversation::TcpTable { ctx: self, peer, parser: tcp_table::Parser::new(), map }
            }
        }
    }
}
