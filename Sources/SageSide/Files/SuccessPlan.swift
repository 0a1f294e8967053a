public import Foundation

/// One record in which Sage gives an order its number: a success record, or a restarted job's fail record
/// "already imported as N (PreventDuplicates)".
public struct SageSuccess: Sendable, Hashable {
    /// `Id` (Magento entity id).
    public var id: String?
    /// `CustomerOrderNumber` (Magento increment id).
    public var customerOrderNumber: String?
    /// Sage's number as the file gives it (`SalesOrderNumber`, or the number in the fail record's reason).
    public var salesOrderNumber: String?
    /// The record's line in its file, for messages.
    public var line: Int

    /// Creates a record.
    public init(id: String?, customerOrderNumber: String?, salesOrderNumber: String?, line: Int) {
        self.id = id.flatMap { $0.isEmpty ? nil : $0 }
        self.customerOrderNumber = customerOrderNumber.flatMap { $0.isEmpty ? nil : $0 }
        self.salesOrderNumber = salesOrderNumber
        self.line = line
    }

    /// The order as people know it: the increment id, else the entity id.
    public var orderName: String {
        if let increment = customerOrderNumber { return id.map { "\(increment) (entity \($0))" } ?? increment }
        return id.map { "entity \($0)" } ?? "?"
    }
}

/// An order Sage confirmed for the first time: its number goes into the ledger and Magento is told, once.
public struct ConfirmedSuccess: Sendable, Hashable {
    /// The record, with its number checked.
    public var record: SageSuccess
    /// The order's ledger row (nil when mapping without a ledger).
    public var entry: LedgerEntry?
    /// Sage's number, checked (digits only).
    public var number: String
    /// The increment id to find the Magento order by: the record's, else the ledger's.
    public var incrementId: String? { record.customerOrderNumber ?? entry?.externalRef }
}

/// A record ferry reports instead of acting on.
public struct RejectedSuccess: Sendable, Hashable {
    /// The record.
    public var record: SageSuccess
    /// Why: names the order, the numbers and what to do.
    public var reason: String
}

/// What to do with one file's success records, decided before anything is written: a record whose number is
/// missing or not a number, an order given two numbers, an order the ledger has under another number or never
/// sent are reported and change nothing; an order seen again with the number the ledger has is a no-op.
public struct SuccessPlan: Sendable {
    /// Orders to record and tell Magento about, in file order.
    public var confirmed: [ConfirmedSuccess] = []
    /// Records that repeat a number already known (in the ledger or earlier in the file).
    public var repeated = 0
    /// Records reported and left alone, in file order.
    public var rejected: [RejectedSuccess] = []

    /// An empty plan.
    public init() {}

    /// Digits only, as Sage 50 and Sage 200 number sales orders; the longest Sage allows is 10.
    static let numberLimit = 10

    /// Decides on `records`.
    ///
    /// - Parameter lookup: what the ledger says about an order and a checked number; nil maps without a ledger
    ///   (every well-formed order counts as confirmed for the first time).
    public static func make(
        _ records: [SageSuccess], lookup: ((SageSuccess, String) throws -> SageConfirmation)?
    ) throws -> SuccessPlan {
        var plan = SuccessPlan()
        // Orders in file order with the checked numbers of their records; one order may appear several times.
        var order: [String] = []
        var groups: [String: [(record: SageSuccess, number: String)]] = [:]
        for record in records {
            if let reason = problem(record) {
                plan.rejected.append(RejectedSuccess(record: record, reason: reason))
                continue
            }
            let number = record.salesOrderNumber!.trimmingCharacters(in: .whitespacesAndNewlines)
            let key = record.id.map { "id:\($0)" } ?? "ref:\(record.customerOrderNumber!)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((record, number))
        }
        for key in order {
            let group = groups[key]!
            let first = group[0].record
            let numbers = group.reduce(into: [String]()) { if !$0.contains($1.number) { $0.append($1.number) } }
            guard numbers.count == 1 else {
                let lines = group.map { "\($0.number) (line \($0.record.line))" }.joined(separator: ", ")
                for (record, _) in group {
                    plan.rejected.append(RejectedSuccess(
                        record: record,
                        reason: "Sage gave order \(first.orderName) \(numbers.count) different numbers: \(lines). "
                            + "It may be in Sage twice: check Sage; nothing was recorded or posted to Magento"))
                }
                continue
            }
            let number = numbers[0]
            plan.repeated += group.count - 1
            guard let lookup else {
                plan.confirmed.append(ConfirmedSuccess(record: first, entry: nil, number: number))
                continue
            }
            switch try lookup(first, number) {
            case .first(let entry):
                plan.confirmed.append(ConfirmedSuccess(record: first, entry: entry, number: number))
            case .repeated:
                plan.repeated += 1
            case .conflicting(let entry):
                plan.rejected.append(RejectedSuccess(
                    record: first,
                    reason: "order \(first.orderName) is Sage order \(entry.internalId ?? "?") in the ledger, but "
                        + "line \(first.line) says Sage order \(number). It may be in Sage twice: check Sage; "
                        + "nothing was changed or posted to Magento"))
            case .unsent:
                plan.rejected.append(RejectedSuccess(
                    record: first,
                    reason: "order \(first.orderName) (Sage order \(number), line \(first.line)) is not in ferry's "
                        + "ledger: ferry never sent it to Sage. Check where it came from; Magento was not told"))
            }
        }
        return plan
    }

    /// Why a record cannot be acted on by itself, or nil.
    static func problem(_ record: SageSuccess) -> String? {
        guard record.id != nil || record.customerOrderNumber != nil else {
            return "the record on line \(record.line) has neither Id nor CustomerOrderNumber: "
                + "Sage order \(shown(record.salesOrderNumber)) cannot be matched to a Magento order"
        }
        guard let text = record.salesOrderNumber?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
        else {
            return "order \(record.orderName) (line \(record.line)) has no SalesOrderNumber: Sage's number is "
                + "unknown, so Magento was not told; look the order up in Sage"
        }
        guard text.count <= numberLimit, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return "order \(record.orderName) (line \(record.line)) has SalesOrderNumber \(shown(text)), not a "
                + "Sage order number (up to \(numberLimit) digits): Magento was not told; look the order up in Sage"
        }
        return nil
    }

    /// A value from the file, quoted and cut short for a message.
    static func shown(_ value: String?) -> String {
        guard let value else { return "(none)" }
        let cut = value.count > 40 ? String(value.prefix(40)) + "..." : value
        return String(reflecting: cut)
    }
}
