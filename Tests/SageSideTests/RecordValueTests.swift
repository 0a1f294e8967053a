import FerryValues
import FerryXML
@testable import SageSide
import Testing

/// `XMLNode.value(_:)` finds a field and Magento's `<Fields>` fallback in one pass: it must answer as the two
/// look-ups it replaced (the first child of the name; when blank or absent, the first `Fields`' `Field` of that
/// `Name`) on records with repeated, blank and missing fields and `Fields` anywhere.
@Suite struct RecordValueTests {
    /// The rule as first written: two look-ups.
    func reference(_ node: XMLNode, _ name: String) -> String? {
        if let text = node.child(name)?.text.trimmingWhitespaceAndNewlines(), !text.isEmpty { return text }
        let field = node.child("Fields")?.children(named: "Field").first { $0.attribute("Name") == name }
        guard let text = field?.attribute("Value")?.trimmingWhitespaceAndNewlines(), !text.isEmpty else { return nil }
        return text
    }

    @Test func onePassAnswersAsTheTwoLookUps() {
        let names = ["sku", "name", "email", "Fields", "Field", "x"]
        let texts = ["", "  ", "a", " b ", "\n"]
        var random = SplitMix64(seed: 18)
        func fields() -> XMLNode {
            XMLNode(name: "Fields", children: (0..<Int.random(in: 0...3, using: &random)).map { _ in
                XMLNode(name: "Field", attributes: [
                    .init(name: "Name", value: names.randomElement(using: &random)!),
                    .init(name: "Value", value: texts.randomElement(using: &random)!),
                ])
            })
        }
        for _ in 0..<20_000 {
            let children = (0..<Int.random(in: 0...6, using: &random)).map { _ -> XMLNode in
                let name = names.randomElement(using: &random)!
                return name == "Fields" && Bool.random(using: &random)
                    ? fields() : XMLNode(name: name, text: texts.randomElement(using: &random)!)
            }
            let record = XMLNode(name: "OrderInfo", children: children)
            for name in names {
                #expect(record.value(name) == reference(record, name), "\(name) in \(children.map(\.name))")
            }
        }
    }
}
