/// A Magento order update (`ArrayOfOrderInfo/OrderInfo` with `increment_id` and an optional `comment`).
public struct MagentoOrderUpdate: Sendable, Hashable {
    public var incrementId: String
    public var comment: String?

    /// Creates an update.
    public init(incrementId: String, comment: String?) {
        self.incrementId = incrementId
        self.comment = comment
    }
}
