/// Which statuses an order may be given in each order state, as Magento 2.4 checks a comment's status.
///
/// Magento keeps the pairs in `sales_order_status_state`; its comment API (`POST /V1/orders/{id}/comments`)
/// refuses with 400 "The status "%1" is not part of the order status history." a status that is not assigned to
/// the order's *current* state, and otherwise records the history entry with the order's status when none is
/// given. REST offers no call that lists the pairs, so ferry knows the stock ones and is told the custom ones.
public struct OrderStatusRules: Sendable, Equatable {
    /// The pairs of a fresh Magento 2.4 store (the `InstallOrderStatusesAndInitialSalesConfig` data patch).
    public static let stock: [String: [String]] = [
        "new": ["pending"],
        "pending_payment": ["pending_payment"],
        "processing": ["processing", "fraud"],
        "complete": ["complete"],
        "closed": ["closed"],
        "canceled": ["canceled"],
        "holded": ["holded"],
        "payment_review": ["payment_review", "fraud"],
    ]

    /// The states whose orders are finished without a sale standing: never imported as sales by default.
    public static let closedStates: Set<String> = ["canceled", "closed"]

    /// Statuses allowed per state.
    public let statusesByState: [String: Set<String>]

    /// The stock pairs plus a store's own.
    ///
    /// - Parameter customStatuses: status -> the states it is assigned to (Stores > Settings > Order Status >
    ///   Assign Status to State), e.g. `["exported": ["new"]]`.
    public init(customStatuses: [String: [String]] = [:]) {
        var table = Self.stock.mapValues(Set.init)
        for (status, states) in customStatuses {
            for state in states { table[state, default: []].insert(status) }
        }
        statusesByState = table
    }

    /// True when a comment may set `status` on an order in `state`.
    public func allows(_ status: String, inState state: String) -> Bool {
        statusesByState[state]?.contains(status) == true
    }

    /// The states that allow `status`, sorted (empty when no state does).
    public func states(allowing status: String) -> [String] {
        statusesByState.filter { $0.value.contains(status) }.map(\.key).sorted()
    }

    /// The statuses `state` allows, sorted.
    public func statuses(of state: String) -> [String] { (statusesByState[state] ?? []).sorted() }
}
