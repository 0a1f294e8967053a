import FerryValues
import Foundation
import Testing

/// A ``JSONTape`` holds what the parse holds, and refuses what it refuses (#18: the download reads its pages into
/// tapes and never parses them).
@Suite struct JSONTapeTests {
    @Test func holdsWhatTheParseHolds() throws {
        var random = SplitMix64(seed: 1819)
        for round in 0..<20_000 {
            let document = random.next(in: 0...9) == 0
                ? JSONOutlineTests.value(&random, depth: 1) : JSONOutlineTests.object(&random, depth: 1)
            let text = JSONOutlineTests.text(document, &random)
            let tape = try JSONTape.parse(Array(text.utf8))
            let parsed = try JSONValue.parse(text)
            #expect(tape.value(at: 0) == parsed, "document \(round): \(text)")
            #expect(tape.values.count == Int(tape.values[0].next), "document \(round): the first value spans the tape")
            if case .object(let members) = parsed {
                for key in members.keys {
                    #expect(tape.member(key, of: 0).map(tape.value(at:)) == members[key], "document \(round): member \(key)")
                    #expect(tape.member(key, of: 0).flatMap(tape.text(at:)) == members[key]?.text, "document \(round): \(key)'s text")
                }
                #expect(tape.member("absent", of: 0) == nil)
            }
            if tape.value(at: 0) != parsed { break }
        }
    }

    /// Random cuts, insertions and replaced bytes of valid texts: the tape refuses exactly the texts the parse
    /// refuses, with the same message.
    @Test func refusesWhatTheParseRefuses() throws {
        var random = SplitMix64(seed: 1820)
        var refused = 0
        for round in 0..<20_000 {
            var bytes = Array(JSONOutlineTests.text(JSONOutlineTests.object(&random, depth: 1), &random).utf8)
            let at = random.next(in: 0...bytes.count)
            switch random.next(in: 0...3) {
            case 0: bytes.removeSubrange(at...)
            case 1: bytes.insert(Array(",:{}[]\"\\tx0-.e\u{1}".utf8)[random.next(in: 0...14)], at: at)
            case 2 where at < bytes.count: bytes.remove(at: at)
            default: bytes.append(contentsOf: Array(" ,".utf8))
            }
            var parseError: String?
            do { _ = try JSONValue.parse(Data(bytes)) } catch { parseError = "\(error)" }
            var tapeError: String?
            do { _ = try JSONTape.parse(bytes) } catch { tapeError = "\(error)" }
            #expect(tapeError == parseError, "text \(round): \(String(decoding: bytes, as: UTF8.self))")
            if parseError != nil { refused += 1 }
            if tapeError != parseError { break }
        }
        #expect(refused > 5_000, "the mutations should break most texts (\(refused) of 20,000)")
    }

    @Test func readsEscapesBooleansAndEmptyContainers() throws {
        let tape = try JSONTape.parse(Array(#"{"a\/b": "x\u00e9\ud83c\udf55", "t": true, "f": false, "n": null, "o": {}, "l": [], "k": 1, "k": 2}"#.utf8))
        #expect(tape.member("a/b", of: 0).flatMap(tape.text(at:)) == "xé🍕")
        #expect(tape.member("t", of: 0).flatMap(tape.text(at:)) == "1")
        #expect(tape.member("f", of: 0).flatMap(tape.text(at:)) == "0")
        #expect(tape.member("n", of: 0).flatMap(tape.text(at:)) == nil)
        #expect(tape.member("k", of: 0).flatMap(tape.text(at:)) == "2", "a key given twice: the last counts")
        #expect(Array(tape.elements(of: tape.member("o", of: 0)!)).isEmpty)
        #expect(Array(tape.members(of: tape.member("l", of: 0)!)).isEmpty)
        #expect(Array(tape.members(of: 0)).count == 8)
    }
}
