import FerryState
import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox
import Testing

@Suite struct JSONAndSigningTests {
    @Test func amountsKeepEveryDigit() throws {
        let json = try JSONValue.parse(#"{"a":56.47,"b":0.1,"c":0.2,"d":1234567890.123456789,"e":-0.005,"f":1e2}"#)
        #expect(json["a"]?.decimal == Decimal(string: "56.47"))
        #expect(json["a"]?.text == "56.47")
        #expect((json["b"]!.decimal! + json["c"]!.decimal!) == Decimal(string: "0.3"))
        #expect(json["d"]?.decimal?.description == "1234567890.123456789")
        #expect(json["e"]?.decimal == Decimal(string: "-0.005"))
        #expect(json["f"]?.int == 100)
        #expect(JSONValue.decimal(Decimal(string: "56.47")!).serialized == "56.47")
    }

    @Test func parsesEscapesAndRejectsGarbage() throws {
        let json = try JSONValue.parse(#"{"s":"a\"b\\c\u00e9\ud83d\ude00\n","arr":[true,false,null]}"#)
        #expect(json["s"]?.text == "a\"b\\cé😀\n")
        #expect(json["arr"]?.array?.count == 3)
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"a\":}") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1,]") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("01") }
    }

    /// RFC 5849 section 3.4.1.1's example, typed from the RFC: the base string must match byte for byte.
    @Test func baseStringMatchesRFC5849Example() {
        let params: [(String, String)] = [
            ("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b"), ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"), ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"), ("oauth_nonce", "7d8f3e4a"), ("c2", ""), ("a3", "2 q"),
        ]
        let expected =
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        #expect(OAuth1Signer.baseString(method: "POST", baseURI: "http://example.com/request", parameters: params) == expected)
    }

    /// The photos example (consumer dpf43f3p2l4k3l03, secrets kd94hf93k423kf44 / pfkkdhi9sl3r4s00): base string and
    /// HMAC-SHA1 as published; HMAC-SHA256 over the same base string worked out with an independent HMAC.
    @Test func signatureMatchesPublishedVector() {
        let signer = OAuth1Signer(
            credentials: OAuth1Credentials(
                consumerKey: "dpf43f3p2l4k3l03", consumerSecret: "kd94hf93k423kf44", accessToken: "nnch734d00sl2jdk",
                accessTokenSecret: "pfkkdhi9sl3r4s00"), method: .hmacSHA1)
        let header = signer.authorizationHeader(
            method: "GET", url: "http://photos.example.net/photos?file=vacation.jpg&size=original",
            nonce: "kllo9940pd9333jh", timestamp: 1_191_242_096)
        #expect(header.contains(#"oauth_signature="tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D""#))
        let base =
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
        #expect(
            OAuth1Signer.signature(
                baseString: base, consumerSecret: "kd94hf93k423kf44", tokenSecret: "pfkkdhi9sl3r4s00", method: .hmacSHA256)
                == "0gCtTYQAxqCKhIE0sltgx7UgHkAs10vrpuYE7xpRBnE=")
    }

    @Test func errorParametersAreSubstituted() {
        #expect(MagentoError.substitute("The \"%1\" SKU", parameters: ["A/B"]) == "The \"A/B\" SKU")
        #expect(
            MagentoError.substitute("access %resources.", parameters: ["resources": "Magento_Sales::sales"])
                == "access Magento_Sales::sales.")
    }
}

