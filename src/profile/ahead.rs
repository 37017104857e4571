//! The sections of a large document parsed on a second thread while this one lays them. In
//! loading a 1 MB profile section by section (callgrind, 192 M instructions on the one thread
//! that runs before anything else can start), parsing the sections was 125 M and laying them
//! (taking each entry, deserializing it and dropping its tree) about 60 M: parsed ahead, the
//! thread that lays waits only for the parser, and shares its work by parsing one chunk in
//! [`OWN_EVERY`] itself.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use toml::de::DeTable;

use super::sections::section;

/// A section: where it starts in the text, and its table, parsed alone; `None` if it did not
/// parse.
pub(super) type Parsed<'i> = (usize, Option<DeTable<'i>>);

/// Sections handed over at once: one hand-over for each would wake the laying thread for each
/// of a large profile's thousands of sections.
const CHUNK: usize = 16;

/// Of every this many chunks, the laying thread parses the last itself: laying a section costs
/// about half what parsing it does, so with one in four its own both threads are about as busy.
const OWN_EVERY: usize = 4;

/// Chunks parsed and not yet laid, at most: only they are alive at once, beside the document.
const AHEAD: usize = 4;

/// `lay` over every section of `text` (one at each of `starts`), in order. The chunks this
/// thread does not parse itself are parsed on a second one; where none can be started, all are
/// parsed here. `None` where `lay` gives up or the parsing thread panicked.
pub(super) fn lay_parsed<'i, R>(
    text: &'i str,
    starts: &[usize],
    lay: impl FnOnce(&mut dyn Iterator<Item = Parsed<'i>>) -> Option<R>,
) -> Option<R> {
    std::thread::scope(|scope| {
        let (to, from) = sync_channel(AHEAD);
        let parser = std::thread::Builder::new()
            .name("meshc-sections".to_string())
            .spawn_scoped(scope, move || parse_theirs(text, starts, &to))
            .ok();
        let mut sections = Sections {
            text,
            starts,
            next: 0,
            chunk: Vec::new().into_iter(),
            from: parser.is_some().then_some(from),
            failed: false,
        };
        let laid = lay(&mut sections);
        // The parser's next hand-over then fails, and it stops.
        drop(sections);
        let parsed = parser.is_none_or(|parser| parser.join().is_ok());
        laid.filter(|_| parsed)
    })
}

/// Whether the laying thread parses chunk `k` itself.
fn own(k: usize) -> bool {
    k % OWN_EVERY == OWN_EVERY - 1
}

/// Parses, in order, the chunks that the laying thread does not parse, and hands each over;
/// stops after a section that does not parse, or once the laying thread no longer takes them.
fn parse_theirs<'i>(text: &'i str, starts: &[usize], to: &SyncSender<Vec<Parsed<'i>>>) {
    for k in (0..starts.len().div_ceil(CHUNK)).filter(|&k| !own(k)) {
        let parsed = chunk(text, starts, k);
        let failed = parsed.iter().any(|(_, table)| table.is_none());
        if to.send(parsed).is_err() || failed {
            return;
        }
    }
}

/// The sections of chunk `k`, parsed, up to the first that does not parse.
fn chunk<'i>(text: &'i str, starts: &[usize], k: usize) -> Vec<Parsed<'i>> {
    let mut parsed = Vec::with_capacity(CHUNK);
    let mine = starts.iter().enumerate().skip(k * CHUNK).take(CHUNK);
    for (i, &start) in mine {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let table = section(text, start, end);
        let failed = table.is_none();
        parsed.push((start, table));
        if failed {
            break;
        }
    }
    parsed
}

/// The sections in order, from the parsing thread or parsed here, up to the first that does
/// not parse.
struct Sections<'s, 'i> {
    text: &'i str,
    starts: &'s [usize],
    /// The next chunk.
    next: usize,
    /// What is left of the chunk being laid.
    chunk: std::vec::IntoIter<Parsed<'i>>,
    /// The parsing thread's chunks, if it started.
    from: Option<Receiver<Vec<Parsed<'i>>>>,
    /// Whether a section did not parse: none after it is handed over.
    failed: bool,
}

impl<'i> Iterator for Sections<'_, 'i> {
    type Item = Parsed<'i>;

    fn next(&mut self) -> Option<Parsed<'i>> {
        loop {
            if let Some(parsed) = self.chunk.next() {
                self.failed = parsed.1.is_none();
                return Some(parsed);
            }
            let k = self.next;
            if self.failed || k * CHUNK >= self.starts.len() {
                return None;
            }
            self.next += 1;
            let chunk = match &self.from {
                // A parser that stopped short of this chunk panicked: nothing is laid of it.
                Some(from) if !own(k) => from.recv().unwrap_or_else(|_| vec![(0, None)]),
                _ => chunk(self.text, self.starts, k),
            };
            self.chunk = chunk.into_iter();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The starts of each parsed section that `lay_parsed` hands over, up to the first that
    /// does not parse.
    fn handed(text: &str, starts: &[usize]) -> Vec<(usize, bool)> {
        lay_parsed(text, starts, |sections| {
            Some(
                sections
                    .map(|(start, table)| (start, table.is_some()))
                    .collect(),
            )
        })
        .unwrap_or_default()
    }

    #[test]
    fn every_section_is_handed_over_in_order_whichever_thread_parsed_it() {
        let text: String = (0..100).map(|i| format!("[s{i}]\nx = {i}\n")).collect();
        let starts = super::super::sections::starts(&text);
        assert!(starts.len().div_ceil(CHUNK) > OWN_EVERY);
        let all: Vec<(usize, bool)> = starts.iter().map(|&start| (start, true)).collect();
        assert_eq!(handed(&text, &starts), all);
    }

    #[test]
    fn sections_end_at_the_first_that_does_not_parse() {
        // The section that does not parse in a chunk of either thread.
        for bad in [20, 50] {
            let mut text: String = (0..bad).map(|i| format!("[s{i}]\nx = {i}\n")).collect();
            text.push_str("[bad]\nx = \n");
            text.extend((bad..100).map(|i| format!("[s{i}]\nx = {i}\n")));
            let starts = super::super::sections::starts(&text);
            assert_eq!(own(bad / CHUNK), bad == 50);
            let handed = handed(&text, &starts);
            assert_eq!(handed.len(), bad + 1);
            assert_eq!(handed.last(), Some(&(starts[bad], false)));
        }
    }
}
