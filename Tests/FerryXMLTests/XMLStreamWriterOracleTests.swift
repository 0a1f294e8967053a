import FerryTestSupport
import FerryValues
import Foundation
import Testing

@testable import FerryXML

/// `XMLStreamWriter` writes its bytes itself (#18); these compare them with libxml2's text writer, which wrote them
/// before, on random documents: names, attributes, mixed and empty content, text with every character the
/// escaping treats apart (markup, quotes, line breaks, tabs, controls XML forbids, non-ASCII, U+FFFE).
@Suite struct XMLStreamWriterOracleTests {
    /// One call on a writer, applied the same way to both.
    enum Step {
        case start(String)
        case attribute(String, String)
        case text(String)
        case end
        case element(String, String)
        case node(XMLNode)
    }

    static let names = ["a", "OrderInfo", "b-c", "x.y", "_z", "item", "SalesOrderLine", "d1"]
    static let pieces = [
        "", "x", "56.47", "<", ">", "&", "\"", "'", "\r", "\n", "\t", "\r\n", "]]>", "\u{1}", "\u{7}", "\u{1F}",
        "\u{FFFE}", "\u{FFFF}", "é", "Ω", "€", "漢", "🍕", "  ", "fish & chips", "&amp;", "a\"b'c", "\u{7F}", "\u{85}",
    ]

    static func string(_ random: inout SplitMix64) -> String {
        (0..<random.next(in: 0...4)).map { _ in pieces[random.next(in: 0...(pieces.count - 1))] }.joined()
    }

    static func node(_ random: inout SplitMix64, depth: Int) -> XMLNode {
        let attributes = (0..<random.next(in: 0...2)).map { i in
            XMLNode.Attribute(name: "k\(i)", value: string(&random))
        }
        let children = depth > 2 ? [] : (0..<random.next(in: 0...3)).map { _ in node(&random, depth: depth + 1) }
        return XMLNode(name: names[random.next(in: 0...(names.count - 1))], attributes: attributes, text: string(&random), children: children)
    }

    /// A document's calls: well nested, attributes only right after a start tag, as ferry's writers call it.
    static func steps(_ random: inout SplitMix64) -> [Step] {
        var steps: [Step] = [.start("Root")]
        var depth = 1
        var justStarted = true
        for _ in 0..<random.next(in: 0...30) {
            switch random.next(in: 0...9) {
            case 0, 1:
                steps.append(.start(names[random.next(in: 0...(names.count - 1))]))
                depth += 1
                justStarted = true
                continue
            case 2 where justStarted:
                steps.append(.attribute("n", string(&random)))
                continue
            case 3:
                steps.append(.text(string(&random)))
            case 4, 5:
                guard depth > 1 else { continue }
                steps.append(.end)
                depth -= 1
            case 6:
                steps.append(.node(node(&random, depth: 0)))
            default:
                steps.append(.element(names[random.next(in: 0...(names.count - 1))], string(&random)))
            }
            justStarted = false
        }
        return steps
    }

    static func written(_ steps: [Step], in dir: URL) throws -> [UInt8] {
        let file = dir.appendingPathComponent("out.xml")
        let writer = try XMLStreamWriter(url: file)
        for step in steps {
            switch step {
            case .start(let name): try writer.startElement(name)
            case .attribute(let name, let value): try writer.attribute(name, value)
            case .text(let text): try writer.text(text)
            case .end: try writer.endElement()
            case .element(let name, let text): try writer.element(name, text)
            case .node(let node): try writer.write(node)
            }
        }
        try writer.finish()
        return [UInt8](try Data(contentsOf: file))
    }

    static func oracle(_ steps: [Step]) -> [UInt8] {
        let writer = LibXMLTextWriterOracle()
        for step in steps {
            switch step {
            case .start(let name): writer.startElement(name)
            case .attribute(let name, let value): writer.attribute(name, value)
            case .text(let text): writer.text(text)
            case .end: writer.endElement()
            case .element(let name, let text): writer.element(name, text)
            case .node(let node): writer.write(node)
            }
        }
        return writer.finish()
    }

    @Test func writesWhatLibxml2sTextWriterWrites() throws {
        try withTemporaryDirectory { dir in
            var random = SplitMix64(seed: 18)
            var differing: [String] = []
            for round in 0..<5_000 {
                let steps = Self.steps(&random)
                let ours = try Self.written(steps, in: dir)
                let theirs = Self.oracle(steps)
                if ours != theirs, differing.count < 3 {
                    differing.append("document \(round):\n\(String(decoding: ours, as: UTF8.self))\nlibxml2:\n\(String(decoding: theirs, as: UTF8.self))")
                }
            }
            #expect(differing.isEmpty, "\(differing.joined(separator: "\n---\n"))")
        }
    }

    /// A document larger than the writer's buffer reaches the file whole, in order.
    @Test func aLargeDocumentIsWrittenWhole() throws {
        try withTemporaryDirectory { dir in
            var steps: [Step] = [.start("ArrayOfOrderInfo")]
            for i in 0..<20_000 {
                steps.append(.start("OrderInfo"))
                steps.append(.element("increment_id", "\(100_000 + i)"))
                steps.append(.element("customer_note", "Leave it by the door & ring <twice> é \(i)"))
                steps.append(.end)
            }
            let ours = try Self.written(steps, in: dir)
            #expect(ours == Self.oracle(steps))
        }
    }
}
