public import MagentoConnector

/// How the sandbox behaves: which Magento version's quirks, limits, auth and faults.
public struct MagentoSandboxOptions: Sendable {
    /// What a page past the last one returns.
    public enum PastLastPage: String, Sendable {
        /// Magento <= 2.3: the last page again.
        case clamp
        /// Magento 2.4: an empty items list.
        case empty
    }

    public var pastLastPage: PastLastPage = .empty
    /// Web API input limits (max pageSize 300, default 20, arrays of at most `maxArrayItems`).
    public var inputLimits: Bool = false
    public var maxArrayItems: Int = 20
    /// Bearer tokens accepted (integration or admin tokens).
    public var bearerTokens: [String] = ["sandbox-token"]
    /// OAuth 1.0a integrations accepted (HMAC-SHA256 signatures are verified).
    public var oauthCredentials: [OAuth1Credentials] = []
    /// Answer every call with the 503 HTML maintenance page.
    public var maintenance: Bool = false
    /// Statuses the merchant created and assigned to states (status -> states), on top of Magento 2.4's stock
    /// pairs (``OrderStatusRules/stock``): a comment may set a status only if the order's state has it.
    public var customStatuses: [String: [String]] = [:]
    /// MSI source codes that exist.
    public var sources: [String] = ["default"]
    /// Injected faults.
    public var faults: SandboxFaults = .init()
    /// Records request/response pairs (for contract tests).
    public var recordRequests: Bool = true
    /// The store's tax configuration, which prices the generated orders.
    public var taxSettings = MagentoTaxSettings()

    /// Creates options.
    public init(
        pastLastPage: PastLastPage = .empty, inputLimits: Bool = false, bearerTokens: [String] = ["sandbox-token"],
        oauthCredentials: [OAuth1Credentials] = [], faults: SandboxFaults = .init()
    ) {
        self.pastLastPage = pastLastPage
        self.inputLimits = inputLimits
        self.bearerTokens = bearerTokens
        self.oauthCredentials = oauthCredentials
        self.faults = faults
    }
}

/// Faults injected into REST calls, decided by a seeded random source (repeatable runs).
public struct SandboxFaults: Sendable {
    /// Added to every answer, in milliseconds.
    public var latencyMilliseconds: Int = 0
    /// Fractions (0...1) of calls answered 500 / 503 (HTML) / 429 (Retry-After) before doing anything.
    public var rate500: Double = 0
    public var rate503: Double = 0
    public var rate429: Double = 0
    /// Fraction of calls processed, then cut off mid-answer (the effect happened, the client never hears).
    public var dropAfterEffect: Double = 0
    /// Fraction of calls processed, then answered by closing the TCP connection with no byte of answer (a proxy or
    /// PHP-FPM dying after the commit). On a kept-alive connection this is the case libcurl re-sends silently.
    public var applyThenDrop: Double = 0
    /// Fraction of calls whose answer stalls half-way (the client's stall timeout must fire).
    public var stallBody: Double = 0
    /// Seconds a stalled body hangs before the server gives up.
    public var stallSeconds: Double = 30
    /// Fraction of calls that change data (not GETs) that the store goes on working on after the client gave
    /// up: held ``lateSeconds`` (past the client's timeout, as a gateway that answered 504 while PHP went on, or
    /// a slow customer email), then applied whatever became of the connection (with ``gatewayStatus``, answered
    /// at once instead). A look at the order right after the timeout misses it.
    public var applyLate: Double = 0
    /// Seconds a late call is held before it is applied.
    public var lateSeconds: Double = 5
    /// False: a late call is dropped when its time is up, never applied (the request died behind the gateway).
    public var lateApplies = true
    /// Non-nil: a late call is answered at once with this status and Varnish's error page ("Backend fetch
    /// failed"), as a gateway in front of the store does when it gives up, while the call goes on behind it.
    public var gatewayStatus: Int?
    public var seed: UInt64 = 42

    /// No faults.
    public init() {}

    /// Faults with the given rates.
    public init(
        rate500: Double = 0, rate503: Double = 0, rate429: Double = 0, dropAfterEffect: Double = 0,
        stallBody: Double = 0, latencyMilliseconds: Int = 0, applyThenDrop: Double = 0, seed: UInt64 = 42
    ) {
        self.applyThenDrop = applyThenDrop
        self.rate500 = rate500
        self.rate503 = rate503
        self.rate429 = rate429
        self.dropAfterEffect = dropAfterEffect
        self.stallBody = stallBody
        self.latencyMilliseconds = latencyMilliseconds
        self.seed = seed
    }
}

/// One call as the sandbox saw it.
public struct SandboxLogEntry: Sendable {
    public let method: String
    /// Path without query, percent-decoded per segment as Magento routes it, e.g. `/rest/default/V1/orders`.
    public let path: String
    /// The route template, e.g. `/V1/orders/{id}/comments`.
    public let route: String
    public let query: [(String, String)]
    public let requestBody: String?
    public let status: Int
    public let responseBody: String
    /// The fault injected, if any: `500`, `503`, `429`, `drop`, `stall`, `applyThenDrop`.
    public let fault: String?
    /// `bearer` or `oauth` (never the token itself).
    public let auth: String?
}
