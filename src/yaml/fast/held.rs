//! The events of a text held while the rest of it is checked, so that a text in the subset is
//! read once: at under half the size of saphyr-parser's `(Event, Span)`, which carries an
//! anchor, a tag and three `usize`s a place that the fast reader never needs.

use std::borrow::Cow;

use saphyr_parser::{Event, Marker, ScalarStyle, Span};

/// Longest text whose events are held. meshc's YAML has about two events a line of 23 bytes
/// (the 1,000-service render), so the events of a text this long take about 1.3 MB; a longer
/// one is read a second time instead. Holding the events of texts up to 2 MiB cut the
/// instructions of reading a 1,000-service render by a sixth but added 15 MB to its peak
/// memory (each thread holding a piece's events); below this size, as in every file of a
/// small mesh, the memory is a few hundred kilobytes.
pub(super) const MAX_HELD_TEXT: usize = 256 << 10;

/// Most events held, whatever the text: past them the buffer is dropped and the text read a
/// second time, so that memory stays bounded however dense the text (at 56 bytes an event,
/// 15 MB).
pub(super) const MAX_HELD: usize = 1 << 18;

/// Events held, in order, until the whole text is known to be in the subset.
pub(super) struct Held<'a> {
    events: Vec<(Kind<'a>, Place)>,
    limit: usize,
    /// Whether an event could not be held: the buffer was over its limit, or a place was past
    /// what 32 bits count.
    dropped: bool,
}

/// An event the fast reader hands on; anchors are 0 and tags absent in all of them.
enum Kind<'a> {
    StreamStart,
    StreamEnd,
    DocumentStart(bool),
    DocumentEnd,
    Scalar(Cow<'a, str>, ScalarStyle),
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
}

/// A span in 32-bit numbers: index, line and column of its start, then of its end.
type Place = [u32; 6];

impl<'a> Held<'a> {
    /// Holds at most `limit` events of a text of `len` bytes.
    pub(super) fn new(limit: usize, len: usize) -> Self {
        // Room for as many events as the text is likely to have, reserved at once: only the
        // pages written count in memory, where each doubling of a growing buffer copied the
        // events into a block twice their size beside the old one.
        Held {
            events: Vec::with_capacity(limit.min(len / 2)),
            limit,
            dropped: false,
        }
    }

    /// Holds `event`, or drops every event held if it cannot be held.
    pub(super) fn push(&mut self, event: Event<'a>, span: Span) {
        if self.dropped {
            return;
        }
        match (kind(event), place(span)) {
            (Some(kind), Some(place)) if self.events.len() < self.limit => {
                self.events.push((kind, place));
            }
            _ => {
                self.dropped = true;
                self.events = Vec::new();
            }
        }
    }

    /// The events held, each as it came, unless some were dropped.
    pub(super) fn events(self) -> Option<impl Iterator<Item = (Event<'a>, Span)>> {
        if self.dropped {
            return None;
        }
        Some(
            self.events
                .into_iter()
                .map(|(kind, place)| (event(kind), span(place))),
        )
    }
}

fn kind(event: Event<'_>) -> Option<Kind<'_>> {
    Some(match event {
        Event::StreamStart => Kind::StreamStart,
        Event::StreamEnd => Kind::StreamEnd,
        Event::DocumentStart(explicit) => Kind::DocumentStart(explicit),
        Event::DocumentEnd => Kind::DocumentEnd,
        Event::Scalar(text, style, 0, None) => Kind::Scalar(text, style),
        Event::SequenceStart(0, None) => Kind::SequenceStart,
        Event::SequenceEnd => Kind::SequenceEnd,
        Event::MappingStart(0, None) => Kind::MappingStart,
        Event::MappingEnd => Kind::MappingEnd,
        _ => return None,
    })
}

fn event(kind: Kind<'_>) -> Event<'_> {
    match kind {
        Kind::StreamStart => Event::StreamStart,
        Kind::StreamEnd => Event::StreamEnd,
        Kind::DocumentStart(explicit) => Event::DocumentStart(explicit),
        Kind::DocumentEnd => Event::DocumentEnd,
        Kind::Scalar(text, style) => Event::Scalar(text, style, 0, None),
        Kind::SequenceStart => Event::SequenceStart(0, None),
        Kind::SequenceEnd => Event::SequenceEnd,
        Kind::MappingStart => Event::MappingStart(0, None),
        Kind::MappingEnd => Event::MappingEnd,
    }
}

fn place(span: Span) -> Option<Place> {
    let n = |v: usize| u32::try_from(v).ok();
    let (s, e) = (span.start, span.end);
    Some([
        n(s.index())?,
        n(s.line())?,
        n(s.col())?,
        n(e.index())?,
        n(e.line())?,
        n(e.col())?,
    ])
}

fn span([si, sl, sc, ei, el, ec]: Place) -> Span {
    let m = |i: u32, l: u32, c: u32| Marker::new(i as usize, l as usize, c as usize);
    Span::new(m(si, sl, sc), m(ei, el, ec))
}

#[cfg(test)]
mod tests {
    /// The size [`super::MAX_HELD`]'s memory is counted at.
    #[test]
    fn an_event_held_takes_56_bytes_at_most() {
        assert!(size_of::<(super::Kind<'_>, super::Place)>() <= 56);
    }
}
