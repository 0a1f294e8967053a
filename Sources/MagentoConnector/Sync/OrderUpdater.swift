import FerryValues
public import Foundation
public import FerryState
import GRDB
public import Logging

/// Settings of the `magento.update-orders` task.
public struct UpdateSettings: Sendable, Codable {
    /// Status to set with the comment ("notify stage"); must belong to the order's current state in Magento.
    /// Nil or empty keeps the status. Default nil.
    public var notifyStage: String?
    /// Email the comment to the customer (`is_customer_notified`). Default false.
    public var notifyCustomer: Bool?
    /// Show the comment in the customer's account. Default false.
    public var visibleOnFront: Bool?
    /// Comment used when a record has none. Default "Order imported into Sage 50.".
    public var defaultComment: String?
    /// Skip orders already in `notifyStage`. Default true.
    public var preventReprocessing: Bool?
    /// The store's own statuses and the states they are assigned to (status -> states), on top of Magento 2.4's
    /// stock pairs; `notifyStage` must be one of these or a stock status. Default none.
    public var customStatuses: [String: [String]]?
    /// What to do with an order whose state does not allow `notifyStage`: `comment` (default) posts the comment
    /// and keeps the status; `fail` posts nothing and reports the order in the fail output.
    public var statusNotAllowed: String?

    /// Creates settings.
    public init(
        notifyStage: String? = nil, notifyCustomer: Bool? = nil, visibleOnFront: Bool? = nil,
        defaultComment: String? = nil, preventReprocessing: Bool? = nil, customStatuses: [String: [String]]? = nil,
        statusNotAllowed: String? = nil
    ) {
        self.notifyStage = notifyStage
        self.notifyCustomer = notifyCustomer
        self.visibleOnFront = visibleOnFront
        self.defaultComment = defaultComment
        self.preventReprocessing = preventReprocessing
        self.customStatuses = customStatuses
        self.statusNotAllowed = statusNotAllowed
    }

    var stage: String? { notifyStage.flatMap { $0.isEmpty ? nil : $0 } }
    var comment: String { defaultComment ?? "Order imported into Sage 50." }
    var rules: OrderStatusRules { OrderStatusRules(customStatuses: customStatuses ?? [:]) }
    var failWhenNotAllowed: Bool { statusNotAllowed == "fail" }

    /// Checks the settings against a stock Magento 2.4; returns (key, problem) for the first bad one.
    public func validate() -> (key: String, message: String)? {
        if let value = statusNotAllowed, !["comment", "fail"].contains(value) {
            return ("statusNotAllowed", "must be \"comment\" (post the comment, keep the status) or \"fail\"")
        }
        if let stage, rules.states(allowing: stage).isEmpty {
            return (
                "notifyStage",
                "\"\(stage)\" is not a status of any order state on a stock Magento 2.4, so every comment would be "
                    + "refused (400). Leave notifyStage empty for a comment only, or create the status in Magento "
                    + "(Stores > Settings > Order Status), assign it to a state and list it in customStatuses, e.g. "
                    + "{\"\(stage)\": [\"new\"]}"
            )
        }
        return nil
    }
}

/// One order to update, from an input record.
public struct OrderUpdateRequest: Sendable {
    public var incrementID: String
    /// The record's own comment; nil uses the default comment.
    public var comment: String?
    /// Creates a request.
    public init(incrementID: String, comment: String?) {
        self.incrementID = incrementID
        self.comment = comment
    }
}

/// What happened to one order.
public enum UpdateOutcome: Sendable, Equatable {
    /// The comment was posted now.
    case posted
    /// An earlier run had posted it (the ledger or the order's history says so): not posted again.
    case alreadyPosted
    /// The order already has the target status and "prevent reprocessing" is on.
    case skippedAlreadyInStatus
    /// Magento refused, or the order does not exist: the message says which and why.
    case failed(String)

    /// True for the outcomes that go to the success file.
    public var succeeded: Bool {
        if case .failed = self { return false }
        return true
    }
}

