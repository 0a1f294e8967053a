import CCurl
import FerryCurl
import Testing

/// The one libcurl easy handle: an option curl refuses is an error naming the option, never ignored.
@Suite("libcurl easy handle")
struct CurlEasyTests {
    @Test func aRefusedOptionIsNamedInTheError() throws {
        let curl = try CurlEasy()
        try curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        // CURLUSESSL_ALL is the largest level curl knows; anything above is a bad argument.
        let refused = try #require(throws: CurlOptionError.self) { try curl.set(CURLOPT_USE_SSL, 99) }
        #expect(refused.option == "CURLOPT_USE_SSL")
        #expect(refused.code == CURLE_BAD_FUNCTION_ARGUMENT)
        #expect(refused.description.contains("CURLOPT_USE_SSL"))
    }

    @Test func anUnknownOptionIsNamedByItsNumber() throws {
        let curl = try CurlEasy()
        let refused = try #require(throws: CurlOptionError.self) { try curl.set(CURLoption(rawValue: 99_999), 1) }
        #expect(refused.option == "option 99999")
    }

    /// Nothing listens on port 1 of the loopback: a refused connection, which certainly never reached a server.
    @Test func aRefusedConnectionIsATransportErrorNeverSent() throws {
        let curl = try CurlEasy()
        try curl.set(CURLOPT_URL, "http://127.0.0.1:1/")
        try curl.set(CURLOPT_NOSIGNAL, 1)
        let failure = try #require(throws: CurlTransportError.self) { try curl.perform() }
        #expect(failure.neverSent)
        #expect(curl.responseCode == 0)
    }
}
