@testable import FerryPipeline
import Foundation
import Testing

/// The journal's `outputs` and `counters` columns are written by hand (``JournalEntry/encode(_:)-([Output])``)
/// and read with `JSONDecoder`: every name a file system allows must come back unchanged.
@Suite struct JournalTextTests {
    @Test func outputsWithAwkwardNamesReadBackUnchanged() throws {
        let names = [
            "orders-17.xml", "quote\"d.xml", "back\\slash.xml", "new\nline.xml", "tab\there.xml", "bell\u{07}.xml",
            "del\u{7F}.xml", "café €/ü.xml", "emoji 📦.xml", "", "cr\r.xml", "\u{1F}",
        ]
        let outputs = names.enumerated().map { index, name in
            JournalEntry.Output(temp: "/srv/ferry/outbox/.ferry-\(index)-\(name).tmp", folder: "/srv/fer\"ry/outbox", name: name)
        }
        let text = JournalEntry.encode(outputs)
        let decoded = try JSONDecoder().decode([JournalEntry.Output].self, from: Data(text.utf8))
        #expect(decoded.map(\.name) == names)
        #expect(decoded.map(\.temp) == outputs.map(\.temp))
        #expect(decoded.allSatisfy { $0.folder == "/srv/fer\"ry/outbox" })
        #expect(JournalEntry.encode([JournalEntry.Output]()) == "[]")
    }

    @Test func countersReadBackUnchanged() throws {
        let counters = ["orders.mapped": 3, "orders.failed": 0, "odd \"key\"\n": -2]
        let text = JournalEntry.encode(counters)
        #expect(try JSONDecoder().decode([String: Int].self, from: Data(text.utf8)) == counters)
    }
}