/// Posts order comments exactly once, across crashes and dropped answers.
///
/// Protocol: a ledger row `posting` is durable before the POST, `posted` after it. A row found in `posting` means
/// an earlier run may or may not have reached Magento: the order's `status_histories` decide before posting again.
public struct OrderUpdater: Sendable {
    /// The client, the state store, the ledger's scope and the logger.
    public let context: MagentoJobContext
    public let settings: UpdateSettings
    /// How long after an unsure POST the store may still add its comment: twice the client's request timeout.
    /// Past the client's timeout the store may still be working on the call (a gateway answered 502 or 504, or
    /// the client gave up, while PHP went on to send the customer's email); only after that does the order's
    /// history say for sure that the comment is not coming.
    public var undecidedSeconds: Double
    /// Test seam: runs after a successful POST, before the ledger says `posted` (a throw simulates a crash there).
    public var afterPost: (@Sendable (String) throws -> Void)?

    /// Creates the job (``MagentoSyncJob/init(client:store:scope:settings:logger:)`` makes the context).
    public init(context: MagentoJobContext, settings: UpdateSettings) {
        self.context = context
        self.settings = settings
        undecidedSeconds = 2 * context.client.configuration.http.requestTimeout
    }

    private struct Resolved: Sendable {
        let entityID: Int
        let status: String?
        let state: String?
    }

    /// Updates every order, returning one outcome per request, in order.
    ///
    /// - Parameter progress: told `(done, total)` after each order, so a file of thousands of orders shows its
    ///   progress order by order rather than once at the end.
    /// - Throws: a transient ``MagentoError`` when the store cannot be reached: orders done so far are in the ledger,
    ///   so a retry of the whole input neither skips nor repeats any. Also, after the other orders, when an order's
    ///   comment is still undecided (``MagentoError/Code/undecided``).
    public func update(
        _ requests: [OrderUpdateRequest], progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) async throws -> [UpdateOutcome] {
        let resolved = try await resolve(requests.map(\.incrementID))
        var outcomes: [UpdateOutcome] = []
        // An order whose comment is undecided does not hold back the orders after it: they go on, and the input
        // is tried again later for it (those done are `posted` in the ledger by then).
        var undecided: MagentoError?
        for request in requests {
            // A safe point: every order before this one is `posted` in the ledger (or was refused).
            if Task.isCancelled { throw MagentoError.stopped("order update") }
            if let order = resolved[request.incrementID] {
                do {
                    outcomes.append(try await update(request, order: order))
                } catch let error as MagentoError where error.code == .undecided {
                    logger.info("\(error)", metadata: ["ferry.order": "\(request.incrementID)"])
                    undecided = undecided ?? error
                    outcomes.append(.failed("\(error)"))
                }
            } else {
                outcomes.append(
                    .failed(
                        "order \(request.incrementID) not found in Magento (no order has this increment_id): "
                            + "check the order number in the input"))
            }
            progress?(outcomes.count, requests.count)
        }
        if let undecided { throw undecided }
        return outcomes
    }

    /// increment_id -> entity_id and status, 50 per search.
    private func resolve(_ ids: [String]) async throws -> [String: Resolved] {
        var result: [String: Resolved] = [:]
        let unique = Array(Set(ids)).sorted()
        var start = 0
        while start < unique.count {
            let batch = Array(unique[start..<min(start + 50, unique.count)])
            start += 50
            let criteria = SearchCriteria(
                groups: [.init([.init("increment_id", .in, batch.joined(separator: ","))])],
                sortOrders: [("entity_id", true)], pageSize: batch.count, currentPage: 1)
            let page = try await client.searchOrders(criteria)
            for item in page.items {
                let order = MagentoOrder(json: item)
                if let inc = order.incrementID, let id = order.entityID {
                    result[inc] = Resolved(entityID: id, status: order.status, state: order.state)
                }
            }
        }
        return result
    }

