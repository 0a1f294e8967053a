import FerryConsole
import FerryPipeline
import Foundation
import Testing

/// The `console` section: off unless present, loopback by default, a password (never literal) for anything else.
@Suite struct ConsoleSettingsTests {
    func settings(_ section: String?) throws -> (ConsoleSettings?, [ConfigProblem]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-console-settings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("inbox/in"), withIntermediateDirectories: true)
        let text = """
            { \(section.map { "\"console\": \($0)," } ?? "")
              "stages": [ { "name": "probe", "watch": "inbox/in", "task": "probe", "outputs": {} } ] }
            """
        let file = root.appendingPathComponent("config.json")
        try Data(text.utf8).write(to: file)
        let config = try ConfigLoader.load(file: file, registry: TaskRegistry([ProbeTask.kind])).0
        let problems = ConsoleSettings.problems(in: config)
        return (problems.contains { !$0.isWarning } ? nil : try ConsoleSettings.from(config: config), problems)
    }

    @Test func offUnlessConfigured() throws {
        let (settings, problems) = try settings(nil)
        #expect(settings == nil)
        #expect(problems.isEmpty)
    }

    @Test func loopbackNeedsNoPassword() throws {
        let (settings, problems) = try settings(#"{"listen": "127.0.0.1:8484"}"#)
        #expect(problems.isEmpty)
        #expect(settings?.host == "127.0.0.1")
        #expect(settings?.port == 8484)
        #expect(settings?.isLoopback == true)
        #expect(try self.settings(#"{"listen": "[::1]:9000"}"#).0?.host == "::1")
    }

    @Test func anyOtherAddressNeedsAPasswordReference() throws {
        let (_, problems) = try settings(#"{"listen": "0.0.0.0:8484"}"#)
        #expect(problems.map(\.path) == ["console.password"])
        #expect(problems.first?.message.contains("not a loopback address") == true)
        let (settings, none) = try settings(#"{"listen": "0.0.0.0:8484", "password": "credential:console-password"}"#)
        #expect(none.isEmpty)
        #expect(settings?.isLoopback == false)
    }

    @Test func aLiteralPasswordIsRefused() throws {
        let (_, problems) = try settings(#"{"listen": "127.0.0.1:8484", "password": "hunter2"}"#)
        #expect(problems.map(\.path) == ["console.password"])
        #expect(problems.first?.description.contains("hunter2") == false)
    }

    @Test(arguments: [
        (#"{"listen": "8484"}"#, "console.listen"), (#"{"listen": "localhost:99999"}"#, "console.listen"),
        (#"{"port": 8484}"#, "console.port"), (#"{"listen": 8484}"#, "console.listen"),
    ])
    func mistakesNameTheirKey(section: String, path: String) throws {
        let (_, problems) = try settings(section)
        #expect(problems.map(\.path).contains(path), "\(problems)")
    }
}
