import Foundation

/// How the Sage 200 stand-in behaves: its OAuth client, token lifetimes, faults.
public struct Sage200SandboxOptions: Sendable {
    /// The OAuth client the token endpoint accepts.
    public var clientId = "ferry-sandbox-client"
    /// Its secret.
    public var clientSecret = "ferry-sandbox-secret"
    /// Seconds an access token lives (`expires_in`); short values test expiry mid-batch.
    public var accessTokenSeconds = 480
    /// Days a refresh token chain lives from the authorization (Sage's form lets the client choose; 90 is usual).
    public var refreshTokenDays = 90.0
    /// Faults to inject.
    public var faults = Sage200Faults()
    /// Keep every exchange for ``Sage200SandboxStore/requestLog()`` (the contract test reads it).
    public var recordRequests = false

    /// Creates options with the defaults.
    public init(
        accessTokenSeconds: Int = 480, faults: Sage200Faults = .init(), recordRequests: Bool = false
    ) {
        self.accessTokenSeconds = accessTokenSeconds
        self.faults = faults
        self.recordRequests = recordRequests
    }
}

/// Faults the stand-in injects, each a probability per API call (0...1), decided by a seeded generator.
public struct Sage200Faults: Sendable {
    /// 429 Too Many Requests with `Retry-After: 1`, before anything is done.
    public var rate429 = 0.0
    /// 503 or 504 (the gateway or the on-premise tunnel), before anything is done.
    public var rate5xx = 0.0
    /// `POST /sop_orders` and `POST /customers`: the record is created, then the connection is cut before the answer.
    public var dropAfterApply = 0.0
    /// `POST /sop_orders` and `POST /customers`: the record is created, then the connection is closed before one
    /// byte of the answer leaves. On a kept-alive connection libcurl would send such a request again by itself.
    public var applyThenDrop = 0.0
    /// `POST /sop_orders` and `POST /customers`: the gateway answers 504 at once, and the record is created
    /// ``lateMilliseconds`` later (never, with ``lateApplies`` false), as when the on-premise server behind the
    /// gateway's timeout is still working.
    public var applyLate = 0.0
    /// How long after its 504 a late POST is applied.
    public var lateMilliseconds = 500
    /// False: a late POST is dropped instead (the server never got to it).
    public var lateApplies = true
    /// Every answer waits this long first.
    public var latencyMilliseconds = 0
    /// Seed of the fault dice.
    public var seed: UInt64 = 42

    /// Creates faults.
    public init(
        rate429: Double = 0, rate5xx: Double = 0, dropAfterApply: Double = 0, applyThenDrop: Double = 0,
        applyLate: Double = 0, latencyMilliseconds: Int = 0, seed: UInt64 = 42
    ) {
        self.rate429 = rate429
        self.rate5xx = rate5xx
        self.dropAfterApply = dropAfterApply
        self.applyThenDrop = applyThenDrop
        self.applyLate = applyLate
        self.latencyMilliseconds = latencyMilliseconds
        self.seed = seed
    }

    /// A fault rate split evenly: `rate` of the calls fail, a third each 429, 5xx, and (on creating POSTs) drops.
    public static func mixed(_ rate: Double, seed: UInt64 = 42) -> Sage200Faults {
        Sage200Faults(rate429: rate / 3, rate5xx: rate / 3, dropAfterApply: rate / 3, seed: seed)
    }
}
