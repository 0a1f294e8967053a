import FerryValues

/// 64-bit FNV-1a of a record's canonical form (``OutputElement/canonical``), fed as the record is emitted: the
/// same hash as `contentHash(element().canonical)` without building the tree or the string, which was about
/// 12 % of a mapping run's time.
struct ContentHasher: ElementSink {
    typealias Failure = Never

    private var hash = FNV1a64()
    /// Per open branch: its name, and whether it has a child yet. A branch's `name{` is hashed at its first
    /// child; a childless branch is `name=`, as in ``OutputElement/canonical``.
    private var open: [(name: String, started: Bool)] = []

    /// The hash as the ledger keeps it: 16 lower-case hex digits.
    var hex: String { String(zeroPadded: hash.value, width: 16, radix: 16) }

    mutating func add(_ text: String) {
        hash.add(text.utf8)
    }

    mutating func leaf(_ name: String, _ text: String) {
        child()
        add(name)
        add("=")
        add(text)
    }

    mutating func open(_ name: String) {
        child()
        open.append((name, false))
    }

    mutating func close() {
        let (name, started) = open.removeLast()
        if started {
            add("}")
        } else {
            add(name)
            add("=")
        }
    }

    /// Before a child: its parent's `name{` (first child) or the `;` between siblings.
    private mutating func child() {
        guard let last = open.indices.last else { return }
        if open[last].started {
            add(";")
        } else {
            open[last].started = true
            add(open[last].name)
            add("{")
        }
    }
}

/// Sends everything to two sinks: the order file mapper writes a record and hashes it in one pass.
struct TeeSink<First: ElementSink, Second: ElementSink>: ElementSink where Second.Failure == Never {
    typealias Failure = First.Failure

    var first: First
    var second: Second

    mutating func leaf(_ name: String, _ text: String) throws(First.Failure) {
        try first.leaf(name, text)
        second.leaf(name, text)
    }

    mutating func open(_ name: String) throws(First.Failure) {
        try first.open(name)
        second.open(name)
    }

    mutating func close() throws(First.Failure) {
        try first.close()
        second.close()
    }
}
