public import FerryValues
public import Foundation

/// A Magento order as downloaded: the fields the order XML carries, amounts exact.
///
/// Every field is optional because Magento omits nulls; the raw JSON is kept for fields not modelled here. A
/// downloaded order stays in its page's ``JSONTape`` (#18: making a tree of every order was most of a download's
/// CPU); ``json`` makes the tree when asked.
public struct MagentoOrder: Sendable {
    private enum Source: Sendable {
        case json(JSONValue)
        case tape(JSONTape, Int)
    }

    private let source: Source

    /// Wraps an order's JSON.
    public init(json: JSONValue) { source = .json(json) }

    /// The order at `index` of `tape` (an element of a search page's `items`).
    public init(tape: JSONTape, at index: Int) { source = .tape(tape, index) }

    /// The order's JSON as received.
    public var json: JSONValue {
        switch source {
        case .json(let json): json
        case .tape(let tape, let index): tape.value(at: index)
        }
    }

    /// The order as a tape and the index of its object: the downloaded page's, or its JSON written and read
    /// back (what the order XML writer reads).
    /// - Throws: ``JSONParseError`` for a JSON made in code that is no JSON text (a number that is not one).
    func tape() throws(JSONParseError) -> (tape: JSONTape, index: Int) {
        switch source {
        case .tape(let tape, let index): (tape, index)
        case .json(let json): (try JSONTape.parse(Array(json.data)), 0)
        }
    }

    /// One top-level field, without making the rest of the order.
    public subscript(field: String) -> JSONValue? {
        switch source {
        case .json(let json): json[field]
        case .tape(let tape, let index): tape.member(field, of: index).map(tape.value(at:))
        }
    }

    /// `entity_id`: the id REST calls use.
    public var entityID: Int? { self["entity_id"]?.int }
    /// `increment_id`: the order number customers see.
    public var incrementID: String? { self["increment_id"]?.text }
    /// `updated_at` in UTC, `YYYY-MM-DD HH:MM:SS`.
    public var updatedAt: String? { self["updated_at"]?.text }
    public var createdAt: String? { self["created_at"]?.text }
    public var status: String? { self["status"]?.text }
    public var state: String? { self["state"]?.text }
    /// `grand_total` exactly as sent.
    public var grandTotal: Decimal? { self["grand_total"]?.decimal }
    public var items: [JSONValue] { self["items"]?.array ?? [] }
    public var statusHistories: [JSONValue] { self["status_histories"]?.array ?? [] }

    /// The shipping address, which Magento only sends under `extension_attributes.shipping_assignments`.
    public var shippingAddress: JSONValue? {
        self["extension_attributes"]?["shipping_assignments"]?.array?.first?["shipping"]?["address"]
    }

    /// The shipping method code from the first shipping assignment.
    public var shippingMethod: String? {
        self["extension_attributes"]?["shipping_assignments"]?.array?.first?["shipping"]?["method"]?.text
    }
}

/// Magento's `YYYY-MM-DD HH:MM:SS` UTC timestamps.
public enum MagentoDate {
    // Unsafe: DateFormatter is not Sendable; every use goes through `lock`.
    nonisolated(unsafe) private static let formatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f
    }()
    private static let lock = NSLock()

    /// Formats a date as Magento does.
    public static func string(_ date: Date) -> String { lock.withLock { formatter.string(from: date) } }
    /// Parses a Magento date; nil when malformed.
    public static func date(_ s: String) -> Date? { lock.withLock { formatter.date(from: s) } }
}
