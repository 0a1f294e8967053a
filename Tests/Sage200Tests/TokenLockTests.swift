import FerryTestSupport
import Foundation
import Sage200Connector
@testable import Sage200Sandbox
import Testing

/// Two processes on one token file: the refresh token rotates, so the second to refresh must use the token the
/// first stored (the flock beside the file, the file read again under it), never its own dead copy.
@Suite struct TokenLockTests {
    @Test func twoIndependentClientsOnOneTokenFileNeverLoseTheRotatedToken() async throws {
        try await withSage200 { sage in
            // Two authenticators, as two ferry processes would have: each reads the file once and keeps it.
            let first = sage.freshClient()
            let second = sage.freshClient()
            #expect(try await first.getAll("/warehouses").count == 3)
            #expect(try await second.getAll("/warehouses").count == 3)
            let seeded = await sage.server.store.taxCodes.count
            for round in 1...3 {
                await sage.server.store.expireAccessTokens()
                // Both meet a 401 and refresh with the refresh token they hold; one refresh reaches Sage ID.
                async let a = first.getAll("/tax_codes")
                async let b = second.getAll("/tax_codes")
                let (one, two) = try await (a, b)
                #expect(one.count == seeded && two.count == seeded)
                #expect(await sage.server.store.refreshCount == round)
            }
            // The file holds the live refresh token: a third process refreshes with it.
            await sage.server.store.expireAccessTokens()
            #expect(try await sage.freshClient().getAll("/currencies").count == 3)
        }
    }

    @Test func theLockIsExclusiveAcrossOpenFiles() async throws {
        try await withTemporaryDirectory { dir in
            let file = Sage200TokenFile(url: dir.appendingPathComponent("token.json"))
            let held = try Sage200TokenLock.acquire(beside: file)
            // flock(1) from another process cannot take it while it is held, and can once it is released.
            let lockPath = file.url.path + ".lock"
            #expect(try runProcess("/usr/bin/env", ["flock", "-n", lockPath, "true"]).status != 0)
            held.release()
            #expect(try runProcess("/usr/bin/env", ["flock", "-n", lockPath, "true"]).status == 0)
        }
    }
}
