import FerryTestSupport
import Foundation
import Testing

/// Release binaries are built one way, `scripts/build-release` (the Swift runtime linked in). Its flag changes how
/// every module is compiled: a script building release another way would rebuild the whole package whenever it
/// and another alternate, and would install or time a binary that is not the one users get.
@Suite("release build")
struct ReleaseBuildTests {
    @Test func everyReleaseBuildGoesThroughTheOneScript() throws {
        var places: [(String, URL)] = []
        let scripts = packageRoot.appendingPathComponent("scripts")
        for name in try FileManager.default.contentsOfDirectory(atPath: scripts.path) where name != "build-release" {
            places.append(("scripts/\(name)", scripts.appendingPathComponent(name)))
        }
        let docs = packageRoot.appendingPathComponent("docs")
        for name in try FileManager.default.contentsOfDirectory(atPath: docs.path) where name.hasSuffix(".md") {
            places.append(("docs/\(name)", docs.appendingPathComponent(name)))
        }
        places.append(("README.md", packageRoot.appendingPathComponent("README.md")))
        for (name, url) in places {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n")
            where line.contains("swift build") && line.contains("release") && !line.contains("--show-bin-path") {
                Issue.record("\(name) builds a release binary without scripts/build-release: \(line)")
            }
        }
        let script = try String(contentsOf: scripts.appendingPathComponent("build-release"), encoding: .utf8)
        #expect(script.contains("swift build -c release --static-swift-stdlib"))
    }
}