@Suite struct ClientAgainstSandboxTests {
    @Test func oauthSignedRequestsAreAccepted() async throws {
        let credentials = OAuth1Credentials(
            consumerKey: "ck-1", consumerSecret: "cs/+secret", accessToken: "at-1", accessTokenSecret: "ats&x")
        var options = MagentoSandboxOptions()
        options.oauthCredentials = [credentials]
        try await withSandbox(orders: 5, options: options, auth: .oauth1(credentials)) { sandbox, client, _ in
            let page = try await client.searchOrders(
                SearchCriteria(groups: [.init([.init("increment_id", .like, "1000%")])], pageSize: 10, currentPage: 1))
            #expect(page.totalCount == 5)
            #expect(await sandbox.store.requestLog().last?.auth == "oauth")
        }
        // A wrong secret is refused with Magento's 401 and its parameter substituted.
        let wrong = OAuth1Credentials(consumerKey: "ck-1", consumerSecret: "nope", accessToken: "at-1", accessTokenSecret: "ats&x")
        try await withSandbox(orders: 1, options: options, auth: .oauth1(wrong)) { _, client, _ in
            await #expect {
                _ = try await client.order(entityID: 1)
            } throws: { error in
                "\(error)".contains("isn't authorized to access Magento_Sales::sales") && (error as? MagentoError)?.status == 401
            }
        }
    }

    @Test func errorsSubstituteParametersAndNeverCarryTheToken() async throws {
        try await withSandbox(orders: 1) { sandbox, client, _ in
            do {
                try await client.updateStockItem(sku: "NO/SUCH SKU", qty: 1, isInStock: true)
                Issue.record("expected a 404")
            } catch {
                let text = "\(error)"
                #expect(text.contains("The Product with the \"NO/SUCH SKU\" SKU doesn't exist."))
                #expect(text.contains("HTTP 404"))
                #expect(text.contains("PUT /rest/default/V1/products/NO%2FSUCH%20SKU/stockItems/1"))
                #expect(!text.contains(testToken))
                #expect(!String(reflecting: error).contains(testToken))
            }
            // The SKU arrived as one path segment, slash included.
            #expect(await sandbox.store.requestLog().last?.path == "/rest/default/V1/products/NO/SUCH SKU/stockItems/1")
            sandbox.updateOptions { $0.maintenance = true }
            do {
                _ = try await client.order(entityID: 1)
                Issue.record("expected maintenance")
            } catch let error as MagentoError {
                #expect(error.code == .maintenance)
                #expect("\(error)".contains("maintenance mode"))
                #expect(!"\(error)".contains(testToken))
            }
        }
        // Bad token: 401, never retried, message without the token.
        try await withSandbox(orders: 1, auth: .bearer("wrong-" + testToken)) { sandbox, client, _ in
            do {
                _ = try await client.order(entityID: 1)
            } catch {
                #expect(!"\(error)".contains(testToken))
                #expect((error as? MagentoError)?.status == 401)
            }
            #expect(await sandbox.store.requestLog().count == 1)
        }
    }

    @Test(arguments: SearchCriteria.Condition.allCases)
    func everyConditionTypeFilters(_ condition: SearchCriteria.Condition) async throws {
        try await withSandbox(orders: 30) { sandbox, client, _ in
            let value: String
            let field: String
            switch condition {
            case .like, .nlike: (field, value) = ("customer_email", "jane%")
            case .in, .nin: (field, value) = ("entity_id", "3,5,8,13")
            case .finset, .nfinset: (field, value) = ("order_currency_code", "GBP")
            case .null, .notnull: (field, value) = ("coupon_code", "")
            default: (field, value) = ("entity_id", "12")
            }
            let page = try await client.searchOrders(
                SearchCriteria(groups: [.init([.init(field, condition, value)])], sortOrders: [("entity_id", true)]))
            let ids = page.items.compactMap { $0["entity_id"]?.int }
            var all: [(Int, JSONValue)] = []
            for id in 1...30 { all.append((id, await sandbox.store.order(id)!)) }
            let expected = all.filter { id, order in
                let text = order[field].flatMap { $0.isNull ? nil : $0.text }
                switch condition {
                case .eq: return id == 12
                case .neq: return id != 12
                case .gt: return id > 12
                case .gteq, .moreq, .from: return id >= 12
                case .lt: return id < 12
                case .lteq, .to: return id <= 12
                case .like: return text?.lowercased().hasPrefix("jane") == true
                case .nlike: return text.map { !$0.lowercased().hasPrefix("jane") } ?? false
                case .in: return [3, 5, 8, 13].contains(id)
                case .nin: return ![3, 5, 8, 13].contains(id)
                case .finset: return text == "GBP"
                case .nfinset: return text != nil && text != "GBP"
                case .null: return text == nil
                case .notnull: return text != nil
                }
            }.map(\.0)
            #expect(ids == expected)
            #expect(page.totalCount == expected.count)
            #expect(!expected.isEmpty)
        }
    }

    @Test func groupsAreAndedAndFiltersOred() async throws {
        try await withSandbox(orders: 30) { _, client, _ in
            let criteria = SearchCriteria(
                groups: [
                    .init([.init("entity_id", .lt, "5"), .init("entity_id", .gt, "25")]),
                    .init([.init("entity_id", .neq, "2")]),
                ], sortOrders: [("entity_id", false)])
            let ids = try await client.searchOrders(criteria).items.compactMap { $0["entity_id"]?.int }
            #expect(ids == [30, 29, 28, 27, 26, 4, 3, 1])
        }
    }
}