    /// The comment's ledger row: its state, and when it was set (for `posting`, just before the last POST).
    private func ledgerState(_ key: String) async throws -> (state: String, since: Date?)? {
        let scope = self.scope
        let row = try await store.read { db -> (String, String)? in
            try Row.fetchOne(
                db, sql: "SELECT state, changed_at FROM magento_comment_ledger WHERE scope = ? AND update_key = ?",
                arguments: [scope, key]
            ).map { ($0["state"], $0["changed_at"]) }
        }
        return row.map { state, changedAt in (state, MagentoDate.date(changedAt)) }
    }

    /// True when the store may still be working on the call that failed: no answer (a timeout, a dropped or
    /// stalled answer) or a gateway's 502, 503 or 504 (Varnish's "Backend fetch failed" and Fastly's "first byte
    /// timeout" are 503s). Magento's own error answers (500, its maintenance page) end its work on the call.
    private static func mayStillRun(_ error: MagentoError) -> Bool {
        error.code == .transport || (error.code == .http && [502, 503, 504].contains(error.status ?? 0))
    }

    private func setLedger(
        _ key: String, _ request: OrderUpdateRequest, _ entityID: Int, comment: String, status: String?, state: String?
    ) async throws {
        let scope = self.scope
        let now = MagentoDate.string(Date())
        let incrementID = request.incrementID
        // On the blocking pool (a durable write fsyncs), and not through the async write: a shutdown cancelling
        // this task must not roll back the record of a comment Magento has already taken.
        try await BlockingPool.shared.run { [store] in
            try store.write { db in
                if let state {
                    try db.execute(
                        sql: """
                            INSERT INTO magento_comment_ledger
                                (scope, update_key, increment_id, entity_id, comment, status, state, changed_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT(scope, update_key) DO UPDATE SET
                                state = excluded.state, status = excluded.status, changed_at = excluded.changed_at
                            """,
                        arguments: [scope, key, incrementID, entityID, comment, status, state, now])
                } else {
                    try db.execute(
                        sql: "DELETE FROM magento_comment_ledger WHERE scope = ? AND update_key = ?", arguments: [scope, key])
                }
            }
        }
    }

    /// True when the order's history already holds this comment (and status, if one is set).
    private func historyHasComment(entityID: Int, comment: String, status: String?) async throws -> Bool {
        let order = try await client.order(entityID: entityID)
        let wanted = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        return order.statusHistories.contains { history in
            (history["comment"]?.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines) == wanted
                && (status == nil || history["status"]?.text == status)
        }
    }

    /// The status to post with the comment: `notifyStage` when the order's state allows it, else nil (comment
    /// only), or a refusal when the settings say to report such orders. Magento would answer 400 otherwise.
    private func status(for request: OrderUpdateRequest, order: Resolved) -> Result<String?, UpdateRefusal> {
        guard let stage = settings.stage else { return .success(nil) }
        let state = order.state ?? "new"
        if settings.rules.allows(stage, inState: state) { return .success(stage) }
        let allowed = settings.rules.statuses(of: state)
        let why = "order \(request.incrementID) is in state \"\(state)\", which allows "
            + (allowed.isEmpty ? "no status" : allowed.map { "\"\($0)\"" }.joined(separator: ", "))
            + ", not notifyStage \"\(stage)\""
        if settings.failWhenNotAllowed {
            return .failure(UpdateRefusal(message: why + ": nothing posted (statusNotAllowed is \"fail\")"))
        }
        logger.info(
            "posting the comment without the status change",
            metadata: ["ferry.order": "\(request.incrementID)", "ferry.reason": "\(why)"])
        return .success(nil)
    }

