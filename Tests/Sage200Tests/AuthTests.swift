import Foundation
import Sage200Connector
@testable import Sage200Sandbox
import Testing

/// Sage ID's authorization-code flow, rotating refresh tokens, the token file, the site/company pair.
@Suite struct AuthTests {
    @Test func authorizationStoresTheTokensPrivately() async throws {
        try await withSage200 { sage in
            let path = sage.auth.tokenFile.path
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let tokens = try #require(try Sage200TokenFile(url: sage.auth.tokenFile).load())
            #expect(tokens.refreshToken.hasPrefix("rt-"))
            let sites = try await sage.client.sites()
            #expect(sites.map(\.siteId) == [Sage200SandboxStore.siteId])
        }
    }

    @Test func concurrentCallsShareOneRefreshAndEachRotatedTokenIsStoredFirst() async throws {
        try await withSage200 { sage in
            let before = try #require(try Sage200TokenFile(url: sage.auth.tokenFile).load())
            await sage.server.store.expireAccessTokens()
            // The stored access token is still "valid" by its own clock: the 401 makes the client refresh.
            let seeded = await sage.server.store.taxCodes.count
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await sage.client.getAll("/tax_codes").count } }
                for try await count in group { #expect(count == seeded) }
            }
            #expect(await sage.server.store.refreshCount == 1)
            let after = try #require(try Sage200TokenFile(url: sage.auth.tokenFile).load())
            #expect(after.refreshToken != before.refreshToken)
            // A second process reading the file works with the rotated token (the old one is dead at Sage).
            let other = sage.freshClient()
            await sage.server.store.expireAccessTokens()
            #expect(try await other.getAll("/currencies").count == 3)
        }
    }

    @Test func tokenExpiringMidBatchIsRefreshedOnce() async throws {
        try await withSage200(options: Sage200SandboxOptions(accessTokenSeconds: 60)) { sage in
            // expires_in 60 s is inside the refresh margin (120 s): every call refreshes first, never with a dead
            // token. Not 1 s: on a loaded machine a token issued then could die before its call reached the stand-in
            // (a 401 with a fresh token, reported as "authorize again").
            for _ in 0..<3 {
                let warehouses = try await sage.client.getAll("/warehouses")
                #expect(warehouses.count == 3)
            }
            #expect(await sage.server.store.refreshCount >= 1)
        }
    }

    @Test func anExpiredRefreshTokenSaysWhatToRun() async throws {
        try await withSage200 { sage in
            await sage.server.store.ageRefreshChain(days: 91)
            await sage.server.store.expireAccessTokens()
            let error = await #expect(throws: Sage200Error.self) { _ = try await sage.client.getAll("/tax_codes") }
            #expect(error?.code == .reauthorize)
            #expect(error?.description.contains("ferry sage200 authorize") == true)
            #expect(error?.description.contains("rt-") == false)
        }
    }

    @Test func aWrongSiteOrCompanyIsReportedAsSuch() async throws {
        try await withSage200 { sage in
            let wrong = sage.freshClient(company: "7")
            let error = await #expect(throws: Sage200Error.self) { _ = try await wrong.getAll("/tax_codes") }
            #expect(error?.description.contains("is not among the sites") == true)
            #expect(error?.description.contains(Sage200SandboxStore.siteName) == true)
        }
    }
}
