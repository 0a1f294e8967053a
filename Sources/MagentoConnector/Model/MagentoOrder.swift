public import FerryValues
public import Foundation

/// A Magento order as downloaded: the fields the order XML carries, amounts exact.
///
/// Every field is optional because Magento omits nulls; the raw JSON is kept for fields not modelled here.
public struct MagentoOrder: Sendable {
    /// The order's JSON as received.
    public let json: JSONValue

    /// Wraps an order's JSON.
    public init(json: JSONValue) { self.json = json }

    /// `entity_id`: the id REST calls use.
    public var entityID: Int? { json["entity_id"]?.int }
    /// `increment_id`: the order number customers see.
    public var incrementID: String? { json["increment_id"]?.text }
    /// `updated_at` in UTC, `YYYY-MM-DD HH:MM:SS`.
    public var updatedAt: String? { json["updated_at"]?.text }
    public var createdAt: String? { json["created_at"]?.text }
    public var status: String? { json["status"]?.text }
    public var state: String? { json["state"]?.text }
    /// `grand_total` exactly as sent.
    public var grandTotal: Decimal? { json["grand_total"]?.decimal }
    public var items: [JSONValue] { json["items"]?.array ?? [] }
    public var statusHistories: [JSONValue] { json["status_histories"]?.array ?? [] }

    /// The shipping address, which Magento only sends under `extension_attributes.shipping_assignments`.
    public var shippingAddress: JSONValue? {
        json["extension_attributes"]?["shipping_assignments"]?.array?.first?["shipping"]?["address"]
    }

    /// The shipping method code from the first shipping assignment.
    public var shippingMethod: String? {
        json["extension_attributes"]?["shipping_assignments"]?.array?.first?["shipping"]?["method"]?.text
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