    private func update(_ request: OrderUpdateRequest, order: Resolved) async throws -> UpdateOutcome {
        let comment = request.comment.flatMap { $0.isEmpty ? nil : $0 } ?? settings.comment
        // Keyed on the configured stage, not the status posted: one request is one comment whatever the state.
        let key = [request.incrementID, settings.stage ?? "", comment].joined(separator: "\u{1F}")
        let meta: Logger.Metadata = ["ferry.order": "\(request.incrementID)"]
        var status: String?
        switch self.status(for: request, order: order) {
        case .success(let allowed): status = allowed
        case .failure(let refusal): return .failed(refusal.message)
        }
        let row = try await ledgerState(key)
        switch row?.state {
        case "posted":
            return .alreadyPosted
        case "posting":
            // An earlier run crashed or lost the answer after (maybe) posting: ask Magento. The comment alone
            // decides: the order's status may have moved on since (an invoice, a shipment).
            if try await historyHasComment(entityID: order.entityID, comment: comment, status: nil) {
                try await setLedger(key, request, order.entityID, comment: comment, status: status, state: "posted")
                logger.info("comment found on the order after an interrupted run; not posting again", metadata: meta)
                return .alreadyPosted
            }
            // Not there yet, but the store may still be adding it: no second POST before it has had the time.
            // `changed_at` is kept to the second: counted from the end of that second.
            if let since = row?.since, case let waited = Date().timeIntervalSince(since) - 1, waited < undecidedSeconds {
                throw MagentoError(
                    code: .undecided, status: nil, method: "POST", path: "/orders/\(order.entityID)/comments",
                    message: "order \(request.incrementID): the last post of its comment got no sure answer "
                        + "\(Int(waited)) s ago and the order's history does not show it yet; the store may still "
                        + "be adding it, so ferry looks again before posting, from \(Int(undecidedSeconds)) s after it")
            }
        default:
            if settings.preventReprocessing ?? true, let stage = settings.stage, order.status == stage {
                return .skippedAlreadyInStatus
            }
        }

        try await setLedger(key, request, order.entityID, comment: comment, status: status, state: "posting")
        CrashPoint.hit("before-comment-post")
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await client.addComment(
                    entityID: order.entityID, comment: comment, status: status,
                    notifyCustomer: settings.notifyCustomer ?? false, visibleOnFront: settings.visibleOnFront ?? false)
                CrashPoint.hit("after-comment-post")
                try afterPost?(request.incrementID)
                try await setLedger(key, request, order.entityID, comment: comment, status: status, state: "posted")
                return .posted
            } catch let error as MagentoError where !error.isTransient {
                if status != nil, !settings.failWhenNotAllowed, error.status == 400,
                    error.message.contains("is not part of the order status history")
                {
                    // The store's pairs differ from customStatuses; the refusal stored nothing, so the comment
                    // goes alone rather than the order failing (or looping) on the status.
                    logger.warning(
                        "Magento refused the status; posting the comment without it",
                        metadata: meta.merging(["ferry.error": "\(error)"]) { $1 })
                    status = nil
                    continue
                }
                // Refused: nothing was added, so a later run may try again.
                try await setLedger(key, request, order.entityID, comment: comment, status: status, state: nil)
                return .failed("order \(request.incrementID): \(error)")
            } catch let error as MagentoError {
                // The answer was lost or the store is struggling: the comment may be there already. Only the
                // order's history may decide a second POST; if it cannot be read, the row stays `posting` and the
                // error goes up, so the next attempt asks again first (as after a crash).
                logger.warning("comment post uncertain, checking the order's history", metadata: meta.merging(["ferry.error": "\(error)"]) { $1 })
                if try await historyHasComment(entityID: order.entityID, comment: comment, status: status) {
                    try await setLedger(key, request, order.entityID, comment: comment, status: status, state: "posted")
                    return .posted
                }
                // The store may still be working on it: the row stays `posting`, and a later attempt decides
                // once ``undecidedSeconds`` have passed (a look now would miss a comment still being added).
                if Self.mayStillRun(error) || attempt >= 3 { throw error }
                do {
                    try await Task.sleep(for: client.configuration.retry.delay(attempt: attempt))
                } catch {
                    // Stopping: the row stays `posting`, so the restart reads the history before posting.
                    throw MagentoError.stopped("order update")
                }
            }
        }
    }
}

/// Why an order gets no comment, for its fail record.
struct UpdateRefusal: Error {
    let message: String
}
