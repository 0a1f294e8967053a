import FerryValues
import Foundation
@testable import SageSide
import Testing

/// `Amount` must give what `Decimal` gave on the same texts: the mapping's outputs stay byte-identical.
@Suite("Amount computes and writes as Decimal did")
struct AmountTests {
    /// The demo catalogue's SplitMix64: the same cases on every run.
    struct Generator {
        private var random: SplitMix64
        init(state: UInt64) { random = SplitMix64(seed: state) }
        mutating func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }

        /// An amount's text: mostly order-like, some with many decimals or digits, some beyond Int64.
        mutating func amountText() -> String {
            let sign = below(5) == 0 ? "-" : ""
            let integerDigits = [0, 1, 1, 2, 2, 3, 4, 6, 9, 15, 19, 25][below(12)]
            let decimals = [0, 0, 1, 2, 2, 2, 4, 4, 10, 17, 19, 24][below(12)]
            var text = sign
            text += integerDigits == 0 ? "0" : String((0..<integerDigits).map { i in
                Character(String(i == 0 ? 1 + below(9) : below(10)))
            })
            if decimals > 0 {
                text += "." + String((0..<decimals).map { _ in Character(String([0, 0, 5, below(10)][below(4)])) })
            }
            return text
        }
    }

    static let odd = [
        "0", "-0", "+5", "-0.000", "007.50", "1.2.3", ".5", "5.", "-.5", "-", ".", "+", "--5", "1-2", "1e5", "1e400",
        " 14.12 ", "14.1200", "9223372036854775807", "9223372036854775808", "-9223372036854775807",
        "-9223372036854775808", "0.000000000000000001", "0.0000000000000000001", "10.0000000001",
        "99999999999999999999999999999999", "123456789012345678901234567890123456789012", "", "abc", "12abc",
        "0.100000000000000000000000",
    ]

    @Test func parsesAndWritesAsDecimal() {
        var g = Generator(state: 1)
        for text in Self.odd + (0..<5_000).map({ _ in g.amountText() }) {
            let decimal = Decimal(amountText: text)
            let amount = Amount(amountText: text)
            #expect((amount == nil) == (decimal == nil), "\(text)")
            if let decimal, let amount {
                #expect(amount.amountText == decimal.amountText, "\(text)")
                #expect(amount.decimal == decimal, "\(text)")
                #expect(Amount(decimal) == amount, "\(text)")
            }
        }
    }

    @Test func computesAsDecimal() {
        var g = Generator(state: 2)
        let texts = Self.odd.filter { Decimal(amountText: $0) != nil }
        for round in 0..<20_000 {
            let x = round < texts.count * texts.count ? texts[round % texts.count] : g.amountText()
            let y = round < texts.count * texts.count ? texts[round / texts.count] : g.amountText()
            let (a, b) = (Amount(amountText: x)!, Amount(amountText: y)!)
            let (c, d) = (Decimal(amountText: x)!, Decimal(amountText: y)!)
            let context = "\(x) and \(y)"
            #expect((a + b).amountText == (c + d).amountText, "\(context) +")
            #expect((a - b).amountText == (c - d).amountText, "\(context) -")
            #expect((a * b).amountText == (c * d).amountText, "\(context) *")
            #expect((a == b) == (c == d), "\(context) ==")
            #expect((a < b) == (c < d), "\(context) <")
            #expect(a.magnitude.amountText == abs(c).amountText, "\(context) abs")
            #expect((a == b) ? a.hashValue == b.hashValue : true, "\(context) hash")
            let places = g.below(5)
            #expect(a.rounded(places).amountText == c.rounded(places).amountText, "\(context) rounded(\(places))")
            if d != 0 {
                #expect(
                    a.divided(by: b, rounded: places).amountText == (c / d).rounded(places).amountText,
                    "\(context) / rounded(\(places))")
            }
        }
    }

    /// Quantities and prices as orders have them: the divisions the line discounts make.
    @Test func divisionsOfOrderLinesRoundAsDecimal() {
        var g = Generator(state: 3)
        for _ in 0..<20_000 {
            let qty = "\(1 + g.below(40))" + (g.below(4) == 0 ? ".\(g.below(1000))" : "")
            let cents = g.below(2_000_000) - 200_000
            let numerator = "\(cents < 0 ? "-" : "")\(abs(cents) / 10_000).\(String(format: "%04d", abs(cents) % 10_000))5"
            for places in [2, 4] {
                let expected = (Decimal(amountText: numerator)! / Decimal(amountText: qty)!).rounded(places).amountText
                let actual = Amount(amountText: numerator)!.divided(by: Amount(amountText: qty)!, rounded: places)
                #expect(actual.amountText == expected, "\(numerator) / \(qty) rounded(\(places))")
            }
        }
    }
}
